package core_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/queue"
)

// BenchmarkQueueToFunction measures messages/s a queue → function mapping
// processes (receive, invoke a warm aws-lambda-go handler, delete) once
// b.N messages are queued, for a few batch sizes.
func BenchmarkQueueToFunction(b *testing.B) {
	for _, bc := range []struct {
		batch  int
		window time.Duration
	}{{1, 0}, {10, 0}, {100, time.Second}} {
		b.Run("batch"+strconv.Itoa(bc.batch), func(b *testing.B) {
			benchmarkQueueToFunction(b, bc.batch, bc.window)
		})
	}
}

func benchmarkQueueToFunction(b *testing.B, batch int, window time.Duration) {
	ctx := context.Background()
	c := openCore(b, clock.New())
	q, fns := c.Queues(), c.Functions()
	if err := q.CreateQueue(ctx, "bench", nil, nil); err != nil {
		b.Fatal(err)
	}
	if err := fns.CreateFunction(ctx, function.Definition{Name: "consumer", Command: []string{sqsHandler(b)}, Mode: function.Warm}); err != nil {
		b.Fatal(err)
	}
	entries := make([]queue.SendBatchEntry, 10)
	for i := range entries {
		entries[i] = queue.SendBatchEntry{ID: strconv.Itoa(i), SendInput: queue.SendInput{Body: `{"order":` + strconv.Itoa(i) + `}`}}
	}
	for sent := 0; sent < b.N; sent += 10 {
		if _, err := q.SendMessageBatch(ctx, "bench", entries[:min(10, b.N-sent)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	uuid, err := fns.CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: "consumer",
		EventSourceArn: q.ARN("bench"), BatchSize: batch, MaximumBatchingWindow: window})
	if err != nil {
		b.Fatal(err)
	}
	for {
		m, err := fns.GetEventSourceMapping(uuid)
		if err != nil {
			b.Fatal(err)
		}
		if m.Processed >= uint64(b.N) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
