package core

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/topic"
)

// Functions returns the local function service.
func (c *Core) Functions() *function.Service { return c.functions }

// openFunctions starts the function service with the queue service as its
// queue event source and on-failure destination. (Streams: set
// Config.Streams to an adapter of the stream service once it exists.)
func (c *Core) openFunctions() error {
	qs := functionQueues{c.queues}
	f, err := function.Open(function.Config{
		Store: c.store, Clock: c.clock, Events: publisher{c}, Metrics: c.metrics,
		Region: c.cfg.Region, Account: c.cfg.Account,
		Queues: qs, Destinations: functionDestinations{queues: qs, c: c},
		Streams: functionStreams{c},
	})
	if err != nil {
		return err
	}
	c.functions = f
	return nil
}

// functionQueues adapts the queue service to function.QueueSource.
type functionQueues struct{ q *queue.Service }

func (a functionQueues) QueueInfo(name string) (function.QueueInfo, error) {
	attrs, err := a.q.GetQueueAttributes(name, []string{"QueueArn", "VisibilityTimeout", "FifoQueue"})
	if err != nil {
		return function.QueueInfo{}, err
	}
	vt, _ := strconv.Atoi(attrs["VisibilityTimeout"])
	return function.QueueInfo{ARN: attrs["QueueArn"], FIFO: attrs["FifoQueue"] == "true",
		VisibilityTimeout: time.Duration(vt) * time.Second}, nil
}

func (a functionQueues) Receive(ctx context.Context, name string, max int, wait time.Duration) ([]function.QueueMessage, error) {
	w := int(wait / time.Second)
	msgs, err := a.q.ReceiveMessage(ctx, name, queue.ReceiveInput{MaxNumberOfMessages: max, WaitTimeSeconds: &w,
		AttributeNames: []string{"All"}, MessageAttributeNames: []string{"All"}})
	if err != nil {
		return nil, err
	}
	out := make([]function.QueueMessage, len(msgs))
	for i, m := range msgs {
		var attrs map[string]function.QueueMessageAttribute
		if len(m.MessageAttributes) > 0 {
			attrs = make(map[string]function.QueueMessageAttribute, len(m.MessageAttributes))
			for k, v := range m.MessageAttributes {
				attrs[k] = function.QueueMessageAttribute{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
			}
		}
		out[i] = function.QueueMessage{MessageID: m.MessageID, ReceiptHandle: m.ReceiptHandle, Body: m.Body,
			MD5OfBody: m.MD5OfBody, MD5OfMessageAttributes: m.MD5OfMessageAttributes, Attributes: m.Attributes,
			MessageAttributes: attrs}
	}
	return out, nil
}

func (a functionQueues) ChangeVisibility(ctx context.Context, name string, handles []string, timeout time.Duration) error {
	var errs []error
	for start := 0; start < len(handles); start += 10 {
		chunk := handles[start:min(start+10, len(handles))]
		entries := make([]queue.VisibilityBatchEntry, len(chunk))
		for i, h := range chunk {
			entries[i] = queue.VisibilityBatchEntry{ID: strconv.Itoa(i), ReceiptHandle: h, VisibilityTimeout: int(timeout / time.Second)}
		}
		res, err := a.q.ChangeMessageVisibilityBatch(ctx, name, entries)
		errs = append(errs, err, batchErrors(res))
	}
	return errors.Join(errs...)
}

func (a functionQueues) Delete(ctx context.Context, name string, handles []string) error {
	var errs []error
	for start := 0; start < len(handles); start += 10 {
		chunk := handles[start:min(start+10, len(handles))]
		entries := make([]queue.DeleteBatchEntry, len(chunk))
		for i, h := range chunk {
			entries[i] = queue.DeleteBatchEntry{ID: strconv.Itoa(i), ReceiptHandle: h}
		}
		res, err := a.q.DeleteMessageBatch(ctx, name, entries)
		errs = append(errs, err, batchErrors(res))
	}
	return errors.Join(errs...)
}

// batchErrors joins the failed entries of a batch call.
func batchErrors(res []queue.BatchEntryResult[struct{}]) error {
	var errs []error
	for _, r := range res {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}

// functionDestinations delivers on-failure records to queues and topics.
type functionDestinations struct {
	queues functionQueues
	c      *Core // topics open after functions: looked up per delivery
}

func (d functionDestinations) Deliver(ctx context.Context, arn string, body []byte) error {
	if name, ok := strings.CutPrefix(arn, "arn:aws:sqs:"); ok {
		_, err := d.queues.q.SendMessage(ctx, name[strings.LastIndexByte(name, ':')+1:], queue.SendInput{Body: string(body)})
		return err
	}
	if strings.HasPrefix(arn, "arn:aws:sns:") && d.c != nil && d.c.topics != nil {
		_, err := d.c.topics.Publish(ctx, topic.PublishInput{TopicARN: arn, Message: string(body)})
		return err
	}
	return errors.New("unsupported on-failure destination " + arn + " (want an SQS queue or SNS topic ARN)")
}
