package stream

import (
	"context"
	"fmt"
	"testing"

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

// BenchmarkServicePutRecordsWhileReading is BenchmarkServicePutRecords with
// a reader draining the oldest data of every shard in a loop at the same
// time: reads use their own connections, so writes should not slow much.
func BenchmarkServicePutRecordsWhileReading(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	batch := make([]PutInput, 500)
	for i := range batch {
		batch[i] = PutInput{PartitionKey: fmt.Sprint(i), Data: make([]byte, 1024)}
	}
	for i := 0; i < 40; i++ { // 20,000 old records to read
		if _, err := s.PutRecords(ctx, "bench", batch); err != nil {
			b.Fatal(err)
		}
	}
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		reads := 0
		for {
			for sh := 0; sh < 4; sh++ {
				select {
				case <-stop:
					done <- reads
					return
				default:
				}
				g, err := s.Read(ctx, IteratorInput{Stream: "bench", ShardID: shardName(sh), Type: TrimHorizon}, 10000)
				if err == nil {
					reads += len(g.Records)
				}
			}
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.PutRecords(ctx, "bench", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	reads := <-done
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(reads)/b.Elapsed().Seconds(), "read-records/s")
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
