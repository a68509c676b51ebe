package queue

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// epoch is where the tests' frozen clocks start.
var epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture is a service on a frozen clock over a memory or file store.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *clock.Clock
	path  string // "" for a memory store
	st    *store.Store
	svc   *Service
	bus   *event.Bus
	reg   *metrics.Registry
}

func newFixture(t *testing.T) *fixture { return openFixture(t, "") }

// newFileFixture uses a database file in t.TempDir(), for restart tests.
func newFileFixture(t *testing.T) *fixture {
	return openFixture(t, filepath.Join(t.TempDir(), "skyport.db"))
}

func openFixture(t *testing.T, path string) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), clock: clock.NewFrozen(epoch), path: path,
		bus: event.NewBus(), reg: metrics.NewRegistry()}
	f.open()
	t.Cleanup(f.close)
	return f
}

func (f *fixture) open() {
	f.t.Helper()
	st, err := store.Open(store.Config{Memory: f.path == "", Path: f.path})
	if err != nil {
		f.t.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: f.clock, Events: f.bus, Metrics: f.reg})
	if err != nil {
		st.Close()
		f.t.Fatal(err)
	}
	f.st, f.svc = st, svc
}

func (f *fixture) close() {
	if f.svc != nil {
		f.svc.Close()
		f.st.Close()
		f.svc, f.st = nil, nil
	}
}

// restart closes the service and the store and opens both again on the
// same file, as a process restart would.
func (f *fixture) restart() {
	f.t.Helper()
	if f.path == "" {
		f.t.Fatal("restart needs a file store")
	}
	f.close()
	f.open()
}

func (f *fixture) advance(d time.Duration) { f.clock.Advance(d) }

func (f *fixture) create(name string, attrs map[string]string) {
	f.t.Helper()
	if err := f.svc.CreateQueue(f.ctx, name, attrs, nil); err != nil {
		f.t.Fatalf("CreateQueue %s: %v", name, err)
	}
}

func (f *fixture) createFIFO(name string, attrs map[string]string) {
	f.t.Helper()
	a := map[string]string{"FifoQueue": "true"}
	for k, v := range attrs {
		a[k] = v
	}
	f.create(name, a)
}

func (f *fixture) send(name, body string) SendResult {
	f.t.Helper()
	res, err := f.svc.SendMessage(f.ctx, name, SendInput{Body: body})
	if err != nil {
		f.t.Fatalf("SendMessage %s: %v", name, err)
	}
	return res
}

func (f *fixture) sendFIFO(name, group, dedup, body string) SendResult {
	f.t.Helper()
	res, err := f.svc.SendMessage(f.ctx, name, SendInput{Body: body, MessageGroupID: group, MessageDeduplicationID: dedup})
	if err != nil {
		f.t.Fatalf("SendMessage %s: %v", name, err)
	}
	return res
}

func (f *fixture) receive(name string, in ReceiveInput) []Message {
	f.t.Helper()
	if in.WaitTimeSeconds == nil {
		in.WaitTimeSeconds = intp(0)
	}
	msgs, err := f.svc.ReceiveMessage(f.ctx, name, in)
	if err != nil {
		f.t.Fatalf("ReceiveMessage %s: %v", name, err)
	}
	return msgs
}

func (f *fixture) receiveN(name string, n int) []Message {
	f.t.Helper()
	return f.receive(name, ReceiveInput{MaxNumberOfMessages: n, AttributeNames: []string{"All"}, MessageAttributeNames: []string{"All"}})
}

func (f *fixture) del(name string, m Message) {
	f.t.Helper()
	if err := f.svc.DeleteMessage(f.ctx, name, m.ReceiptHandle); err != nil {
		f.t.Fatalf("DeleteMessage: %v", err)
	}
}

// counts returns ApproximateNumberOfMessages, …NotVisible and …Delayed.
func (f *fixture) counts(name string) [3]int {
	f.t.Helper()
	a, err := f.svc.GetQueueAttributes(name, []string{attrApproxMessages, attrApproxMessagesNotVisible, attrApproxMessagesDelayed})
	if err != nil {
		f.t.Fatal(err)
	}
	var out [3]int
	for i, n := range []string{attrApproxMessages, attrApproxMessagesNotVisible, attrApproxMessagesDelayed} {
		out[i], _ = strconv.Atoi(a[n])
	}
	return out
}

// storedRows counts the queue's rows in the store.
func (f *fixture) storedRows(name string) int {
	f.t.Helper()
	q, err := f.svc.lookup(name)
	if err != nil {
		f.t.Fatal(err)
	}
	var n int
	if err := f.st.DB().QueryRow(`SELECT count(*) FROM queue_messages WHERE queue_id = ?`, q.id).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func intp(n int) *int { return &n }

// wantCode checks that err is a *Error with the code.
func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	var qe *Error
	if !errors.As(err, &qe) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if qe.Code != code {
		t.Fatalf("want %s, got %s: %s", code, qe.Code, qe.Message)
	}
	if qe.Message == "" {
		t.Fatalf("%s without a message", code)
	}
}

// eventually polls cond (real time) until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waiting reports whether a long poll waits on the queue.
func (f *fixture) waiting(name string) bool {
	q, err := f.svc.lookup(name)
	if err != nil {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.waiters > 0
}
