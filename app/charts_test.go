package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/monitor"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/widgets"
)

// useChartQueue routes the charts' redraws through q for the test.
func useChartQueue(t *testing.T, q uiQueue) {
	old := chartDo
	chartDo = q.do
	t.Cleanup(func() { chartDo = old })
}

// chartsIn returns the charts laid out under o.
func chartsIn(o fyne.CanvasObject) []*widgets.Chart {
	var out []*widgets.Chart
	for _, c := range test.LaidOutObjects(o) {
		if ch, ok := c.(*widgets.Chart); ok {
			out = append(out, ch)
		}
	}
	return out
}

// textsIn returns every text drawn under o, joined by "|".
func textsIn(o fyne.CanvasObject) string {
	var out []string
	for _, c := range test.LaidOutObjects(o) {
		if tx, ok := c.(*canvas.Text); ok && tx.Text != "" {
			out = append(out, tx.Text)
		}
	}
	return strings.Join(out, "|")
}

// TestQueueChartsFollowSends selects a queue, ticks the core's monitor
// around some sends and receives, and checks the inspector's charts show
// the queue's series and redraw after the tick, keeping their widgets when
// the inspector rebuilds.
func TestQueueChartsFollowSends(t *testing.T) {
	_, c, m, q := newTestWindow(t)
	useChartQueue(t, q)
	m.Window().Resize(fyne.NewSize(1280, 1400))
	ctx := context.Background()
	qs := c.Queues()
	if err := qs.CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, m, q, 1)
	m.resources.tree.Select(leafUID(Queues, "orders"))
	charts := chartsIn(m.inspector.details)
	if len(charts) != 3 {
		t.Fatalf("%d charts in the queue's inspector, want 3", len(charts))
	}
	texts := textsIn(m.inspector.details)
	for _, want := range []string{"Metrics", "Messages", "● visible", "● in flight", "● delayed", "Throughput (per second)",
		"● sent", "● received", "● deleted", "Age of oldest message (seconds)"} {
		if !strings.Contains(texts, want) {
			t.Errorf("charts lack %q: %s", want, texts)
		}
	}

	mon := c.Monitor()
	mon.Tick(t0)
	for range 6 {
		if _, err := qs.SendMessage(ctx, "orders", queue.SendInput{Body: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := qs.ReceiveMessage(ctx, "orders", queue.ReceiveInput{MaxNumberOfMessages: 2}); err != nil {
		t.Fatal(err)
	}
	mon.Tick(t0.Add(2 * time.Second))
	p := panelOf(c)
	q.runUntil(t, "the charts to redraw after the tick", func() bool { return p.drawn == mon.Ticks() })
	last := func(chart, series int) float64 {
		v, _ := p.charts[chart].rings[series].Last()
		return v
	}
	if last(0, 0) != 4 || last(0, 1) != 2 || last(1, 0) != 3 || last(1, 1) != 1 {
		t.Errorf("visible %v in flight %v sent/s %v received/s %v, want 4 2 3 1", last(0, 0), last(0, 1), last(1, 0), last(1, 1))
	}

	// The newest sample (at the plot's right edge) under the mouse on the
	// throughput chart.
	tp := charts[1]
	edge := fyne.NewPos(tp.Size().Width-2*theme.Padding(), tp.Size().Height/2)
	tp.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: edge}})
	if got, want := tp.HoverText(), "now: sent 3/s · received 1/s · deleted 0/s"; got != want {
		t.Errorf("hover %q, want %q", got, want)
	}

	// A rebuild of the inspector (as every event makes) keeps the charts.
	m.inspector.refresh()
	if again := chartsIn(m.inspector.details); len(again) != 3 || again[1] != tp {
		t.Error("the inspector rebuilt the charts instead of reusing them")
	}
}

// TestChartSectionsPerKind checks every kind gets its charts, and a topic
// one per confirmed subscription.
func TestChartSectionsPerKind(t *testing.T) {
	_, c, _, q := newTestWindow(t)
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "inbox", nil, nil); err != nil {
		t.Fatal(err)
	}
	arn, err := c.Topics().CreateTopic(ctx, "news", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Topics().Subscribe(ctx, arn, "sqs", c.Queues().ARN("inbox"), nil, true); err != nil {
		t.Fatal(err)
	}
	useChartQueue(t, q)
	for _, tt := range []struct {
		kind   ResourceKind
		name   string
		titles []string
	}{
		{Topics, "news", []string{"Notifications (per second)", "● published", "● delivered", "● failed", "Subscription → sqs inbox (per second)"}},
		{Streams, "s", []string{"Records in (per second)", "Bytes in (per second)", "Iterator age (milliseconds)"}},
		{APIs, "a", []string{"Requests (per second)", "● 4XX", "● 5XX", "Latency (milliseconds)", "● p99"}},
		{StateMachines, "sm", []string{"Executions (per second)", "● started", "● succeeded"}},
		{Functions, "f", []string{"Invocations (per second)", "● errors", "Duration (milliseconds)"}},
	} {
		obj := buildChartSection(sectionContext{core: c, kind: tt.kind, name: tt.name})
		w := test.NewTempWindow(t, obj)
		w.Resize(fyne.NewSize(500, 900))
		texts := textsIn(obj)
		for _, want := range tt.titles {
			if !strings.Contains(texts, want) {
				t.Errorf("%v %s: lacks %q: %s", tt.kind, tt.name, want, texts)
			}
		}
	}
	if buildChartSection(sectionContext{core: c, kind: Queues}) != nil {
		t.Error("a section for nothing selected")
	}
}

// TestQueueChartsImage draws a queue's charts after a minute of varied
// traffic.
func TestQueueChartsImage(t *testing.T) {
	_, c, _, q := newTestWindow(t)
	useChartQueue(t, q)
	ctx := context.Background()
	qs := c.Queues()
	if err := qs.CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	obj := buildChartSection(sectionContext{core: c, kind: Queues, name: "orders"})
	mon := c.Monitor()
	now := t0
	mon.Tick(now)
	for i := range 120 {
		for range 2 + (i/15)%4 {
			if _, err := qs.SendMessage(ctx, "orders", queue.SendInput{Body: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		msgs, err := qs.ReceiveMessage(ctx, "orders", queue.ReceiveInput{MaxNumberOfMessages: 2})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 && len(msgs) > 0 {
			if err := qs.DeleteMessage(ctx, "orders", msgs[0].ReceiptHandle); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(500 * time.Millisecond)
		mon.Tick(now)
	}
	p := panelOf(c)
	q.runUntil(t, "the charts to redraw", func() bool { return p.drawn == mon.Ticks() })
	w := test.NewTempWindow(t, obj)
	w.Resize(fyne.NewSize(520, 380))
	test.AssertImageMatches(t, "charts_queue.png", w.Canvas().Capture())
}

// BenchmarkQueueChartsRedraw is one redraw of a queue's three charts with
// full two-minute histories, as happens after every monitor tick.
func BenchmarkQueueChartsRedraw(b *testing.B) {
	test.NewTempApp(b)
	c, err := core.Open(core.Config{Memory: true, Clock: clock.NewFrozen(t0)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err != nil {
		b.Fatal(err)
	}
	mon := c.Monitor()
	p := newChartPanel(c, mon, monitor.Queue, "orders")
	w := test.NewTempWindow(b, p.box)
	w.Resize(fyne.NewSize(520, 380))
	now := t0
	for i := range 300 {
		for range i % 7 {
			if _, err := c.Queues().SendMessage(ctx, "orders", queue.SendInput{Body: "x"}); err != nil {
				b.Fatal(err)
			}
		}
		now = now.Add(mon.Interval())
		mon.Tick(now)
	}
	for b.Loop() {
		p.drawn = 0
		p.update()
	}
}

// TestChartsLiveOnARunningClock uses a core on the real clock, whose
// monitor ticks by itself twice a second, and waits for the charts to show
// the sends.
func TestChartsLiveOnARunningClock(t *testing.T) {
	test.NewTempApp(t)
	c, err := core.Open(core.Config{Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q := newUIQueue()
	useChartQueue(t, q)
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "live", nil, nil); err != nil {
		t.Fatal(err)
	}
	obj := buildChartSection(sectionContext{core: c, kind: Queues, name: "live"})
	test.NewTempWindow(t, obj).Resize(fyne.NewSize(520, 380))
	p := panelOf(c)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // traffic until the test ends
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				_, _ = c.Queues().SendMessage(ctx, "live", queue.SendInput{Body: "x"})
			}
		}
	}()
	q.runUntil(t, "the sent rate to show", func() bool {
		v, ok := p.charts[1].rings[0].Last()
		return ok && v > 0
	})
	if p.mon.Interval() != 500*time.Millisecond {
		t.Errorf("monitor interval %v", p.mon.Interval())
	}
}
