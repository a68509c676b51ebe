package app

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skyport-dev/skyport/core/event"
)

// bridge carries core events to the widgets. One goroutine drains the
// subscription into a pending batch and schedules a single do (fyne.Do) to
// hand the batch to apply on the UI thread; events arriving before that runs join
// the same batch, so a busy core costs the UI one update per frame, not one
// per event. The core never waits for the GUI: the subscription drops what
// the GUI cannot keep up with, and pending keeps only the newest max events.
//
// Message traffic is rolled up on the way (see traffic): per resource and
// kind, the first few message events of a busy spell go through as they
// are, and the rest of each rollEvery comes as one "N messages sent in
// 1.0 s" event, so that under load the window handles one event a second
// per busy resource instead of thousands, and the log stays readable; a
// message sent by hand still shows as itself.
type bridge struct {
	sub   *event.Subscription
	apply func([]event.Event) // runs on the UI thread
	do    func(func())        // runs a function on the UI thread: fyne.Do
	max   int
	rolls <-chan time.Time // sums up the traffic at each tick; nil: no rollups

	mu        sync.Mutex
	pending   []event.Event
	covered   uint64 // core events that pending stands for (rollups stand for many)
	scheduled bool
	traffic   traffic // the goroutine's own; no lock

	applied      atomic.Uint64 // core events dealt with (handed to apply, in rollups or dropped at max), for tests
	queueTraffic atomic.Bool   // queue traffic was rolled up since the last takeQueueTraffic
	done         chan struct{}
}

// trafficRollup is how often the bridge sums up a busy resource's message
// traffic into one event.
const trafficRollup = time.Second

// startBridge follows sub until it closes, rolling message traffic up at
// each tick of rolls (none when rolls is nil: every event goes through).
func startBridge(sub *event.Subscription, max int, rolls <-chan time.Time, do func(func()), apply func([]event.Event)) *bridge {
	b := &bridge{sub: sub, apply: apply, do: do, max: max, rolls: rolls, traffic: traffic{}, done: make(chan struct{})}
	go b.run()
	return b
}

func (b *bridge) run() {
	defer close(b.done)
	for {
		select {
		case e, ok := <-b.sub.C:
			if !ok {
				return
			}
			if b.rolls != nil && b.traffic.absorb(e) {
				if e.Service == "queue" {
					b.queueTraffic.Store(true)
				}
				continue
			}
			b.add([]event.Event{e}, 1)
		case <-b.rolls:
			if evs, n := b.traffic.roll(); len(evs) > 0 {
				b.add(evs, n)
			}
		}
	}
}

// takeQueueTraffic reports whether queue traffic was rolled up (and not
// yet shown) since it was last called: the queues' counts changed.
func (b *bridge) takeQueueTraffic() bool { return b.queueTraffic.Swap(false) }

// add queues evs, which stand for n core events, and schedules a flush.
func (b *bridge) add(evs []event.Event, n uint64) {
	b.mu.Lock()
	b.pending = append(b.pending, evs...)
	b.covered += n
	if over := len(b.pending) - b.max; over > 0 {
		b.pending = b.pending[:copy(b.pending, b.pending[over:])]
	}
	schedule := !b.scheduled
	b.scheduled = true
	b.mu.Unlock()
	if schedule {
		b.do(b.flush)
	}
}

// flush runs on the UI thread.
func (b *bridge) flush() {
	b.mu.Lock()
	batch, n := b.pending, b.covered
	b.pending, b.covered, b.scheduled = nil, 0, false
	b.mu.Unlock()
	if len(batch) > 0 {
		b.apply(batch)
	}
	b.applied.Add(n)
}

// stop ends the subscription and waits for the goroutine to exit. A flush
// already scheduled may still run later, harmlessly.
func (b *bridge) stop() {
	b.sub.Close()
	<-b.done
}

// trafficKey is one resource's one kind of message traffic.
type trafficKey struct {
	service, resource string
	kind              event.Kind
}

// trafficTally is what a key saw since the last rollup; times are the
// core clock's, as on the events.
type trafficTally struct {
	shown  int       // events of the spell that went through as they are
	since  time.Time // the last event before this tally: one shown, or the previous rollup's newest
	events uint64    // core events absorbed
	count  int       // messages or records they covered
	last   time.Time // the newest absorbed event's time
}

// trafficPreview is how many message events of a spell go through as they
// are before the rest is rolled up.
const trafficPreview = 3

// traffic holds the rolled-up message traffic between two rollups: one
// tally per busy resource and kind, so at most the resources that had
// traffic in the last rollEvery.
type traffic map[trafficKey]*trafficTally

// Message-traffic events the bridge rolls up, with how a rollup names
// them: "N <noun>s <verb> in 1.0 s".
var trafficWords = map[trafficKey]struct{ noun, verb string }{
	{service: "queue", kind: event.MessageSent}:      {"message", "sent"},
	{service: "queue", kind: event.MessageReceived}:  {"message", "received"},
	{service: "queue", kind: event.MessageDeleted}:   {"message", "deleted"},
	{service: "topic", kind: event.MessagePublished}: {"message", "published"},
	{service: "topic", kind: event.MessageDelivered}: {"message", "delivered"},
	{service: "stream", kind: event.MessageSent}:     {"record", "put"},
}

// absorb takes e into its tally when it is message traffic that follows
// trafficPreview events of the same resource and kind within the current
// spell (true); those first events, and every other event, are not
// absorbed and go through as they are.
func (t traffic) absorb(e event.Event) bool {
	if e.Level != event.Debug || e.Count <= 0 {
		return false
	}
	if _, ok := trafficWords[trafficKey{service: e.Service, kind: e.Kind}]; !ok {
		return false
	}
	k := trafficKey{e.Service, e.Resource, e.Kind}
	tl := t[k]
	if tl == nil {
		tl = &trafficTally{}
		t[k] = tl
	}
	if tl.shown < trafficPreview && tl.events == 0 {
		tl.shown++
		tl.since = e.Time
		return false
	}
	tl.events++
	tl.count += e.Count
	tl.last = e.Time
	return true
}

// roll turns every tally with absorbed traffic into one event, and its
// spell goes on (what follows is absorbed at once); a key without traffic
// since the last roll ends its spell, so its next events go through as
// they are. It returns the rollups, ordered by service, resource and kind,
// and how many core events they stand for.
func (t traffic) roll() ([]event.Event, uint64) {
	var keys []trafficKey
	for k, tl := range t {
		if tl.events == 0 {
			delete(t, k)
			continue
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b trafficKey) int {
		return cmp.Or(cmp.Compare(a.service, b.service), cmp.Compare(a.resource, b.resource), cmp.Compare(a.kind, b.kind))
	})
	out := make([]event.Event, 0, len(keys))
	var n uint64
	for _, k := range keys {
		tl := t[k]
		out = append(out, tl.rollup(k))
		n += tl.events
		*tl = trafficTally{shown: trafficPreview, since: tl.last}
	}
	return out, n
}

// rollup is the event that sums up a tally: stamped with its newest
// event's time, e.g. resource "orders", message "1204 messages sent in 1.0 s"
// (the time since the event before the tally).
func (tl *trafficTally) rollup(k trafficKey) event.Event {
	w := trafficWords[trafficKey{service: k.service, kind: k.kind}]
	return event.Event{Time: tl.last, Kind: k.kind, Level: event.Debug, Service: k.service, Resource: k.resource, Count: tl.count,
		Message: fmt.Sprintf("%s %s in %.1f s", plural(tl.count, w.noun), w.verb, tl.last.Sub(tl.since).Seconds())}
}
