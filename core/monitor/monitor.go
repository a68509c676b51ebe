// Package monitor samples the core's counters and gauges at a fixed
// interval and keeps a bounded history per resource and metric, named as
// CloudWatch names them, so the GUI can draw charts that outlive its own
// widgets. Counters are stored as per-second rates over each interval,
// gauges as read, latency histograms as quantiles of the observations made
// during the interval.
package monitor

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/metrics"
)

// Kind is the kind of resource a series belongs to.
type Kind string

// The kinds the core samples.
const (
	Queue        Kind = "queue"
	Topic        Kind = "topic"
	Stream       Kind = "stream"
	API          Kind = "api"
	StateMachine Kind = "state_machine"
	Function     Kind = "function"
)

// Key names one series of history.
type Key struct {
	Kind     Kind
	Resource string // the resource's name
	// Dimension narrows the series below the resource: a topic's
	// subscription ARN, an API's route key; "" for the whole resource.
	Dimension string
	Metric    string // CloudWatch metric name, e.g. NumberOfMessagesSent
}

// Source writes the current value of its series on every tick.
type Source func(w *Writer)

// Config sets up a Monitor.
type Config struct {
	Interval time.Duration // time between ticks; 500ms when zero
	Slots    int           // samples kept per series; 10 minutes' worth when zero
	Sources  []Source
}

// Monitor keeps the history. It is safe for concurrent use.
type Monitor struct {
	interval time.Duration
	slots    int
	sources  []Source

	tickMu sync.Mutex // one tick at a time
	last   time.Time  // time of the previous tick
	dt     float64    // seconds since the previous tick, during a tick

	mu      sync.RWMutex
	series  map[Key]*series
	ticks   uint64
	subs    map[chan struct{}]struct{}
	stopped bool

	stop chan struct{}
	done chan struct{}
}

// series is one ring of samples with what a rate or quantile needs from the
// previous tick.
type series struct {
	ring  []float32
	start int
	n     int
	seen  uint64 // tick that last wrote it

	total   float64  // counters: the previous total
	buckets []uint64 // histograms: the previous bucket counts
}

func (s *series) push(v float64) {
	if s.n < len(s.ring) {
		s.ring[(s.start+s.n)%len(s.ring)] = float32(v)
		s.n++
		return
	}
	s.ring[s.start] = float32(v)
	s.start = (s.start + 1) % len(s.ring)
}

// New returns a monitor that has not sampled yet.
func New(cfg Config) *Monitor {
	if cfg.Interval <= 0 {
		cfg.Interval = 500 * time.Millisecond
	}
	if cfg.Slots <= 0 {
		cfg.Slots = int(10 * time.Minute / cfg.Interval)
	}
	return &Monitor{interval: cfg.Interval, slots: max(cfg.Slots, 2), sources: cfg.Sources, series: map[Key]*series{},
		subs: map[chan struct{}]struct{}{}}
}

// Interval is the time between samples.
func (m *Monitor) Interval() time.Duration { return m.interval }

// Slots is how many samples each series keeps.
func (m *Monitor) Slots() int { return m.slots }

// Ticks is how many ticks have completed; it changes when new samples exist.
func (m *Monitor) Ticks() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.ticks
}

// Start ticks every interval on the wall clock until Stop.
func (m *Monitor) Start() {
	m.tickMu.Lock()
	if m.stop != nil {
		m.tickMu.Unlock()
		return
	}
	m.stop, m.done = make(chan struct{}), make(chan struct{})
	stop, done := m.stop, m.done
	m.tickMu.Unlock()
	go func() {
		defer close(done)
		t := time.NewTicker(m.interval)
		defer t.Stop()
		m.Tick(time.Now())
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				m.Tick(now)
			}
		}
	}()
}

// Stop ends the ticking goroutine started by Start, waits for it, and
// closes every Updates channel. The monitor still answers reads and may be
// ticked by hand.
func (m *Monitor) Stop() {
	m.tickMu.Lock()
	stop, done := m.stop, m.done
	m.stop = nil
	m.tickMu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopped = true
	for ch := range m.subs {
		close(ch)
		delete(m.subs, ch)
	}
}

// Updates returns a channel that receives after every tick (ticks missed
// while the receiver was busy collapse into one) and is closed by Stop.
// Pass it to Unsubscribe when done.
func (m *Monitor) Updates() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := make(chan struct{}, 1)
	if m.stopped {
		close(ch)
		return ch
	}
	m.subs[ch] = struct{}{}
	return ch
}

// Unsubscribe stops sending to a channel from Updates.
func (m *Monitor) Unsubscribe(ch <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for c := range m.subs {
		if c == ch {
			delete(m.subs, c)
			close(c)
		}
	}
}

// Tick samples every source as of now. Rates are per second of the time
// between this tick and the previous one; the first tick only records
// counter totals. Series no source wrote during the tick (a deleted
// resource) are dropped.
func (m *Monitor) Tick(now time.Time) {
	m.tickMu.Lock()
	defer m.tickMu.Unlock()
	first := m.last.IsZero()
	m.dt = now.Sub(m.last).Seconds()
	if first || m.dt <= 0 {
		m.dt = 0
	}
	m.last = now
	m.mu.Lock()
	m.ticks++
	tick := m.ticks
	m.mu.Unlock()
	w := &Writer{m: m, tick: tick, first: first}
	for _, src := range m.sources {
		src(w)
	}
	m.mu.Lock()
	if w.marked < len(m.series) { // some resource went away
		for k, s := range m.series {
			if s.seen != tick {
				delete(m.series, k)
			}
		}
	}
	for ch := range m.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	m.mu.Unlock()
}

// Values appends k's samples, oldest first, to dst.
func (m *Monitor) Values(k Key, dst []float64) []float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.series[k]
	if s == nil {
		return dst
	}
	for i := range s.n {
		dst = append(dst, float64(s.ring[(s.start+i)%len(s.ring)]))
	}
	return dst
}

// Last returns k's newest sample.
func (m *Monitor) Last(k Key) (float64, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.series[k]
	if s == nil || s.n == 0 {
		return 0, false
	}
	return float64(s.ring[(s.start+s.n-1)%len(s.ring)]), true
}

// Keys returns the series of one resource, sorted by dimension and metric.
func (m *Monitor) Keys(kind Kind, resource string) []Key {
	m.mu.RLock()
	var out []Key
	for k := range m.series {
		if k.Kind == kind && k.Resource == resource {
			out = append(out, k)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b Key) int {
		if c := strings.Compare(a.Dimension, b.Dimension); c != 0 {
			return c
		}
		return strings.Compare(a.Metric, b.Metric)
	})
	return out
}

// Len returns how many series the monitor holds.
func (m *Monitor) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.series)
}

// Writer receives a source's values during one tick.
type Writer struct {
	m      *Monitor
	tick   uint64
	first  bool
	marked int // series written during the tick
}

// mark records that s was written during the tick. Call with m.mu held.
func (w *Writer) mark(s *series) {
	if s.seen != w.tick {
		s.seen = w.tick
		w.marked++
	}
}

// get returns k's series, creating it, and whether it existed before this
// tick. Call with m.mu held.
func (w *Writer) get(k Key) (*series, bool) {
	s := w.m.series[k]
	if s == nil {
		s = &series{ring: make([]float32, w.m.slots)}
		w.m.series[k] = s
		return s, false
	}
	return s, s.seen != 0
}

// Gauge records a value as it is now.
func (w *Writer) Gauge(k Key, v float64) {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	s, _ := w.get(k)
	if s.seen == w.tick {
		return
	}
	w.mark(s)
	s.push(v)
}

// hold repeats the last sample of every series of that kind and metric
// whose resource other series reported during this tick, for a source that
// reads them less often than every tick. Call it after the resource's other
// series are written; a resource that reported nothing else is gone.
func (w *Writer) hold(kind Kind, metric string) {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	live := map[string]bool{}
	for k, s := range w.m.series {
		if k.Kind == kind && k.Metric != metric && s.seen == w.tick {
			live[k.Resource] = true
		}
	}
	for k, s := range w.m.series {
		if k.Kind != kind || k.Metric != metric || s.seen == w.tick || s.n == 0 || !live[k.Resource] {
			continue
		}
		w.mark(s)
		s.push(float64(s.ring[(s.start+s.n-1)%len(s.ring)]))
	}
}

// Counter records a running total as its rate per second since the previous
// tick. A series that appears after the first tick counts from zero (a new
// resource or a counter created on first use); a total that went down (the
// resource was recreated) counts from zero again.
func (w *Writer) Counter(k Key, total float64) {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	s, old := w.get(k)
	if s.seen == w.tick {
		return
	}
	w.mark(s)
	prev := s.total
	s.total = total
	if w.first || w.m.dt == 0 {
		if !w.first {
			s.push(0)
		}
		return
	}
	if !old || total < prev {
		prev = 0
	}
	s.push((total - prev) / w.m.dt)
}

// Quantiles records, for each of metrics and qs, the q-quantile of the
// observations counted since the previous tick, from a histogram's bucket
// counts (per bucket, the last for +Inf; see metrics.BucketQuantile),
// scaled by scale (1000 turns seconds into milliseconds). An interval with
// no observations records 0.
func (w *Writer) Quantiles(k Key, bounds []float64, counts []uint64, scale float64, metricNames []string, qs []float64) {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	// The previous counts live on the first metric's series.
	k.Metric = metricNames[0]
	s, old := w.get(k)
	if s.seen == w.tick {
		return
	}
	delta := make([]uint64, len(counts))
	for i, c := range counts {
		if old && i < len(s.buckets) && c >= s.buckets[i] {
			delta[i] = c - s.buckets[i]
		} else if old || !w.first {
			delta[i] = c
		}
	}
	s.buckets = append(s.buckets[:0], counts...)
	for i, name := range metricNames {
		k.Metric = name
		qs1, _ := w.get(k)
		w.mark(qs1)
		if w.first {
			continue
		}
		v := metrics.BucketQuantile(qs[i], bounds, delta)
		if v > 1e300 { // the +Inf bucket: above the largest bound
			v = bounds[len(bounds)-1]
		}
		qs1.push(v * scale)
	}
}
