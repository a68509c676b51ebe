package queue

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

// offered is how many long polls wait for a handoff on the queue.
func (f *fixture) offered(name string) int {
	q, err := f.svc.lookup(name)
	if err != nil {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.handoffs)
}

// poll starts a long poll on name and returns where its result arrives.
func (f *fixture) poll(name string, in ReceiveInput) <-chan []Message {
	out := make(chan []Message, 1)
	go func() {
		msgs, err := f.svc.ReceiveMessage(f.ctx, name, in)
		if err != nil {
			f.t.Error(err)
		}
		out <- msgs
	}()
	return out
}

func waitFor(t *testing.T, ch <-chan []Message) []Message {
	t.Helper()
	select {
	case msgs := <-ch:
		return msgs
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not return")
		return nil
	}
}

// A send to a queue a long poll waits on stores the message as received by
// that poll in its own commit: the poll returns it with receive count 1,
// first received when sent, in flight for the poll's visibility timeout,
// and all of that is what the store holds across a restart.
func TestSendHandsOffToWaitingPoll(t *testing.T) {
	f := newFileFixture(t)
	f.create("q", map[string]string{"VisibilityTimeout": "30"})
	polled := f.poll("q", ReceiveInput{WaitTimeSeconds: intp(20), VisibilityTimeout: intp(60), AttributeNames: []string{"All"}})
	eventually(t, "the poll to wait", func() bool { return f.offered("q") == 1 })
	sent := f.send("q", "handed")
	got := waitFor(t, polled)
	if len(got) != 1 || got[0].MessageID != sent.MessageID || got[0].Body != "handed" || got[0].MD5OfBody != md5Hex("handed") {
		t.Fatalf("poll got %+v", got)
	}
	at := strconv.FormatInt(epoch.UnixMilli(), 10)
	if a := got[0].Attributes; a["ApproximateReceiveCount"] != "1" || a["ApproximateFirstReceiveTimestamp"] != at || a["SentTimestamp"] != at {
		t.Fatalf("attributes: %v", a)
	}
	if c := f.counts("q"); c != [3]int{0, 1, 0} {
		t.Fatalf("counts: %v", c)
	}
	if f.offered("q") != 0 {
		t.Fatal("the claimed poll is still offered")
	}
	f.restart()
	if c := f.counts("q"); c != [3]int{0, 1, 0} {
		t.Fatalf("counts after a restart: %v", c)
	}
	f.advance(59 * time.Second)
	if again := f.receiveN("q", 1); len(again) != 0 {
		t.Fatal("visible before the poll's visibility timeout ended")
	}
	f.advance(time.Second)
	again := f.receiveN("q", 1)
	if len(again) != 1 || again[0].Attributes["ApproximateReceiveCount"] != "2" || again[0].Attributes["ApproximateFirstReceiveTimestamp"] != at {
		t.Fatalf("redelivery: %+v", again)
	}
	f.del("q", again[0])
	if c := f.counts("q"); c != [3]int{0, 0, 0} {
		t.Fatalf("counts after the delete: %v", c)
	}
}

// A batch goes to the waiting polls oldest first, each taking up to its
// MaxNumberOfMessages; what no poll takes is ready for anyone, and a
// delayed entry is never handed over.
func TestBatchHandsOffAcrossPolls(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	first := f.poll("q", ReceiveInput{WaitTimeSeconds: intp(20), MaxNumberOfMessages: 2})
	eventually(t, "the first poll to wait", func() bool { return f.offered("q") == 1 })
	second := f.poll("q", ReceiveInput{WaitTimeSeconds: intp(20), MaxNumberOfMessages: 1})
	eventually(t, "the second poll to wait", func() bool { return f.offered("q") == 2 })
	entries := []SendBatchEntry{
		{ID: "a", SendInput: SendInput{Body: "a"}},
		{ID: "late", SendInput: SendInput{Body: "late", DelaySeconds: intp(5)}},
		{ID: "b", SendInput: SendInput{Body: "b"}},
		{ID: "c", SendInput: SendInput{Body: "c"}},
		{ID: "d", SendInput: SendInput{Body: "d"}},
	}
	res, err := f.svc.SendMessageBatch(f.ctx, "q", entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("entry %s: %v", r.ID, r.Err)
		}
	}
	bodies := func(ms []Message) (out []string) {
		for _, m := range ms {
			out = append(out, m.Body)
		}
		return out
	}
	if got := bodies(waitFor(t, first)); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("first poll got %v", got)
	}
	if got := bodies(waitFor(t, second)); len(got) != 1 || got[0] != "c" {
		t.Fatalf("second poll got %v", got)
	}
	if c := f.counts("q"); c != [3]int{1, 3, 1} {
		t.Fatalf("counts (visible, in flight, delayed): %v", c)
	}
	if rest := f.receiveN("q", 10); len(rest) != 1 || rest[0].Body != "d" {
		t.Fatalf("left for anyone: %v", bodies(rest))
	}
}

// When the write that would hand a message over fails, the sender gets the
// error and the poll gets nothing: it keeps waiting, and the next send
// reaches it.
func TestFailedHandoffKeepsThePollWaiting(t *testing.T) {
	f, faults := newFaultFixture(t)
	f.create("q", nil)
	polled := f.poll("q", ReceiveInput{WaitTimeSeconds: intp(20)})
	eventually(t, "the poll to wait", func() bool { return f.offered("q") == 1 })
	faults.Fail(nil)
	_, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: "lost"})
	wantCode(t, err, ServiceUnavailable)
	faults.Heal()
	eventually(t, "the poll to wait again", func() bool { return f.offered("q") == 1 })
	select {
	case msgs := <-polled:
		t.Fatalf("the poll returned %v after a failed send", msgs)
	default:
	}
	f.send("q", "kept")
	if got := waitFor(t, polled); len(got) != 1 || got[0].Body != "kept" {
		t.Fatalf("poll got %+v", got)
	}
	if c := f.counts("q"); c != [3]int{0, 1, 0} {
		t.Fatalf("counts: %v", c)
	}
}

// FIFO queues and polls with a zero visibility timeout are not handed
// messages: they receive them the usual way.
func TestNoHandoffForFIFOOrZeroVisibility(t *testing.T) {
	f := newFixture(t)
	f.createFIFO("f.fifo", map[string]string{"ContentBasedDeduplication": "true"})
	f.create("q", nil)
	fifo := f.poll("f.fifo", ReceiveInput{WaitTimeSeconds: intp(20)})
	zero := f.poll("q", ReceiveInput{WaitTimeSeconds: intp(20), VisibilityTimeout: intp(0)})
	eventually(t, "both polls to wait", func() bool { return f.waiting("f.fifo") && f.waiting("q") })
	if f.offered("f.fifo")+f.offered("q") != 0 {
		t.Fatal("a FIFO or zero-visibility poll was offered for a handoff")
	}
	f.sendFIFO("f.fifo", "g", "", "m")
	f.send("q", "m")
	if got := waitFor(t, fifo); len(got) != 1 || got[0].Body != "m" {
		t.Fatalf("FIFO poll got %+v", got)
	}
	if got := waitFor(t, zero); len(got) != 1 || got[0].Body != "m" {
		t.Fatalf("zero-visibility poll got %+v", got)
	}
	if c := f.counts("q"); c != [3]int{1, 0, 0} {
		t.Fatalf("zero-visibility receive left counts %v", c)
	}
}

// Many senders and long polls at once: every message is received exactly
// once, whether handed over or taken, and none is left behind.
func TestHandoffsUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	const senders, perSender, pollers = 8, 50, 6
	total := senders * perSender
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for p := 0; p < pollers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				msgs, err := f.svc.ReceiveMessage(ctx, "q", ReceiveInput{WaitTimeSeconds: intp(20), MaxNumberOfMessages: 3})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, m := range msgs {
					seen[m.Body]++
				}
				n := len(seen)
				mu.Unlock()
				for _, m := range msgs {
					if err := f.svc.DeleteMessage(f.ctx, "q", m.ReceiptHandle); err != nil {
						t.Error(err)
					}
				}
				if n == total {
					cancel()
				}
			}
		}()
	}
	var sends sync.WaitGroup
	for s := 0; s < senders; s++ {
		sends.Add(1)
		go func() {
			defer sends.Done()
			for i := 0; i < perSender; i++ {
				if _, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: strconv.Itoa(s) + "-" + strconv.Itoa(i)}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	sends.Wait()
	select {
	case <-ctx.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("not every message was received")
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for body, n := range seen {
		if n != 1 {
			t.Errorf("%s received %d times", body, n)
		}
	}
	if len(seen) != total {
		t.Fatalf("received %d of %d", len(seen), total)
	}
	if c := f.counts("q"); c != [3]int{0, 0, 0} {
		t.Fatalf("counts at the end: %v", c)
	}
}
