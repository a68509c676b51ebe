package topic

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skyport-dev/skyport/core/metrics"
)

// topic is one topic in memory. Its mutable parts are guarded by mu.
type topic struct {
	name      string
	arn       string
	fifo      bool
	createdAt int64

	published, delivered, failed *metrics.Counter

	pubMu sync.Mutex // FIFO topics: one publish at a time, so sequence and lane order agree

	mu      sync.Mutex
	attrs   map[string]string // attributes set by the user
	tags    map[string]string
	subs    []*subscription // in creation order
	dedup   map[string]dedupEntry
	seq     int64 // last FIFO sequence number
	deleted bool
	removed int64 // subscriptions deleted, for SubscriptionsDeleted (kept in the store)
}

// dedupEntry remembers a FIFO deduplication id for the window.
type dedupEntry struct {
	messageID string
	seq       string
	expires   int64 // epoch ms
}

// subscriptionsSnapshot returns the topic's subscriptions.
func (t *topic) subscriptionsSnapshot() []*subscription {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*subscription(nil), t.subs...)
}

// subscription is one subscription in memory.
type subscription struct {
	id       int64 // store row id
	arn      string
	topic    *topic
	protocol string
	endpoint string
	lane     *lane

	delivered, failed, dead atomic.Uint64

	mu        sync.Mutex
	attrs     map[string]string // attributes set by the user
	confirmed bool
	token     string
	filter    *Policy       // nil: every message
	raw       bool          // RawMessageDelivery
	dlq       string        // RedrivePolicy deadLetterTargetArn
	retry     *retryPolicy  // nil: the protocol's default
	ctype     string        // requestPolicy.headerContentType
	pace      *pacer        // throttlePolicy, nil when unlimited
	lastErr   string        // last failed attempt
	lastAt    time.Time     // last attempt
	deleted   bool          // unsubscribed or its topic deleted
	confirmCh chan struct{} // closed when confirmed (tests, GUI)
}

// state returns the subscription's delivery settings at this moment.
func (sub *subscription) state() (filter *Policy, raw, confirmed bool, dlq string) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.filter, sub.raw, sub.confirmed, sub.dlq
}

func (sub *subscription) isDeleted() bool {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.deleted
}

// summary describes the subscription for lists and the GUI.
func (sub *subscription) summary(owner string) SubscriptionSummary {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	out := SubscriptionSummary{
		ARN: sub.arn, TopicARN: sub.topic.arn, Protocol: sub.protocol, Endpoint: sub.endpoint, Owner: owner,
		Pending: !sub.confirmed, Delivered: sub.delivered.Load(), Failed: sub.failed.Load(), DeadLetters: sub.dead.Load(),
		Backlog: sub.lane.backlog(), LastError: sub.lastErr, LastAt: sub.lastAt,
	}
	if !sub.confirmed {
		out.ARN = "PendingConfirmation"
	}
	return out
}

// sortedTopics returns every topic ordered by name.
func (s *Service) sortedTopics() []*topic {
	s.mu.RLock()
	out := make([]*topic, 0, len(s.topics))
	for _, t := range s.topics {
		out = append(out, t)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].arn < out[j].arn })
	return out
}

// copyMap returns a copy of m (never nil).
func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
