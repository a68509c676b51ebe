package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWrite measures acknowledged single-row inserts through the
// group-commit writer on a file database, per durability and writer count.
func BenchmarkWrite(b *testing.B) {
	for _, d := range []Durability{Full, Relaxed} {
		for _, writers := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/writers=%d", d, writers), func(b *testing.B) {
				benchmarkWrite(b, d, writers)
			})
		}
	}
}

func benchmarkWrite(b *testing.B, d Durability, writers int) {
	cfg := fileConfig(b)
	cfg.Durability = d
	s := openKV(b, cfg)
	var next atomic.Int64
	var wg sync.WaitGroup
	before := s.Stats()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range writers {
		wg.Go(func() {
			for id := next.Add(1); id <= int64(b.N); id = next.Add(1) {
				if err := insert(context.Background(), s, int(id)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	after := s.Stats()
	commits := after.Commits - before.Commits
	if commits > 0 {
		b.ReportMetric(float64(after.Ops-before.Ops)/float64(commits), "ops/batch")
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
}
