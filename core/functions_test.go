package core_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/queue"
)

var (
	sqsHandlerOnce sync.Once
	sqsHandlerBin  string
	sqsHandlerOut  []byte
	sqsHandlerErr  error
)

// sqsHandler builds testdata/sqshandler (an aws-lambda-go handler for SQS
// events) once per test binary.
func sqsHandler(tb testing.TB) string {
	tb.Helper()
	sqsHandlerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skyport-sqshandler-")
		if err != nil {
			sqsHandlerErr = err
			return
		}
		sqsHandlerBin = filepath.Join(dir, "handler")
		sqsHandlerOut, sqsHandlerErr = exec.Command("go", "build", "-o", sqsHandlerBin, "./testdata/sqshandler").CombinedOutput()
	})
	if sqsHandlerErr != nil {
		tb.Fatalf("go build testdata/sqshandler: %v\n%s", sqsHandlerErr, sqsHandlerOut)
	}
	return sqsHandlerBin
}

func openCore(tb testing.TB, clk *clock.Clock) *core.Core {
	tb.Helper()
	c, err := core.Open(core.Config{Memory: true, Clock: clk})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func queueCounts(t *testing.T, q *queue.Service, name string) (visible, inFlight int) {
	t.Helper()
	attrs, err := q.GetQueueAttributes(name, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"})
	if err != nil {
		t.Fatal(err)
	}
	visible, _ = strconv.Atoi(attrs["ApproximateNumberOfMessages"])
	inFlight, _ = strconv.Atoi(attrs["ApproximateNumberOfMessagesNotVisible"])
	return visible, inFlight
}

func mappingOf(t *testing.T, c *core.Core, uuid string) function.Mapping {
	t.Helper()
	m, err := c.Functions().GetEventSourceMapping(uuid)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestQueueToFunctionPartialFailuresAndDLQ(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFrozen(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	c := openCore(t, clk)
	q := c.Queues()
	if err := q.CreateQueue(ctx, "dlq", nil, nil); err != nil {
		t.Fatal(err)
	}
	redrive := `{"deadLetterTargetArn":"` + q.ARN("dlq") + `","maxReceiveCount":"2"}`
	if err := q.CreateQueue(ctx, "work", map[string]string{"VisibilityTimeout": "30", "RedrivePolicy": redrive}, nil); err != nil {
		t.Fatal(err)
	}
	bodies := []string{"ok-1", "fail-1", "ok-2", "fail-2", "ok-3"}
	for _, b := range bodies {
		if _, err := q.SendMessage(ctx, "work", queue.SendInput{Body: b}); err != nil {
			t.Fatal(err)
		}
	}
	fns := c.Functions()
	if err := fns.CreateFunction(ctx, function.Definition{Name: "consumer", Command: []string{sqsHandler(t)},
		Mode: function.Warm, Timeout: 60 * time.Second}); err != nil {
		t.Fatal(err)
	}
	uuid, err := fns.CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: "consumer",
		EventSourceArn: q.ARN("work"), FunctionResponseTypes: []string{function.ReportBatchItemFailures}})
	if err != nil {
		t.Fatal(err)
	}
	settled := func(processed, failed uint64) func() bool {
		return func() bool {
			m := mappingOf(t, c, uuid)
			vis, inFlight := queueCounts(t, q, "work")
			return m.Processed == processed && m.Failed == failed && vis == 0 && inFlight == 2
		}
	}
	waitFor(t, settled(3, 2), "the three good messages deleted, the two bad ones in flight")
	clk.Advance(31 * time.Second) // the failed ones come back (receive 2 of 2)
	waitFor(t, settled(3, 4), "the failed messages to fail a second time")
	clk.Advance(31 * time.Second) // past maxReceiveCount: on to the DLQ
	waitFor(t, func() bool {
		vis, inFlight := queueCounts(t, q, "work")
		dvis, _ := queueCounts(t, q, "dlq")
		return vis == 0 && inFlight == 0 && dvis == 2
	}, "the failed messages to reach the dead-letter queue")
	peeked, err := q.Peek("dlq", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range peeked {
		got = append(got, m.Body)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"fail-1", "fail-2"}) {
		t.Fatalf("dead-letter queue holds %q", got)
	}
	if m := mappingOf(t, c, uuid); m.Processed != 3 || m.State != "Enabled" {
		t.Fatalf("mapping %+v", m)
	}
}

func TestQueueToFunctionKeepsRunningBatchInvisible(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFrozen(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	c := openCore(t, clk)
	q := c.Queues()
	if err := q.CreateQueue(ctx, "slow", map[string]string{"VisibilityTimeout": "30"}, nil); err != nil {
		t.Fatal(err)
	}
	gate := filepath.Join(t.TempDir(), "gate")
	if _, err := q.SendMessage(ctx, "slow", queue.SendInput{Body: "gate:" + gate}); err != nil {
		t.Fatal(err)
	}
	fns := c.Functions()
	if err := fns.CreateFunction(ctx, function.Definition{Name: "slow", Command: []string{sqsHandler(t)},
		Mode: function.Warm, Timeout: 300 * time.Second}); err != nil {
		t.Fatal(err)
	}
	sub := c.Events(256)
	defer sub.Close()
	uuid, err := fns.CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: "slow", EventSourceArn: q.ARN("slow")})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return fns.List()[0].Running == 1 }, "the function to start")
	// Advance the clock in small steps, giving the mapping's extender (a
	// timer on the clock, every half visibility timeout) time to act after
	// each, until it has extended three times and 60 s (twice the
	// visibility timeout) have passed. Small steps keep the test
	// independent of when the extender armed its timer.
	extensions, advanced := 0, time.Duration(0)
	for extensions < 3 || advanced < 60*time.Second {
		if advanced > 10*time.Minute {
			t.Fatalf("the visibility was extended %d times in %s", extensions, advanced)
		}
		clk.Advance(5 * time.Second)
		advanced += 5 * time.Second
		deadline := time.After(200 * time.Millisecond)
	drain:
		for {
			select {
			case e := <-sub.C:
				if e.Kind == function.VisibilityExtended {
					extensions++
				}
			case <-deadline:
				break drain
			}
		}
	}
	if vis, inFlight := queueCounts(t, q, "slow"); vis != 0 || inFlight != 1 {
		t.Fatalf("after 60 s of a 30 s visibility timeout: %d visible, %d in flight", vis, inFlight)
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		vis, inFlight := queueCounts(t, q, "slow")
		return vis == 0 && inFlight == 0 && mappingOf(t, c, uuid).Processed == 1
	}, "the message to be processed and deleted")
	if n := fns.List()[0].Invocations; n != 1 {
		t.Fatalf("%d invocations, want 1 (no redelivery while running)", n)
	}
}

func TestEventSourceMappingValidation(t *testing.T) {
	ctx := context.Background()
	c := openCore(t, clock.NewFrozen(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)))
	q, fns := c.Queues(), c.Functions()
	if err := q.CreateQueue(ctx, "src", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := q.CreateQueue(ctx, "src.fifo", map[string]string{"FifoQueue": "true"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := fns.CreateFunction(ctx, function.Definition{Name: "fn", Command: []string{"cat"}}); err != nil {
		t.Fatal(err)
	}
	two := 2
	cases := []struct {
		name string
		cfg  function.MappingConfig
		code function.Code
	}{
		{"no function", function.MappingConfig{FunctionName: "nope", EventSourceArn: q.ARN("src")}, function.ResourceNotFound},
		{"no queue", function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("missing")}, function.InvalidParameterValue},
		{"bad arn", function.MappingConfig{FunctionName: "fn", EventSourceArn: "arn:aws:s3:::bucket"}, function.InvalidParameterValue},
		{"batch too big", function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("src"), BatchSize: 10001, MaximumBatchingWindow: time.Second}, function.InvalidParameterValue},
		{"batch over 10 without window", function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("src"), BatchSize: 11}, function.InvalidParameterValue},
		{"fifo batch over 10", function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("src.fifo"), BatchSize: 11, MaximumBatchingWindow: time.Second}, function.InvalidParameterValue},
		{"window too long", function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("src"), MaximumBatchingWindow: 301 * time.Second}, function.InvalidParameterValue},
		{"retries on a queue", function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("src"), MaximumRetryAttempts: &two}, function.InvalidParameterValue},
		{"bad response type", function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("src"), FunctionResponseTypes: []string{"Everything"}}, function.InvalidParameterValue},
		{"streams not wired", function.MappingConfig{FunctionName: "fn", EventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", StartingPosition: function.Latest}, function.InvalidParameterValue},
	}
	for _, tc := range cases {
		_, err := fns.CreateEventSourceMapping(ctx, tc.cfg)
		if !isFunctionCode(err, tc.code) {
			t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code)
		}
	}
	uuid, err := fns.CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("src"),
		BatchSize: 10000, MaximumBatchingWindow: 5 * time.Second, Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fns.CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: "fn", EventSourceArn: q.ARN("src")}); err == nil {
		t.Fatal("a second mapping of the same function and queue was accepted")
	}
	if m := mappingOf(t, c, uuid); m.State != "Disabled" || m.BatchSize != 10000 {
		t.Fatalf("mapping %+v", m)
	}
	if _, err := q.SendMessage(ctx, "src", queue.SendInput{Body: `{"waiting":true}`}); err != nil {
		t.Fatal(err)
	}
	if err := fns.UpdateEventSourceMapping(ctx, function.MappingConfig{UUID: uuid, BatchSize: 20}); !isFunctionCode(err, function.InvalidParameterValue) {
		t.Fatalf("update to batch 20 without a window: %v", err)
	}
	if err := fns.UpdateEventSourceMapping(ctx, function.MappingConfig{UUID: uuid, BatchSize: 5}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return mappingOf(t, c, uuid).Processed == 1 }, "the enabled mapping to process the waiting message")
	if m := mappingOf(t, c, uuid); m.State != "Enabled" || m.BatchSize != 5 || m.EventSourceArn != q.ARN("src") || m.LastProcessingResult != "OK" {
		t.Fatalf("after update %+v", m)
	}
	if err := fns.DeleteFunction(ctx, "fn"); err != nil {
		t.Fatal(err)
	}
	if _, err := fns.GetEventSourceMapping(uuid); err == nil {
		t.Fatal("deleting the function kept its mapping")
	}
}

func isFunctionCode(err error, code function.Code) bool {
	fe, ok := err.(*function.Error)
	return ok && fe.Code == code
}
