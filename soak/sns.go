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
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// SNSOptions size the SNS workload; zero fields take the defaults.
type SNSOptions struct {
	Publishers int // standard-topic publishers (single and batch); default 3
	FIFOGroups int // FIFO-topic message groups, one publisher each; default 4
}

// Resource names of the SNS workload: each topic fans out to two queues.
const (
	snsTopic     = "soak-fanout"
	snsFIFOTopic = "soak-fanout.fifo"
)

var (
	snsQueues     = []string{"soak-fan-a", "soak-fan-b"}
	snsFIFOQueues = []string{"soak-fan-a.fifo", "soak-fan-b.fifo"}
)

// snsLoad is the SNS workload: a standard topic subscribed by two standard
// queues (raw delivery) that gets single publishes and batches, and a FIFO
// topic subscribed by two FIFO queues that gets one ordered publisher per
// message group (republishing under the same deduplication id until
// acknowledged). Consumers drain every subscribed queue while the load
// runs. The ledger demands that each queue receives every acknowledged
// publish — at least once from the standard topic, exactly once and in
// group order from the FIFO topic — and nothing that was never published.
type snsLoad struct {
	opt  SNSOptions
	sns  *sns.Client
	sqs  *sqs.Client
	arns map[string]string // topic name → ARN
	urls map[string]string // queue name → URL

	mu        sync.Mutex
	published map[string]bool            // standard: acknowledged publishes
	maybe     map[string]bool            // standard: publishes whose answer was lost
	tried     map[string]bool            // standard: every body before its publish is sent (a delivery can beat the answer)
	got       map[string]map[string]int  // queue → body → deliveries seen
	fSent     map[string]bool            // FIFO: acknowledged publishes (body = deduplication id)
	fIDs      map[string]map[string]bool // FIFO queue → body → message ids seen
	fNext     map[string][]int           // FIFO queue → group → next sequence number to see first
	fGot      map[string]map[string]bool // FIFO queue → bodies seen
	redeliv   int                        // deliveries seen again (lost deletes, visibility timeouts)
	bad       mismatches
	delivered atomic.Int64
}

// NewSNS returns the SNS workload.
func NewSNS(opt SNSOptions) Workload {
	if opt.Publishers <= 0 {
		opt.Publishers = 3
	}
	if opt.FIFOGroups <= 0 {
		opt.FIFOGroups = 4
	}
	l := &snsLoad{opt: opt, arns: map[string]string{}, urls: map[string]string{},
		published: map[string]bool{}, maybe: map[string]bool{}, tried: map[string]bool{}, got: map[string]map[string]int{},
		fSent: map[string]bool{}, fIDs: map[string]map[string]bool{}, fNext: map[string][]int{}, fGot: map[string]map[string]bool{}}
	for _, q := range snsQueues {
		l.got[q] = map[string]int{}
	}
	for _, q := range snsFIFOQueues {
		l.fNext[q] = make([]int, opt.FIFOGroups)
		l.fGot[q] = map[string]bool{}
	}
	return l
}

func (l *snsLoad) Name() string { return "sns" }

func (l *snsLoad) Setup(ctx context.Context, t Target) error {
	creds := credentials.NewStaticCredentialsProvider("soak", "soak", "")
	l.sns = sns.New(sns.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(t.Endpoint), RetryMaxAttempts: 1, Credentials: creds})
	l.sqs = sqs.New(sqs.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(t.Endpoint), RetryMaxAttempts: 1, Credentials: creds})
	for topic, queues := range map[string][]string{snsTopic: snsQueues, snsFIFOTopic: snsFIFOQueues} {
		fifo := topic == snsFIFOTopic
		var tattrs map[string]string
		if fifo {
			tattrs = map[string]string{"FifoTopic": "true"}
		}
		out, err := l.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(topic), Attributes: tattrs})
		if err != nil {
			return fmt.Errorf("create topic %s: %w", topic, err)
		}
		l.arns[topic] = *out.TopicArn
		for _, q := range queues {
			qattrs := map[string]string{"VisibilityTimeout": "10"}
			if fifo {
				qattrs["FifoQueue"] = "true"
			}
			qo, err := l.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q), Attributes: qattrs})
			if err != nil {
				return fmt.Errorf("create queue %s: %w", q, err)
			}
			l.urls[q] = *qo.QueueUrl
			a, err := l.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl,
				AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
			if err != nil {
				return fmt.Errorf("queue %s ARN: %w", q, err)
			}
			if _, err := l.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: out.TopicArn, Protocol: aws.String("sqs"),
				Endpoint: aws.String(a.Attributes["QueueArn"]), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
				return fmt.Errorf("subscribe %s to %s: %w", q, topic, err)
			}
		}
	}
	return nil
}

func (l *snsLoad) Run(ctx context.Context, t Target, ops *atomic.Int64) {
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	for p := 0; p < l.opt.Publishers; p++ {
		run(func() { l.publish(ctx, p, ops) })
	}
	for g := 0; g < l.opt.FIFOGroups; g++ {
		run(func() { l.publishFIFO(ctx, g, ops) })
	}
	for _, q := range snsQueues {
		run(func() { l.consume(ctx, q, 1, 10, ops) })
	}
	for _, q := range snsFIFOQueues {
		run(func() { l.consume(ctx, q, 1, 10, ops) })
	}
	wg.Wait()
}

// publish publishes unique messages to the standard topic: every third
// call a batch of 10.
func (l *snsLoad) publish(ctx context.Context, p int, ops *atomic.Int64) {
	arn := aws.String(l.arns[snsTopic])
	for i := 0; ctx.Err() == nil; i++ {
		if i%3 == 2 {
			entries := make([]snstypes.PublishBatchRequestEntry, 10)
			bodies := map[string]string{}
			for j := range entries {
				id, body := strconv.Itoa(j), fmt.Sprintf("n-%d-%d-%d", p, i, j)
				entries[j] = snstypes.PublishBatchRequestEntry{Id: aws.String(id), Message: aws.String(body)}
				bodies[id] = body
			}
			l.mu.Lock()
			for _, b := range bodies {
				l.tried[b] = true
			}
			l.mu.Unlock()
			out, err := l.sns.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: arn, PublishBatchRequestEntries: entries})
			l.mu.Lock()
			if err != nil {
				for _, b := range bodies {
					l.maybe[b] = true
				}
			} else {
				for _, s := range out.Successful {
					l.published[bodies[*s.Id]] = true
				}
				for _, f := range out.Failed {
					l.maybe[bodies[*f.Id]] = true
				}
			}
			l.mu.Unlock()
			if err != nil {
				pause(ctx, backoff)
				continue
			}
			ops.Add(1)
			continue
		}
		body := fmt.Sprintf("n-%d-%d", p, i)
		l.mu.Lock()
		l.tried[body] = true
		l.mu.Unlock()
		_, err := l.sns.Publish(ctx, &sns.PublishInput{TopicArn: arn, Message: aws.String(body)})
		l.mu.Lock()
		if err == nil {
			l.published[body] = true
		} else {
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

// publishFIFO publishes group g's messages in order, each republished with
// the same deduplication id until acknowledged.
func (l *snsLoad) publishFIFO(ctx context.Context, g int, ops *atomic.Int64) {
	arn := aws.String(l.arns[snsFIFOTopic])
	group := fmt.Sprintf("g%02d", g)
	for seq := 0; ctx.Err() == nil; seq++ {
		body := fmt.Sprintf("nf-%02d-%07d", g, seq)
		for {
			_, err := l.sns.Publish(ctx, &sns.PublishInput{TopicArn: arn, Message: aws.String(body),
				MessageGroupId: aws.String(group), MessageDeduplicationId: aws.String(body)})
			if err == nil {
				ops.Add(1)
				l.mu.Lock()
				l.fSent[body] = true
				l.mu.Unlock()
				break
			}
			if !pause(ctx, backoff) {
				return // the last one may be stored, unacknowledged
			}
		}
	}
}

// consume receives from a subscribed queue, checks each delivery and
// deletes what it got, until ctx ends.
func (l *snsLoad) consume(ctx context.Context, queue string, wait, visibility int32, ops *atomic.Int64) {
	for ctx.Err() == nil {
		if _, err := l.receive(ctx, queue, wait, visibility, ops); err != nil {
			pause(ctx, backoff)
		}
	}
}

// receive does one receive-check-delete round on queue and returns how
// many messages it got.
func (l *snsLoad) receive(ctx context.Context, queue string, wait, visibility int32, ops *atomic.Int64) (int, error) {
	url := aws.String(l.urls[queue])
	out, err := l.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10,
		WaitTimeSeconds: wait, VisibilityTimeout: visibility})
	if err != nil {
		return 0, err
	}
	ops.Add(1)
	if len(out.Messages) == 0 {
		return 0, nil
	}
	l.delivered.Add(int64(len(out.Messages)))
	l.mu.Lock()
	for _, m := range out.Messages {
		l.check(queue, *m.Body, *m.MessageId)
	}
	l.mu.Unlock()
	entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
	for i, m := range out.Messages {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	// A lost delete only means the message comes again, which the checks
	// allow (standard) or recognise by its message id (FIFO).
	if _, err := l.sqs.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
		return len(out.Messages), err
	}
	ops.Add(1)
	return len(out.Messages), nil
}

// check records one delivery to queue. Callers hold mu.
func (l *snsLoad) check(queue, body, id string) {
	if seen, ok := l.got[queue]; ok { // standard
		if !l.tried[body] {
			l.bad.addf("%s: %q delivered but never published", queue, body)
		}
		if seen[body] > 0 {
			l.redeliv++
		}
		seen[body]++
		return
	}
	var g, seq int
	next := l.fNext[queue]
	if _, err := fmt.Sscanf(body, "nf-%d-%d", &g, &seq); err != nil || g < 0 || g >= len(next) {
		l.bad.addf("%s: unexpected body %q", queue, body)
		return
	}
	ids := l.fIDs[queue+" "+body]
	if ids == nil {
		ids = map[string]bool{}
		l.fIDs[queue+" "+body] = ids
	}
	ids[id] = true
	l.fGot[queue][body] = true
	switch {
	case seq == next[g]:
		next[g]++
	case seq < next[g]:
		l.redeliv++
	default:
		l.bad.addf("%s: group %d delivered seq %d while %d was never delivered (lost or out of order)", queue, g, seq, next[g])
		next[g] = seq + 1
	}
}

// Settle waits until the topics have no delivery pending: those that were
// pending at the last kill are made after the restart, some of them again
// (the queue's send committed, the delivery's end did not), and the FIFO
// queues deduplicate those only within five minutes of clock time.
func (l *snsLoad) Settle(ctx context.Context, t Target) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := metricSum(t.Endpoint, "skyport_topic_deliveries_pending")
		if err != nil {
			return fmt.Errorf("pending deliveries: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%.0f deliveries still pending a minute after the restart", n)
		}
		pause(ctx, 100*time.Millisecond)
	}
}

func (l *snsLoad) Verify(ctx context.Context, t Target) Report {
	r := Report{Workload: l.Name()}
	// Deliveries whose receive was lost at a kill become visible again.
	if err := t.Advance(time.Hour); err != nil {
		r.Mismatches = append(r.Mismatches, "advance clock: "+err.Error())
		return r
	}
	var ops atomic.Int64
	// Settle made the deliveries still pending at the last kill; drain
	// every queue.
	for _, q := range append(append([]string(nil), snsQueues...), snsFIFOQueues...) {
		for empty := 0; empty < 2; {
			n, err := l.receive(ctx, q, 0, 3600, &ops)
			if err != nil {
				r.Mismatches = append(r.Mismatches, "drain "+q+": "+err.Error())
				return r
			}
			if n == 0 {
				empty++
			} else {
				empty = 0
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for body := range l.published {
		for _, q := range snsQueues {
			if l.got[q][body] == 0 {
				l.bad.addf("%s: acknowledged publish %s never delivered", q, body)
			}
		}
	}
	for body := range l.fSent {
		for _, q := range snsFIFOQueues {
			if !l.fGot[q][body] {
				l.bad.addf("%s: acknowledged publish %s never delivered", q, body)
			}
		}
	}
	for key, ids := range l.fIDs {
		if len(ids) > 1 {
			l.bad.addf("%s stored %d times (FIFO promises once)", key, len(ids))
		}
	}
	dups := 0
	for _, q := range snsQueues {
		for _, n := range l.got[q] {
			if n > 1 {
				dups++
			}
		}
	}
	r.Checked = len(l.published)*len(snsQueues) + len(l.fSent)*len(snsFIFOQueues)
	r.Mismatches = l.bad.sorted()
	r.Notes = []string{
		fmt.Sprintf("standard topic: %d publishes acknowledged (%d unanswered), fanned out to %d queues; %d bodies seen more than once (at-least-once allows it)",
			len(l.published), len(l.maybe), len(snsQueues), dups),
		fmt.Sprintf("FIFO topic: %d publishes acknowledged in %d groups, fanned out to %d FIFO queues",
			len(l.fSent), l.opt.FIFOGroups, len(snsFIFOQueues)),
		fmt.Sprintf("%d deliveries received in all, %d of them again (lost deletes or receives)", l.delivered.Load(), l.redeliv),
	}
	return r
}

// Retire has nothing to drop: Verify consumed every delivery, and a topic
// keeps no messages of its own.
func (l *snsLoad) Retire(ctx context.Context, t Target) error {
	for _, q := range append(append([]string(nil), snsQueues...), snsFIFOQueues...) {
		out, err := l.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(l.urls[q]),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
		if err != nil {
			return err
		}
		if n := out.Attributes["ApproximateNumberOfMessages"]; n != "0" {
			return fmt.Errorf("%s still holds %s messages after the drain", q, n)
		}
	}
	return nil
}
