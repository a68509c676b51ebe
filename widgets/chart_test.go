package widgets

import (
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestRingKeepsTheNewest(t *testing.T) {
	r := NewRing(3)
	if _, ok := r.Last(); ok {
		t.Error("empty ring has a last sample")
	}
	for _, tt := range []struct {
		push float64
		want []float64
	}{
		{1, []float64{1}},
		{2, []float64{1, 2}},
		{3, []float64{1, 2, 3}},
		{4, []float64{2, 3, 4}},
		{5, []float64{3, 4, 5}},
	} {
		r.Push(tt.push)
		if got := r.Values(nil); !slices.Equal(got, tt.want) {
			t.Errorf("after %v: %v, want %v", tt.push, got, tt.want)
		}
	}
	if last, _ := r.Last(); last != 5 || r.Len() != 3 || r.Cap() != 3 {
		t.Errorf("last %v len %d cap %d", last, r.Len(), r.Cap())
	}
}

func TestRingSetKeepsTheNewest(t *testing.T) {
	r := NewRing(3)
	r.Push(9)
	r.Set([]float64{1, 2})
	if got := r.Values(nil); !slices.Equal(got, []float64{1, 2}) {
		t.Errorf("after Set of two: %v", got)
	}
	r.Set([]float64{1, 2, 3, 4, 5})
	r.Push(6)
	if got := r.Values(nil); !slices.Equal(got, []float64{4, 5, 6}) {
		t.Errorf("after Set of five and a push: %v", got)
	}
	r.Set(nil)
	if r.Len() != 0 {
		t.Errorf("Set(nil) left %d samples", r.Len())
	}
}

func TestRingConcurrentPushes(t *testing.T) {
	r := NewRing(100)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				r.Push(float64(g*1000 + i))
				r.Values(nil)
			}
		}()
	}
	wg.Wait()
	if r.Len() != 100 {
		t.Errorf("len %d after 4000 pushes, want 100", r.Len())
	}
}

func TestChartScaleAndFormat(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{0, 1}, {0.3, 0.5}, {1, 1}, {1.01, 2}, {3, 5}, {7, 10}, {42, 50}, {1000, 1000}, {1200, 2000},
	} {
		if got := niceCeil(tt.in); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("niceCeil(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {12, "12"}, {1.25, "1.3"}, {9999, "9999"}, {12500, "12.5k"}, {-3e6, "-3M"},
	} {
		if got := formatValue(tt.in); got != tt.want {
			t.Errorf("formatValue(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   time.Duration
		want string
	}{
		{45 * time.Second, "45s"}, {5 * time.Minute, "5m"}, {90 * time.Second, "1m30s"}, {2 * time.Hour, "2h"},
	} {
		if got := shortDuration(tt.in); got != tt.want {
			t.Errorf("shortDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// demoChart is a queue's depth over the last five minutes, half filled.
func demoChart() (*Chart, *Ring, *Ring) {
	visible, inFlight := NewRing(61), NewRing(61)
	for i := range 40 {
		visible.Push(float64(i%10) + float64(i)/4)
		inFlight.Push(float64(i % 4))
	}
	c := NewChart("ApproximateNumberOfMessagesVisible · NotVisible", 5*time.Second,
		Series{Name: "visible", Data: visible},
		Series{Name: "in flight", Color: theme.ColorNameWarning, Data: inFlight})
	return c, visible, inFlight
}

func TestChartRenders(t *testing.T) {
	test.NewTempApp(t)
	c, _, _ := demoChart()
	win := showIn(t, c, 400, 200)
	test.AssertRendersToMarkup(t, "chart/chart.xml", win.Canvas())

	spark := NewSparkline(Series{Name: "sent", Data: c.series[0].Data})
	win.SetContent(spark)
	win.Resize(fyne.NewSize(120, 24))
	test.AssertRendersToMarkup(t, "chart/sparkline.xml", win.Canvas())
}

func TestChartImage(t *testing.T) {
	test.NewTempApp(t)
	useDarkTheme(t)
	c, _, _ := demoChart()
	win := showIn(t, c, 400, 200)
	plot := chartPlot(c)
	test.MoveMouse(win.Canvas(), plot.pos.AddXY(plot.size.Width*50/60, plot.size.Height/2))
	test.AssertImageMatches(t, "chart/chart_hover.png", win.Canvas().Capture())
}

func TestChartHoverShowsValues(t *testing.T) {
	test.NewTempApp(t)
	c, visible, _ := demoChart()
	win := showIn(t, c, 400, 200)
	plot := chartPlot(c)
	slot := plot.size.Width / 60

	test.MoveMouse(win.Canvas(), plot.pos.AddXY(60*slot-1, 10)) // the newest sample
	if got, want := c.HoverText(), "now: visible 18.8 · in flight 3"; got != want {
		t.Errorf("hover %q, want %q", got, want)
	}
	test.MoveMouse(win.Canvas(), plot.pos.AddXY(50*slot+1, 10)) // ten samples back
	if got, want := c.HoverText(), "−50s: visible 16.3 · in flight 1"; got != want {
		t.Errorf("hover %q, want %q", got, want)
	}
	test.MoveMouse(win.Canvas(), plot.pos.AddXY(5*slot, 10)) // before the first sample
	if got := c.HoverText(); got != "" {
		t.Errorf("hover before the data %q", got)
	}

	visible.Push(100) // a new sample shifts the lines and rescales
	c.Refresh()
	r := test.WidgetRenderer(c).(*chartRenderer)
	if r.hi != 100 {
		t.Errorf("scale max %v after pushing 100", r.hi)
	}
	if got := r.yLabels[0].Text; got != "100" {
		t.Errorf("top label %q", got)
	}
	c.MouseOut()
	if c.HoverText() != "" {
		t.Error("hover kept after the mouse left")
	}
}

// BenchmarkChartFrame measures one refresh of a full five-minute chart of
// three series, as the inspector redraws it twice a second.
func BenchmarkChartFrame(b *testing.B) {
	test.NewTempApp(b)
	var series []Series
	for range 3 {
		r := NewRing(300)
		for i := range 300 {
			r.Push(float64(i % 17))
		}
		series = append(series, Series{Name: "s", Data: r})
	}
	c := NewChart("bench", time.Second, series...)
	w := test.NewTempWindow(b, c)
	w.Resize(fyne.NewSize(600, 200))
	r := test.WidgetRenderer(c)
	for i := 0; b.Loop(); i++ {
		series[i%3].Data.Push(float64(i % 23))
		r.Refresh()
	}
}
