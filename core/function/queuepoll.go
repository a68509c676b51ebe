package function

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/skyport-dev/skyport/core/event"
)

// Queue → function: MaximumConcurrency pollers each long-poll the queue,
// gather a batch (up to BatchSize messages, for up to the batching window),
// invoke the function with an SQS event while keeping the batch invisible,
// then delete what succeeded. Failed messages stay in flight until their
// visibility timeout ends, come back, and move on to the queue's
// dead-letter queue once they exceed its maxReceiveCount.

const (
	maxLongPoll      = 20 * time.Second
	queueErrorPause  = time.Second
	batchPayloadSoft = 5 << 20 // stop gathering before the 6 MB payload limit
)

func (m *mapping) runQueue(ctx context.Context) {
	cfg := m.config()
	var wg sync.WaitGroup
	for range cfg.MaximumConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.pollQueue(ctx, cfg)
		}()
	}
	wg.Wait()
}

func (m *mapping) pollQueue(ctx context.Context, cfg MappingConfig) {
	s, name := m.s, queueName(cfg.EventSourceArn)
	for ctx.Err() == nil {
		info, err := s.cfg.Queues.QueueInfo(name)
		if err != nil {
			m.report(0, 0, err.Error())
			if !s.wait(ctx, queueErrorPause, nil) {
				return
			}
			continue
		}
		batch, err := m.gather(ctx, cfg, name)
		if err != nil {
			m.report(0, 0, err.Error())
			if !s.wait(ctx, queueErrorPause, nil) {
				return
			}
			continue
		}
		if len(batch) > 0 {
			m.processQueueBatch(ctx, cfg, name, info, batch)
		}
	}
}

// gather collects one batch: it long-polls for the first messages, then,
// with a batching window, keeps receiving until the batch is full, the
// window has passed on the clock or the payload would grow too large.
func (m *mapping) gather(ctx context.Context, cfg MappingConfig, name string) ([]QueueMessage, error) {
	s := m.s
	var (
		batch    []QueueMessage
		size     int
		deadline time.Time
	)
	for len(batch) < cfg.BatchSize && size < batchPayloadSoft && ctx.Err() == nil {
		wait := maxLongPoll
		if len(batch) > 0 {
			if cfg.MaximumBatchingWindow == 0 {
				break
			}
			left := deadline.Sub(s.clock.Now())
			if left <= 0 {
				break
			}
			wait = min(maxLongPoll, (left+time.Second-1)/time.Second*time.Second)
		}
		msgs, err := s.cfg.Queues.Receive(ctx, name, min(10, cfg.BatchSize-len(batch)), wait)
		if err != nil {
			if len(batch) > 0 {
				return batch, nil
			}
			return nil, err
		}
		if len(batch) == 0 && len(msgs) > 0 {
			deadline = s.clock.Now().Add(cfg.MaximumBatchingWindow)
		}
		for _, msg := range msgs {
			size += len(msg.Body) + 1024
		}
		batch = append(batch, msgs...)
	}
	return batch, nil
}

// processQueueBatch invokes the function with a batch and settles it.
func (m *mapping) processQueueBatch(ctx context.Context, cfg MappingConfig, name string, info QueueInfo, batch []QueueMessage) {
	s := m.s
	handles := make([]string, len(batch))
	for i, msg := range batch {
		handles[i] = msg.ReceiptHandle
	}
	payload, err := json.Marshal(sqsEvent(cfg.EventSourceArn, s.cfg.Region, batch))
	if err != nil {
		m.report(0, len(batch), "encode event: "+err.Error())
		return
	}
	stop := m.keepInvisible(ctx, name, handles, info.VisibilityTimeout)
	res, err := s.InvokeWhenFree(ctx, cfg.FunctionName, payload)
	stop()
	if err != nil {
		if ctx.Err() == nil {
			m.report(0, len(batch), "Function call failed: "+err.Error())
			s.emit(event.ResourceChanged, event.Warn, cfg.FunctionName, fmt.Sprintf("event source %s: %v", cfg.EventSourceArn, err))
		}
		return
	}
	failed := map[string]bool{}
	switch {
	case res.Failed():
		for _, msg := range batch {
			failed[msg.MessageID] = true
		}
	case cfg.reportsItemFailures():
		ids := make(map[string]bool, len(batch))
		for _, msg := range batch {
			ids[msg.MessageID] = true
		}
		retry, all := itemFailures(res.Payload, func(id string) bool { return ids[id] })
		for _, msg := range batch {
			if all {
				failed[msg.MessageID] = true
			}
		}
		for _, id := range retry {
			failed[id] = true
		}
	}
	if info.FIFO && len(failed) > 0 {
		holdBackGroups(batch, failed)
	}
	var done []string
	for _, msg := range batch {
		if !failed[msg.MessageID] {
			done = append(done, msg.ReceiptHandle)
		}
	}
	if len(done) > 0 {
		if err := s.cfg.Queues.Delete(context.WithoutCancel(ctx), name, done); err != nil {
			m.report(0, 0, "delete processed messages: "+err.Error())
			return
		}
	}
	problem := ""
	if len(failed) > 0 {
		problem = fmt.Sprintf("%d of %d messages failed", len(failed), len(batch))
	}
	m.report(len(done), len(failed), problem)
}

// holdBackGroups marks as failed every message that follows a failed one
// of the same message group, so a FIFO group is never processed out of
// order when a batch partly fails.
func holdBackGroups(batch []QueueMessage, failed map[string]bool) {
	stopped := map[string]bool{}
	for _, msg := range batch {
		group := msg.Attributes["MessageGroupId"]
		if stopped[group] {
			failed[msg.MessageID] = true
		} else if failed[msg.MessageID] {
			stopped[group] = true
		}
	}
}

// keepInvisible extends the batch's visibility timeout every half timeout
// (on the clock) while the function runs; the returned func stops it.
func (m *mapping) keepInvisible(ctx context.Context, name string, handles []string, vt time.Duration) func() {
	if vt <= 0 {
		return func() {}
	}
	every := max(vt/2, time.Second)
	ctx, cancel := context.WithCancel(ctx)
	timer := m.s.clock.NewTimer(every) // armed before the function starts
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			err := m.s.cfg.Queues.ChangeVisibility(ctx, name, handles, vt)
			if ctx.Err() != nil {
				return
			}
			msg := fmt.Sprintf("event source %s: visibility of %d messages extended by %s while %s runs", name, len(handles), vt, m.config().FunctionName)
			if err != nil {
				msg = fmt.Sprintf("event source %s: extending visibility: %v", name, err)
			}
			m.s.emit(VisibilityExtended, event.Debug, name, msg)
			timer.Reset(every)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// sqsEvent is the event Lambda gives a function for a batch of messages.
func sqsEvent(arn, region string, batch []QueueMessage) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(batch))}
	for i, msg := range batch {
		var attrs map[string]events.SQSMessageAttribute
		if len(msg.MessageAttributes) > 0 {
			attrs = make(map[string]events.SQSMessageAttribute, len(msg.MessageAttributes))
			for k, a := range msg.MessageAttributes {
				ea := events.SQSMessageAttribute{DataType: a.DataType, BinaryValue: a.BinaryValue,
					StringListValues: []string{}, BinaryListValues: [][]byte{}}
				if a.BinaryValue == nil {
					v := a.StringValue
					ea.StringValue = &v
				}
				attrs[k] = ea
			}
		} else {
			attrs = map[string]events.SQSMessageAttribute{}
		}
		ev.Records[i] = events.SQSMessage{MessageId: msg.MessageID, ReceiptHandle: msg.ReceiptHandle, Body: msg.Body,
			Md5OfBody: msg.MD5OfBody, Md5OfMessageAttributes: msg.MD5OfMessageAttributes, Attributes: msg.Attributes,
			MessageAttributes: attrs, EventSourceARN: arn, EventSource: "aws:sqs", AWSRegion: region}
	}
	return ev
}
