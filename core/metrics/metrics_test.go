package metrics

import (
	"strings"
	"testing"
)

func TestPrometheusText(t *testing.T) {
	r := NewRegistry()
	r.Counter("sqs_sent_total", "Messages sent.", Label{"queue", "orders"}).Add(3)
	r.Counter("sqs_sent_total", "Messages sent.", Label{"queue", "a\"b"}).Inc()
	r.Gauge("depth", "Queue depth.").Set(2.5)
	r.GaugeFunc("up", "Always one.", func() float64 { return 1 })
	h := r.Histogram("lat_seconds", "Latency.", []float64{0.1, 1})
	h.Observe(0.05)
	h.Observe(0.5)
	h.Observe(5)

	var b strings.Builder
	if err := r.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP depth Queue depth.
# TYPE depth gauge
depth 2.5
# HELP lat_seconds Latency.
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} 1
lat_seconds_bucket{le="1"} 2
lat_seconds_bucket{le="+Inf"} 3
lat_seconds_sum 5.55
lat_seconds_count 3
# HELP sqs_sent_total Messages sent.
# TYPE sqs_sent_total counter
sqs_sent_total{queue="a\"b"} 1
sqs_sent_total{queue="orders"} 3
# HELP up Always one.
# TYPE up gauge
up 1
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if q := h.Quantile(0.5); q != 1 {
		t.Errorf("p50 = %v, want bucket bound 1", q)
	}
	r.Remove("sqs_sent_total", Label{"queue", "orders"})
	b.Reset()
	r.WritePrometheus(&b)
	if strings.Contains(b.String(), "orders") {
		t.Error("removed series still written")
	}
}

func TestSameSeriesIsShared(t *testing.T) {
	r := NewRegistry()
	a := r.Counter("c", "", Label{"x", "1"}, Label{"y", "2"})
	b := r.Counter("c", "", Label{"y", "2"}, Label{"x", "1"})
	if a != b {
		t.Fatal("label order made a second series")
	}
}

func TestGatherReadsEverySeries(t *testing.T) {
	r := NewRegistry()
	r.Counter("c", "", Label{"queue", "a"}).Add(3)
	r.Counter("c", "", Label{"queue", "b"}).Add(5)
	r.GaugeFunc("g", "", func() float64 { return 2.5 }, Label{"stream", "s"})
	h := r.Histogram("h", "", []float64{1, 2}, Label{"api", "x"})
	h.Observe(0.5)
	h.Observe(1.5)
	h.Observe(9)

	got := map[string]float64{}
	r.Gather("c", func(s *Sample) { got[s.Label("queue")] = s.Value })
	if len(got) != 2 || got["a"] != 3 || got["b"] != 5 {
		t.Errorf("counters %v", got)
	}
	r.Gather("g", func(s *Sample) {
		if s.Label("stream") != "s" || s.Value != 2.5 || s.Label("nope") != "" {
			t.Errorf("gauge func %+v", *s)
		}
	})
	r.Gather("h", func(s *Sample) {
		if s.Value != 3 || len(s.Buckets) != 3 || s.Buckets[0] != 1 || s.Buckets[1] != 1 || s.Buckets[2] != 1 {
			t.Errorf("histogram %+v", *s)
		}
		if q := BucketQuantile(0.5, s.Bounds, s.Buckets); q != 2 {
			t.Errorf("p50 from buckets %v, want 2", q)
		}
	})
	r.Gather("missing", func(*Sample) { t.Error("a missing family has series") })
	r.Remove("c", Label{"queue", "a"})
	n := 0
	r.Gather("c", func(*Sample) { n++ })
	if n != 1 {
		t.Errorf("%d series after a removal", n)
	}
	if BucketQuantile(0.99, []float64{1}, []uint64{0, 0}) != 0 {
		t.Error("quantile of nothing is not 0")
	}
}
