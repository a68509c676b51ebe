package queue

// FIFO queues accept at most 300 calls per second per API action (3,000
// messages with batching); in high-throughput mode (FifoThroughputLimit
// perMessageGroupId with DeduplicationScope messageGroup) far more. With
// Config.QuotaEmulation a FIFO queue enforces that with a token bucket per
// action on the core clock; otherwise nothing is throttled.
const (
	fifoCallsPerSecond           = 300
	highThroughputCallsPerSecond = 70000
)

// bucket is a token bucket refilled continuously from the clock.
type bucket struct {
	tokens float64
	last   int64 // epoch ms of the last refill
}

// throttle charges one call of action, or reports RequestThrottled.
func (q *queue) throttle(action string) *Error {
	if !q.s.cfg.QuotaEmulation || !q.fifo {
		return nil
	}
	now := q.s.nowMS()
	q.mu.Lock()
	defer q.mu.Unlock()
	rate := float64(fifoCallsPerSecond)
	if q.conf.perGroupLimit && q.conf.dedupByGroup {
		rate = highThroughputCallsPerSecond
	}
	if q.limits == nil {
		q.limits = map[string]*bucket{}
	}
	b := q.limits[action]
	if b == nil {
		b = &bucket{tokens: rate, last: now}
		q.limits[action] = b
	}
	b.tokens = min(rate, b.tokens+float64(now-b.last)*rate/1000)
	b.last = now
	if b.tokens < 1 {
		return errorf(RequestThrottled, "Rate exceeded: %s on %s is limited to %.0f calls per second.", action, q.name, rate)
	}
	b.tokens--
	return nil
}
