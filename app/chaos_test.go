package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/stream"
)

func TestChaosSectionSetsTheCorePolicy(t *testing.T) {
	test.NewTempApp(t)
	c := openTestCore(t)
	if err := c.Queues().CreateQueue(context.Background(), "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	f := newChaosForm(c, Queues, "orders")
	w := test.NewWindow(f.content)
	defer w.Close()
	w.Resize(fyne.NewSize(420, 330))

	// Dragging the drop slider to its right end applies on release (the
	// test driver's drag reports where it ends).
	drop := f.sliders["drop"]
	end := fyne.CurrentApp().Driver().AbsolutePositionForObject(drop).Add(fyne.NewPos(drop.Size().Width-1, drop.Size().Height/2))
	test.Drag(w.Canvas(), end, drop.Size().Width, 0)
	if p, ok := c.Chaos().Get(chaos.Queue, "orders"); !ok || p.Drop != 1 {
		t.Fatalf("after dragging drop: %+v %v", p, ok)
	}

	f.sliders["drop"].SetValue(25)
	f.sliders["fail"].SetValue(5)
	test.Type(f.delay, "100-500")
	test.Type(f.throttle, "20")
	test.Tap(f.apply)
	want := chaos.Policy{Kind: chaos.Queue, Name: "orders", Drop: 0.25, Fail: 0.05,
		Delay: chaos.Delay{Min: 100 * time.Millisecond, Max: 500 * time.Millisecond}, Throttle: 20}
	if p, _ := c.Chaos().Get(chaos.Queue, "orders"); p != want {
		t.Fatalf("applied %+v, want %+v", p, want)
	}
	if f.status.Text != "In force: drop 25%, delay 100ms–500ms, throttle 20/s, fail 5%" || f.problem.Visible() {
		t.Fatalf("status %q, problem %v", f.status.Text, f.problem.Visible())
	}
	f.delay.FocusLost() // test.Type focused both entries
	f.throttle.FocusLost()
	test.AssertImageMatches(t, "chaos_section.png", w.Canvas().Capture())

	// A rebuild (the inspector refreshing) reads the policy back from the core.
	again := newChaosForm(c, Queues, "orders")
	if again.sliders["drop"].Value != 25 || again.delay.Text != "100-500" || again.throttle.Text != "20" || again.sliders["duplicate"].Value != 0 {
		t.Fatalf("rebuilt form: drop %v delay %q throttle %q", again.sliders["drop"].Value, again.delay.Text, again.throttle.Text)
	}

	// Bad input: an inline message, the typed text stays (also across a
	// rebuild), the core keeps its policy.
	f.delay.SetText("")
	test.Type(f.delay, "soon")
	test.Tap(f.apply)
	if !f.problem.Visible() || f.problem.Text != `delay: delay "soon" is neither milliseconds nor a duration like 250ms` {
		t.Fatalf("problem %q", f.problem.Text)
	}
	if p, _ := c.Chaos().Get(chaos.Queue, "orders"); p != want {
		t.Fatalf("a refused apply changed the policy to %+v", p)
	}
	if rebuilt := newChaosForm(c, Queues, "orders"); rebuilt.delay.Text != "soon" {
		t.Fatalf("the draft was lost on rebuild: %q", rebuilt.delay.Text)
	}

	test.Tap(f.clear)
	if _, ok := c.Chaos().Get(chaos.Queue, "orders"); ok || f.sliders["drop"].Value != 0 || f.delay.Text != "" {
		t.Fatal("clear left the policy or the form")
	}
	if f.status.Text != "No chaos: every call behaves." {
		t.Fatalf("status %q", f.status.Text)
	}
}

func TestChaosSectionOffersTheKnobsOfTheKind(t *testing.T) {
	test.NewTempApp(t)
	c := openTestCore(t)
	if err := c.Streams().Create(context.Background(), stream.CreateInput{Name: "clicks", ShardCount: 1}); err != nil {
		t.Fatal(err)
	}
	f := newChaosForm(c, Streams, "clicks")
	if f.sliders["drop"] != nil || f.sliders["duplicate"] != nil || f.sliders["fail"] == nil || f.delay == nil || f.throttle == nil {
		t.Fatalf("stream knobs: %v", f.sliders)
	}
	if newChaosForm(c, Functions, "fn") != nil {
		t.Fatal("functions have no chaos")
	}
	// The resource vanished: the core's error is shown in words.
	g := newChaosForm(c, Queues, "gone")
	g.sliders["fail"].SetValue(50)
	test.Tap(g.apply)
	if !g.problem.Visible() || g.problem.Text != `chaos: queue "gone": resource not found` {
		t.Fatalf("problem %q", g.problem.Text)
	}
}

func TestChaosSectionShowsInTheInspector(t *testing.T) {
	pinVersion(t)
	_, c, m, q := newTestWindow(t)
	if err := c.Queues().CreateQueue(context.Background(), "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Chaos().Set(chaos.Policy{Kind: chaos.Queue, Name: "orders", Duplicate: 0.5}); err != nil {
		t.Fatal(err)
	}
	q.runUntil(t, "the queue to reach the tree", func() bool { return m.resources.count(Queues) == 1 })
	m.resources.tree.Select(leafUID(Queues, "orders"))
	var heading, status bool
	for _, o := range test.LaidOutObjects(m.inspector.details) {
		if l, ok := o.(*widget.Label); ok {
			heading = heading || l.Text == "Chaos"
			status = status || l.Text == "In force: duplicate 50%"
		}
	}
	if !heading || !status {
		t.Fatalf("inspector: chaos heading %v, policy shown %v", heading, status)
	}
}

func TestChaosSectionForAnAPIHasAFormPerRoute(t *testing.T) {
	test.NewTempApp(t)
	c, err := core.Open(core.Config{Memory: true, GatewayAnyPort: true, Clock: clock.NewFrozen(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Gateway().CreateAPI(ctx, gateway.API{Name: "shop", Routes: []gateway.Route{
		{Key: "POST /orders", Integration: gateway.Integration{Type: gateway.Queue, Target: "orders"}},
		{Key: "GET /health", Integration: gateway.Integration{Type: gateway.Queue, Target: "orders"}},
	}}); err != nil {
		t.Fatal(err)
	}
	obj := routeChaos(c, "shop")
	if obj == nil {
		t.Fatal("no route chaos for an API with routes")
	}
	texts := labelTexts(obj)
	if !strings.Contains(texts, "|POST /orders|") || !strings.Contains(texts, "|GET /health|") {
		t.Fatalf("route headings: %s", texts)
	}
	var applies []*widget.Button
	for _, o := range test.LaidOutObjects(obj) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Apply" {
			applies = append(applies, b)
		}
	}
	var sliders []*widget.Slider
	for _, o := range test.LaidOutObjects(obj) {
		if s, ok := o.(*widget.Slider); ok {
			sliders = append(sliders, s)
		}
	}
	if len(applies) != 2 || len(sliders) != 2 { // a route honours fail only among the sliders
		t.Fatalf("%d apply buttons, %d sliders", len(applies), len(sliders))
	}
	sliders[0].SetValue(100)
	test.Tap(applies[0])
	if p, ok := c.Chaos().Get(chaos.Route, "shop POST /orders"); !ok || p.Fail != 1 {
		t.Fatalf("route policy %+v %v", p, ok)
	}
	if _, ok := c.Chaos().Get(chaos.Route, "shop GET /health"); ok {
		t.Fatal("the other route got the policy")
	}
}
