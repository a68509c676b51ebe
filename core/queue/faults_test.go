package queue

import (
	"testing"

	"github.com/skyport-dev/skyport/core/store"
)

// newFaultFixture is a fixture whose store fails commits on demand.
func newFaultFixture(t *testing.T) (*fixture, *store.Faults) {
	f := newFixture(t)
	f.close()
	faults := &store.Faults{}
	st, err := store.Open(store.Config{Memory: true, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: f.clock, Events: f.bus, Metrics: f.reg})
	if err != nil {
		t.Fatal(err)
	}
	f.st, f.svc = st, svc
	return f, faults
}

// A failed write leaves the index as the store is: a refused receive hands
// nothing out (no message stuck in flight, receive counts unchanged), a
// refused delete keeps the message (in flight, its FIFO group blocked) so
// that a retry with the same handle deletes it, and a refused dead-letter
// move keeps the message where it is.
func TestFailedWritesLeaveIndexAsStored(t *testing.T) {
	f, faults := newFaultFixture(t)
	f.createFIFO("f.fifo", map[string]string{"ContentBasedDeduplication": "true"})
	f.sendFIFO("f.fifo", "a", "", "a1")
	f.sendFIFO("f.fifo", "a", "", "a2")

	faults.Fail(nil)
	_, err := f.svc.ReceiveMessage(f.ctx, "f.fifo", ReceiveInput{MaxNumberOfMessages: 10, WaitTimeSeconds: intp(0)})
	wantCode(t, err, ServiceUnavailable)
	if c := f.counts("f.fifo"); c != [3]int{2, 0, 0} {
		t.Fatalf("counts after a refused receive: %v", c)
	}
	faults.Heal()
	got := f.receiveN("f.fifo", 1)
	if len(got) != 1 || got[0].Body != "a1" || got[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("receive after recovery: %+v", got)
	}

	faults.Fail(nil)
	wantCode(t, f.svc.DeleteMessage(f.ctx, "f.fifo", got[0].ReceiptHandle), ServiceUnavailable)
	faults.Heal()
	if c := f.counts("f.fifo"); c != [3]int{1, 1, 0} {
		t.Fatalf("counts after a refused delete: %v", c)
	}
	if more := f.receiveN("f.fifo", 10); len(more) != 0 {
		t.Fatalf("group delivered %q while its head's delete was refused", more[0].Body)
	}
	f.del("f.fifo", got[0])
	if next := f.receiveN("f.fifo", 10); len(next) != 1 || next[0].Body != "a2" {
		t.Fatalf("after the retried delete: %+v", next)
	}

	f.create("dlq", nil)
	f.create("src", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":"1"}`,
		"VisibilityTimeout": "0"})
	f.send("src", "poison")
	if first := f.receiveN("src", 1); len(first) != 1 {
		t.Fatal("first receive of the poison message")
	}
	faults.Fail(nil)
	_, err = f.svc.ReceiveMessage(f.ctx, "src", ReceiveInput{WaitTimeSeconds: intp(0)})
	wantCode(t, err, ServiceUnavailable)
	faults.Heal()
	if c := f.counts("src"); c[0] != 1 {
		t.Fatalf("the refused move lost the message from src: %v", c)
	}
	f.receive("src", ReceiveInput{WaitTimeSeconds: intp(0)}) // moves it now
	if c := f.counts("dlq"); c[0] != 1 {
		t.Fatalf("dead-letter queue after the move: %v", c)
	}
}

// A purge whose commit fails leaves the queue as stored: its messages are
// still served, the cleaner deletes none of them, and a purge after the
// store recovers empties it.
func TestFailedPurgeKeepsTheMessages(t *testing.T) {
	f, faults := newFaultFixture(t)
	f.create("q", nil)
	for _, b := range []string{"a", "b", "c"} {
		f.send("q", b)
	}
	faults.Fail(nil)
	wantCode(t, f.svc.PurgeQueue(f.ctx, "q"), ServiceUnavailable)
	faults.Heal()
	f.svc.sweep()
	if c, n := f.counts("q"), f.storedRows("q"); c != [3]int{3, 0, 0} || n != 3 {
		t.Fatalf("after a refused purge: counts %v, %d rows; want 3 visible, 3 rows", c, n)
	}
	if got := f.receiveN("q", 10); len(got) != 3 {
		t.Fatalf("received %d of 3 after a refused purge", len(got))
	}
	if err := f.svc.PurgeQueue(f.ctx, "q"); err != nil {
		t.Fatalf("purge after recovery: %v", err)
	}
	f.svc.sweep()
	if c, n := f.counts("q"), f.storedRows("q"); c != [3]int{} || n != 0 {
		t.Fatalf("after the purge: counts %v, %d rows", c, n)
	}
}
