package app

import (
	"sync"
	"sync/atomic"

	"github.com/skyport-dev/skyport/core/event"
)

// bridge carries core events to the widgets. One goroutine drains the
// subscription into a pending batch and schedules a single do (fyne.Do) to
// hand the batch to apply on the UI thread; events arriving before that runs join
// the same batch, so a busy core costs the UI one update per frame, not one
// per event. The core never waits for the GUI: the subscription drops what
// the GUI cannot keep up with, and pending keeps only the newest max events.
type bridge struct {
	sub   *event.Subscription
	apply func([]event.Event) // runs on the UI thread
	do    func(func())        // runs a function on the UI thread: fyne.Do
	max   int

	mu        sync.Mutex
	pending   []event.Event
	scheduled bool

	applied atomic.Uint64 // events handed to apply, for tests
	done    chan struct{}
}

func startBridge(sub *event.Subscription, max int, do func(func()), apply func([]event.Event)) *bridge {
	b := &bridge{sub: sub, apply: apply, do: do, max: max, done: make(chan struct{})}
	go b.run()
	return b
}

func (b *bridge) run() {
	defer close(b.done)
	for e := range b.sub.C {
		b.mu.Lock()
		b.pending = append(b.pending, e)
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
}

// flush runs on the UI thread.
func (b *bridge) flush() {
	b.mu.Lock()
	batch := b.pending
	b.pending, b.scheduled = nil, false
	b.mu.Unlock()
	if len(batch) > 0 {
		b.apply(batch)
	}
	b.applied.Add(uint64(len(batch)))
}

// stop ends the subscription and waits for the goroutine to exit. A flush
// already scheduled may still run later, harmlessly.
func (b *bridge) stop() {
	b.sub.Close()
	<-b.done
}
