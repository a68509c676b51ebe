package stream

import (
	"context"
	"fmt"
	"testing"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/store"
)

func benchService(b *testing.B) *Service {
	b.Helper()
	st, err := store.Open(store.Config{Path: b.TempDir() + "/bench.db"})
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
