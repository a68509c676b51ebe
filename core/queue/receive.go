package queue

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// System attribute names a receive can ask for.
const (
	sysSenderID          = "SenderId"
	sysSentTimestamp     = "SentTimestamp"
	sysReceiveCount      = "ApproximateReceiveCount"
	sysFirstReceive      = "ApproximateFirstReceiveTimestamp"
	sysSequenceNumber    = "SequenceNumber"
	sysDeduplicationID   = "MessageDeduplicationId"
	sysGroupID           = "MessageGroupId"
	sysTraceHeader       = "AWSTraceHeader"
	sysDeadLetterSource  = "DeadLetterQueueSourceArn"
	attrSelectAll        = "All"
	attrSelectAllPattern = ".*"
)

var systemAttrNames = []string{sysSenderID, sysSentTimestamp, sysReceiveCount, sysFirstReceive, sysSequenceNumber,
	sysDeduplicationID, sysGroupID, sysTraceHeader, sysDeadLetterSource}

// receiveOpts is a validated ReceiveInput.
type receiveOpts struct {
	max       int
	vt        *int
	wait      int
	sys       []string // system attributes to return
	msgAttrs  []string // message attribute selectors
	attemptID string
}

// ReceiveMessage returns up to MaxNumberOfMessages messages and hides them
// for the visibility timeout. With a wait time it blocks until at least one
// message is available (woken the moment one is), the wait ends, ctx ends
// or the service closes; then it returns what it has, possibly nothing.
func (s *Service) ReceiveMessage(ctx context.Context, name string, in ReceiveInput) ([]Message, error) {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return nil, qerr
	}
	o, qerr := q.receiveOptions(in)
	if qerr != nil {
		return nil, qerr
	}
	if err := q.throttle("ReceiveMessage"); err != nil {
		return nil, err
	}
	var timer *clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
			s.longPolls.Add(-1)
		}
	}()
	for {
		msgs, wait, h, again, qerr := s.receiveOnce(ctx, q, o)
		switch {
		case qerr != nil:
			return nil, qerr
		case len(msgs) > 0:
			return msgs, nil
		case again:
			continue
		case wait == nil:
			add(q.met.empty, 1)
			return []Message{}, nil
		}
		if timer == nil {
			if err := s.startLongPoll(); err != nil {
				if msgs := s.takeBack(q, o, h); len(msgs) > 0 {
					return msgs, nil
				}
				return nil, err
			}
			timer = s.clock.NewTimer(secondsDuration(o.wait))
		}
		var handedCh <-chan handed
		if h != nil {
			handedCh = h.got
		}
		stop := false
		select {
		case d := <-handedCh:
			if msgs := s.build(q, o, d.got, d.recs, d.at); len(msgs) > 0 {
				return msgs, nil
			}
			continue // the handing send failed: look again
		case <-wait:
		case <-timer.C:
			o.wait = 0 // one last look, then return what there is
		case <-ctx.Done():
			stop = true
		case <-s.done:
			stop = true
		}
		if msgs := s.takeBack(q, o, h); len(msgs) > 0 {
			return msgs, nil
		}
		if stop {
			return []Message{}, nil
		}
	}
}

// takeBack withdraws the poll's handoff offer. When a send claimed it
// meanwhile, its messages are stored as received by this poll, so they are
// returned once that send's write settles (a caller gone meanwhile lost
// them as it would any received message).
func (s *Service) takeBack(q *queue, o *receiveOpts, h *handoff) []Message {
	if h == nil || q.withdraw(h) {
		return nil
	}
	d := <-h.got
	return s.build(q, o, d.got, d.recs, d.at)
}

// startLongPoll takes one of the service's long-poll slots, or reports
// OverLimit when Config.MaxLongPolls calls are waiting already. Each waiting
// call holds a connection and a goroutine; the cap keeps a flood of
// pollers from exhausting file descriptors.
func (s *Service) startLongPoll() *Error {
	if n := s.longPolls.Add(1); n > int64(s.cfg.MaxLongPolls) {
		s.longPolls.Add(-1)
		return errorf(OverLimit, "Too many concurrent long polls: %d ReceiveMessage calls are waiting already "+
			"(the limit is %d). Retry later, or poll with a shorter WaitTimeSeconds.", n-1, s.cfg.MaxLongPolls)
	}
	return nil
}

// LongPolls returns the number of ReceiveMessage calls waiting now.
func (s *Service) LongPolls() int { return int(s.longPolls.Load()) }

// receiveOptions validates a ReceiveInput against the queue.
func (q *queue) receiveOptions(in ReceiveInput) (*receiveOpts, *Error) {
	o := &receiveOpts{max: in.MaxNumberOfMessages, vt: in.VisibilityTimeout, msgAttrs: in.MessageAttributeNames}
	if o.max == 0 {
		o.max = 1
	}
	if o.max < 1 || o.max > maxReceive {
		return nil, errorf(InvalidParameterValue, "Value %d for parameter MaxNumberOfMessages is invalid. "+
			"Reason: Must be between 1 and 10, if provided.", o.max)
	}
	if v := in.VisibilityTimeout; v != nil && (*v < 0 || *v > maxVisibility) {
		return nil, errorf(InvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. "+
			"Reason: Must be between 0 and 43200, if provided.", *v)
	}
	q.mu.Lock()
	o.wait = q.conf.wait
	q.mu.Unlock()
	if w := in.WaitTimeSeconds; w != nil {
		if *w < 0 || *w > maxWait {
			return nil, errorf(InvalidParameterValue, "Value %d for parameter WaitTimeSeconds is invalid. "+
				"Reason: Must be >= 0 and <= 20, if provided.", *w)
		}
		o.wait = *w
	}
	for _, n := range in.AttributeNames {
		switch {
		case n == attrSelectAll:
			o.sys = systemAttrNames
		case slices.Contains(systemAttrNames, n):
			if !slices.Contains(o.sys, n) {
				o.sys = append(o.sys, n)
			}
		case knownAttr(n): // queue attribute names are tolerated and ignored
		default:
			return nil, unknownAttr(n)
		}
	}
	if in.ReceiveRequestAttemptID != "" && q.fifo {
		if err := validFIFOID("ReceiveRequestAttemptId", in.ReceiveRequestAttemptID); err != nil {
			return nil, err
		}
		o.attemptID = in.ReceiveRequestAttemptID
	}
	return o, nil
}

// dlqMove is a message leaving for the dead-letter queue.
type dlqMove struct {
	id    int64
	m     meta
	group string
}

// receiveOnce takes what is available now. With nothing available it
// returns the channel that signals availability when the call may wait;
// again says messages were moved or dropped and the caller should retry.
func (s *Service) receiveOnce(ctx context.Context, q *queue, o *receiveOpts) (msgs []Message, wait <-chan struct{}, h *handoff, again bool, qerr *Error) {
	dlq, maxCount := s.deadLetterTarget(q)
	now := s.nowMS()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, nil, nil, false, nil
	}
	q.advance(now)
	if o.attemptID != "" {
		if a := q.retryAttempt(o, now); a != nil {
			q.mu.Unlock()
			msgs, qerr := s.redeliver(ctx, q, o, a)
			return msgs, nil, nil, false, qerr
		}
	}
	room := int64(q.s.cfg.MaxInflight) - q.x.notVisible
	if room <= 0 {
		msgs, wait, again, qerr := q.atInflightLimit(o)
		return msgs, wait, nil, again, qerr
	}
	vt := q.conf.visibility
	if o.vt != nil {
		vt = *o.vt
	}
	deadline := now + int64(vt)*1000
	retention := int64(q.conf.retention) * 1000
	var moves []dlqMove
	var expired []int64
	got := q.x.take(int(min(int64(o.max), room)), deadline, func(id int64, m meta) verdict {
		if m.sentAt+retention <= now {
			expired = append(expired, id)
			return drop
		}
		if dlq != nil && int(m.rc) >= maxCount {
			moves = append(moves, dlqMove{id: id, m: m, group: q.x.groupName(m)})
			return drop
		}
		return deliver
	})
	if len(got) == 0 && o.wait > 0 && len(moves)+len(expired) == 0 {
		q.waiters++
		wait = q.avail
		h = q.offerHandoff(o, vt)
	}
	if o.attemptID != "" && len(got) > 0 {
		a := &attempt{receivedAt: now, deadline: deadline, expires: now + attemptWindowMS}
		for _, t := range got {
			a.ids, a.rcs = append(a.ids, t.id), append(a.rcs, t.rc)
		}
		q.attempts[o.attemptID] = a
	}
	q.armTimer(now)
	q.mu.Unlock()
	if len(got)+len(moves)+len(expired) == 0 {
		return nil, wait, h, false, nil
	}
	if qerr := s.persistReceive(ctx, q, dlq, got, moves, expired, deadline, now); qerr != nil {
		q.undoReceive(o, got, moves, deadline)
		return nil, nil, nil, false, qerr
	}
	if len(got) == 0 {
		return nil, nil, nil, true, nil
	}
	msgs, qerr = s.messages(q, o, got, now)
	return msgs, nil, nil, false, qerr
}

// atInflightLimit answers a receive while the queue has the most messages
// in flight that SQS allows (the quotas pages of the developer guide): a
// short poll on a standard queue fails with OverLimit; a long poll waits
// (deletes make room and wake it) and a FIFO queue returns nothing, without
// an error. Callers hold q.mu; it is released.
func (q *queue) atInflightLimit(o *receiveOpts) ([]Message, <-chan struct{}, bool, *Error) {
	defer q.mu.Unlock()
	if o.wait > 0 {
		q.waiters++
		return nil, q.avail, false, nil
	}
	if q.fifo {
		return nil, nil, false, nil
	}
	return nil, nil, false, errorf(OverLimit, "There are too many messages in flight for queue %s: "+
		"the limit is %d; delete messages or let their visibility timeout end.", q.name, q.s.cfg.MaxInflight)
}

// undoReceive puts the index back as it was before a receive whose store
// write failed: the messages it took are ready again with their receive
// counts, and those it was moving to the dead-letter queue are back. The
// caller got an error, so nobody holds them.
func (q *queue) undoReceive(o *receiveOpts, got []taken, moves []dlqMove, deadline int64) {
	now := q.s.nowMS()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return
	}
	for _, t := range got {
		q.x.undeliver(t.id, deadline, now)
	}
	for _, mv := range moves {
		if _, ok := q.x.msgs[mv.id]; !ok {
			q.x.insert(mv.id, mv.m.sentAt, now, mv.m.rc, mv.group, now)
		}
	}
	if o.attemptID != "" {
		delete(q.attempts, o.attemptID)
	}
	q.advance(now)
}

// deadLetterTarget returns the queue's dead-letter queue when it exists and
// still accepts this queue, with maxReceiveCount.
func (s *Service) deadLetterTarget(q *queue) (*queue, int) {
	q.mu.Lock()
	rp := q.conf.redrive
	q.mu.Unlock()
	if rp == nil {
		return nil, 0
	}
	dlq := s.byARN(rp.DeadLetterTargetArn)
	if dlq == nil || dlq == q {
		return nil, 0
	}
	dlq.mu.Lock()
	allowed := !dlq.deleted && dlq.conf.allow.allows(q.arn)
	dlq.mu.Unlock()
	if !allowed {
		return nil, 0
	}
	return dlq, rp.MaxReceiveCount
}

// persistReceive commits a receive: new receive counts and deadlines,
// messages moved to the dead-letter queue, expired messages deleted.
func (s *Service) persistReceive(ctx context.Context, q, dlq *queue, got []taken, moves []dlqMove, expired []int64, deadline, now int64) *Error {
	st := &stage{}
	staged := false
	var kept []dlqMove
	qerr := s.write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if err := markReceived(tx, got, deadline, now); err != nil {
			return err
		}
		if err := deleteMessageRows(tx, expired); err != nil {
			return err
		}
		if len(moves) == 0 {
			return nil
		}
		dlq.mu.Lock()
		gone := dlq.deleted
		dlq.mu.Unlock()
		if gone {
			kept = moves
			return nil
		}
		for _, mv := range moves {
			it, ok, err := s.moveRow(tx, mv.id, dlq, q.arn, dlq.fifo, now, mv.m.rc, mv.group)
			if err != nil {
				return err
			}
			if ok {
				if !dlq.fifo {
					it.sentAt = mv.m.sentAt
				}
				st.items = append(st.items, it)
			}
		}
		if len(st.items) > 0 {
			dlq.stageInsert(st)
			staged = true
		}
		return nil
	})
	if staged {
		dlq.resolve(st, qerr == nil)
	}
	if qerr != nil {
		return qerr
	}
	if len(kept) > 0 { // the dead-letter queue went away meanwhile: keep them here
		q.mu.Lock()
		for _, mv := range kept {
			q.x.insert(mv.id, mv.m.sentAt, now, mv.m.rc, mv.group, now)
		}
		q.wake()
		q.mu.Unlock()
	}
	if n := len(moves) - len(kept); n > 0 {
		s.emit(event.MessageDeleted, event.Info, q.name, plural(n, "message")+" moved from "+q.name+" to dead-letter queue "+dlq.name)
	}
	return nil
}

// moveRow copies a stored message into another queue under a new row id,
// with the given receive count and source ARN, its send time restarted or
// kept, and deletes the original. ok is false when the message was gone
// already. The returned insert has sentAt now.
func (s *Service) moveRow(tx *store.Tx, id int64, to *queue, sourceARN string, resetSent bool, now int64, rc uint32, group string) (pendingInsert, bool, error) {
	res, err := tx.Exec(`INSERT INTO queue_messages(queue_id, message_id, body, attributes, trace_header, group_id, dedup_id,
	source_arn, sent_at, visible_at, receive_count, first_receive_at, md5_body, md5_attrs)
SELECT ?, message_id, body, attributes, trace_header, group_id, dedup_id, ?, CASE WHEN ? THEN ? ELSE sent_at END, ?, ?, 
	CASE WHEN ? > 0 THEN first_receive_at ELSE 0 END, md5_body, md5_attrs
FROM queue_messages WHERE id = ?`, to.id, nullString(sourceARN), resetSent, now, now, rc, rc, id)
	if err != nil {
		return pendingInsert{}, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return pendingInsert{}, false, err
	}
	newID, err := res.LastInsertId()
	if err != nil {
		return pendingInsert{}, false, err
	}
	if _, err := tx.Exec(`DELETE FROM queue_messages WHERE id = ?`, id); err != nil {
		return pendingInsert{}, false, err
	}
	s.cache.Del(uint64(id))
	return pendingInsert{id: newID, sentAt: now, visibleAt: now, rc: rc, group: group}, true, nil
}

// retryAttempt returns a previous receive with the same attempt id whose
// messages are all still in flight unchanged. Callers hold q.mu.
func (q *queue) retryAttempt(o *receiveOpts, now int64) *attempt {
	a := q.attempts[o.attemptID]
	if a == nil {
		return nil
	}
	if a.expires <= now {
		delete(q.attempts, o.attemptID)
		return nil
	}
	for i, id := range a.ids {
		m, ok := q.x.msgs[id]
		if !ok || m.state() != stInflight || m.rc != a.rcs[i] || m.visibleAt != a.deadline {
			delete(q.attempts, o.attemptID)
			return nil
		}
	}
	vt := q.conf.visibility
	if o.vt != nil {
		vt = *o.vt
	}
	a.deadline = now + int64(vt)*1000
	for _, id := range a.ids {
		q.x.setDeadline(id, a.deadline)
	}
	q.advance(now)
	return a
}

// redeliver answers a retried receive with the messages of its attempt,
// their visibility timeout restarted.
func (s *Service) redeliver(ctx context.Context, q *queue, o *receiveOpts, a *attempt) ([]Message, *Error) {
	qerr := s.write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return setVisibleAt(tx, a.ids, a.deadline) })
	if qerr != nil {
		return nil, qerr
	}
	got := make([]taken, len(a.ids))
	for i, id := range a.ids {
		got[i] = taken{id: id, rc: a.rcs[i]}
	}
	return s.messages(q, o, got, a.receivedAt)
}

// messages builds the received messages.
func (s *Service) messages(q *queue, o *receiveOpts, got []taken, receivedAt int64) ([]Message, *Error) {
	ids := make([]int64, len(got))
	for i, t := range got {
		ids[i] = t.id
	}
	recs, err := s.records(ids)
	if err != nil {
		return nil, internalError(err)
	}
	prior := make([]uint32, len(got))
	for i, t := range got {
		prior[i] = t.rc - 1
	}
	if err := s.refreshFirstReceives(ids, prior, recs); err != nil {
		return nil, internalError(err)
	}
	return s.build(q, o, got, recs, receivedAt), nil
}

// build makes the received messages of got from their records (nil for
// messages deleted meanwhile), received at receivedAt.
func (s *Service) build(q *queue, o *receiveOpts, got []taken, recs []*record, receivedAt int64) []Message {
	out := make([]Message, 0, len(got))
	for i, t := range got {
		r := recs[i]
		if r == nil {
			continue // deleted meanwhile
		}
		first := r.firstRecv.Load()
		if first == 0 {
			first = receivedAt
			r.firstRecv.CompareAndSwap(0, receivedAt)
		}
		m := s.message(q, r, t.id, t.rc, first, o.sys, o.msgAttrs)
		m.ReceiptHandle = s.handles.encode(receipt{queueID: q.id, msgID: t.id, rc: t.rc, receivedAt: receivedAt})
		out = append(out, m)
	}
	add(q.met.received, len(out))
	if len(out) > 0 {
		s.emitCount(event.MessageReceived, event.Debug, q.name, plural(len(out), "message")+" received from "+q.name, len(out))
	}
	return out
}

// message builds a Message with the selected attributes.
func (s *Service) message(q *queue, r *record, id int64, rc uint32, first int64, sys, selectors []string) Message {
	md5Body, md5Attrs := r.digests()
	m := Message{MessageID: r.messageID, Body: r.body, MD5OfBody: md5Body}
	if attrs, all := selectAttrs(r.attrs, selectors); len(attrs) > 0 {
		m.MessageAttributes = attrs
		if all {
			m.MD5OfMessageAttributes = md5Attrs
		} else {
			m.MD5OfMessageAttributes = md5OfAttributes(attrs)
		}
	}
	if len(sys) == 0 {
		return m
	}
	m.Attributes = make(map[string]string, len(sys))
	for _, n := range sys {
		var v string
		switch n {
		case sysSenderID:
			v = s.cfg.Account
		case sysSentTimestamp:
			v = strconv.FormatInt(r.sentAt, 10)
		case sysReceiveCount:
			v = strconv.FormatUint(uint64(rc), 10)
		case sysFirstReceive:
			if first > 0 {
				v = strconv.FormatInt(first, 10)
			}
		case sysSequenceNumber:
			if q.fifo {
				v = sequenceNumber(id)
			}
		case sysDeduplicationID:
			if q.fifo {
				v = r.dedupID
			}
		case sysGroupID:
			v = r.group
		case sysTraceHeader:
			v = r.trace
		case sysDeadLetterSource:
			v = r.sourceARN
		}
		if v != "" {
			m.Attributes[n] = v
		}
	}
	return m
}

// selectAttrs returns the message attributes the selectors ask for ("All",
// ".*", "prefix.*" or exact names) and whether that is all of them.
func selectAttrs(attrs map[string]MessageAttribute, selectors []string) (map[string]MessageAttribute, bool) {
	if len(attrs) == 0 || len(selectors) == 0 {
		return nil, false
	}
	out := make(map[string]MessageAttribute, len(attrs))
	for name, a := range attrs {
		for _, sel := range selectors {
			if sel == attrSelectAll || sel == attrSelectAllPattern || sel == name ||
				strings.HasSuffix(sel, attrSelectAllPattern) && strings.HasPrefix(name, strings.TrimSuffix(sel, "*")) {
				out[name] = a
				break
			}
		}
	}
	return out, len(out) == len(attrs)
}
