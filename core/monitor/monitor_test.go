package monitor

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/metrics"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fake is a source whose values the test sets between ticks.
type fake struct {
	total, gauge float64
	present      bool
}

func (f *fake) source(w *Writer) {
	if !f.present {
		return
	}
	w.Counter(Key{Kind: Queue, Resource: "q", Metric: NumberOfMessagesSent}, f.total)
	w.Gauge(Key{Kind: Queue, Resource: "q", Metric: ApproximateNumberOfMessagesVisible}, f.gauge)
}

func TestRatesUnderFakeClock(t *testing.T) {
	f := &fake{present: true, total: 100}
	m := New(Config{Interval: time.Second, Slots: 4, Sources: []Source{f.source}})
	sent := Key{Kind: Queue, Resource: "q", Metric: NumberOfMessagesSent}
	vis := Key{Kind: Queue, Resource: "q", Metric: ApproximateNumberOfMessagesVisible}

	m.Tick(t0) // primes the counter: no rate yet
	if got := m.Values(sent, nil); len(got) != 0 {
		t.Fatalf("first tick recorded a rate: %v", got)
	}
	steps := []struct {
		after time.Duration
		total float64
		want  float64
	}{
		{time.Second, 110, 10},             // 10 in 1 s
		{500 * time.Millisecond, 120, 20},  // 10 in 0.5 s
		{2 * time.Second, 120, 0},          // idle
		{time.Second, 5, 5},                // recreated: counts from zero
		{250 * time.Millisecond, 105, 400}, // 100 in 0.25 s
	}
	now := t0
	for i, s := range steps {
		now = now.Add(s.after)
		f.total, f.gauge = s.total, float64(i)
		m.Tick(now)
		last, ok := m.Last(sent)
		if !ok || last != s.want {
			t.Fatalf("step %d: rate %v (%v), want %v", i, last, ok, s.want)
		}
	}
	// Four slots keep the newest four rates, oldest first.
	if got, want := m.Values(sent, nil), []float64{20, 0, 5, 400}; !slices.Equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
	if got, want := m.Values(vis, nil), []float64{1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("gauge history %v, want %v", got, want)
	}
	if keys := m.Keys(Queue, "q"); len(keys) != 2 || keys[0] != vis || keys[1] != sent {
		t.Errorf("keys %v", keys)
	}
	if m.Ticks() != 6 {
		t.Errorf("ticks %d, want 6", m.Ticks())
	}

	// A resource no source reports any more is forgotten.
	f.present = false
	m.Tick(now.Add(time.Second))
	if m.Len() != 0 {
		t.Errorf("%d series left after the resource went away", m.Len())
	}
}

func TestNewCounterAfterFirstTickCountsFromZero(t *testing.T) {
	var total float64
	on := false
	k := Key{Kind: API, Resource: "a", Metric: Count}
	m := New(Config{Sources: []Source{func(w *Writer) {
		if on {
			w.Counter(k, total)
		}
	}}})
	m.Tick(t0)
	on, total = true, 3 // created on first request, already at 3
	m.Tick(t0.Add(time.Second))
	if v, _ := m.Last(k); v != 3 {
		t.Fatalf("rate of a counter born between ticks = %v, want 3", v)
	}
}

func TestQuantilesOfTheInterval(t *testing.T) {
	reg := metrics.NewRegistry()
	l := []metrics.Label{{Name: "api", Value: "shop"}, {Name: "route", Value: "GET /pets"}}
	h := reg.Histogram("skyport_gateway_latency_seconds", "", nil, l...)
	reqs := reg.Counter("skyport_gateway_requests_total", "", l...)
	m := New(Config{Sources: []Source{RegistrySource(reg)}})
	for range 100 { // before the monitor started: not part of any interval
		h.Observe(5)
		reqs.Inc()
	}
	m.Tick(t0)
	for i := range 100 {
		reqs.Inc()
		if i < 98 {
			h.Observe(0.0008) // bucket ≤ 1ms
		} else {
			h.Observe(0.04) // bucket ≤ 50ms
		}
	}
	m.Tick(t0.Add(2 * time.Second))
	for _, dim := range []string{"GET /pets", ""} {
		k := Key{Kind: API, Resource: "shop", Dimension: dim}
		for metric, want := range map[string]float64{LatencyP50: 1, LatencyP99: 50, Count: 50} {
			k.Metric = metric
			if v, ok := m.Last(k); !ok || math.Abs(v-want) > 1e-9 {
				t.Errorf("%q %s = %v (%v), want %v", dim, metric, v, ok, want)
			}
		}
	}
	m.Tick(t0.Add(3 * time.Second)) // nothing observed: 0
	if v, _ := m.Last(Key{Kind: API, Resource: "shop", Metric: LatencyP99}); v != 0 {
		t.Errorf("idle p99 = %v, want 0", v)
	}
}

func TestRegistryFamiliesMapToResources(t *testing.T) {
	reg := metrics.NewRegistry()
	for _, f := range families {
		l := metrics.Label{Name: f.label, Value: "r1"}
		if f.counter {
			reg.Counter(f.name, "", l).Add(7)
		} else {
			reg.GaugeFunc(f.name, "", func() float64 { return 42 }, l)
		}
	}
	m := New(Config{Sources: []Source{RegistrySource(reg)}})
	m.Tick(t0)
	for _, f := range families {
		reg.Gather(f.name, func(s *metrics.Sample) {
			if f.counter {
				reg.Counter(f.name, "", s.Labels...).Add(3)
			}
		})
	}
	m.Tick(t0.Add(time.Second))
	for _, f := range families {
		want := 42.0
		if f.counter {
			want = 3
		}
		if v, ok := m.Last(Key{Kind: f.kind, Resource: "r1", Metric: f.metric}); !ok || v != want {
			t.Errorf("%s → %s = %v (%v), want %v", f.name, f.metric, v, ok, want)
		}
	}
}

func TestStartStop(t *testing.T) {
	n := 0
	m := New(Config{Interval: time.Millisecond, Sources: []Source{func(*Writer) { n++ }}})
	m.Start()
	deadline := time.Now().Add(5 * time.Second)
	for m.Ticks() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	m.Stop()
	after := m.Ticks()
	if after < 3 {
		t.Fatalf("%d ticks in 5 s", after)
	}
	time.Sleep(5 * time.Millisecond)
	if m.Ticks() != after {
		t.Error("ticking went on after Stop")
	}
	m.Stop() // twice is fine
}

// BenchmarkTick200 is one sampling tick over 200 resources of each series
// family the registry holds (200 queues, topics, streams, machines,
// functions and API routes).
func BenchmarkTick200(b *testing.B) {
	reg := metrics.NewRegistry()
	for i := range 200 {
		name := fmt.Sprintf("res-%03d", i)
		for _, f := range families {
			l := metrics.Label{Name: f.label, Value: name}
			if f.counter {
				reg.Counter(f.name, "", l).Add(uint64(i))
			} else {
				reg.GaugeFunc(f.name, "", func() float64 { return float64(i) }, l)
			}
		}
		l := []metrics.Label{{Name: "api", Value: name}, {Name: "route", Value: "GET /x"}}
		for _, f := range gatewayCounters {
			reg.Counter(f.name, "", l...).Inc()
		}
		reg.Histogram("skyport_gateway_latency_seconds", "", nil, l...).Observe(0.001)
		reg.Histogram("skyport_function_duration_seconds", "", nil, metrics.Label{Name: "function", Value: name}).Observe(0.01)
	}
	m := New(Config{Sources: []Source{RegistrySource(reg)}})
	now := t0
	m.Tick(now)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now = now.Add(500 * time.Millisecond)
		m.Tick(now)
	}
	b.ReportMetric(float64(m.Len()), "series")
}

func TestUpdatesFollowTicksAndCloseOnStop(t *testing.T) {
	m := New(Config{})
	ch := m.Updates()
	m.Tick(t0)
	m.Tick(t0.Add(time.Second)) // collapses with the first
	if _, ok := <-ch; !ok {
		t.Fatal("closed early")
	}
	select {
	case <-ch:
		t.Fatal("two ticks made two updates for a busy receiver")
	default:
	}
	gone := m.Updates()
	m.Unsubscribe(gone)
	if _, ok := <-gone; ok {
		t.Fatal("unsubscribed channel still open")
	}
	m.Stop()
	if _, ok := <-ch; ok {
		t.Fatal("Stop left the channel open")
	}
	if _, ok := <-m.Updates(); ok {
		t.Fatal("Updates after Stop is open")
	}
}

func TestSlowGaugeIsHeldBetweenReads(t *testing.T) {
	reg := metrics.NewRegistry()
	age := 10.0
	l := metrics.Label{Name: "queue", Value: "q"}
	reg.GaugeFunc("skyport_sqs_approximate_age_of_oldest_message_seconds", "", func() float64 { return age }, l)
	reg.GaugeFunc("skyport_sqs_approximate_number_of_messages_visible", "", func() float64 { return 1 }, l)
	m := New(Config{Sources: []Source{RegistrySource(reg)}})
	k := Key{Kind: Queue, Resource: "q", Metric: ApproximateAgeOfOldestMessage}
	for i := range 6 {
		m.Tick(t0.Add(time.Duration(i) * time.Second))
		age++
	}
	// Read on ticks 1 and 5 (ages 10 and 14), held in between.
	if got, want := m.Values(k, nil), []float64{10, 10, 10, 10, 14, 14}; !slices.Equal(got, want) {
		t.Errorf("age history %v, want %v", got, want)
	}
}
