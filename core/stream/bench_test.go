package stream

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/store"
)

func benchService(b *testing.B) *Service { return benchServiceWith(b, store.Full) }

func benchServiceWith(b *testing.B, d store.Durability) *Service {
	b.Helper()
	st, err := store.Open(store.Config{Path: b.TempDir() + "/bench.db", Durability: d})
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(Config{Store: st, Clock: clock.New()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(); st.Close() })
	if err := s.Create(context.Background(), CreateInput{Name: "bench", ShardCount: 4}); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkServicePutRecords appends batches of 500 × 1 KiB through the
// service API (no HTTP), durable.
func BenchmarkServicePutRecords(b *testing.B) {
	s := benchService(b)
	batch := make([]PutInput, 500)
	for i := range batch {
		batch[i] = PutInput{PartitionKey: fmt.Sprint(i), Data: make([]byte, 1024)}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.PutRecords(context.Background(), "bench", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkServicePutRecordsRelaxed is BenchmarkServicePutRecords with
// relaxed durability (no fsync per commit), to tell disk from CPU cost.
func BenchmarkServicePutRecordsRelaxed(b *testing.B) {
	s := benchServiceWith(b, store.Relaxed)
	batch := make([]PutInput, 500)
	for i := range batch {
		batch[i] = PutInput{PartitionKey: fmt.Sprint(i), Data: make([]byte, 1024)}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.PutRecords(context.Background(), "bench", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkServicePutRecordsWhileReading is BenchmarkServicePutRecords
// (durable, 500 × 1 KiB) while consumers read the oldest data of a stream
// holding 200,000 records. The readers are switched on and off every
// 250 ms during one run, and each batch's time is booked to the state it
// ran in, so "write-ratio" (records/s with readers ÷ without) compares
// like with like even on a machine whose load changes from second to
// second:
//
//   - quota-reader: one consumer per shard at Kinesis's per-shard read
//     quota (2 MiB/s: one 2,048-record call a second) from TRIM_HORIZON,
//     as consumers catching up on old data do;
//   - tight-reader: one goroutine reading old 2,048-record pages back to
//     back, as fast as it can.
//
// Reads use the store's read pool and WAL snapshots, never the writer, so
// the quota readers should cost writes almost nothing; the tight reader
// takes CPU the writer would use, which is all it takes on 2 cores.
func BenchmarkServicePutRecordsWhileReading(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	batch := make([]PutInput, 500)
	for i := range batch {
		batch[i] = PutInput{PartitionKey: fmt.Sprint(i), Data: make([]byte, 1024)}
	}
	for i := 0; i < 400; i++ { // 200,000 old records, 50,000 a shard
		if _, err := s.PutRecords(ctx, "bench", batch); err != nil {
			b.Fatal(err)
		}
	}
	// reader reads shard sh from its oldest record, page by page, pausing
	// between calls while on is set, until stop closes.
	reader := func(sh int, pause time.Duration, on *atomic.Bool, stop <-chan struct{}, read *atomic.Int64) {
		shard := shardName(sh)
		var after string
		for {
			select {
			case <-stop:
				return
			case <-time.After(pause):
			}
			if !on.Load() {
				continue
			}
			in := IteratorInput{Stream: "bench", ShardID: shard, Type: TrimHorizon}
			if after != "" {
				in = IteratorInput{Stream: "bench", ShardID: shard, Type: AfterSequenceNumber, Sequence: after}
			}
			g, err := s.Read(ctx, in, 2048) // 2 MiB of 1 KiB records
			if err != nil {
				b.Error(err)
				return
			}
			read.Add(int64(len(g.Records)))
			if n := len(g.Records); n == 2048 {
				after = g.Records[n-1].SequenceNumber
			} else {
				after = "" // caught up with old data: start over from the oldest
			}
		}
	}
	for _, c := range []struct {
		name    string
		readers int
		pause   time.Duration
	}{
		{"quota-reader", 4, time.Second},
		{"tight-reader", 1, time.Millisecond},
	} {
		b.Run(c.name, func(b *testing.B) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var on atomic.Bool
			var read atomic.Int64
			for r := 0; r < c.readers; r++ {
				wg.Add(1)
				go func() { defer wg.Done(); reader(r, c.pause, &on, stop, &read) }()
			}
			var spent [2]time.Duration // without, with readers
			var batches [2]int
			flip := time.Now().Add(250 * time.Millisecond)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				state := 0
				if on.Load() {
					state = 1
				}
				t0 := time.Now()
				if _, err := s.PutRecords(ctx, "bench", batch); err != nil {
					b.Fatal(err)
				}
				spent[state] += time.Since(t0)
				batches[state]++
				if t := time.Now(); t.After(flip) {
					on.Store(!on.Load())
					flip = t.Add(250 * time.Millisecond)
				}
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			rate := func(i int) float64 { return float64(batches[i]*500) / spent[i].Seconds() }
			if batches[0] > 0 && batches[1] > 0 {
				b.ReportMetric(rate(0), "records/s-alone")
				b.ReportMetric(rate(1), "records/s-reading")
				b.ReportMetric(rate(1)/rate(0), "write-ratio")
				b.ReportMetric(float64(read.Load())*1024/(1<<20)/spent[1].Seconds(), "read-MiB/s")
			}
		})
	}
}

// BenchmarkServiceGetRecords reads 10,000-record pages of 1 KiB from a
// shard holding 1,000,000 records, through the Go API (no HTTP), at the
// head and at the tail: the index makes both cost the same.
func BenchmarkServiceGetRecords(b *testing.B) {
	const total, page = 1_000_000, 10_000
	s := benchServiceWith(b, store.Relaxed)
	ctx := context.Background()
	batch := make([]PutInput, 500)
	for i := range batch {
		batch[i] = PutInput{PartitionKey: fmt.Sprint(i), ExplicitHashKey: "0", Data: make([]byte, 1024)}
	}
	var first []string
	for i := 0; i < total/500; i++ {
		res, err := s.PutRecords(ctx, "bench", batch)
		if err != nil {
			b.Fatal(err)
		}
		first = append(first, res[0].SequenceNumber)
	}
	for _, c := range []struct {
		name string
		in   IteratorInput
	}{
		{"head", IteratorInput{Type: TrimHorizon}},
		{"tail", IteratorInput{Type: AtSequenceNumber, Sequence: first[len(first)-page/500]}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.in.Stream, c.in.ShardID = "bench", "shardId-000000000000"
			for i := 0; i < b.N; i++ {
				g, err := s.Read(ctx, c.in, page)
				if err != nil || len(g.Records) != page {
					b.Fatalf("Read: %v", err)
				}
			}
			b.ReportMetric(float64(b.N*page*1024)/b.Elapsed().Seconds()/(1<<20), "MiB/s")
		})
	}
}
