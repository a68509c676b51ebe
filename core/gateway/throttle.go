package gateway

import (
	"sync"
	"time"
)

// bucket is a token bucket on the core clock: it holds up to burst tokens,
// gains rate tokens a second, and each request takes one.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(t Throttle, now time.Time) *bucket {
	return &bucket{rate: t.RateLimit, burst: float64(t.BurstLimit), tokens: float64(t.BurstLimit), last: now}
}

// take removes a token if one is left at now.
func (b *bucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// effectiveThrottle picks the route's, then the stage's, then the API's
// throttle, then AWS's defaults.
func effectiveThrottle(route, stage, api *Throttle) Throttle {
	for _, t := range []*Throttle{route, stage, api} {
		if t != nil {
			return *t
		}
	}
	return Throttle{RateLimit: DefaultRateLimit, BurstLimit: DefaultBurstLimit}
}

// quotaWindow returns the start of the quota period that holds t (UTC).
func quotaWindow(p QuotaPeriod, t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch p {
	case Week:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return day.AddDate(0, 0, -back)
	case Month:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// meter counts one key's requests in a usage plan's quota period.
type meter struct {
	mu     sync.Mutex
	window time.Time
	used   int
}

// use counts a request at now unless the quota is spent; it returns the
// requests used in the window.
func (m *meter) use(q Quota, now time.Time) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w := quotaWindow(q.Period, now); !w.Equal(m.window) {
		m.window, m.used = w, 0
	}
	if m.used >= q.Limit {
		return m.used, false
	}
	m.used++
	return m.used, true
}
