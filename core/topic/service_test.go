package topic

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

var epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture is a topic service on a frozen clock over a memory store.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	clock  *clock.Clock
	st     *store.Store
	svc    *Service
	bus    *event.Bus
	events *event.Subscription
	reg    *metrics.Registry
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	st, err := store.Open(store.Config{Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), clock: clock.NewFrozen(epoch), st: st, bus: event.NewBus(), reg: metrics.NewRegistry()}
	f.events = f.bus.Subscribe(4096)
	cfg.Store, cfg.Clock, cfg.Events, cfg.Metrics = st, f.clock, f.bus, f.reg
	f.svc, err = Open(cfg)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.svc.Close()
		f.st.Close()
	})
	return f
}

// waitEvent returns the first event of that kind and level.
func (f *fixture) waitEvent(kind event.Kind, level event.Level) event.Event {
	f.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-f.events.C:
			if e.Kind == kind && e.Level == level {
				return e
			}
		case <-timeout:
			f.t.Fatalf("no %s event", kind)
		}
	}
}

// blockingQueues holds every send until released.
type blockingQueues struct {
	release chan struct{}
	mu      sync.Mutex
	got     []QueueMessage
	arns    []string
}

func (b *blockingQueues) SendToQueue(ctx context.Context, arn string, m QueueMessage) error {
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	b.mu.Lock()
	b.got = append(b.got, m)
	b.arns = append(b.arns, arn)
	b.mu.Unlock()
	return nil
}

func (b *blockingQueues) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got)
}

// Publishing to a topic with 1,000 subscriptions returns once recorded,
// while every delivery is still stuck.
func TestFanOutDoesNotBlockPublisher(t *testing.T) {
	q := &blockingQueues{release: make(chan struct{})}
	f := newFixture(t, Config{Queues: q})
	arn, err := f.svc.CreateTopic(f.ctx, "wide", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if _, err := f.svc.Subscribe(f.ctx, arn, "sqs", fmt.Sprintf("arn:aws:sqs:us-east-1:000000000000:q%d", i), nil, false); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.Publish(f.ctx, PublishInput{TopicARN: arn, Message: "hello"})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on its deliveries")
	}
	var n int
	if err := f.st.DB().QueryRow(`SELECT COUNT(*) FROM topic_deliveries`).Scan(&n); err != nil || n != 1000 {
		t.Fatalf("recorded deliveries: %d %v", n, err)
	}
	if got := q.count(); got != 0 {
		t.Fatalf("%d deliveries passed a closed gate", got)
	}
	close(q.release)
	deadline := time.Now().Add(20 * time.Second)
	for q.count() < 1000 || f.svc.Topics()[0].Pending > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("delivered %d of 1000", q.count())
		}
		time.Sleep(5 * time.Millisecond)
	}
	seen := map[string]bool{}
	for _, a := range q.arns {
		seen[a] = true
	}
	if len(seen) != 1000 {
		t.Fatalf("deliveries reached %d distinct queues", len(seen))
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		if err := f.st.DB().QueryRow(`SELECT COUNT(*) FROM topic_deliveries`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		var msgs int
		_ = f.st.DB().QueryRow(`SELECT COUNT(*) FROM topic_messages`).Scan(&msgs)
		if n == 0 && msgs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d delivery rows and %d messages left after delivery", n, msgs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if v := f.reg.Counter(metricDelivered, "", metricLabel("wide")).Value(); v != 1000 {
		t.Fatalf("delivered counter %d", v)
	}
}

// An endpoint that never answers costs one bounded attempt, not a stuck
// subscription.
func TestHangingEndpointTimesOut(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-amz-sns-message-type") == "SubscriptionConfirmation" {
			return
		}
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	f := newFixture(t, Config{HTTPTimeout: 150 * time.Millisecond})
	arn, _ := f.svc.CreateTopic(f.ctx, "slow", nil, nil)
	subARN, err := f.svc.Subscribe(f.ctx, arn, "http", srv.URL, map[string]string{
		"DeliveryPolicy": `{"healthyRetryPolicy":{"numRetries":0}}`}, true)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := f.svc.lookupSub(subARN)
	if _, err := f.svc.ConfirmSubscription(f.ctx, arn, sub.token); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := f.svc.Publish(f.ctx, PublishInput{TopicARN: arn, Message: "m"}); err != nil {
		t.Fatal(err)
	}
	e := f.waitEvent(event.DeliveryFailed, event.Warn)
	if !strings.Contains(e.Message, "after 1 attempts") || !strings.Contains(e.Message, "Timeout") {
		t.Fatalf("failure: %s", e.Message)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("the attempt took %s", waited)
	}
}

// The HTTP retry schedule follows the delivery policy on the core clock.
func TestRetryPolicySchedule(t *testing.T) {
	p := retryPolicy{MinDelayTarget: 1, MaxDelayTarget: 8, NumRetries: 7, NumNoDelayRetries: 1, NumMinDelayRetries: 1,
		NumMaxDelayRetries: 1, BackoffFunction: "exponential"}
	var got []time.Duration
	for n := 1; ; n++ {
		d, ok := p.delay(n)
		if !ok {
			break
		}
		got = append(got, d.Round(time.Millisecond))
	}
	if len(got) != 7 || got[0] != 0 || got[1] != time.Second || got[6] != 8*time.Second {
		t.Fatalf("schedule %v", got)
	}
	for i := 2; i < 6; i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("backoff not increasing: %v", got)
		}
	}
	if d, ok := defaultHTTPRetry.delay(3); !ok || d != 20*time.Second {
		t.Fatalf("default HTTP retry 3: %s %v", d, ok)
	}
	if _, ok := defaultHTTPRetry.delay(4); ok {
		t.Fatal("default HTTP policy retries more than 3 times")
	}
	if _, err := parseSubscriptionDeliveryPolicy(`{"healthyRetryPolicy":{"numRetries":101}}`); err == nil {
		t.Fatal("numRetries 101 accepted")
	}
	if _, err := parseSubscriptionDeliveryPolicy(`{"healthyRetryPolicy":{"numRetries":100,"minDelayTarget":60,"maxDelayTarget":60}}`); err == nil ||
		!strings.Contains(err.Message, "cannot be greater than 3600 seconds") {
		t.Fatalf("100 retries a minute apart: %v", err)
	}
	if _, err := parseSubscriptionDeliveryPolicy(`{"healthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":10}}`); err == nil {
		t.Fatal("max < min accepted")
	}
}

// recordingQueues accepts every send.
type recordingQueues struct {
	mu  sync.Mutex
	got []QueueMessage
}

func (r *recordingQueues) SendToQueue(_ context.Context, _ string, m QueueMessage) error {
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
	return nil
}

func (r *recordingQueues) messages() []QueueMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]QueueMessage(nil), r.got...)
}

func TestPublishWithoutSubscribersKeepsNothing(t *testing.T) {
	f := newFixture(t, Config{})
	arn, _ := f.svc.CreateTopic(f.ctx, "empty", nil, nil)
	for i := 0; i < 3; i++ {
		if _, err := f.svc.Publish(f.ctx, PublishInput{TopicARN: arn, Message: "nobody listens"}); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := f.st.DB().QueryRow(`SELECT COUNT(*) FROM topic_messages`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d messages kept (%v)", n, err)
	}
	if got := f.svc.Topics()[0].Published; got != 3 {
		t.Fatalf("published count %d", got)
	}
}

// FIFO deduplication ids are durable: a duplicate published after a
// restart, inside the window, returns the original and is not delivered.
func TestFIFODeduplicationSurvivesRestart(t *testing.T) {
	path := t.TempDir() + "/topics.db"
	clk := clock.NewFrozen(epoch)
	q := &recordingQueues{}
	open := func() (*store.Store, *Service) {
		st, err := store.Open(store.Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := Open(Config{Store: st, Clock: clk, Queues: q})
		if err != nil {
			t.Fatal(err)
		}
		return st, svc
	}
	st, svc := open()
	ctx := context.Background()
	arn, err := svc.CreateTopic(ctx, "o.fifo", map[string]string{"FifoTopic": "true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Subscribe(ctx, arn, "sqs", "arn:aws:sqs:us-east-1:000000000000:o.fifo", map[string]string{"RawMessageDelivery": "true"}, false); err != nil {
		t.Fatal(err)
	}
	first, err := svc.Publish(ctx, PublishInput{TopicARN: arn, Message: "a", MessageGroupID: "g", MessageDeduplicationID: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(q.messages()) < 1 || svc.Topics()[0].Pending > 0 {
		if time.Now().After(deadline) {
			t.Fatal("not delivered")
		}
		time.Sleep(2 * time.Millisecond)
	}
	svc.Close()
	st.Close()

	clk.Advance(time.Minute)
	st, svc = open()
	defer st.Close()
	defer svc.Close()
	again, err := svc.Publish(ctx, PublishInput{TopicARN: arn, Message: "a2", MessageGroupID: "g", MessageDeduplicationID: "d1"})
	if err != nil || again != first {
		t.Fatalf("duplicate after restart: %+v %v, want %+v", again, err, first)
	}
	next, err := svc.Publish(ctx, PublishInput{TopicARN: arn, Message: "b", MessageGroupID: "g", MessageDeduplicationID: "d2"})
	if err != nil || next.SequenceNumber <= first.SequenceNumber {
		t.Fatalf("next after restart: %+v %v", next, err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(q.messages()) < 2 || svc.Topics()[0].Pending > 0 {
		if time.Now().After(deadline) {
			t.Fatal("not delivered")
		}
		time.Sleep(2 * time.Millisecond)
	}
	got := q.messages()
	if len(got) != 2 || got[0].Body != "a" || got[1].Body != "b" || got[1].MessageGroupID != "g" || got[1].DeduplicationID != "d2" {
		t.Fatalf("deliveries: %+v", got)
	}
}

func TestFilterPolicyLimitPerTopic(t *testing.T) {
	f := newFixture(t, Config{Queues: &recordingQueues{}})
	arn, _ := f.svc.CreateTopic(f.ctx, "limited", nil, nil)
	policy := map[string]string{"FilterPolicy": `{"a":["b"]}`}
	for i := 0; i < MaxFilterPolicies; i++ {
		if _, err := f.svc.Subscribe(f.ctx, arn, "sqs", fmt.Sprintf("arn:aws:sqs:us-east-1:000000000000:q%d", i), policy, false); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.svc.Subscribe(f.ctx, arn, "sqs", "arn:aws:sqs:us-east-1:000000000000:one-more", policy, false)
	if te, ok := err.(*Error); !ok || te.Code != FilterPolicyLimitExceeded {
		t.Fatalf("201st filter policy: %v", err)
	}
	plain, err := f.svc.Subscribe(f.ctx, arn, "sqs", "arn:aws:sqs:us-east-1:000000000000:plain", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	err = f.svc.SetSubscriptionAttributes(f.ctx, plain, "FilterPolicy", `{"a":["c"]}`)
	if te, ok := err.(*Error); !ok || te.Code != FilterPolicyLimitExceeded {
		t.Fatalf("setting a 201st filter policy: %v", err)
	}
	var out strings.Builder
	if err := f.reg.WritePrometheus(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `skyport_topic_deliveries_pending{topic="limited"} 0`) {
		t.Fatalf("pending gauge missing:\n%s", out.String())
	}
}

// throttlePolicy spaces attempts on the core clock; requestPolicy sets the
// Content-Type.
func TestDeliveryPolicyThrottleAndContentType(t *testing.T) {
	got := make(chan *http.Request, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-amz-sns-message-type") == "Notification" {
			got <- r
		}
	}))
	defer srv.Close()
	f := newFixture(t, Config{})
	arn, _ := f.svc.CreateTopic(f.ctx, "paced", nil, nil)
	subARN, err := f.svc.Subscribe(f.ctx, arn, "http", srv.URL, map[string]string{
		"DeliveryPolicy": `{"throttlePolicy":{"maxReceivesPerSecond":1},"requestPolicy":{"headerContentType":"application/json"}}`}, true)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := f.svc.lookupSub(subARN)
	if _, err := f.svc.ConfirmSubscription(f.ctx, arn, sub.token); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := f.svc.Publish(f.ctx, PublishInput{TopicARN: arn, Message: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	next := func() *http.Request {
		select {
		case r := <-got:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("no delivery")
		}
		return nil
	}
	if r := next(); r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	for i := 0; i < 2; i++ {
		// The next attempt waits a second of core time: nothing arrives
		// until the clock moves.
		deadline := time.Now().Add(10 * time.Second)
		for f.clock.Pending() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the paced attempt set no timer")
			}
			time.Sleep(time.Millisecond)
		}
		select {
		case r := <-got:
			t.Fatalf("delivery %d came before its time: %v", i+2, r.Header)
		default:
		}
		f.clock.Advance(time.Second)
		next()
	}
	if _, err := parseSubscriptionDeliveryPolicy(`{"requestPolicy":{"headerContentType":"image/png"}}`); err == nil {
		t.Fatal("an unsupported content type was accepted")
	}
}

// Rows left by a publish that raced with a deletion are dropped at Open.
func TestOpenDropsOrphanedDeliveries(t *testing.T) {
	path := t.TempDir() + "/orphans.db"
	st, err := store.Open(store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Exec(insertTopicMessageSQL, "gone", "m-1", "", "body", "", "", "", "", "", 1); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO topic_deliveries(message, subscription, attempts, next_at) VALUES (last_insert_rowid(), 999, 0, 0)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: clock.NewFrozen(epoch)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer svc.Close()
	var deliveries, messages int
	st.DB().QueryRow(`SELECT COUNT(*) FROM topic_deliveries`).Scan(&deliveries)
	st.DB().QueryRow(`SELECT COUNT(*) FROM topic_messages`).Scan(&messages)
	if deliveries != 0 || messages != 0 {
		t.Fatalf("%d deliveries and %d messages left", deliveries, messages)
	}
}

// failingGroup fails every send of one message group until fixed.
type failingGroup struct {
	recordingQueues
	group string
	fixed chan struct{}
}

func (q *failingGroup) SendToQueue(ctx context.Context, arn string, m QueueMessage) error {
	if m.MessageGroupID == q.group {
		select {
		case <-q.fixed:
		default:
			return &DeliveryError{Reason: "queue is having a bad day"}
		}
	}
	return q.recordingQueues.SendToQueue(ctx, arn, m)
}

// In a FIFO topic a failing message holds back its own group only.
func TestFIFOFailingGroupHoldsOnlyItself(t *testing.T) {
	q := &failingGroup{group: "A", fixed: make(chan struct{})}
	f := newFixture(t, Config{Queues: q})
	arn, _ := f.svc.CreateTopic(f.ctx, "g.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"}, nil)
	if _, err := f.svc.Subscribe(f.ctx, arn, "sqs", "arn:aws:sqs:us-east-1:000000000000:g.fifo", map[string]string{"RawMessageDelivery": "true"}, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		for _, g := range []string{"A", "B"} {
			if _, err := f.svc.Publish(f.ctx, PublishInput{TopicARN: arn, Message: fmt.Sprintf("%s%d", g, i), MessageGroupID: g}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(q.messages()) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("group B delivered %d of 4 while A fails", len(q.messages()))
		}
		time.Sleep(2 * time.Millisecond)
	}
	for i, m := range q.messages() {
		if m.Body != fmt.Sprintf("B%d", i) {
			t.Fatalf("delivery %d is %s", i, m.Body)
		}
	}
	close(q.fixed)
	// A's head message is backing off on the core clock; let it go.
	for len(q.messages()) < 8 {
		if time.Now().After(deadline) {
			t.Fatalf("group A not delivered after the fix: %d", len(q.messages()))
		}
		f.clock.Advance(time.Second)
		time.Sleep(2 * time.Millisecond)
	}
	var a []string
	for _, m := range q.messages()[4:] {
		a = append(a, m.Body)
	}
	if strings.Join(a, ",") != "A0,A1,A2,A3" {
		t.Fatalf("group A out of order: %v", a)
	}
}

// As SNS documents, an endpoint answering 200–4xx has the message: a 404
// is not retried and not dead-lettered (but is reported); a 500 is retried.
func TestHTTPStatusClasses(t *testing.T) {
	statuses := make(chan int, 10)
	hits := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-amz-sns-message-type") != "Notification" {
			return
		}
		hits <- r.Header.Get("x-amz-sns-message-id")
		w.WriteHeader(<-statuses)
	}))
	defer srv.Close()
	f := newFixture(t, Config{})
	arn, _ := f.svc.CreateTopic(f.ctx, "codes", nil, nil)
	subARN, _ := f.svc.Subscribe(f.ctx, arn, "http", srv.URL, nil, true)
	sub, _ := f.svc.lookupSub(subARN)
	if _, err := f.svc.ConfirmSubscription(f.ctx, arn, sub.token); err != nil {
		t.Fatal(err)
	}
	statuses <- 404
	if _, err := f.svc.Publish(f.ctx, PublishInput{TopicARN: arn, Message: "m"}); err != nil {
		t.Fatal(err)
	}
	<-hits
	if e := f.waitEvent(event.DeliveryFailed, event.Warn); !strings.Contains(e.Message, "HTTP 404") {
		t.Fatalf("404 event: %s", e.Message)
	}
	f.waitEvent(event.MessageDelivered, event.Debug)
	deadline := time.Now().Add(10 * time.Second)
	for f.svc.Topics()[0].Pending != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s := f.svc.Topics()[0]; s.Delivered != 1 || s.Failed != 0 || s.Pending != 0 {
		t.Fatalf("after a 404: %+v", s)
	}
	statuses <- 500
	statuses <- 200
	if _, err := f.svc.Publish(f.ctx, PublishInput{TopicARN: arn, Message: "m2"}); err != nil {
		t.Fatal(err)
	}
	first := <-hits
	e := f.waitEvent(event.DeliveryFailed, event.Debug)
	if !strings.Contains(e.Message, "retrying in 20s") {
		t.Fatalf("500 event: %s", e.Message)
	}
	f.clock.Advance(20 * time.Second)
	if again := <-hits; again != first {
		t.Fatalf("retry of %s delivered %s", first, again)
	}
}

// Unsubscribing an HTTP endpoint sends it an UnsubscribeConfirmation whose
// SubscribeURL token restores the subscription.
func TestUnsubscribeConfirmationRestores(t *testing.T) {
	posts := make(chan *http.Request, 10)
	bodies := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		posts <- r
		bodies <- b.String()
	}))
	defer srv.Close()
	f := newFixture(t, Config{})
	arn, _ := f.svc.CreateTopic(f.ctx, "bye", nil, nil)
	subARN, _ := f.svc.Subscribe(f.ctx, arn, "http", srv.URL, map[string]string{"RawMessageDelivery": "true"}, true)
	<-posts
	<-bodies
	sub, _ := f.svc.lookupSub(subARN)
	if _, err := f.svc.ConfirmSubscription(f.ctx, arn, sub.token); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Unsubscribe(f.ctx, subARN); err != nil {
		t.Fatal(err)
	}
	r := <-posts
	var env Envelope
	if err := json.Unmarshal([]byte(<-bodies), &env); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("x-amz-sns-message-type") != "UnsubscribeConfirmation" || env.Type != "UnsubscribeConfirmation" || env.Token == "" {
		t.Fatalf("unsubscribe confirmation: %v %+v", r.Header, env)
	}
	if err := f.svc.Verify(env); err != nil {
		t.Fatalf("signature: %v", err)
	}
	restored, err := f.svc.ConfirmSubscription(f.ctx, arn, env.Token)
	if err != nil || restored == subARN {
		t.Fatalf("restore: %s %v", restored, err)
	}
	attrs, _ := f.svc.GetSubscriptionAttributes(restored)
	if attrs["PendingConfirmation"] != "false" || attrs["RawMessageDelivery"] != "true" {
		t.Fatalf("restored subscription: %v", attrs)
	}
	if _, err := f.svc.ConfirmSubscription(f.ctx, arn, env.Token); err == nil {
		t.Fatal("a restore token worked twice")
	}
}

// Deleting the last subscription of a page does not break the next page.
func TestListSubscriptionsPagesSurviveDeletion(t *testing.T) {
	f := newFixture(t, Config{Queues: &recordingQueues{}})
	arn, _ := f.svc.CreateTopic(f.ctx, "paged", nil, nil)
	for i := 0; i < 150; i++ {
		if _, err := f.svc.Subscribe(f.ctx, arn, "sqs", fmt.Sprintf("arn:aws:sqs:us-east-1:000000000000:p%d", i), nil, false); err != nil {
			t.Fatal(err)
		}
	}
	first, next, err := f.svc.ListSubscriptionsByTopic(arn, "")
	if err != nil || len(first) != 100 || next == "" {
		t.Fatalf("first page: %d %q %v", len(first), next, err)
	}
	if err := f.svc.Unsubscribe(f.ctx, first[99].ARN); err != nil {
		t.Fatal(err)
	}
	second, last, err := f.svc.ListSubscriptionsByTopic(arn, next)
	if err != nil || len(second) != 50 || last != "" {
		t.Fatalf("second page: %d %q %v", len(second), last, err)
	}
	seen := map[string]bool{}
	for _, s := range append(first, second...) {
		if seen[s.ARN] {
			t.Fatalf("%s listed twice", s.ARN)
		}
		seen[s.ARN] = true
	}
}
