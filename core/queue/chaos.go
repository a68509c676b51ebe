package queue

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
)

// Chaos on the queues' send path (see package chaos for what each knob
// means on a queue). The wire (SendMessage, SendMessageBatch) and the
// core's integrations (topic, state machine and API route deliveries) send
// through SendChaos when the queue has a policy; nothing here runs
// otherwise.

// Acknowledge returns what SendMessage would answer for in — a fresh
// message id and the body and attribute digests — without storing
// anything. Chaos uses it to drop a message the sender believes was sent.
func Acknowledge(in SendInput) SendResult {
	return SendResult{MessageID: newMessageID(), MD5OfMessageBody: md5Hex(in.Body),
		MD5OfMessageAttributes:       md5OfAttributes(in.MessageAttributes),
		MD5OfMessageSystemAttributes: md5OfAttributes(in.MessageSystemAttributes)}
}

// ChaosError is the error a throttled (RequestThrottled) or failed
// (InternalError) call on queue name gets, or nil.
func ChaosError(d chaos.Decision, name string) error {
	switch {
	case d.Throttle:
		return &Error{Code: RequestThrottled, Message: "Rate exceeded (Skyport chaos throttles queue " + name + ")."}
	case d.Fail:
		return &Error{Code: InternalError, Message: "We encountered an internal error. Please try again. (Skyport chaos on queue " + name + ")"}
	}
	return nil
}

// chaosDelay adds a decision's delay to one message: a standard queue's
// message gets it as extra DelaySeconds (rounded up, 900 in all at most);
// a FIFO queue takes no per-message delay, so the send is held instead
// (the returned wait).
func (s *Service) chaosDelay(name string, d chaos.Decision, in SendInput) (SendInput, time.Duration) {
	if d.Delay <= 0 {
		return in, 0
	}
	if strings.HasSuffix(name, ".fifo") {
		return in, d.Delay
	}
	base := 0
	if in.DelaySeconds != nil {
		base = *in.DelaySeconds
	} else if attrs, err := s.GetQueueAttributes(name, []string{"DelaySeconds"}); err == nil {
		base, _ = strconv.Atoi(attrs["DelaySeconds"])
	}
	total := min(base+int((d.Delay+time.Second-1)/time.Second), maxDelay)
	in.DelaySeconds = &total
	return in, 0
}

// hold waits d of real time, or until ctx ends: the sender feels the
// latency even while the core clock is frozen.
func hold(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SendChaos sends one message under a chaos decision: throttled or failed
// with ChaosError, dropped (acknowledged, not stored), stored twice, or
// delayed.
func (s *Service) SendChaos(ctx context.Context, name string, d chaos.Decision, in SendInput) (SendResult, error) {
	if err := ChaosError(d, name); err != nil {
		return SendResult{}, err
	}
	in, wait := s.chaosDelay(name, d, in)
	if err := hold(ctx, wait); err != nil {
		return SendResult{}, err
	}
	if d.Drop {
		if _, qerr := s.lookup(name); qerr != nil {
			return SendResult{}, qerr // a missing queue still says so
		}
		return Acknowledge(in), nil
	}
	res, err := s.SendMessage(ctx, name, in)
	if err == nil && d.Duplicate {
		_, _ = s.SendMessage(ctx, name, in) // the copy; the original's result stands
	}
	return res, err
}

// SendBatchChaos sends a batch under a queue's rule: the call as a whole
// may be throttled or failed; each entry may be dropped, duplicated or
// delayed on its own.
func (s *Service) SendBatchChaos(ctx context.Context, name string, rule *chaos.Rule, batch []SendBatchEntry) ([]BatchEntryResult[SendResult], error) {
	if err := ChaosError(rule.Gate(), name); err != nil {
		return nil, err
	}
	var dropped []BatchEntryResult[SendResult]
	var dups []SendInput
	var wait time.Duration
	kept := make([]SendBatchEntry, 0, len(batch))
	for _, e := range batch {
		d := rule.Effects()
		var w time.Duration
		e.SendInput, w = s.chaosDelay(name, d, e.SendInput)
		wait = max(wait, w)
		switch {
		case d.Drop:
			dropped = append(dropped, BatchEntryResult[SendResult]{ID: e.ID, Result: Acknowledge(e.SendInput)})
			continue
		case d.Duplicate:
			dups = append(dups, e.SendInput)
		}
		kept = append(kept, e)
	}
	if err := hold(ctx, wait); err != nil {
		return nil, err
	}
	if len(kept) == 0 {
		if _, qerr := s.lookup(name); qerr != nil {
			return nil, qerr
		}
		return dropped, nil
	}
	results, err := s.SendMessageBatch(ctx, name, kept)
	if err != nil {
		return nil, err
	}
	for _, in := range dups {
		_, _ = s.SendMessage(ctx, name, in)
	}
	return append(results, dropped...), nil
}
