package stream

import "sync"

// Per-shard limits of a provisioned shard (Kinesis Data Streams quotas).
const (
	writeBytesPerSec   = 1 << 20
	writeRecordsPerSec = 1000
	readBytesPerSec    = 2 << 20
	readCallsPerSec    = 5
)

// bucket is a token bucket refilled continuously on the core clock (ms).
type bucket struct {
	perMS, burst, tokens float64
	at                   int64
}

func newBucket(perSec float64, now int64) bucket {
	return bucket{perMS: perSec / 1000, burst: perSec, tokens: perSec, at: now}
}

func (b *bucket) refill(now int64) {
	if now > b.at {
		b.tokens = min(b.burst, b.tokens+float64(now-b.at)*b.perMS)
		b.at = now
	}
}

// throttle is one shard's emulated throughput: writes of 1 MiB/s or 1,000
// records/s, reads of 2 MiB/s and 5 GetRecords calls/s.
type throttle struct {
	mu                               sync.Mutex
	wBytes, wRecords, rBytes, rCalls bucket
}

func newThrottle(now interface{ UnixMilli() int64 }) *throttle {
	ms := now.UnixMilli()
	return &throttle{wBytes: newBucket(writeBytesPerSec, ms), wRecords: newBucket(writeRecordsPerSec, ms),
		rBytes: newBucket(readBytesPerSec, ms), rCalls: newBucket(readCallsPerSec, ms)}
}

// write takes one record of size bytes, or reports that the shard is over
// its write throughput.
func (t *throttle) write(now int64, size int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.wBytes.refill(now)
	t.wRecords.refill(now)
	if t.wBytes.tokens < float64(size) || t.wRecords.tokens < 1 {
		return false
	}
	t.wBytes.tokens -= float64(size)
	t.wRecords.tokens--
	return true
}

// readCall takes one GetRecords call, or reports that the shard is over its
// read throughput (calls, or bytes read by earlier calls).
func (t *throttle) readCall(now int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rCalls.refill(now)
	t.rBytes.refill(now)
	if t.rCalls.tokens < 1 || t.rBytes.tokens <= 0 {
		return false
	}
	t.rCalls.tokens--
	return true
}

// read charges bytes returned by a GetRecords call (the budget may go
// negative: the next calls then wait for it to refill).
func (t *throttle) read(size int) {
	t.mu.Lock()
	t.rBytes.tokens -= float64(size)
	t.mu.Unlock()
}
