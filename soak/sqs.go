package soak

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// SQSOptions size the SQS workload; zero fields take the defaults.
type SQSOptions struct {
	Producers  int // standard-queue senders (single sends and batches); default 4
	Consumers  int // standard-queue receivers that delete; default 3
	FIFOGroups int // FIFO message groups, one sender each; default 6
}

// Queue names of the SQS workload.
const (
	sqsStandard = "soak-standard"
	sqsFIFO     = "soak-ordered.fifo"
	sqsRetained = "soak-retained" // written, never consumed: retention drops it at the end
)

// sqsLoad is the SQS workload: a standard queue with producers (single and
// batch sends) and consumers (receive, batch delete); a FIFO queue with one
// ordered producer per message group (resending with the same
// deduplication id until acknowledged) and a consumer; and a backlog queue
// nobody reads. Its ledger holds what the server acknowledged.
type sqsLoad struct {
	opt    SQSOptions
	client *sqs.Client
	urls   map[string]string

	mu sync.Mutex
	// standard queue
	sent     map[string]bool      // acknowledged sends
	maybe    map[string]bool      // sends whose answer was lost: stored or not
	deleted  map[string]time.Time // acknowledged deletes, when acknowledged
	delTried map[string]bool      // deletes whose answer was lost
	received int                  // deliveries seen
	// FIFO queue
	fSent     map[string]bool            // acknowledged sends (body = deduplication id)
	fIDs      map[string]map[string]bool // body → message ids seen for it
	fNext     []int                      // per group: next sequence number to see first
	fDeleted  map[string]time.Time
	fDelTried map[string]bool
	fRedeliv  int
	// backlog queue
	retained, retainedMaybe int

	bad mismatches
}

// NewSQS returns the SQS workload.
func NewSQS(opt SQSOptions) Workload {
	if opt.Producers <= 0 {
		opt.Producers = 4
	}
	if opt.Consumers <= 0 {
		opt.Consumers = 3
	}
	if opt.FIFOGroups <= 0 {
		opt.FIFOGroups = 6
	}
	return &sqsLoad{opt: opt, urls: map[string]string{},
		sent: map[string]bool{}, maybe: map[string]bool{}, deleted: map[string]time.Time{}, delTried: map[string]bool{},
		fSent: map[string]bool{}, fIDs: map[string]map[string]bool{}, fNext: make([]int, opt.FIFOGroups),
		fDeleted: map[string]time.Time{}, fDelTried: map[string]bool{}}
}

func (l *sqsLoad) Name() string { return "sqs" }

func (l *sqsLoad) Setup(ctx context.Context, t Target) error {
	// No SDK retries: every answer goes into the ledger as it came.
	l.client = sqs.New(sqs.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(t.Endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("soak", "soak", "")})
	for name, attrs := range map[string]map[string]string{
		sqsStandard: {"VisibilityTimeout": "30"},
		sqsFIFO:     {"FifoQueue": "true", "VisibilityTimeout": "5"},
		sqsRetained: nil,
	} {
		out, err := l.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		l.urls[name] = *out.QueueUrl
	}
	return nil
}

func (l *sqsLoad) Run(ctx context.Context, t Target, ops *atomic.Int64) {
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	for p := 0; p < l.opt.Producers; p++ {
		run(func() { l.produce(ctx, p, ops) })
	}
	for c := 0; c < l.opt.Consumers; c++ {
		run(func() { l.consume(ctx, ops) })
	}
	for g := 0; g < l.opt.FIFOGroups; g++ {
		run(func() { l.produceFIFO(ctx, g, ops) })
	}
	for c := 0; c < 2; c++ {
		run(func() { l.consumeFIFO(ctx, ops) })
	}
	wg.Wait()
}

// backoff is how long a worker waits after a failed call (the server is
// probably restarting).
const backoff = 20 * time.Millisecond

// produce sends to the standard queue: mostly single sends, every fourth
// call a batch of 10, every fifth message to the backlog queue.
func (l *sqsLoad) produce(ctx context.Context, p int, ops *atomic.Int64) {
	for i := 0; ctx.Err() == nil; i++ {
		if i%4 == 3 {
			l.sendBatch(ctx, p, i, ops)
			continue
		}
		body := fmt.Sprintf("s-%d-%d", p, i)
		queue := sqsStandard
		if i%5 == 4 {
			body, queue = "r-"+body, sqsRetained
		}
		_, err := l.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(l.urls[queue]), MessageBody: aws.String(body)})
		l.mu.Lock()
		switch {
		case queue == sqsRetained && err == nil:
			l.retained++
		case queue == sqsRetained:
			l.retainedMaybe++
		case err == nil:
			l.sent[body] = true
		default:
			l.maybe[body] = true
		}
		l.mu.Unlock()
		if err != nil {
			pause(ctx, backoff)
			continue
		}
		ops.Add(1)
	}
}

func (l *sqsLoad) sendBatch(ctx context.Context, p, i int, ops *atomic.Int64) {
	entries := make([]types.SendMessageBatchRequestEntry, 10)
	bodies := map[string]string{}
	for j := range entries {
		id, body := strconv.Itoa(j), fmt.Sprintf("b-%d-%d-%d", p, i, j)
		entries[j] = types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(body)}
		bodies[id] = body
	}
	out, err := l.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(l.urls[sqsStandard]), Entries: entries})
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		for _, b := range bodies {
			l.maybe[b] = true
		}
		pause(ctx, backoff)
		return
	}
	ops.Add(1)
	for _, s := range out.Successful {
		l.sent[bodies[*s.Id]] = true
	}
	for _, f := range out.Failed {
		l.maybe[bodies[*f.Id]] = true
	}
}

// consume receives from the standard queue and deletes in batches.
func (l *sqsLoad) consume(ctx context.Context, ops *atomic.Int64) {
	for ctx.Err() == nil {
		started := time.Now()
		out, err := l.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(l.urls[sqsStandard]),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			pause(ctx, backoff)
			continue
		}
		ops.Add(1)
		if len(out.Messages) == 0 {
			continue
		}
		entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
		byID := map[string]string{}
		l.mu.Lock()
		for i, m := range out.Messages {
			l.received++
			if at, ok := l.deleted[*m.Body]; ok && at.Before(started) {
				l.bad.addf("standard: %s delivered after its delete was acknowledged", *m.Body)
			}
			id := strconv.Itoa(i)
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(id), ReceiptHandle: m.ReceiptHandle}
			byID[id] = *m.Body
		}
		l.mu.Unlock()
		del, err := l.client.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{
			QueueUrl: aws.String(l.urls[sqsStandard]), Entries: entries})
		now := time.Now()
		l.mu.Lock()
		if err != nil {
			for _, b := range byID {
				l.delTried[b] = true
			}
		} else {
			for _, s := range del.Successful {
				l.deleted[byID[*s.Id]] = now
			}
			for _, f := range del.Failed {
				l.delTried[byID[*f.Id]] = true
			}
		}
		l.mu.Unlock()
		if err == nil {
			ops.Add(1)
		}
	}
}

// produceFIFO sends group g's messages in order, each resent with the same
// deduplication id until acknowledged: the server must store it once.
func (l *sqsLoad) produceFIFO(ctx context.Context, g int, ops *atomic.Int64) {
	group := fmt.Sprintf("g%02d", g)
	for seq := 0; ctx.Err() == nil; seq++ {
		body := fmt.Sprintf("f-%02d-%07d", g, seq)
		for {
			out, err := l.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(l.urls[sqsFIFO]),
				MessageBody: aws.String(body), MessageGroupId: aws.String(group), MessageDeduplicationId: aws.String(body)})
			if err == nil {
				ops.Add(1)
				l.mu.Lock()
				l.fSent[body] = true
				l.noteFIFOID(body, *out.MessageId)
				l.mu.Unlock()
				break
			}
			if !pause(ctx, backoff) {
				return // the last one may be stored, unacknowledged
			}
		}
	}
}

// noteFIFOID records a message id seen for body. Callers hold mu.
func (l *sqsLoad) noteFIFOID(body, id string) {
	ids := l.fIDs[body]
	if ids == nil {
		ids = map[string]bool{}
		l.fIDs[body] = ids
	}
	ids[id] = true
}

// consumeFIFO receives from the FIFO queue, checks each group's order and
// deletes what it got.
func (l *sqsLoad) consumeFIFO(ctx context.Context, ops *atomic.Int64) {
	for ctx.Err() == nil {
		if _, err := l.receiveFIFO(ctx, ops, 1, 5); err != nil {
			pause(ctx, backoff)
		}
	}
}

// receiveFIFO does one receive-check-delete round and returns how many
// messages it got.
func (l *sqsLoad) receiveFIFO(ctx context.Context, ops *atomic.Int64, wait, visibility int32) (int, error) {
	started := time.Now()
	out, err := l.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(l.urls[sqsFIFO]),
		MaxNumberOfMessages: 10, WaitTimeSeconds: wait, VisibilityTimeout: visibility})
	if err != nil {
		return 0, err
	}
	ops.Add(1)
	l.mu.Lock()
	for _, m := range out.Messages {
		l.checkFIFO(*m.Body, *m.MessageId, started)
	}
	l.mu.Unlock()
	if len(out.Messages) == 0 {
		return 0, nil
	}
	entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
	for i, m := range out.Messages {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	del, err := l.client.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{
		QueueUrl: aws.String(l.urls[sqsFIFO]), Entries: entries})
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		for _, m := range out.Messages {
			l.fDelTried[*m.Body] = true
		}
		return len(out.Messages), err
	}
	ops.Add(1)
	for _, d := range del.Successful {
		i, _ := strconv.Atoi(*d.Id)
		l.fDeleted[*out.Messages[i].Body] = now
	}
	for _, d := range del.Failed {
		i, _ := strconv.Atoi(*d.Id)
		l.fDelTried[*out.Messages[i].Body] = true
	}
	return len(out.Messages), nil
}

// checkFIFO checks one delivery: the group's messages are first seen in
// send order without gaps, a redelivery keeps its message id, and nothing
// comes back after an acknowledged delete. Callers hold mu.
func (l *sqsLoad) checkFIFO(body, id string, started time.Time) {
	var g, seq int
	if _, err := fmt.Sscanf(body, "f-%d-%d", &g, &seq); err != nil || g < 0 || g >= len(l.fNext) {
		l.bad.addf("fifo: unexpected body %q", body)
		return
	}
	if at, ok := l.fDeleted[body]; ok && at.Before(started) {
		l.bad.addf("fifo: %s delivered after its delete was acknowledged", body)
	}
	l.noteFIFOID(body, id)
	switch next := l.fNext[g]; {
	case seq == next:
		l.fNext[g]++
	case seq < next:
		l.fRedeliv++
	default:
		l.bad.addf("fifo: group %d delivered seq %d while %d was never delivered (lost or out of order)", g, seq, next)
		l.fNext[g] = seq + 1
	}
}

func (l *sqsLoad) Verify(ctx context.Context, t Target) Report {
	r := Report{Workload: l.Name()}
	// Everything in flight at the last kill becomes visible.
	if err := t.Advance(time.Hour); err != nil {
		r.Mismatches = append(r.Mismatches, "advance clock: "+err.Error())
		return r
	}
	var ops atomic.Int64
	drained, err := l.drainStandard(ctx)
	if err != nil {
		r.Mismatches = append(r.Mismatches, "drain standard queue: "+err.Error())
		return r
	}
	for empty := 0; empty < 3; {
		n, err := l.receiveFIFO(ctx, &ops, 0, 3600)
		if err != nil {
			r.Mismatches = append(r.Mismatches, "drain FIFO queue: "+err.Error())
			return r
		}
		if n == 0 {
			empty++
		} else {
			empty = 0
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	dups := 0
	for body := range l.sent {
		if _, del := l.deleted[body]; !del && !l.delTried[body] && drained[body] == 0 {
			l.bad.addf("standard: acknowledged send %s lost", body)
		}
	}
	for body := range l.deleted {
		if drained[body] > 0 {
			l.bad.addf("standard: acknowledged delete of %s came back", body)
		}
	}
	for body, n := range drained {
		if n > 1 {
			dups++
		}
		if !l.sent[body] && !l.maybe[body] {
			l.bad.addf("standard: %s stored but never sent", body)
		}
	}
	for body := range l.fSent {
		if _, del := l.fDeleted[body]; !del && !l.fDelTried[body] {
			l.bad.addf("fifo: acknowledged send %s never delivered", body)
		}
	}
	for body, ids := range l.fIDs {
		if len(ids) > 1 {
			l.bad.addf("fifo: %s stored %d times (deduplication broken)", body, len(ids))
		}
	}
	if err := l.checkRetained(ctx); err != nil {
		l.bad.addf("backlog: %v", err)
	}
	r.Checked = len(l.sent) + len(l.deleted) + len(l.fSent) + len(l.fDeleted) + l.retained
	r.Mismatches = l.bad.sorted()
	r.Notes = []string{
		fmt.Sprintf("standard: %d sends acknowledged (%d unanswered), %d deletes acknowledged (%d unanswered), %d deliveries, %d left after restart, %d stored twice (at-least-once allows it)",
			len(l.sent), len(l.maybe), len(l.deleted), len(l.delTried), l.received, len(drained), dups),
		fmt.Sprintf("fifo: %d sends acknowledged in %d groups, %d deletes acknowledged, %d redeliveries (same message id)",
			len(l.fSent), len(l.fNext), len(l.fDeleted), l.fRedeliv),
		fmt.Sprintf("backlog: %d sends acknowledged (%d unanswered)", l.retained, l.retainedMaybe),
	}
	return r
}

// drainStandard receives (and deletes) everything the standard queue holds.
func (l *sqsLoad) drainStandard(ctx context.Context) (map[string]int, error) {
	drained := map[string]int{}
	url := aws.String(l.urls[sqsStandard])
	for empty := 0; empty < 3; {
		out, err := l.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 3600})
		if err != nil {
			return nil, err
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		empty = 0
		entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
		for i, m := range out.Messages {
			drained[*m.Body]++
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
		}
		if _, err := l.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
			return nil, err
		}
	}
	return drained, nil
}

// checkRetained checks the backlog queue holds every acknowledged send
// (and at most the unanswered ones besides). Callers hold mu.
func (l *sqsLoad) checkRetained(ctx context.Context) error {
	n, err := l.count(ctx, sqsRetained)
	if err != nil {
		return err
	}
	if n < l.retained || n > l.retained+l.retainedMaybe {
		return fmt.Errorf("holds %d messages, want %d to %d", n, l.retained, l.retained+l.retainedMaybe)
	}
	return nil
}

// count returns a queue's visible plus in-flight plus delayed messages.
func (l *sqsLoad) count(ctx context.Context, queue string) (int, error) {
	out, err := l.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(l.urls[queue]),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, a := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"} {
		n, err := strconv.Atoi(out.Attributes[a])
		if err != nil {
			return 0, fmt.Errorf("%s = %q", a, out.Attributes[a])
		}
		total += n
	}
	return total, nil
}

// Retire lets retention drop the backlog: a 60-second retention period and
// the clock moved past it; it returns once the sweeper has emptied it.
func (l *sqsLoad) Retire(ctx context.Context, t Target) error {
	for _, q := range []string{sqsStandard, sqsFIFO, sqsRetained} {
		if _, err := l.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(l.urls[q]),
			Attributes: map[string]string{"MessageRetentionPeriod": "60"}}); err != nil {
			return err
		}
	}
	if err := t.Advance(2 * time.Minute); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := l.count(ctx, sqsRetained)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d messages left in %s after their retention period", n, sqsRetained)
		}
		// The sweeper runs every 5 s of clock time: nudge the clock.
		if err := t.Advance(5 * time.Second); err != nil {
			return err
		}
		pause(ctx, 50*time.Millisecond)
	}
}
