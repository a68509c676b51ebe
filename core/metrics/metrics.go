// Package metrics keeps the core's counters, gauges and latency histograms
// and writes them in the Prometheus text exposition format.
package metrics

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Label is one name=value pair that distinguishes series of a family.
type Label struct{ Name, Value string }

// Registry holds metric families by name.
type Registry struct {
	mu       sync.RWMutex
	families map[string]*family
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{families: map[string]*family{}} }

type kind string

const (
	kindCounter   kind = "counter"
	kindGauge     kind = "gauge"
	kindHistogram kind = "histogram"
)

type family struct {
	name, help string
	kind       kind
	series     map[string]series  // by rendered label set
	labels     map[string][]Label // the same keys: the labels, for Gather
}

type series interface {
	write(w io.Writer, name, labels string)
}

// Counter only goes up.
type Counter struct{ v atomic.Uint64 }

// Add adds n to the counter.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Value returns the count so far.
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) write(w io.Writer, name, labels string) {
	fmt.Fprintf(w, "%s%s %d\n", name, labels, c.v.Load())
}

// Gauge is a value that goes up and down.
type Gauge struct{ bits atomic.Uint64 }

// Set sets the gauge.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Add adds d (which may be negative) to the gauge.
func (g *Gauge) Add(d float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Value returns the gauge's value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

func (g *Gauge) write(w io.Writer, name, labels string) {
	fmt.Fprintf(w, "%s%s %s\n", name, labels, formatFloat(g.Value()))
}

type gaugeFunc func() float64

func (f gaugeFunc) write(w io.Writer, name, labels string) {
	fmt.Fprintf(w, "%s%s %s\n", name, labels, formatFloat(f()))
}

// DefaultLatencyBuckets are upper bounds in seconds, from 50µs to 10s.
var DefaultLatencyBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Histogram counts observations into buckets.
type Histogram struct {
	bounds []float64
	counts []atomic.Uint64 // len(bounds)+1; the last is +Inf
	sum    atomic.Uint64   // float64 bits
	count  atomic.Uint64
}

// Observe records one value.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v)
	h.counts[i].Add(1)
	h.count.Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// ObserveDuration records d in seconds.
func (h *Histogram) ObserveDuration(d time.Duration) { h.Observe(d.Seconds()) }

// Count returns how many values were observed.
func (h *Histogram) Count() uint64 { return h.count.Load() }

// Quantile estimates the q-quantile (0..1) from the buckets: the upper bound
// of the bucket that holds it.
func (h *Histogram) Quantile(q float64) float64 {
	counts := make([]uint64, len(h.counts))
	for i := range h.counts {
		counts[i] = h.counts[i].Load()
	}
	return BucketQuantile(q, h.bounds, counts)
}

func (h *Histogram) write(w io.Writer, name, labels string) {
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		fmt.Fprintf(w, "%s_bucket%s %d\n", name, withLabel(labels, "le", formatFloat(b)), cum)
	}
	cum += h.counts[len(h.bounds)].Load()
	fmt.Fprintf(w, "%s_bucket%s %d\n", name, withLabel(labels, "le", "+Inf"), cum)
	fmt.Fprintf(w, "%s_sum%s %s\n", name, labels, formatFloat(math.Float64frombits(h.sum.Load())))
	fmt.Fprintf(w, "%s_count%s %d\n", name, labels, h.count.Load())
}

// Counter returns the counter of that name and labels, creating it on first use.
func (r *Registry) Counter(name, help string, labels ...Label) *Counter {
	return r.get(name, help, kindCounter, labels, func() series { return &Counter{} }).(*Counter)
}

// Gauge returns the gauge of that name and labels, creating it on first use.
func (r *Registry) Gauge(name, help string, labels ...Label) *Gauge {
	return r.get(name, help, kindGauge, labels, func() series { return &Gauge{} }).(*Gauge)
}

// GaugeFunc registers a gauge whose value is read from f at scrape time.
// A later registration under the same name and labels replaces it.
func (r *Registry) GaugeFunc(name, help string, f func() float64, labels ...Label) {
	fam := r.family(name, help, kindGauge)
	key := renderLabels(labels)
	r.mu.Lock()
	fam.series[key] = gaugeFunc(f)
	fam.labels[key] = append([]Label(nil), labels...)
	r.mu.Unlock()
}

// Histogram returns the histogram of that name and labels, creating it with
// the given bucket bounds (DefaultLatencyBuckets when nil) on first use.
func (r *Registry) Histogram(name, help string, bounds []float64, labels ...Label) *Histogram {
	if bounds == nil {
		bounds = DefaultLatencyBuckets
	}
	return r.get(name, help, kindHistogram, labels, func() series {
		return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
	}).(*Histogram)
}

// Remove drops the series of that name and labels (a deleted resource).
func (r *Registry) Remove(name string, labels ...Label) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if fam, ok := r.families[name]; ok {
		key := renderLabels(labels)
		delete(fam.series, key)
		delete(fam.labels, key)
	}
}

func (r *Registry) family(name, help string, k kind) *family {
	r.mu.Lock()
	defer r.mu.Unlock()
	fam, ok := r.families[name]
	if !ok {
		fam = &family{name: name, help: help, kind: k, series: map[string]series{}, labels: map[string][]Label{}}
		r.families[name] = fam
	}
	if fam.kind != k {
		panic(fmt.Sprintf("metrics: %s registered as %s and %s", name, fam.kind, k))
	}
	return fam
}

func (r *Registry) get(name, help string, k kind, labels []Label, mk func() series) series {
	key := renderLabels(labels)
	r.mu.RLock()
	if fam, ok := r.families[name]; ok && fam.kind == k {
		if s, ok := fam.series[key]; ok {
			r.mu.RUnlock()
			return s
		}
	}
	r.mu.RUnlock()
	fam := r.family(name, help, k)
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := fam.series[key]; ok {
		return s
	}
	s := mk()
	fam.series[key] = s
	fam.labels[key] = append([]Label(nil), labels...)
	return s
}

// WritePrometheus writes every family in the Prometheus text format 0.0.4,
// families and series sorted so the output is stable.
func (r *Registry) WritePrometheus(w io.Writer) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.families))
	for n := range r.families {
		names = append(names, n)
	}
	sort.Strings(names)
	bw := &errWriter{w: w}
	for _, n := range names {
		fam := r.families[n]
		if len(fam.series) == 0 {
			continue
		}
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", n, escapeHelp(fam.help), n, fam.kind)
		keys := make([]string, 0, len(fam.series))
		for k := range fam.series {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fam.series[k].write(bw, n, k)
		}
	}
	return bw.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func renderLabels(labels []Label) string {
	if len(labels) == 0 {
		return ""
	}
	sorted := append([]Label(nil), labels...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range sorted {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.Name)
		b.WriteString(`="`)
		b.WriteString(escapeValue(l.Value))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func withLabel(labels, name, value string) string {
	extra := name + `="` + value + `"`
	if labels == "" {
		return "{" + extra + "}"
	}
	return labels[:len(labels)-1] + "," + extra + "}"
}

var valueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeValue(s string) string { return valueEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Sample is one series of a family as Gather reads it. Labels and Buckets
// belong to the registry or are reused between calls: copy what you keep.
type Sample struct {
	Labels []Label
	Value  float64 // counter or gauge value; a histogram's count
	// Histograms only: the bucket bounds and the count of observations in
	// each bucket (not cumulative), the last one for +Inf.
	Bounds  []float64
	Buckets []uint64
}

// Label returns the value of the named label, "" when absent.
func (s *Sample) Label(name string) string {
	for _, l := range s.Labels {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// Gather calls fn with every series of the family name, in no particular
// order, reading gauge functions as a scrape would. fn must not call the
// registry.
func (r *Registry) Gather(name string, fn func(s *Sample)) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	fam, ok := r.families[name]
	if !ok {
		return
	}
	var s Sample
	for key, se := range fam.series {
		s.Labels, s.Bounds, s.Buckets = fam.labels[key], nil, s.Buckets[:0]
		switch v := se.(type) {
		case *Counter:
			s.Value = float64(v.Value())
		case *Gauge:
			s.Value = v.Value()
		case gaugeFunc:
			s.Value = v()
		case *Histogram:
			s.Value = float64(v.Count())
			s.Bounds = v.bounds
			for i := range v.counts {
				s.Buckets = append(s.Buckets, v.counts[i].Load())
			}
		}
		fn(&s)
	}
}

// BucketQuantile estimates the q-quantile (0..1) of observations counted
// per bucket (len(bounds)+1 counts, the last for +Inf) as Histogram.Quantile
// does: the upper bound of the bucket that holds it. It returns 0 for no
// observations.
func BucketQuantile(q float64, bounds []float64, counts []uint64) float64 {
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			if i < len(bounds) {
				return bounds[i]
			}
			return math.Inf(1)
		}
	}
	return math.Inf(1)
}
