package core

import (
	"context"
	"errors"
	"strings"

	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/topic"
)

// openTopics starts the topic service, delivering sqs subscriptions into
// the queue service.
func (c *Core) openTopics() error {
	t, err := topic.Open(topic.Config{
		Store: c.store, Clock: c.clock, Events: publisher{c}, Metrics: c.metrics,
		Region: c.cfg.Region, Account: c.cfg.Account,
		Queues: queueSender{c}, Functions: topicFunctions{c}, Chaos: c.chaos,
	})
	if err != nil {
		return err
	}
	c.topics = t
	return nil
}

func (c *Core) closeTopics() error {
	if c.topics == nil {
		return nil
	}
	return c.topics.Close()
}

// Topics returns the SNS-compatible topic service.
func (c *Core) Topics() *topic.Service { return c.topics }

// queueSender delivers topic messages into local queues.
type queueSender struct{ c *Core }

// SendToQueue sends m to the queue an ARN of this region and account names.
// Errors that retrying cannot fix (no such queue, a message the queue
// rejects) are permanent.
func (q queueSender) SendToQueue(ctx context.Context, arn string, m topic.QueueMessage) error {
	prefix := "arn:aws:sqs:" + q.c.cfg.Region + ":" + q.c.cfg.Account + ":"
	name, ok := strings.CutPrefix(arn, prefix)
	if !ok || name == "" {
		return &topic.DeliveryError{Permanent: true, Reason: "queue not found: " + arn}
	}
	in := queue.SendInput{Body: m.Body, MessageGroupID: m.MessageGroupID, MessageDeduplicationID: m.DeduplicationID}
	if len(m.MessageAttributes) > 0 {
		in.MessageAttributes = make(map[string]queue.MessageAttribute, len(m.MessageAttributes))
		for k, a := range m.MessageAttributes {
			in.MessageAttributes[k] = queue.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
		}
	}
	_, err := sendQueue(ctx, q.c.queues, q.c.chaos, name, in)
	if err == nil {
		return nil
	}
	var qe *queue.Error
	if errors.As(err, &qe) && qe.Code != queue.InternalError && qe.Code != queue.RequestThrottled {
		return &topic.DeliveryError{Permanent: true, Reason: "queue " + name + ": " + qe.Error()}
	}
	return &topic.DeliveryError{Reason: "queue " + name + ": " + err.Error()}
}
