// Package clock holds the single source of time for the Skyport core.
//
// Every service takes time only from a Clock, so that visibility timeouts,
// delays, retention, de-duplication windows, iterator expiry and Wait states
// can be fast-forwarded: by tests (a frozen clock that moves only when told)
// and by users (a running clock that can be pushed forward by an offset).
package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Clock is the time source of the core. A Clock runs at real speed unless it
// was made frozen; Advance moves it forward by a duration in either case and
// fires every timer that has come due.
type Clock struct {
	mu      sync.Mutex
	frozen  bool
	base    time.Time     // frozen time (frozen clocks only)
	offset  time.Duration // added to real time (running clocks only)
	ahead   time.Duration // total of every Advance
	timers  timerHeap
	seq     uint64
	wake    *time.Timer // real timer for the earliest pending deadline (running clocks)
	wakeFor time.Time
}

// New returns a clock that follows real time until it is advanced.
func New() *Clock { return &Clock{} }

// NewFrozen returns a clock stopped at t; it moves only through Advance.
func NewFrozen(t time.Time) *Clock { return &Clock{frozen: true, base: t} }

// Now returns the current time of the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.frozen {
		return c.base
	}
	return time.Now().Add(c.offset)
}

// Frozen reports whether the clock only moves when advanced.
func (c *Clock) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}

// Offset reports how far a running clock has been pushed ahead of real time
// (for a frozen clock: how far it is from real time now).
func (c *Clock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return time.Until(c.base)
	}
	return c.offset
}

// Since returns the time elapsed on this clock since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Advance moves the clock forward by d (negative values are ignored) and fires
// every timer that is now due, in deadline order.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	if c.frozen {
		c.base = c.base.Add(d)
	} else {
		c.offset += d
	}
	c.ahead += d
	c.mu.Unlock()
	c.fireDue()
}

// Advanced reports the total the clock has been fast-forwarded by Advance.
func (c *Clock) Advanced() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ahead
}

// Timer is a one-shot timer on a Clock. Its channel receives the clock's time
// when it fires, like time.Timer; a timer made by AfterFunc calls its function
// instead.
type Timer struct {
	C        <-chan time.Time
	c        chan time.Time
	fn       func()
	clock    *Clock
	deadline time.Time
	seq      uint64
	index    int // position in the heap, -1 when not pending
}

// NewTimer returns a timer that fires once d has passed on the clock.
func (c *Clock) NewTimer(d time.Duration) *Timer {
	ch := make(chan time.Time, 1)
	t := &Timer{C: ch, c: ch, clock: c, index: -1}
	c.schedule(t, d)
	return t
}

// AfterFunc calls f in its own goroutine once d has passed on the clock.
func (c *Clock) AfterFunc(d time.Duration, f func()) *Timer {
	t := &Timer{fn: f, clock: c, index: -1}
	c.schedule(t, d)
	return t
}

// After returns a channel that receives the clock's time once d has passed.
func (c *Clock) After(d time.Duration) <-chan time.Time { return c.NewTimer(d).C }

// Stop prevents the timer from firing. It reports whether the timer was pending.
func (t *Timer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&c.timers, t.index)
	return true
}

// Reset makes a timer fire once d has passed from now. It reports whether the
// timer was pending before.
func (t *Timer) Reset(d time.Duration) bool {
	was := t.Stop()
	t.clock.schedule(t, d)
	return was
}

// Pending reports how many timers wait on the clock (for tests and metrics).
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// NextDeadline returns the deadline of the earliest pending timer.
func (c *Clock) NextDeadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].deadline, true
}

func (c *Clock) schedule(t *Timer, d time.Duration) {
	c.mu.Lock()
	c.seq++
	t.seq = c.seq
	t.deadline = c.nowLocked().Add(d)
	heap.Push(&c.timers, t)
	c.armLocked()
	c.mu.Unlock()
	if d <= 0 {
		c.fireDue()
	}
}

// armLocked keeps one real timer set for the earliest deadline of a running clock.
func (c *Clock) armLocked() {
	if c.frozen || len(c.timers) == 0 {
		return
	}
	next := c.timers[0].deadline
	if c.wake != nil && !c.wakeFor.After(next) {
		return
	}
	wait := next.Sub(c.nowLocked())
	if c.wake == nil {
		c.wake = time.AfterFunc(wait, c.onWake)
	} else {
		c.wake.Reset(wait)
	}
	c.wakeFor = next
}

func (c *Clock) onWake() {
	c.mu.Lock()
	c.wakeFor = time.Time{}
	c.wake = nil
	c.mu.Unlock()
	c.fireDue()
}

func (c *Clock) fireDue() {
	var due []*Timer
	c.mu.Lock()
	now := c.nowLocked()
	for len(c.timers) > 0 && !c.timers[0].deadline.After(now) {
		due = append(due, heap.Pop(&c.timers).(*Timer))
	}
	if c.wake != nil && (len(c.timers) == 0 || !c.wakeFor.Equal(c.timers[0].deadline)) {
		c.wake.Stop()
		c.wake, c.wakeFor = nil, time.Time{}
	}
	c.armLocked()
	c.mu.Unlock()
	for _, t := range due {
		if t.fn != nil {
			go t.fn()
			continue
		}
		select {
		case t.c <- now:
		default:
		}
	}
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].deadline.Equal(h[j].deadline) {
		return h[i].seq < h[j].seq
	}
	return h[i].deadline.Before(h[j].deadline)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*Timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
