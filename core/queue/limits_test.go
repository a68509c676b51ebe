package queue

import (
	"context"
	"strconv"
	"testing"
)

// holdInflight puts n messages in flight for an hour straight into the
// queue's index (FIFO: in groups of 10), under row ids no stored message
// has. The quota is a property of the index; sending and receiving 120,000
// messages through SQLite would only make the test slow (minutes under the
// race detector) without testing anything more.
func (f *fixture) holdInflight(name string, n int) {
	f.t.Helper()
	q, qerr := f.svc.lookup(name)
	if qerr != nil {
		f.t.Fatal(qerr)
	}
	now := f.clock.Now().UnixMilli()
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := 0; i < n; i++ {
		group := ""
		if q.fifo {
			group = "held-" + strconv.Itoa(i/10)
		}
		q.x.insert(int64(1<<40+i), now, now+3600_000, 1, group, now)
	}
	q.armTimer(now)
}

// The in-flight quota is 120,000 messages per queue. A standard queue's
// short poll then fails with OverLimit; its long poll waits, and a delete
// makes room for it. A FIFO queue returns nothing, without an error.
func TestInflightQuota(t *testing.T) {
	f := newFixture(t)
	f.create("std", nil)
	f.createFIFO("f.fifo", map[string]string{"ContentBasedDeduplication": "true"})
	f.holdInflight("std", maxInflight-5)
	f.holdInflight("f.fifo", maxInflight-10)
	for i := 0; i < 20; i++ {
		f.send("std", "ready "+strconv.Itoa(i))
	}
	for i := 0; i < 30; i++ {
		f.sendFIFO("f.fifo", "g"+strconv.Itoa(i%3), "", "ready "+strconv.Itoa(i))
	}

	// A receive for 10 gets only the 5 the quota leaves.
	last := f.receive("std", ReceiveInput{MaxNumberOfMessages: 10, VisibilityTimeout: intp(3600)})
	if len(last) != 5 {
		t.Fatalf("receive at the edge of the quota got %d messages, want 5", len(last))
	}
	if c := f.counts("std"); c[1] != maxInflight || c[0] != 15 {
		t.Fatalf("counts at the quota: %v", c)
	}
	_, err := f.svc.ReceiveMessage(f.ctx, "std", ReceiveInput{WaitTimeSeconds: intp(0)})
	wantCode(t, err, OverLimit)

	got := make(chan []Message, 1)
	go func() {
		msgs, err := f.svc.ReceiveMessage(context.Background(), "std", ReceiveInput{WaitTimeSeconds: intp(20)})
		if err != nil {
			t.Errorf("long poll at the quota: %v", err)
		}
		got <- msgs
	}()
	eventually(t, "the long poll to wait", func() bool { return f.waiting("std") })
	f.del("std", last[0])
	if msgs := <-got; len(msgs) != 1 {
		t.Fatalf("long poll after a delete got %d messages", len(msgs))
	}
	if _, err := f.svc.ReceiveMessage(f.ctx, "std", ReceiveInput{WaitTimeSeconds: intp(0)}); err == nil {
		t.Fatal("short poll back at the quota succeeded")
	}

	if got := f.receive("f.fifo", ReceiveInput{MaxNumberOfMessages: 10}); len(got) != 10 {
		t.Fatalf("FIFO receive below the quota got %d messages", len(got))
	}
	msgs, err := f.svc.ReceiveMessage(f.ctx, "f.fifo", ReceiveInput{MaxNumberOfMessages: 10, WaitTimeSeconds: intp(0)})
	if err != nil || len(msgs) != 0 {
		t.Fatalf("FIFO receive at the quota: %d messages, %v (want none, no error)", len(msgs), err)
	}
	if c := f.counts("f.fifo"); c[1] != maxInflight {
		t.Fatalf("FIFO in flight %d", c[1])
	}
}

// At most MaxLongPolls receives wait at once; one more is refused with a
// clear OverLimit, and a freed slot can be taken again.
func TestLongPollCap(t *testing.T) {
	f := newFixture(t)
	f.close()
	f.open() // reopened below with a cap of 3
	f.svc.Close()
	svc, err := Open(Config{Store: f.st, Clock: f.clock, Events: f.bus, MaxLongPolls: 3})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	f.create("q", nil)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, err := f.svc.ReceiveMessage(ctx, "q", ReceiveInput{WaitTimeSeconds: intp(20)})
			done <- err
		}()
	}
	eventually(t, "three long polls", func() bool { return f.svc.LongPolls() == 3 })
	_, err = f.svc.ReceiveMessage(f.ctx, "q", ReceiveInput{WaitTimeSeconds: intp(20)})
	wantCode(t, err, OverLimit)
	// A short poll needs no slot.
	if _, err := f.svc.ReceiveMessage(f.ctx, "q", ReceiveInput{WaitTimeSeconds: intp(0)}); err != nil {
		t.Fatalf("short poll while long polls are capped: %v", err)
	}
	cancel()
	for i := 0; i < 3; i++ {
		if err := <-done; err != nil {
			t.Fatalf("cancelled long poll: %v", err)
		}
	}
	if n := f.svc.LongPolls(); n != 0 {
		t.Fatalf("%d long polls counted after all returned", n)
	}
	f.send("q", "m")
	got := make(chan int, 1)
	go func() {
		msgs, _ := f.svc.ReceiveMessage(f.ctx, "q", ReceiveInput{WaitTimeSeconds: intp(20)})
		got <- len(msgs)
	}()
	if n := <-got; n != 1 {
		t.Fatalf("long poll after slots freed got %d messages", n)
	}
}
