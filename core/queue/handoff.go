package queue

import "github.com/skyport-dev/skyport/core/store"

// A handoff is a long poll waiting on an empty standard queue, offered to
// the next send. A send that finds one claims it before its store write and
// stores the messages it hands over as received by it (receive count 1,
// the poll's visibility deadline, first receive now) in the same commit as
// the messages themselves. Once that commit is durable the sender has its
// answer and the receiver has the messages: one fsync on the way from
// sender to receiver instead of two (the send's commit, then the
// receive's), and nothing the receiver is given was not stored first.
//
// FIFO queues never hand off (a group's order and blocking are decided at
// receive), nor do delayed messages, nor polls with a zero visibility
// timeout (the message stays visible to everyone).
type handoff struct {
	max int   // the poll's MaxNumberOfMessages
	vt  int64 // its visibility timeout in ms (> 0)

	// Guarded by the queue's mutex.
	claimed bool
	given   handed // what the claiming send's commit brought

	got chan handed // receives given once, when the claiming write settled
}

// handed is what a claimed poll receives: the messages, their content, and
// the receive time (the send's). Nothing when the write failed.
type handed struct {
	got  []taken
	recs []*record
	at   int64
}

// offerHandoff registers a long poll for the next send. Callers hold q.mu.
func (q *queue) offerHandoff(o *receiveOpts, vt int) *handoff {
	if q.fifo || vt <= 0 || o.attemptID != "" {
		return nil
	}
	h := &handoff{max: o.max, vt: int64(vt) * 1000, got: make(chan handed, 1)}
	q.handoffs = append(q.handoffs, h)
	return h
}

// withdraw takes an unclaimed poll back from the queue. It reports false
// when a send claimed it meanwhile: the poll must then wait for h.got,
// which comes as soon as that send's write settles.
func (q *queue) withdraw(h *handoff) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if h.claimed {
		return false
	}
	if i := indexOf(q.handoffs, h); i >= 0 {
		q.handoffs = append(q.handoffs[:i], q.handoffs[i+1:]...)
	}
	return true
}

func indexOf(hs []*handoff, h *handoff) int {
	for i, x := range hs {
		if x == h {
			return i
		}
	}
	return -1
}

// claimHandoffs assigns the immediately visible messages of a send to the
// waiting polls, oldest poll first, each taking up to its maximum, as long
// as the queue stays under its in-flight limit. to[i] is the poll that
// outs[i] goes to, or nil.
func (q *queue) claimHandoffs(outs []*outgoing) (to []*handoff) {
	if q.fifo {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.handoffs) == 0 || q.deleted {
		return nil
	}
	room := int64(q.s.cfg.MaxInflight) - q.x.notVisible
	var h *handoff
	n := 0
	for i, o := range outs {
		if o.delayMS > 0 || room <= 0 {
			continue
		}
		if h == nil || n == h.max {
			if len(q.handoffs) == 0 {
				break
			}
			h, n = q.handoffs[0], 0
			q.handoffs = q.handoffs[1:]
			h.claimed = true
		}
		if to == nil {
			to = make([]*handoff, len(outs))
		}
		to[i] = h
		n++
		room--
	}
	return to
}

// markHanded stores the handed-over messages of a send as received by
// their polls: receive count 1, each poll's deadline, first receive now.
func markHanded(tx *store.Tx, outs []*outgoing, to []*handoff, now int64) error {
	for i, h := range to {
		if h == nil || indexOf(to[:i], h) >= 0 {
			continue // not handed over, or that poll's rows are marked
		}
		var got []taken
		for j := i; j < len(to); j++ {
			if to[j] == h {
				got = append(got, taken{id: outs[j].id, rc: 1})
			}
		}
		if err := markReceived(tx, got, now+h.vt, now); err != nil {
			return err
		}
	}
	return nil
}

// settle gives a claimed poll what it was handed: the messages that reached
// the index (an item left out because the write failed, or the queue was
// deleted or purged meanwhile, is not given). Callers hold q.mu.
func (h *handoff) settle(it pendingInsert, inserted bool) {
	if inserted {
		h.given.got = append(h.given.got, taken{id: it.id, rc: 1, sentAt: it.sentAt, group: it.group})
		h.given.recs = append(h.given.recs, it.rec)
		h.given.at = it.sentAt
	}
}

// release ends claims whose write never reached the store: the polls
// receive nothing and look again.
func release(to []*handoff) {
	for i, h := range to {
		if h != nil && indexOf(to[:i], h) < 0 {
			h.got <- handed{}
		}
	}
}
