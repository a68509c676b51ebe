package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core/event"

	"github.com/skyport-dev/skyport/internal/cputime"
)

// flood publishes rounds×per message events on bus: per round, a batch of
// 10 sent to each of the queues orders and refunds, one publish to topic
// news and its delivery to one subscription; times advance 1 ms an event
// from start. It returns the time of the last event.
func flood(bus *event.Bus, start time.Time, rounds int) time.Time {
	at := start
	next := func() time.Time { at = at.Add(time.Millisecond); return at }
	const sub = "arn:aws:sns:us-east-1:000000000000:news:1"
	for i := range rounds {
		for _, q := range []string{"orders", "refunds"} {
			bus.Publish(event.Event{Time: next(), Kind: event.MessageSent, Level: event.Debug, Service: "queue", Resource: q,
				Message: "10 messages sent to " + q, Count: 10})
		}
		bus.Publish(event.Event{Time: next(), Kind: event.MessagePublished, Level: event.Debug, Service: "topic",
			Resource: "arn:aws:sns:us-east-1:000000000000:news", Message: fmt.Sprintf("published m%d to news (1 deliveries)", i), Count: 1})
		bus.Publish(event.Event{Time: next(), Kind: event.MessageDelivered, Level: event.Debug, Service: "topic",
			Resource: sub, Message: fmt.Sprintf("delivered m%d to orders", i), Count: 1})
	}
	return at
}

// A flood of message events reaches the activity log as a bounded number
// of rows: per resource and kind, the first trafficPreview events of a
// spell as they are, then one "N messages … in S s" row per rollup tick;
// a tick without traffic ends the spell. Other events pass at once, and the filters work
// on rolled-up rows as on any other.
func TestMessageFloodBecomesBoundedRollups(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(maxLogLines)
	w := test.NewWindow(l.content)
	defer w.Close()
	w.Resize(fyne.NewSize(1000, 400))
	bus := event.NewBus()
	q := newUIQueue()
	rolls := make(chan time.Time)
	b := startBridge(bus.Subscribe(1<<16), maxLogLines, rolls, q.do, l.append)
	defer b.stop()

	const rounds = 5000 // 20,000 core events a flood
	var total uint64
	marker := func(text string) {
		bus.Publish(event.Event{Time: t0, Kind: event.ResourceChanged, Level: event.Info, Service: "core", Message: text})
		total++
		// The bridge took every earlier event before this one (one goroutine, one channel).
		q.runUntil(t, "the marker", func() bool {
			return slices.ContainsFunc(l.lines(), func(s string) bool { return strings.HasSuffix(s, text) })
		})
	}
	roll := func(want uint64) {
		rolls <- t0
		q.runUntil(t, "the rollup", func() bool { return b.applied.Load() == want })
	}

	end := flood(bus, t0, rounds)
	total += 4 * rounds
	marker("first flood")
	roll(total)
	second := flood(bus, end, rounds)
	total += 4 * rounds
	marker("second flood")
	roll(total)
	roll(total) // no traffic: every spell ends
	flood(bus, second, 1)
	total += 4
	marker("after the quiet tick")

	at := func(ms int) string {
		return t0.Add(time.Duration(ms) * time.Millisecond).Local().Format("15:04:05.000")
	}
	const news = " DEBUG topic    arn:aws:sns:us-east-1:000000000000:news"
	shown := func(round, from int) []string { // a flood's round as it is
		ms := from + 4*round
		return []string{
			at(ms+1) + " DEBUG queue    orders 10 messages sent to orders",
			at(ms+2) + " DEBUG queue    refunds 10 messages sent to refunds",
			at(ms+3) + news + fmt.Sprintf(" published m%d to news (1 deliveries)", round),
			at(ms+4) + news + fmt.Sprintf(":1 delivered m%d to orders", round),
		}
	}
	var want []string
	for r := range trafficPreview { // a spell starts with its first events as they are
		want = append(want, shown(r, 0)...)
	}
	last, last2 := 4*rounds, 8*rounds
	want = append(want,
		at(0)+" INFO  core     first flood",
		// The rest of the spell: 4,997 events each, since the last one shown.
		at(last-3)+" DEBUG queue    orders 49970 messages sent in 20.0 s",
		at(last-2)+" DEBUG queue    refunds 49970 messages sent in 20.0 s",
		at(last-1)+news+" 4997 messages published in 20.0 s",
		at(last)+news+":1 4997 messages delivered in 20.0 s",
		at(0)+" INFO  core     second flood",
		// Steady traffic: one row per resource and kind a tick.
		at(last2-3)+" DEBUG queue    orders 50000 messages sent in 20.0 s",
		at(last2-2)+" DEBUG queue    refunds 50000 messages sent in 20.0 s",
		at(last2-1)+news+" 5000 messages published in 20.0 s",
		at(last2)+news+":1 5000 messages delivered in 20.0 s",
	)
	// After a quiet tick, traffic shows as it is again.
	want = append(append(want, shown(0, last2)...), at(0)+" INFO  core     after the quiet tick")
	if got := l.lines(); !slices.Equal(got, want) {
		t.Fatalf("%d core events became %d rows:\n%s\nwant\n%s", total, len(got), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if b.applied.Load() != total {
		t.Errorf("applied %d core events, published %d", b.applied.Load(), total)
	}

	l.level.SetSelected("Info and up")
	if got := len(l.shownLines()); got != 3 || l.count.Text != "3 of 27 events" {
		t.Errorf("Info and up: %d rows, count %q", got, l.count.Text)
	}
	l.level.SetSelected("All levels")
	l.service.SetSelected("queue")
	test.Type(l.search, "messages sent in")
	if got := l.shownLines(); len(got) != 4 || !strings.Contains(got[3], "refunds 50000 messages sent in 20.0 s") {
		t.Errorf("queue + text: %q", got)
	}
}

// Without rollups (nil rolls) every event goes through.
func TestBridgeWithoutRollupsPassesEveryEvent(t *testing.T) {
	bus := event.NewBus()
	q := newUIQueue()
	var got int
	b := startBridge(bus.Subscribe(1<<10), maxLogLines, nil, q.do, func(evs []event.Event) { got += len(evs) })
	defer b.stop()
	flood(bus, t0, 100)
	q.runUntil(t, "every event", func() bool { return got == 400 })
}

// The log keeps what passes the filter in step with what it keeps at its
// bound when it only filters what comes and goes.
func TestActivityLogFilterAtItsBound(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(10)
	l.level.SetSelected("Warnings and errors")
	for i := range 25 {
		level := event.Info
		if i%3 == 0 {
			level = event.Warn
		}
		l.append([]event.Event{{Time: t0, Level: level, Service: "queue", Resource: "orders", Message: fmt.Sprint("line ", i)}})
	}
	l.append(make([]event.Event, 0))
	var want []string
	for i := 15; i < 25; i++ {
		if i%3 == 0 {
			want = append(want, fmt.Sprint("08:41:07.214 WARN  queue    orders line ", i))
		}
	}
	if got := l.shownLines(); !slices.Equal(got, want) {
		t.Errorf("shown %q, want %q", got, want)
	}
	big := make([]event.Event, 30) // more than the bound in one batch
	for i := range big {
		big[i] = event.Event{Time: t0, Level: event.Error, Service: "queue", Resource: "orders", Message: fmt.Sprint("burst ", i)}
	}
	l.append(big)
	if got := l.shownLines(); len(got) != 10 || !strings.HasSuffix(got[0], "burst 20") || len(l.lines()) != 10 {
		t.Errorf("after a burst: %q", got)
	}
}

// BenchmarkBridgeFlood pushes a flood of message events (sends to eight
// queues, publishes to four topics and deliveries to a subscription of
// each: 16 resource-kind pairs) from the core's event
// bus through the bridge into the activity log of a 1000×400 window, with
// the app's rollups ("rolled") and without them ("every-event", the window
// before rollups). One op is one core event; events/CPU-s is how many the
// process handles per second of CPU (bus, bridge, UI work; the GL painter
// of a real window is not included).
func BenchmarkBridgeFlood(b *testing.B) {
	for _, mode := range []struct {
		name string
		roll bool
	}{{"rolled", true}, {"every-event", false}} {
		b.Run(mode.name, func(b *testing.B) {
			test.NewTempApp(b)
			l := newActivityLog(maxLogLines)
			w := test.NewWindow(l.content)
			defer w.Close()
			w.Resize(fyne.NewSize(1000, 400))
			var evs []event.Event // a cycle of distinct events, built before the clock starts
			for i := range 4096 {
				q, tp := fmt.Sprint("q", i/4%8), fmt.Sprint("t", i/4%4)
				switch i % 4 {
				case 0, 1:
					evs = append(evs, event.Event{Time: t0, Kind: event.MessageSent, Level: event.Debug, Service: "queue", Resource: q,
						Message: "1 message sent to " + q, Count: 1})
				case 2:
					evs = append(evs, event.Event{Time: t0, Kind: event.MessagePublished, Level: event.Debug, Service: "topic",
						Resource: tp, Message: fmt.Sprintf("published m%d to %s (2 deliveries)", i, tp), Count: 1})
				case 3:
					evs = append(evs, event.Event{Time: t0, Kind: event.MessageDelivered, Level: event.Debug, Service: "topic",
						Resource: tp + ":sub", Message: fmt.Sprintf("delivered m%d to %s", i, q), Count: 1})
				}
			}
			bus := event.NewBus()
			sub := bus.Subscribe(eventBuffer * 16)
			ui := make(chan func(), 64)
			var rolls chan time.Time
			var stopTicks func()
			if mode.roll {
				rolls = make(chan time.Time)
				tick := time.NewTicker(trafficRollup)
				quit := make(chan struct{})
				go func() {
					for {
						select {
						case t := <-tick.C:
							select {
							case rolls <- t:
							case <-quit:
								return
							}
						case <-quit:
							return
						}
					}
				}()
				stopTicks = func() { tick.Stop(); close(quit) }
			}
			br := startBridge(sub, maxLogLines, rolls, func(f func()) { ui <- f }, l.append)
			defer br.stop()

			b.ReportAllocs()
			cpu0 := cputime.Process()
			b.ResetTimer()
			go func() {
				for i := 0; i < b.N; i++ {
					for len(sub.C) > cap(sub.C)/2 {
						time.Sleep(50 * time.Microsecond) // let the bridge catch up rather than drop
					}
					bus.Publish(evs[i%len(evs)])
				}
				if rolls != nil {
					for len(sub.C) > 0 {
						time.Sleep(50 * time.Microsecond) // the bridge has taken (and absorbed) all
					}
					rolls <- time.Now() // the last rollup, without waiting for the tick
				}
			}()
			for br.applied.Load() < uint64(b.N) {
				select {
				case f := <-ui:
					f()
				case <-time.After(10 * time.Millisecond):
				}
			}
			b.StopTimer()
			cpu := cputime.Process() - cpu0
			if stopTicks != nil {
				stopTicks()
			}
			if bus.Dropped() > 0 {
				b.Fatalf("the bus dropped %d events", bus.Dropped())
			}
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/CPU-s")
			b.ReportMetric(float64(len(l.lines())), "log-rows")
		})
	}
}
