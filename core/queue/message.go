package queue

import (
	"context"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

func secondsDuration(n int) time.Duration { return time.Duration(n) * time.Second }

// handleExpired is AWS's answer, on FIFO queues, for deleting with the
// handle of a receive whose visibility timeout has passed.
func handleExpired(handle string) *Error {
	return errorf(InvalidParameterValue, "Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", handle)
}

// DeleteMessage deletes the message a receipt handle names. A handle of a
// message already deleted succeeds, as on AWS. On a standard queue any
// handle the message was received with deletes it; on a FIFO queue only
// the handle of the current receive does (an expired one is refused, so
// that a message another consumer now holds stays in order).
func (s *Service) DeleteMessage(ctx context.Context, name, receiptHandle string) error {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return qerr
	}
	if err := q.throttle("DeleteMessage"); err != nil {
		return err
	}
	if errs := s.deleteHandles(ctx, q, []string{receiptHandle}); errs[0] != nil {
		return errs[0]
	}
	return nil
}

// DeleteMessageBatch deletes up to 10 messages in one commit.
func (s *Service) DeleteMessageBatch(ctx context.Context, name string, entries []DeleteBatchEntry) ([]BatchEntryResult[struct{}], error) {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return nil, qerr
	}
	ids := make([]string, len(entries))
	handles := make([]string, len(entries))
	for i, e := range entries {
		ids[i], handles[i] = e.ID, e.ReceiptHandle
	}
	if err := checkBatch(ids, "DeleteMessageBatchRequestEntry"); err != nil {
		return nil, err
	}
	if err := q.throttle("DeleteMessageBatch"); err != nil {
		return nil, err
	}
	return batchResults(ids, s.deleteHandles(ctx, q, handles)), nil
}

// batchResults pairs entry ids with their outcome.
func batchResults(ids []string, errs []*Error) []BatchEntryResult[struct{}] {
	out := make([]BatchEntryResult[struct{}], len(ids))
	for i, id := range ids {
		out[i] = BatchEntryResult[struct{}]{ID: id, Err: errs[i], SenderFault: errs[i] != nil && errs[i].Code != InternalError}
	}
	return out
}

// deleteHandles removes the named messages from the index and then from
// the store, in one commit.
func (s *Service) deleteHandles(ctx context.Context, q *queue, handles []string) []*Error {
	errs := make([]*Error, len(handles))
	receipts := make([]receipt, len(handles))
	for i, h := range handles {
		r, err := s.handles.decode(h)
		if err != nil || r.queueID != q.id {
			errs[i] = invalidHandle(h)
		}
		receipts[i] = r
	}
	var ids []int64
	var which []int
	var removed []removedMeta
	now := s.nowMS()
	q.mu.Lock()
	q.advance(now)
	if q.deleted {
		q.mu.Unlock()
		for i := range errs {
			errs[i] = errNoQueue()
		}
		return errs
	}
	for i, r := range receipts {
		if errs[i] != nil {
			continue
		}
		m, ok := q.x.msgs[r.msgID]
		if !ok {
			continue // deleted already
		}
		if q.fifo && (m.state() != stInflight || m.rc != r.rc) {
			errs[i] = handleExpired(handles[i])
			continue
		}
		removed = append(removed, removedMeta{id: r.msgID, m: m, group: q.x.groupName(m)})
		q.x.remove(r.msgID)
		ids, which = append(ids, r.msgID), append(which, i)
	}
	if len(ids) > 0 && (q.fifo || q.x.notVisible+int64(len(ids)) >= int64(q.s.cfg.MaxInflight)) {
		q.wake() // the group may deliver its next message, or the in-flight quota has room again
	}
	q.armTimer(now)
	q.mu.Unlock()
	if len(ids) == 0 {
		return errs
	}
	qerr := s.write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return deleteMessageRows(tx, ids) })
	if qerr != nil {
		q.restoreDeleted(removed) // still stored: a retried delete must find them
		for _, i := range which {
			errs[i] = qerr
		}
		return errs
	}
	for _, id := range ids {
		s.cache.Del(uint64(id))
	}
	add(q.met.deleted, len(ids))
	s.emitCount(event.MessageDeleted, event.Debug, q.name, plural(len(ids), "message")+" deleted from "+q.name, len(ids))
	return errs
}

// ChangeMessageVisibility sets a new visibility timeout, counted from now,
// for a message in flight. 0 makes it visible at once.
func (s *Service) ChangeMessageVisibility(ctx context.Context, name, receiptHandle string, timeout int) error {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return qerr
	}
	if err := q.throttle("ChangeMessageVisibility"); err != nil {
		return err
	}
	errs := s.changeVisibility(ctx, q, []string{receiptHandle}, []int{timeout})
	if errs[0] != nil {
		return errs[0]
	}
	return nil
}

// ChangeMessageVisibilityBatch changes up to 10 visibility timeouts in one
// commit.
func (s *Service) ChangeMessageVisibilityBatch(ctx context.Context, name string, entries []VisibilityBatchEntry) ([]BatchEntryResult[struct{}], error) {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return nil, qerr
	}
	ids := make([]string, len(entries))
	handles := make([]string, len(entries))
	timeouts := make([]int, len(entries))
	for i, e := range entries {
		ids[i], handles[i], timeouts[i] = e.ID, e.ReceiptHandle, e.VisibilityTimeout
	}
	if err := checkBatch(ids, "ChangeMessageVisibilityBatchRequestEntry"); err != nil {
		return nil, err
	}
	if err := q.throttle("ChangeMessageVisibilityBatch"); err != nil {
		return nil, err
	}
	return batchResults(ids, s.changeVisibility(ctx, q, handles, timeouts)), nil
}

// changeVisibility moves deadlines in the index, then in the store.
func (s *Service) changeVisibility(ctx context.Context, q *queue, handles []string, timeouts []int) []*Error {
	errs := make([]*Error, len(handles))
	receipts := make([]receipt, len(handles))
	for i, h := range handles {
		r, err := s.handles.decode(h)
		switch {
		case err != nil || r.queueID != q.id:
			errs[i] = invalidHandle(h)
		case timeouts[i] < 0 || timeouts[i] > maxVisibility:
			errs[i] = errorf(InvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. "+
				"Reason: Must be between 0 and 43200, if provided.", timeouts[i])
		}
		receipts[i] = r
	}
	type update struct{ id, deadline int64 }
	var updates []update
	var which []int
	now := s.nowMS()
	q.mu.Lock()
	q.advance(now)
	for i, r := range receipts {
		if errs[i] != nil {
			continue
		}
		m, ok := q.x.msgs[r.msgID]
		switch {
		case !ok || m.rc != r.rc:
			errs[i] = errorf(InvalidParameterValue, "Value %s for parameter ReceiptHandle is invalid. "+
				"Reason: Message does not exist or is not available for visibility timeout change.", handles[i])
			continue
		case m.state() != stInflight:
			errs[i] = errorf(MessageNotInflight, "The message referred to is not in flight.")
			continue
		}
		deadline := now + int64(timeouts[i])*1000
		if deadline-r.receivedAt > maxVisibility*1000 {
			errs[i] = errorf(InvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. "+
				"Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]", timeouts[i])
			continue
		}
		q.x.setDeadline(r.msgID, deadline)
		updates, which = append(updates, update{r.msgID, deadline}), append(which, i)
	}
	q.advance(now) // a timeout of 0 releases the message now
	q.mu.Unlock()
	if len(updates) == 0 {
		return errs
	}
	qerr := s.write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		// A batch usually gives every entry the same timeout: one
		// statement per distinct deadline.
		byDeadline := map[int64][]int64{}
		var order []int64
		for _, u := range updates {
			if _, ok := byDeadline[u.deadline]; !ok {
				order = append(order, u.deadline)
			}
			byDeadline[u.deadline] = append(byDeadline[u.deadline], u.id)
		}
		for _, d := range order {
			if err := setVisibleAt(tx, byDeadline[d], d); err != nil {
				return err
			}
		}
		return nil
	})
	if qerr != nil {
		for _, i := range which {
			errs[i] = qerr
		}
	}
	return errs
}

// Peek returns up to max visible messages (10 when max is 0) in delivery
// order without receiving them: visibility and receive counts stay as they
// are and no receipt handle is issued.
func (s *Service) Peek(name string, max int) ([]Message, error) {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return nil, qerr
	}
	if max <= 0 {
		max = 10
	}
	max = min(max, 1000)
	now := s.nowMS()
	q.mu.Lock()
	q.advance(now)
	ids := q.x.peek(max)
	rcs := make([]uint32, len(ids))
	for i, id := range ids {
		rcs[i] = q.x.msgs[id].rc
	}
	q.mu.Unlock()
	recs, err := s.records(ids)
	if err == nil {
		err = s.refreshFirstReceives(ids, rcs, recs)
	}
	if err != nil {
		return nil, internalError(err)
	}
	out := make([]Message, 0, len(ids))
	for i, r := range recs {
		if r != nil {
			out = append(out, s.message(q, r, ids[i], rcs[i], r.firstRecv.Load(), systemAttrNames, []string{attrSelectAll}))
		}
	}
	return out, nil
}

// PurgeQueue deletes every message sent before the call; at most once per
// 60 seconds per queue.
func (s *Service) PurgeQueue(ctx context.Context, name string) error {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return qerr
	}
	now := s.nowMS()
	q.mu.Lock()
	if q.lastPurge > 0 && now-q.lastPurge < purgeIntervalMS {
		q.mu.Unlock()
		return errorf(PurgeQueueInProgress, "Only one PurgeQueue operation on %s is allowed every 60 seconds.", name)
	}
	q.lastPurge = now // claimed; restored if the write fails
	q.mu.Unlock()
	var below int64
	var purged []int64
	qerr = s.write(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(`SELECT seq FROM sqlite_sequence WHERE name = 'queue_messages'`).Scan(&below)
		if err != nil && !isNoRows(err) {
			return err
		}
		if _, err := tx.Exec(`UPDATE queue_queues SET purged_at = ?, purge_below = ? WHERE id = ?`, now, below, q.id); err != nil {
			return err
		}
		q.mu.Lock()
		x, oldBelow, attempts := q.x, q.purgeBelow, q.attempts
		q.purgeBelow = below
		purged = x.ids()
		q.x = newIndex(q.fifo)
		q.attempts = map[string]*attempt{}
		q.stopTimer()
		q.mu.Unlock()
		tx.OnRollback(func() { // the messages are still stored: keep serving them
			q.mu.Lock()
			q.x, q.purgeBelow, q.attempts = x, oldBelow, attempts
			q.armTimer(s.nowMS())
			q.wake()
			q.mu.Unlock()
		})
		return nil
	})
	if qerr != nil {
		q.mu.Lock()
		q.lastPurge = 0
		q.mu.Unlock()
		return qerr
	}
	s.addCleanup(purged)
	s.emit(event.ResourceChanged, event.Info, name, "purged queue "+name)
	return nil
}

// removedMeta is a message taken out of the index before the store write
// that deletes it, kept to put it back if that write fails.
type removedMeta struct {
	id    int64
	m     meta
	group string
}

// restoreDeleted puts messages back into the index as they were (in flight until
// their deadline) after the write that should have deleted them failed, so
// that the index keeps matching the store. On a FIFO queue a restored
// message rejoins its group's ring at the end.
func (q *queue) restoreDeleted(removed []removedMeta) {
	if len(removed) == 0 {
		return
	}
	now := q.s.nowMS()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return
	}
	for _, r := range removed {
		if _, ok := q.x.msgs[r.id]; !ok {
			q.x.insert(r.id, r.m.sentAt, r.m.visibleAt, r.m.rc, r.group, now)
		}
	}
	q.advance(now)
}
