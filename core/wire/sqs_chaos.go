package wire

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/queue"
)

// Chaos on queues (see package chaos for what each knob means). Sends draw
// a full decision in sendMessage and sendMessageBatch; the other data-plane
// calls below are only throttled or failed.
var sqsChaosGated = []string{"ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
	"ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}

func init() {
	for _, name := range sqsChaosGated {
		run := sqsActions[name]
		sqsActions[name] = func(s *sqsServer, r *sqsRequest) (any, error) {
			if s.chaos.Active() {
				if qn, err := s.queueName(r); err == nil {
					if err := sqsChaosError(s.chaos.Gate(chaos.Queue, qn), qn); err != nil {
						return nil, err
					}
				}
			}
			return run(s, r)
		}
	}
}

// sqsChaosError is the error a throttled or failed call gets, or nil.
func sqsChaosError(d chaos.Decision, name string) error {
	switch {
	case d.Throttle:
		return &queue.Error{Code: queue.RequestThrottled, Message: "Rate exceeded (Skyport chaos throttles queue " + name + ")."}
	case d.Fail:
		return &queue.Error{Code: queue.InternalError, Message: "We encountered an internal error. Please try again. (Skyport chaos on queue " + name + ")"}
	}
	return nil
}

// chaosSend applies a decision to one send: it returns the input to store
// (with the extra delay), whether to store it at all, and for a FIFO
// queue the time to hold the send.
func (s *sqsServer) chaosSend(name string, d chaos.Decision, in queue.SendInput) (queue.SendInput, time.Duration) {
	if d.Delay <= 0 {
		return in, 0
	}
	if strings.HasSuffix(name, ".fifo") {
		return in, d.Delay // FIFO messages take no per-message delay: hold the send instead
	}
	base := 0
	if in.DelaySeconds != nil {
		base = *in.DelaySeconds
	} else if attrs, err := s.queues.GetQueueAttributes(name, []string{"DelaySeconds"}); err == nil {
		base, _ = strconv.Atoi(attrs["DelaySeconds"])
	}
	extra := int((d.Delay + time.Second - 1) / time.Second)
	total := min(base+extra, 900)
	in.DelaySeconds = &total
	return in, 0
}

// hold waits d of real time (or until the request ends): the sender
// feels the latency even while the core clock is frozen.
func (s *sqsServer) hold(r *sqsRequest, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// sendWithChaos sends one message under a decision already drawn.
func (s *sqsServer) sendWithChaos(r *sqsRequest, d chaos.Decision, name string, in queue.SendInput) (queue.SendResult, error) {
	if err := sqsChaosError(d, name); err != nil {
		return queue.SendResult{}, err
	}
	in, wait := s.chaosSend(name, d, in)
	if err := s.hold(r, wait); err != nil {
		return queue.SendResult{}, err
	}
	if d.Drop {
		if _, err := s.queues.GetQueueAttributes(name, []string{"QueueArn"}); err != nil {
			return queue.SendResult{}, err // a missing queue still says so
		}
		return queue.Acknowledge(in), nil
	}
	res, err := s.queues.SendMessage(r.ctx, name, in)
	if err == nil && d.Duplicate {
		if _, derr := s.queues.SendMessage(r.ctx, name, in); derr != nil {
			return res, fmt.Errorf("chaos duplicate of %s: %w", res.MessageID, derr)
		}
	}
	return res, err
}

// sendBatchWithChaos sends a batch under the queue's rule: the call as a
// whole may be throttled or failed; each entry may be dropped, duplicated
// or delayed on its own.
func (s *sqsServer) sendBatchWithChaos(r *sqsRequest, rule *chaos.Rule, name string, batch []queue.SendBatchEntry) ([]queue.BatchEntryResult[queue.SendResult], error) {
	if err := sqsChaosError(rule.Gate(), name); err != nil {
		return nil, err
	}
	var dropped []queue.BatchEntryResult[queue.SendResult]
	var dups []queue.SendInput
	var hold time.Duration
	kept := batch[:0:0]
	for _, e := range batch {
		d := rule.Effects()
		var wait time.Duration
		e.SendInput, wait = s.chaosSend(name, d, e.SendInput)
		hold = max(hold, wait)
		switch {
		case d.Drop:
			dropped = append(dropped, queue.BatchEntryResult[queue.SendResult]{ID: e.ID, Result: queue.Acknowledge(e.SendInput)})
			continue
		case d.Duplicate:
			dups = append(dups, e.SendInput)
		}
		kept = append(kept, e)
	}
	if err := s.hold(r, hold); err != nil {
		return nil, err
	}
	if len(kept) == 0 {
		if _, err := s.queues.GetQueueAttributes(name, []string{"QueueArn"}); err != nil {
			return nil, err
		}
		return dropped, nil
	}
	results, err := s.queues.SendMessageBatch(r.ctx, name, kept)
	if err != nil {
		return nil, err
	}
	for _, in := range dups {
		_, _ = s.queues.SendMessage(r.ctx, name, in) // the copy; the original's result stands
	}
	return append(results, dropped...), nil
}
