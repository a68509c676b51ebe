package event

import "testing"

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	b := NewBus()
	fast := b.Subscribe(10)
	slow := b.Subscribe(1)
	for i := 0; i < 5; i++ {
		b.Publish(Event{Kind: MessageSent, Message: "m"})
	}
	if len(fast.C) != 5 || len(slow.C) != 1 {
		t.Fatalf("fast %d slow %d", len(fast.C), len(slow.C))
	}
	if b.Dropped() != 4 {
		t.Fatalf("dropped %d, want 4", b.Dropped())
	}
	slow.Close()
	slow.Close() // twice is fine
	if _, ok := <-slow.C; !ok {
		t.Fatal("closing dropped the buffered event")
	}
	if _, ok := <-slow.C; ok {
		t.Fatal("closed subscription still open")
	}
	b.CloseAll()
	n := 0
	for range fast.C {
		n++
	}
	if n != 5 {
		t.Fatalf("fast got %d after close", n)
	}
}

func TestLateSubscriberGetsRecentHistory(t *testing.T) {
	b := NewBus()
	b.Publish(Event{Level: Info, Message: "started"})
	b.Publish(Event{Level: Debug, Message: "noise"})
	for i := 0; i < historySize+5; i++ {
		b.Publish(Event{Level: Warn, Message: "w"})
	}
	s := b.Subscribe(historySize + 10)
	if len(s.C) != historySize {
		t.Fatalf("replayed %d events, want %d", len(s.C), historySize)
	}
	small := b.Subscribe(3)
	if len(small.C) != 3 {
		t.Fatalf("small subscriber got %d", len(small.C))
	}
	fresh := NewBus()
	fresh.Publish(Event{Level: Info, Message: "first"})
	fresh.Publish(Event{Level: Debug, Message: "skip"})
	got := <-fresh.Subscribe(8).C
	if got.Message != "first" {
		t.Fatalf("replayed %q", got.Message)
	}
}
