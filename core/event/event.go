// Package event carries what happens inside the core to whoever watches it:
// the GUI's activity log and live views, and tests.
package event

import (
	"sync"
	"sync/atomic"
	"time"
)

// Level grades an event for the activity log.
type Level int

// Levels, from routine to alarming.
const (
	Debug Level = iota
	Info
	Warn
	Error
)

func (l Level) String() string {
	switch l {
	case Debug:
		return "debug"
	case Info:
		return "info"
	case Warn:
		return "warn"
	case Error:
		return "error"
	}
	return "unknown"
}

// Kind says what an event is about.
type Kind string

// Kinds of events the core emits.
const (
	CoreStarted     Kind = "core.started"
	CoreStopping    Kind = "core.stopping"
	ClockAdvanced   Kind = "clock.advanced"
	ListenerStarted Kind = "listener.started"
	ResourceCreated Kind = "resource.created"
	ResourceChanged Kind = "resource.changed"
	ResourceDeleted Kind = "resource.deleted"
	MessageSent     Kind = "message.sent"
	MessageReceived Kind = "message.received"
	MessageDeleted  Kind = "message.deleted"
	ExecutionStep   Kind = "execution.step"
	// StorageFault: the database cannot be written (disk full, device
	// failing); writes fail with ServiceUnavailable, reads go on. The GUI
	// shows a banner until StorageRecovered.
	StorageFault     Kind = "storage.fault"
	StorageRecovered Kind = "storage.recovered"
	// ChaosChanged: a chaos policy was set or cleared on a resource;
	// ChaosActed: chaos dropped, duplicated, delayed, throttled or failed
	// something (a summary, at most once a second per resource).
	ChaosChanged Kind = "chaos.changed"
	ChaosActed   Kind = "chaos.acted"
)

// Kinds of events the topic service emits.
const (
	MessagePublished Kind = "message.published" // a topic recorded a publish
	MessageDelivered Kind = "message.delivered" // a topic delivered to a subscription
	DeliveryFailed   Kind = "delivery.failed"   // a delivery attempt failed (Warn when given up)
)

// Event is one thing that happened in the core.
type Event struct {
	Time     time.Time
	Kind     Kind
	Level    Level
	Service  string // "core", "queue", "topic", …
	Resource string // resource name or ARN, empty for core-wide events
	Message  string
	// Count is how many messages or records a message-traffic event covers
	// (sent, received, deleted, published, delivered, put), 0 for every
	// other event. Watchers that cannot show each such event, like the
	// GUI's activity log under load, add them up by it.
	Count int
}

// Publisher is what services need to report events.
type Publisher interface {
	Publish(Event)
}

// historySize is how many recent Info-or-above events a new subscriber is
// first given, so a window opened after start-up still sees how it began.
const historySize = 64

// Bus fans events out to subscribers. A slow subscriber never blocks the
// core: when its buffer is full the event is dropped for it and counted.
type Bus struct {
	mu      sync.RWMutex
	subs    map[*Subscription]struct{}
	dropped atomic.Uint64

	histMu  sync.Mutex
	history []Event // ring of recent Info+ events
	next    int
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[*Subscription]struct{}{}} }

func (b *Bus) remember(e Event) {
	b.histMu.Lock()
	defer b.histMu.Unlock()
	if len(b.history) < historySize {
		b.history = append(b.history, e)
		return
	}
	b.history[b.next] = e
	b.next = (b.next + 1) % historySize
}

// recent returns the remembered events, oldest first.
func (b *Bus) recent() []Event {
	b.histMu.Lock()
	defer b.histMu.Unlock()
	out := make([]Event, 0, len(b.history))
	out = append(out, b.history[b.next:]...)
	return append(out, b.history[:b.next]...)
}

// Subscription is one subscriber's view of the bus.
type Subscription struct {
	C   <-chan Event
	c   chan Event
	bus *Bus
}

// Subscribe returns a subscription whose channel buffers up to size events.
// It starts with the most recent Info-or-above events (as many as fit).
func (b *Bus) Subscribe(size int) *Subscription {
	if size < 1 {
		size = 1
	}
	ch := make(chan Event, size)
	s := &Subscription{C: ch, c: ch, bus: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	recent := b.recent()
	if len(recent) > size {
		recent = recent[len(recent)-size:]
	}
	for _, e := range recent {
		ch <- e
	}
	b.subs[s] = struct{}{}
	return s
}

// Close ends the subscription and closes its channel.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.c)
	}
}

// Publish delivers e to every subscriber that has room for it.
func (b *Bus) Publish(e Event) {
	if e.Level >= Info {
		b.remember(e)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		select {
		case s.c <- e:
		default:
			b.dropped.Add(1)
		}
	}
}

// Dropped reports how many deliveries were dropped for slow subscribers.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }

// CloseAll closes every subscription (the core is shutting down).
func (b *Bus) CloseAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		delete(b.subs, s)
		close(s.c)
	}
}
