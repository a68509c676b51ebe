package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/queue"
)

const testEndpoint = "http://127.0.0.1:4566"

// t0 is where the test cores' frozen clocks start, in local time so that the
// log's timestamps are the same in every time zone.
var t0 = time.Date(2025, time.March, 14, 8, 41, 7, 214e6, time.Local)

func openTestCore(t *testing.T) *core.Core {
	t.Helper()
	c, err := core.Open(core.Config{Memory: true, Clock: clock.NewFrozen(t0)})
	if err != nil {
		t.Fatalf("open core: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close core: %v", err)
		}
	})
	return c
}

// uiQueue stands in for fyne.Do: work that other goroutines hand to the UI
// thread waits here until the test runs it on its own goroutine, as the
// driver's main loop would.
type uiQueue chan func()

func newUIQueue() uiQueue { return make(uiQueue, 64) }

func (q uiQueue) do(f func()) { q <- f }

// runUntil runs queued UI work until cond holds, failing after a few seconds.
func (q uiQueue) runUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for !cond() {
		select {
		case f := <-q:
			f()
		case <-timeout.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// newTestWindow builds a main window on a fresh test app and core; the
// window closes before the core does.
func newTestWindow(t *testing.T) (fyne.App, *core.Core, *MainWindow, uiQueue) {
	t.Helper()
	a := test.NewTempApp(t)
	c := openTestCore(t)
	q := newUIQueue()
	m := newMainWindow(a, c, testEndpoint, q.do)
	t.Cleanup(m.Window().Close)
	return a, c, m, q
}

// pinVersion fixes the version that golden images show, whatever the build
// stamps into core.Version.
func pinVersion(t *testing.T) {
	old := core.Version
	core.Version = "0.1.0"
	t.Cleanup(func() { core.Version = old })
}

// waitApplied runs UI work until the bridge has handed the window n events
// beyond the core's "started" event, which every new subscriber is replayed.
func waitApplied(t *testing.T, m *MainWindow, q uiQueue, n uint64) {
	t.Helper()
	q.runUntil(t, "the bridge to apply events", func() bool { return m.bridge.applied.Load() >= n+1 })
}

func TestMainWindowLooksRight(t *testing.T) {
	pinVersion(t)
	_, c, m, q := newTestWindow(t)
	m.Window().Resize(fyne.NewSize(1280, 800))
	for _, e := range []event.Event{
		{Level: event.Debug, Service: "wire", Message: "GET /health 200 in 0.1 ms"},
		{Level: event.Warn, Service: "queue", Resource: "orders", Message: "message 91fe moved to orders-dlq after 3 receives"},
		{Level: event.Error, Service: "function", Resource: "fraud-check", Message: "exited 1 in 0.8 s"},
	} {
		c.Emit(e)
	}
	waitApplied(t, m, q, 3)

	if got := m.Window().Title(); !strings.HasPrefix(got, "Skyport") {
		t.Errorf("title %q does not start with Skyport", got)
	}
	test.AssertImageMatches(t, "main_window.png", m.Window().Canvas().Capture())
}

func TestMainWindowLightTheme(t *testing.T) {
	pinVersion(t)
	a, _, m, q := newTestWindow(t)
	m.Window().Resize(fyne.NewSize(1280, 800))
	waitApplied(t, m, q, 0)
	test.Tap(m.toolbar.theme)
	if a.Settings().Theme().(skyTheme).dark() {
		t.Fatal("theme still dark after the toggle")
	}
	test.AssertImageMatches(t, "main_window_light.png", m.Window().Canvas().Capture())
}

func TestActivityLogShowsCoreEvents(t *testing.T) {
	_, c, m, q := newTestWindow(t)
	if err := c.AdvanceClock(time.Minute); err != nil {
		t.Fatal(err)
	}
	want := "08:42:07.214 INFO  core     clock advanced by 1m0s"
	q.runUntil(t, "the clock event in the log", func() bool {
		return slices.ContainsFunc(m.LogLines(), func(l string) bool { return strings.HasPrefix(l, want) })
	})
	lines := m.LogLines()
	if !strings.HasPrefix(lines[0], "08:41:07.214 INFO  core     Skyport ") {
		t.Errorf("first line %q, want the core's opening line", lines[0])
	}
}

func TestClockButtonsAdvanceTheCoreClock(t *testing.T) {
	tests := []struct {
		button string
		by     time.Duration
		badge  string
	}{
		{"+1 min", time.Minute, "clock: frozen at 2025-03-14 08:42:07"},
		{"+1 h", time.Hour, "clock: frozen at 2025-03-14 09:41:07"},
		{"+1 day", 24 * time.Hour, "clock: frozen at 2025-03-15 08:41:07"},
	}
	for _, tt := range tests {
		t.Run(tt.button, func(t *testing.T) {
			_, c, m, q := newTestWindow(t)
			b := m.toolbar.advance[tt.button]
			if b == nil {
				t.Fatalf("no %q button", tt.button)
			}
			test.Tap(b)
			if got := c.Clock().Now().Sub(t0); got != tt.by {
				t.Errorf("clock moved by %v, want %v", got, tt.by)
			}
			waitApplied(t, m, q, 1)
			if got := m.toolbar.clock.text; got != tt.badge {
				t.Errorf("clock badge %q, want %q", got, tt.badge)
			}
		})
	}
}

func TestWindowStatePersists(t *testing.T) {
	a := test.NewTempApp(t)
	c := openTestCore(t)

	q := newUIQueue()
	first := newMainWindow(a, c, testEndpoint, q.do)
	if got := first.Window().Canvas().Size(); got != defaultSize {
		t.Errorf("first start size %v, want %v", got, defaultSize)
	}
	first.Window().Resize(fyne.NewSize(1000, 700))
	first.splitLog.SetOffset(0.6)
	first.splitTree.SetOffset(0.25)
	first.splitInspector.SetOffset(0.55)
	test.Tap(first.toolbar.theme) // to light
	first.Window().Close()        // saves

	second := newMainWindow(a, c, testEndpoint, q.do)
	t.Cleanup(second.Window().Close)
	if got, want := second.Window().Canvas().Size(), fyne.NewSize(1000, 700); got != want {
		t.Errorf("restored size %v, want %v", got, want)
	}
	for _, s := range []struct {
		name      string
		got, want float64
	}{
		{"log", second.splitLog.Offset, 0.6},
		{"tree", second.splitTree.Offset, 0.25},
		{"inspector", second.splitInspector.Offset, 0.55},
	} {
		if s.got != s.want {
			t.Errorf("restored %s split %v, want %v", s.name, s.got, s.want)
		}
	}
	if second.dark {
		t.Error("restored dark theme, want light")
	}
	if th, ok := a.Settings().Theme().(skyTheme); !ok || th.variant != theme.VariantLight {
		t.Errorf("app theme %#v, want the light skyTheme", a.Settings().Theme())
	}
}

func TestCopyEndpoint(t *testing.T) {
	a, _, m, _ := newTestWindow(t)
	m.SetEndpoint("http://127.0.0.1:4599")
	test.Tap(m.toolbar.copyURL)
	if got := a.Clipboard().Content(); got != "http://127.0.0.1:4599" {
		t.Errorf("clipboard %q", got)
	}
	if got := m.toolbar.endpoint.text; got != "● LOCAL ONLY · 127.0.0.1:4599" {
		t.Errorf("badge %q", got)
	}
}

func TestSetResources(t *testing.T) {
	_, _, m, _ := newTestWindow(t)
	m.SetResources(Queues, []string{"orders-dlq", "orders", "orders"})
	if got := m.resources.childUIDs(branchUID(Queues)); !slices.Equal(got, []string{"queues/orders", "queues/orders-dlq"}) {
		t.Errorf("queue nodes %v", got)
	}
	m.resources.tree.Select(leafUID(Queues, "orders"))
	if got := m.inspector.title.Text; got != "orders" {
		t.Errorf("inspector title %q", got)
	}
	m.SetResources(Queues, nil)
	if got := m.inspector.kind.String(); got != "Nothing selected" {
		t.Errorf("inspector after removal %q", got)
	}
	for _, k := range ResourceKinds() {
		if n := m.resources.count(k); n != 0 {
			t.Errorf("%v: %d resources, want 0", k, n)
		}
	}
}

func TestNewMainWindow(t *testing.T) {
	a := test.NewTempApp(t)
	c := openTestCore(t)
	m := NewMainWindow(a, c, testEndpoint)
	defer m.Window().Close()
	if got, want := m.Window().Title(), "Skyport — memory"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(m.LogLines()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the bridge hands the replayed start event over through fyne.Do
	}
	if lines := m.LogLines(); len(lines) != 1 || !strings.Contains(lines[0], "started on memory (full durability)") {
		t.Errorf("log %q, want the core's start event", lines)
	}
}

// With the sampler running, message traffic re-reads the queues at most
// every queueSyncEvery and the next tick picks up the rest; a new queue
// shows at once.
func TestQueueSyncIsThrottledUnderTraffic(t *testing.T) {
	_, c, m, _ := newTestWindow(t)
	m.sampler = time.NewTicker(time.Hour) // as in the app; ticks are driven by hand below
	defer m.sampler.Stop()
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "busy", nil, nil); err != nil {
		t.Fatal(err)
	}
	m.apply([]event.Event{{Kind: event.ResourceCreated, Service: "queue", Resource: "busy"}})
	if m.resources.count(Queues) != 1 || m.queuesDirty {
		t.Fatal("a new queue did not show at once")
	}
	if _, err := c.Queues().SendMessage(ctx, "busy", queue.SendInput{Body: "x"}); err != nil {
		t.Fatal(err)
	}
	m.apply([]event.Event{{Kind: event.MessageSent, Service: "queue", Resource: "busy"}})
	if !m.queuesDirty {
		t.Fatal("message traffic right after a sync re-read the queues")
	}
	m.queuesSynced = time.Now().Add(-queueSyncEvery)
	m.apply([]event.Event{{Kind: event.MessageSent, Service: "queue", Resource: "busy"}})
	if m.queuesDirty || m.resources.details[Queues]["busy"] != "1" {
		t.Fatalf("traffic after %v did not sync: badge %q", queueSyncEvery, m.resources.details[Queues]["busy"])
	}
	// Traffic too early for a sync, or rolled up by the bridge, shows at
	// the sampler's next tick; a tick without either does not re-read.
	send := func() {
		t.Helper()
		if _, err := c.Queues().SendMessage(ctx, "busy", queue.SendInput{Body: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	m.apply([]event.Event{{Kind: event.MessageSent, Service: "queue", Resource: "busy"}})
	m.sampleTick()
	if m.queuesDirty || m.resources.details[Queues]["busy"] != "2" {
		t.Fatalf("the tick after throttled traffic: badge %q", m.resources.details[Queues]["busy"])
	}
	send()
	m.sampleTick()
	if m.resources.details[Queues]["busy"] != "2" {
		t.Fatalf("a tick without traffic re-read the queues: badge %q", m.resources.details[Queues]["busy"])
	}
	m.bridge.queueTraffic.Store(true)
	m.sampleTick()
	if m.resources.details[Queues]["busy"] != "3" || m.bridge.takeQueueTraffic() {
		t.Fatalf("the tick after rolled-up traffic: badge %q", m.resources.details[Queues]["busy"])
	}
}
