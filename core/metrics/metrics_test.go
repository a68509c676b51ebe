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
