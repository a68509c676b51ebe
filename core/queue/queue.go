package queue

import (
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/metrics"
)

// queue is one queue: its configuration and its hot index. mu guards every
// field below it; it is never held across a store write (the writer's
// functions take it, briefly).
type queue struct {
	s    *Service
	id   int64
	name string
	arn  string
	fifo bool

	mu         sync.Mutex
	conf       config
	tags       map[string]string
	created    int64 // epoch seconds
	modified   int64 // epoch seconds
	lastPurge  int64 // epoch ms
	purgeBelow int64 // messages with a row id up to this were purged
	deleted    bool
	x          *index
	pending    ring[*stage] // committed-or-not inserts, in row id order
	dedup      map[string]dedupEntry
	dedupOrder ring[dedupExpiry]
	attempts   map[string]*attempt
	waiters    int
	avail      chan struct{} // closed when messages may have become available
	handoffs   []*handoff    // long polls the next send may hand messages to
	timer      *clock.Timer
	timerAt    int64
	limits     map[string]*bucket
	met        queueMetrics
}

// dedupEntry remembers a FIFO send for the deduplication window.
type dedupEntry struct {
	messageID string
	seq       int64
	expires   int64 // epoch ms
}

type dedupExpiry struct {
	key     string
	expires int64
}

// attempt remembers a FIFO receive for ReceiveRequestAttemptId retries.
type attempt struct {
	ids        []int64
	rcs        []uint32
	deadline   int64
	receivedAt int64
	expires    int64
	attrs      []string
	msgAttrs   []string
}

// pendingInsert is a message written to the store but not yet in the index.
type pendingInsert struct {
	id        int64
	sentAt    int64
	visibleAt int64
	rc        uint32
	group     string
	to        *handoff // the poll it was handed to, or nil
	rec       *record  // its content, when handed over
}

// stage is the inserts of one store write into one queue. Stages enter the
// queue's pending ring on the writer goroutine, so in row id order; each
// is resolved by its writer once the commit is known, and resolved stages
// reach the index in that order, so a FIFO group never sees a later
// message before an earlier one.
type stage struct {
	items []pendingInsert
	done  bool
	ok    bool
}

// queueMetrics are a queue's CloudWatch-named series.
type queueMetrics struct {
	sent, received, deleted, empty, sentBytes *metrics.Counter
}

func newQueue(s *Service, id int64, name string, fifo bool) *queue {
	return &queue{
		s: s, id: id, name: name, arn: s.ARN(name), fifo: fifo,
		conf: defaultConfig(), tags: map[string]string{},
		x: newIndex(fifo), dedup: map[string]dedupEntry{}, attempts: map[string]*attempt{},
		avail: make(chan struct{}),
	}
}

// Metric names (CloudWatch's, prefixed and in Prometheus style).
const (
	metricSent      = "skyport_sqs_number_of_messages_sent_total"
	metricReceived  = "skyport_sqs_number_of_messages_received_total"
	metricDeleted   = "skyport_sqs_number_of_messages_deleted_total"
	metricEmpty     = "skyport_sqs_number_of_empty_receives_total"
	metricSentBytes = "skyport_sqs_sent_message_size_bytes_total"
	metricVisible   = "skyport_sqs_approximate_number_of_messages_visible"
	metricNotVis    = "skyport_sqs_approximate_number_of_messages_not_visible"
	metricDelayed   = "skyport_sqs_approximate_number_of_messages_delayed"
	metricOldest    = "skyport_sqs_approximate_age_of_oldest_message_seconds"
)

// registerMetrics creates the queue's series.
func (q *queue) registerMetrics() {
	reg := q.s.cfg.Metrics
	if reg == nil {
		return
	}
	l := metrics.Label{Name: "queue", Value: q.name}
	q.met = queueMetrics{
		sent:      reg.Counter(metricSent, "Messages added to the queue (NumberOfMessagesSent).", l),
		received:  reg.Counter(metricReceived, "Messages returned by ReceiveMessage (NumberOfMessagesReceived).", l),
		deleted:   reg.Counter(metricDeleted, "Messages deleted from the queue (NumberOfMessagesDeleted).", l),
		empty:     reg.Counter(metricEmpty, "ReceiveMessage calls that returned no message (NumberOfEmptyReceives).", l),
		sentBytes: reg.Counter(metricSentBytes, "Bytes of messages added to the queue (SentMessageSize).", l),
	}
	reg.GaugeFunc(metricVisible, "Messages available for retrieval (ApproximateNumberOfMessagesVisible).",
		func() float64 { v, _, _ := q.counts(); return float64(v) }, l)
	reg.GaugeFunc(metricNotVis, "Messages in flight (ApproximateNumberOfMessagesNotVisible).",
		func() float64 { _, n, _ := q.counts(); return float64(n) }, l)
	reg.GaugeFunc(metricDelayed, "Delayed messages (ApproximateNumberOfMessagesDelayed).",
		func() float64 { _, _, d := q.counts(); return float64(d) }, l)
	reg.GaugeFunc(metricOldest, "Age of the oldest message (ApproximateAgeOfOldestMessage).",
		func() float64 { return q.s.oldestAge(q).Seconds() }, l)
}

// removeMetrics drops the queue's series.
func (q *queue) removeMetrics() {
	reg := q.s.cfg.Metrics
	if reg == nil {
		return
	}
	l := metrics.Label{Name: "queue", Value: q.name}
	for _, n := range []string{metricSent, metricReceived, metricDeleted, metricEmpty, metricSentBytes,
		metricVisible, metricNotVis, metricDelayed, metricOldest} {
		reg.Remove(n, l)
	}
}

func add(c *metrics.Counter, n int) {
	if c != nil && n > 0 {
		c.Add(uint64(n))
	}
}

// counts returns the exact visible, in-flight and delayed counts now.
func (q *queue) counts() (visible, inflight, delayed int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.advance(q.s.nowMS())
	return q.x.visible, q.x.notVisible, q.x.delayedN
}

// advance releases due messages, wakes long polls and re-arms the timer.
// Callers hold mu.
func (q *queue) advance(now int64) {
	if q.x.advance(now) {
		q.wake()
	}
	q.armTimer(now)
}

// wake ends the current wait of every long poll. Callers hold mu.
func (q *queue) wake() {
	if q.waiters > 0 {
		close(q.avail)
		q.avail = make(chan struct{})
		q.waiters = 0
	}
}

// armTimer keeps one clock timer set for the next time a delayed or
// in-flight message becomes visible. Callers hold mu.
func (q *queue) armTimer(now int64) {
	at, ok := q.x.nextDue()
	if !ok || q.deleted || q.s.closed() {
		q.stopTimer()
		return
	}
	if q.timer != nil && q.timerAt == at {
		return
	}
	q.stopTimer()
	q.timerAt = at
	q.timer = q.s.clock.AfterFunc(time.Duration(at-now)*time.Millisecond, q.onTimer)
}

func (q *queue) stopTimer() {
	if q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
}

// onTimer runs when the clock reaches the armed time.
func (q *queue) onTimer() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.timer = nil
	q.advance(q.s.nowMS())
}

// stageInsert records a stage on the writer goroutine.
func (q *queue) stageInsert(st *stage) {
	q.mu.Lock()
	q.pending.push(st)
	q.mu.Unlock()
}

// resolve settles a stage after its store write returned and moves every
// settled stage at the front of the pending ring into the index.
func (q *queue) resolve(st *stage, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st.done, st.ok = true, ok
	now := q.s.nowMS()
	woke := false
	var gone []int64 // stored, but the queue was deleted or purged meanwhile
	for q.pending.len() > 0 && q.pending.front().done {
		p := q.pending.pop()
		var handed []*handoff
		for _, it := range p.items {
			in := p.ok && !q.deleted && it.id > q.purgeBelow
			if in && q.x.insert(it.id, it.sentAt, it.visibleAt, it.rc, it.group, now) {
				woke = true
			}
			if p.ok && !in {
				gone = append(gone, it.id)
			}
			if h := it.to; h != nil {
				h.settle(it, in)
				if indexOf(handed, h) < 0 {
					handed = append(handed, h)
				}
			}
		}
		for _, h := range handed {
			h.got <- h.given
		}
	}
	if woke {
		q.wake()
	}
	q.armTimer(now)
	q.s.addCleanup(gone)
}

// forgetDedup drops deduplication entries a failed write had added.
func (q *queue) forgetDedup(keys []string, messageIDs []string) {
	if len(keys) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, k := range keys {
		if e, ok := q.dedup[k]; ok && e.messageID == messageIDs[i] {
			delete(q.dedup, k)
		}
	}
}

// pruneDedup forgets expired deduplication ids and receive attempts.
func (q *queue) pruneDedup(now int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.dedupOrder.len() > 0 && q.dedupOrder.front().expires <= now {
		d := q.dedupOrder.pop()
		if e, ok := q.dedup[d.key]; ok && e.expires == d.expires {
			delete(q.dedup, d.key)
		}
	}
	for id, a := range q.attempts {
		if a.expires <= now {
			delete(q.attempts, id)
		}
	}
}
