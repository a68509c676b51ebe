// Package bench drives an SQS-compatible endpoint through the AWS SDK for Go
// v2 and measures it: message rates, drain rates and send→receive latency.
// It is what `skyport bench` and the wire benchmarks run, against Skyport or
// any other emulator, and against Ceiling — a bare net/http handler that
// answers canned SQS responses — to tell the server's cost from the client's.
package bench

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// Config says what to drive and how hard.
type Config struct {
	Endpoint string        // e.g. http://127.0.0.1:4566
	Queue    string        // queue name; created when missing
	Clients  int           // concurrent SDK callers
	Duration time.Duration // how long each scenario runs
	Size     int           // message body bytes
}

// Result is one scenario's measurement.
type Result struct {
	Scenario string
	Clients  int
	Calls    int64
	Messages int64
	Errors   int64
	Elapsed  time.Duration
	P50, P99 time.Duration // per call, or send→receive for the latency scenario
	FirstErr error         // the first failed call's error, if any
}

// MessagesPerSecond is the message rate of the run.
func (r Result) MessagesPerSecond() float64 { return float64(r.Messages) / r.Elapsed.Seconds() }

// CallsPerSecond is the call rate of the run.
func (r Result) CallsPerSecond() float64 { return float64(r.Calls) / r.Elapsed.Seconds() }

func (r Result) String() string {
	s := fmt.Sprintf("%-16s clients=%-3d msgs/s=%-9.0f calls/s=%-9.0f p50=%-9s p99=%-9s errors=%d",
		r.Scenario, r.Clients, r.MessagesPerSecond(), r.CallsPerSecond(), r.P50, r.P99, r.Errors)
	if r.FirstErr != nil {
		s += "\n  first error: " + r.FirstErr.Error()
	}
	return s
}

// NewClient returns an SQS client for endpoint with dummy credentials.
func NewClient(endpoint string, clients int) *sqs.Client {
	return sqs.New(sqs.Options{
		HTTPClient:   sdkhttp.Client(),
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		// The SDK's default retryer would hide throttling and errors.
		RetryMaxAttempts: 1,
	})
}

// Runner runs scenarios against one endpoint.
type Runner struct {
	cfg    Config
	client *sqs.Client
	url    string
	body   string
}

// NewRunner creates the queue if needed and returns a runner.
func NewRunner(ctx context.Context, cfg Config) (*Runner, error) {
	if cfg.Clients < 1 {
		cfg.Clients = 1
	}
	if cfg.Size < 1 {
		cfg.Size = 256
	}
	if cfg.Queue == "" {
		cfg.Queue = "bench"
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 2 * time.Second
	}
	c := NewClient(cfg.Endpoint, cfg.Clients)
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(cfg.Queue)})
	if err != nil {
		return nil, fmt.Errorf("create queue %s at %s: %w", cfg.Queue, cfg.Endpoint, err)
	}
	return &Runner{cfg: cfg, client: c, url: *out.QueueUrl, body: strings.Repeat("x", cfg.Size)}, nil
}

// QueueURL is the URL of the benchmark queue.
func (r *Runner) QueueURL() string { return r.url }

// run calls op from cfg.Clients goroutines for cfg.Duration; op returns how
// many messages one call moved.
func (r *Runner) run(ctx context.Context, name string, clients int, op func(ctx context.Context) (int, error)) Result {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	var calls, msgs, errs atomic.Int64
	var firstErr atomic.Pointer[error]
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	began := time.Now()
	var drained atomic.Bool // an op said errDrained: finish the calls under way, start no more
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for ctx.Err() == nil && !drained.Load() {
				t0 := time.Now()
				n, err := op(ctx)
				if err == errDrained {
					drained.Store(true)
					return
				}
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, &err)
					continue
				}
				lat[i] = append(lat[i], time.Since(t0))
				calls.Add(1)
				msgs.Add(int64(n))
			}
		}(i)
	}
	wg.Wait()
	res := Result{Scenario: name, Clients: clients, Calls: calls.Load(), Messages: msgs.Load(), Errors: errs.Load(), Elapsed: time.Since(began)}
	res.P50, res.P99 = percentiles(lat)
	if e := firstErr.Load(); e != nil {
		res.FirstErr = *e
	}
	return res
}

func percentiles(per [][]time.Duration) (p50, p99 time.Duration) {
	var all []time.Duration
	for _, l := range per {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return 0, 0
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all[len(all)/2], all[min(len(all)-1, len(all)*99/100)]
}

// Send measures SendMessage.
func (r *Runner) Send(ctx context.Context) Result {
	return r.run(ctx, "send", r.cfg.Clients, func(ctx context.Context) (int, error) {
		_, err := r.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &r.url, MessageBody: &r.body})
		return 1, err
	})
}

func (r *Runner) batch() []types.SendMessageBatchRequestEntry {
	entries := make([]types.SendMessageBatchRequestEntry, 10)
	for i := range entries {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: &r.body}
	}
	return entries
}

// SendBatch measures SendMessageBatch of 10.
func (r *Runner) SendBatch(ctx context.Context) Result {
	entries := r.batch()
	return r.run(ctx, "send-batch", r.cfg.Clients, func(ctx context.Context) (int, error) {
		out, err := r.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &r.url, Entries: entries})
		if err != nil {
			return 0, err
		}
		return len(out.Successful), nil
	})
}

// Fill sends n messages in batches (setup for ReceiveDelete).
func (r *Runner) Fill(ctx context.Context, n int) error {
	entries := r.batch()
	for sent := 0; sent < n; sent += 10 {
		if _, err := r.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &r.url, Entries: entries}); err != nil {
			return err
		}
	}
	return nil
}

// errDrained ends a run early, once the calls under way are done: the queue
// it drains is empty.
var errDrained = errors.New("drained")

// ReceiveDelete measures the drain rate: Receive(10) then DeleteMessageBatch.
// The run ends at the first empty receive, since the rate of receiving from
// an empty queue is not a drain rate (a fill smaller than the run could
// drain would otherwise cap the result at fill/duration).
func (r *Runner) ReceiveDelete(ctx context.Context) Result {
	return r.run(ctx, "receive-delete", r.cfg.Clients, func(ctx context.Context) (int, error) {
		out, err := r.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &r.url, MaxNumberOfMessages: 10})
		if err != nil {
			return 0, err
		}
		if len(out.Messages) == 0 {
			return 0, errDrained
		}
		entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
		for i, m := range out.Messages {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
		}
		_, err = r.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &r.url, Entries: entries})
		return len(out.Messages), err
	})
}

// Latency sends rate messages per second from one client while another
// long-polls, and reports send→receive latency percentiles.
func (r *Runner) Latency(ctx context.Context, rate int) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Duration+2*time.Second)
	defer cancel()
	sentAt := sync.Map{}
	var lats []time.Duration
	done := make(chan error, 1)
	total := int(r.cfg.Duration.Seconds() * float64(rate))
	go func() {
		received := 0
		for received < total && ctx.Err() == nil {
			out, err := r.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &r.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 20})
			if err != nil {
				done <- err
				return
			}
			now := time.Now()
			for _, m := range out.Messages {
				if t0, ok := sentAt.Load(*m.Body); ok {
					lats = append(lats, now.Sub(t0.(time.Time)))
					received++
				}
				r.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &r.url, ReceiptHandle: m.ReceiptHandle})
			}
		}
		done <- nil
	}()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	began := time.Now()
	for i := 0; i < total; i++ {
		<-tick.C
		body := "lat-" + strconv.Itoa(i)
		sentAt.Store(body, time.Now())
		if _, err := r.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &r.url, MessageBody: &body}); err != nil {
			return Result{}, err
		}
	}
	if err := <-done; err != nil {
		return Result{}, err
	}
	res := Result{Scenario: "latency", Clients: 1, Calls: int64(total), Messages: int64(len(lats)), Elapsed: time.Since(began)}
	res.P50, res.P99 = percentiles([][]time.Duration{lats})
	return res, nil
}
