package queue

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestFIFOOrderUnderConcurrentConsumers sends 50 groups of messages and
// drains them with 16 consumers taking 1–10 messages at a time: each
// group's messages must arrive in send order, and no group may be handed
// to a consumer while another consumer holds one of its messages.
func TestFIFOOrderUnderConcurrentConsumers(t *testing.T) {
	f := newFixture(t)
	f.createFIFO("jobs.fifo", nil)
	const groups, perGroup, consumers = 50, 12, 16
	for i := range perGroup {
		var batch []SendBatchEntry
		for g := range groups {
			batch = append(batch, SendBatchEntry{ID: fmt.Sprintf("g%d", g), SendInput: SendInput{
				Body: fmt.Sprintf("%d:%d", g, i), MessageGroupID: fmt.Sprintf("group-%d", g), MessageDeduplicationID: fmt.Sprintf("%d-%d", g, i)}})
			if len(batch) == 10 {
				sendBatch(t, f, "jobs.fifo", batch)
				batch = nil
			}
		}
	}
	var (
		mu       sync.Mutex
		next     = make([]int, groups) // next expected index per group
		holder   = map[int]int{}       // group -> consumer holding it
		received int
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for c := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for {
				mu.Lock()
				done := received == groups*perGroup || len(failures) > 0
				mu.Unlock()
				if done {
					return
				}
				msgs, err := f.svc.ReceiveMessage(f.ctx, "jobs.fifo", ReceiveInput{MaxNumberOfMessages: 1 + rng.IntN(10), WaitTimeSeconds: intp(0)})
				if err != nil {
					fail("receive: %v", err)
					return
				}
				mu.Lock()
				for _, m := range msgs {
					var g, i int
					fmt.Sscanf(m.Body, "%d:%d", &g, &i)
					if h, held := holder[g]; held && h != c {
						failures = append(failures, fmt.Sprintf("group %d handed to consumer %d while consumer %d holds it", g, c, h))
					}
					holder[g] = c
					if i != next[g] {
						failures = append(failures, fmt.Sprintf("group %d: got message %d, want %d", g, i, next[g]))
					}
					next[g] = i + 1
					received++
				}
				mu.Unlock()
				// Give the groups up just before deleting: the queue may hand a
				// group to another consumer only after the delete.
				mu.Lock()
				for _, m := range msgs {
					var g int
					fmt.Sscanf(m.Body, "%d:", &g)
					delete(holder, g)
				}
				mu.Unlock()
				for _, m := range msgs {
					if err := f.svc.DeleteMessage(f.ctx, "jobs.fifo", m.ReceiptHandle); err != nil {
						fail("delete: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %s", len(failures), strings.Join(failures[:min(5, len(failures))], "; "))
	}
	if c := f.counts("jobs.fifo"); c != [3]int{} {
		t.Fatalf("left in the queue: %v", c)
	}
}

func sendBatch(t *testing.T, f *fixture, queue string, batch []SendBatchEntry) []BatchEntryResult[SendResult] {
	t.Helper()
	res, err := f.svc.SendMessageBatch(f.ctx, queue, batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("entry %s: %v", r.ID, r.Err)
		}
	}
	return res
}

func TestFIFOGroupBlocking(t *testing.T) {
	f := newFixture(t)
	f.createFIFO("q.fifo", nil)
	for i := range 3 {
		f.sendFIFO("q.fifo", "a", "a"+strconv.Itoa(i), "a"+strconv.Itoa(i))
	}
	f.sendFIFO("q.fifo", "b", "b0", "b0")
	// As many messages of one group as possible come first, in order.
	got := f.receiveN("q.fifo", 2)
	if len(got) != 2 || got[0].Body != "a0" || got[1].Body != "a1" {
		t.Fatalf("first receive: %+v", got)
	}
	// Group a is blocked while a0 and a1 are in flight; b is not.
	got2 := f.receiveN("q.fifo", 10)
	if len(got2) != 1 || got2[0].Body != "b0" {
		t.Fatalf("second receive: %+v", got2)
	}
	f.del("q.fifo", got[1]) // out of order: a0 still in flight
	if len(f.receiveN("q.fifo", 10)) != 0 {
		t.Fatal("group delivered with a message in flight")
	}
	// a0's timeout passes: a0 comes back first, then a2.
	f.advance(30 * time.Second)
	got3 := f.receiveN("q.fifo", 10)
	if len(got3) != 3 || got3[0].Body != "a0" || got3[1].Body != "a2" || got3[2].Body != "b0" {
		t.Fatalf("after the timeout: %+v", bodies(got3))
	}
	if got3[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("a0 receive count %s", got3[0].Attributes["ApproximateReceiveCount"])
	}
	// Visibility 0 releases the group at once.
	if err := f.svc.ChangeMessageVisibility(f.ctx, "q.fifo", got3[0].ReceiptHandle, 0); err != nil {
		t.Fatal(err)
	}
	f.del("q.fifo", got3[1])
	if again := f.receiveN("q.fifo", 10); len(again) != 1 || again[0].Body != "a0" {
		t.Fatalf("after visibility 0: %+v", bodies(again))
	}
}

func bodies(ms []Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Body
	}
	return out
}

func TestFIFODeduplication(t *testing.T) {
	f := newFixture(t)
	f.createFIFO("q.fifo", nil)
	f.createFIFO("cbd.fifo", map[string]string{"ContentBasedDeduplication": "true"})
	f.createFIFO("scoped.fifo", map[string]string{"DeduplicationScope": "messageGroup"})

	first := f.sendFIFO("q.fifo", "g", "same", "one")
	dup := f.sendFIFO("q.fifo", "g2", "same", "two")
	if dup.MessageID != first.MessageID || dup.SequenceNumber != first.SequenceNumber {
		t.Fatalf("duplicate got %+v, first %+v", dup, first)
	}
	// Duplicates inside one batch too.
	res := sendBatch(t, f, "q.fifo", []SendBatchEntry{
		{ID: "a", SendInput: SendInput{Body: "x", MessageGroupID: "g", MessageDeduplicationID: "batch"}},
		{ID: "b", SendInput: SendInput{Body: "y", MessageGroupID: "g", MessageDeduplicationID: "batch"}},
	})
	if res[0].Result.MessageID != res[1].Result.MessageID {
		t.Fatal("duplicate inside a batch stored twice")
	}
	if c := f.counts("q.fifo"); c[0] != 2 {
		t.Fatalf("counts %v, want 2 visible", c)
	}
	// Deleting the message does not end the window.
	for _, m := range f.receiveN("q.fifo", 10) {
		f.del("q.fifo", m)
	}
	f.advance(4*time.Minute + 59*time.Second)
	if again := f.sendFIFO("q.fifo", "g", "same", "three"); again.MessageID != first.MessageID {
		t.Fatal("duplicate accepted inside the 5-minute window")
	}
	if c := f.counts("q.fifo"); c[0] != 0 {
		t.Fatalf("duplicate stored: %v", c)
	}
	f.advance(time.Second)
	f.svc.sweep()
	if after := f.sendFIFO("q.fifo", "g", "same", "four"); after.MessageID == first.MessageID || after.SequenceNumber <= first.SequenceNumber {
		t.Fatalf("not accepted again after 5 minutes: %+v", after)
	}
	if c := f.counts("q.fifo"); c[0] != 1 {
		t.Fatalf("counts %v after the window", c)
	}

	// Content-based: SHA-256 of the body.
	a := f.sendFIFO("cbd.fifo", "g", "", "body")
	b := f.sendFIFO("cbd.fifo", "h", "", "body")
	c := f.sendFIFO("cbd.fifo", "g", "", "other body")
	if a.MessageID != b.MessageID || a.MessageID == c.MessageID {
		t.Fatal("content-based deduplication")
	}
	got := f.receiveN("cbd.fifo", 10)
	if got[0].Attributes["MessageDeduplicationId"] != sha256Hex("body") {
		t.Fatalf("content dedup id %q", got[0].Attributes["MessageDeduplicationId"])
	}

	// Scope messageGroup: the same id in two groups is two messages.
	x := f.sendFIFO("scoped.fifo", "g1", "id", "x")
	y := f.sendFIFO("scoped.fifo", "g2", "id", "y")
	z := f.sendFIFO("scoped.fifo", "g1", "id", "z")
	if x.MessageID == y.MessageID || x.MessageID != z.MessageID {
		t.Fatal("deduplication scoped by group")
	}
}
