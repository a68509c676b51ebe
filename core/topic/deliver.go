package topic

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// delivery is one message on its way to one subscription.
type delivery struct {
	msg      *message
	sub      *subscription
	attempts int // attempts made so far
}

// laneConcurrency is how many attempts a subscription runs at once. A FIFO
// topic's subscription runs at most one per message group.
const laneConcurrency = 32

// groupScan bounds how far a FIFO lane looks past busy groups for a
// delivery it may start.
const groupScan = 1024

// lane holds a subscription's pending deliveries and runs them:
// concurrently for standard topics; for FIFO topics in order within each
// message group, one at a time per group (a failing message holds back the
// rest of its group, as SNS FIFO does, while other groups go on).
// Publishers only append to it, so fan-out never waits for a delivery.
type lane struct {
	s       *Service
	sub     *subscription
	ordered bool

	mu      sync.Mutex
	ready   []*delivery
	busy    map[string]bool // ordered lanes: groups with a delivery running or backing off
	running int             // attempts running (ordered lanes: including those waiting to retry)
	waiting int             // unordered lanes: deliveries waiting for a retry timer
	closed  bool
}

func newLane(s *Service, sub *subscription) *lane {
	l := &lane{s: s, sub: sub, ordered: sub.topic.fifo}
	if l.ordered {
		l.busy = map[string]bool{}
	}
	return l
}

// push appends deliveries and starts as many as the lane allows.
func (l *lane) push(ds ...*delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.ready = append(l.ready, ds...)
	l.pumpLocked()
}

func (l *lane) pumpLocked() {
	if l.ordered {
		l.pumpGroupsLocked()
		return
	}
	for !l.closed && l.running < laneConcurrency && len(l.ready) > 0 {
		d := l.ready[0]
		l.ready[0] = nil
		l.ready = l.ready[1:]
		if !l.s.startAttempt(func() { l.run(d) }) {
			return
		}
		l.running++
	}
}

// pumpGroupsLocked starts the first waiting delivery of every idle group.
func (l *lane) pumpGroupsLocked() {
	kept := l.ready[:0]
	for i, d := range l.ready {
		g := d.msg.group
		if l.closed || l.running >= laneConcurrency || i >= groupScan || l.busy[g] {
			kept = append(kept, d)
			continue
		}
		if !l.s.startAttempt(func() { l.run(d) }) {
			kept = append(kept, d)
			continue
		}
		l.busy[g] = true
		l.running++
	}
	for i := len(kept); i < len(l.ready); i++ {
		l.ready[i] = nil
	}
	l.ready = kept
}

// backlog counts deliveries not yet done.
func (l *lane) backlog() int64 {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.ready) + l.running + l.waiting)
}

// close drops the lane's queued deliveries (their rows stay for a restart,
// or were deleted with the subscription).
func (l *lane) close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.closed = true
	l.ready = nil
	l.mu.Unlock()
}

// startAttempt runs fn in a goroutine the service waits for at Close; it
// reports false once the service is closing.
func (s *Service) startAttempt(fn func()) bool {
	s.runMu.RLock()
	defer s.runMu.RUnlock()
	if s.stopping {
		return false
	}
	s.inflight.Add(1)
	go func() {
		defer s.inflight.Done()
		fn()
	}()
	return true
}

// run makes one attempt and decides what follows.
func (l *lane) run(d *delivery) {
	s := l.s
	d.sub.mu.Lock()
	pace := d.sub.pace
	d.sub.mu.Unlock()
	pace.wait(s.clock, s.done)
	if !s.chaosFirst(d) {
		if !s.closed() {
			s.finish(d)
			l.done(d)
		}
		return
	}
	select {
	case s.slots <- struct{}{}:
	case <-s.done:
		return
	}
	err := s.attempt(d)
	<-s.slots
	if err != nil && s.closed() {
		return // cut short by Close: the delivery stays recorded for the next Open
	}
	d.attempts++
	s.noteAttempt(d.sub, err)
	if err == nil || d.sub.isDeleted() {
		if err == nil {
			d.sub.delivered.Add(1)
			d.msg.topic.delivered.Inc()
			s.emitCount(event.MessageDelivered, event.Debug, d.sub.arn, "delivered "+d.msg.id+" to "+d.sub.endpoint, 1)
		}
		s.finish(d)
		l.done(d)
		return
	}
	var de *DeliveryError
	permanent := errors.As(err, &de) && de.Permanent
	wait, again := s.retryFor(d.sub).delay(d.attempts)
	if permanent || !again {
		s.giveUp(d, err)
		l.done(d)
		return
	}
	s.saveAttempts(d, wait)
	attempts := d.attempts
	l.retry(d, wait)
	// Emitted once the retry is scheduled, so a watcher may advance the clock.
	s.emit(event.DeliveryFailed, event.Debug, d.sub.arn, fmt.Sprintf("attempt %d of %s to %s failed: %v; retrying in %s", attempts, d.msg.id, d.sub.endpoint, err, wait))
}

// done frees the running slot (and the group) of a finished delivery.
func (l *lane) done(d *delivery) {
	l.mu.Lock()
	l.running--
	if l.ordered {
		delete(l.busy, d.msg.group)
	}
	l.pumpLocked()
	l.mu.Unlock()
}

// retry runs d again after wait on the core clock. An ordered lane keeps
// its slot and d's group busy, so nothing of the group overtakes d.
func (l *lane) retry(d *delivery, wait time.Duration) {
	l.mu.Lock()
	if !l.ordered {
		l.running--
		l.waiting++
		l.pumpLocked()
	}
	l.mu.Unlock()
	again := func() {
		if l.s.closed() {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.ordered {
			if l.closed || !l.s.startAttempt(func() { l.run(d) }) {
				l.running--
				delete(l.busy, d.msg.group)
			}
			return
		}
		l.waiting--
		if l.closed {
			return
		}
		l.ready = append([]*delivery{d}, l.ready...)
		l.pumpLocked()
	}
	if wait <= 0 {
		again()
		return
	}
	l.s.clock.AfterFunc(wait, again)
}

// attempt delivers once.
func (s *Service) attempt(d *delivery) error {
	ctx := s.ctx
	switch d.sub.protocol {
	case "sqs":
		return s.deliverQueue(ctx, d.sub.endpoint, d)
	case "lambda":
		return s.deliverFunction(ctx, d)
	case "http", "https":
		return s.deliverHTTP(ctx, d)
	}
	return &DeliveryError{Permanent: true, Reason: "unsupported protocol " + d.sub.protocol}
}

// queueMessage is what a queue (the endpoint or the dead-letter queue)
// receives for d.
func (s *Service) queueMessage(d *delivery) QueueMessage {
	_, raw, _, _ := d.sub.state()
	m := QueueMessage{SourceARN: d.msg.topic.arn}
	if raw {
		m.Body = d.msg.bodyFor(d.sub.protocol)
		m.MessageAttributes = d.msg.attrs
	} else {
		m.Body = s.envelope(d.msg, d.sub)
	}
	if d.msg.topic.fifo {
		m.MessageGroupID, m.DeduplicationID = d.msg.group, d.msg.dedup
	} else if d.msg.group != "" {
		m.MessageGroupID = d.msg.group
	}
	return m
}

func (s *Service) deliverQueue(ctx context.Context, arn string, d *delivery) error {
	q := s.queues()
	if q == nil {
		return &DeliveryError{Permanent: true, Reason: "queue not found: " + arn}
	}
	return q.SendToQueue(ctx, arn, s.queueMessage(d))
}

func (s *Service) deliverFunction(ctx context.Context, d *delivery) error {
	f := s.functions()
	if f == nil {
		return &DeliveryError{Permanent: true, Reason: "function not found: " + d.sub.endpoint}
	}
	return f.InvokeFunction(ctx, d.sub.endpoint, s.lambdaEvent(d.msg, d.sub))
}

// noteAttempt records the outcome of an attempt for the GUI.
func (s *Service) noteAttempt(sub *subscription, err error) {
	sub.mu.Lock()
	sub.lastAt = s.clock.Now()
	if err != nil {
		sub.lastErr = err.Error()
	} else {
		sub.lastErr = ""
	}
	sub.mu.Unlock()
}

// giveUp sends an undeliverable message to the subscription's dead-letter
// queue, if it has one, and drops it.
func (s *Service) giveUp(d *delivery, cause error) {
	d.sub.failed.Add(1)
	d.msg.topic.failed.Inc()
	_, _, _, dlq := d.sub.state()
	what := "dropped"
	if dlq != "" {
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		err := s.deliverQueue(ctx, dlq, d)
		cancel()
		if err == nil {
			d.sub.dead.Add(1)
			what = "moved to dead-letter queue " + dlq
		} else {
			what = "dropped (dead-letter queue: " + err.Error() + ")"
		}
	}
	s.emit(event.DeliveryFailed, event.Warn, d.sub.arn, fmt.Sprintf("%s to %s failed after %d attempts: %v; %s", d.msg.id, d.sub.endpoint, d.attempts, cause, what))
	s.finish(d)
}

// finish forgets a delivery that is done, and its message once no
// delivery of it is left.
func (s *Service) finish(d *delivery) {
	_ = s.st.Write(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Exec(`DELETE FROM topic_deliveries WHERE message = ? AND subscription = ?`, d.msg.row, d.sub.id); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM topic_messages WHERE id = ? AND NOT EXISTS (SELECT 1 FROM topic_deliveries WHERE message = ?)`, d.msg.row, d.msg.row)
		return err
	})
}

// saveAttempts records a failed attempt, so a restart keeps counting.
func (s *Service) saveAttempts(d *delivery, wait time.Duration) {
	next := s.clock.Now().Add(wait).UnixMilli()
	_ = s.st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE topic_deliveries SET attempts = ?, next_at = ? WHERE message = ? AND subscription = ?`, d.attempts, next, d.msg.row, d.sub.id)
		return err
	})
}
