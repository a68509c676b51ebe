package function

import (
	"context"
	"runtime"
	"testing"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/store"
)

// benchService is a function service on a real clock and a memory store.
func benchService(b *testing.B) *Service {
	b.Helper()
	st, err := store.Open(store.Config{Memory: true})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: clock.New()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close(); st.Close() })
	return svc
}

// BenchmarkWarmInvoke measures the latency of invoking a warm aws-lambda-go
// handler through the Runtime API (one caller), and throughput with 16
// concurrent callers over up to 16 warm processes.
func BenchmarkWarmInvoke(b *testing.B) {
	svc := benchService(b)
	ctx := context.Background()
	if err := svc.CreateFunction(ctx, Definition{Name: "warm", Command: []string{warmHandler(b)}, Mode: Warm}); err != nil {
		b.Fatal(err)
	}
	invoke := func(b *testing.B) {
		res, err := svc.InvokeWhenFree(ctx, "warm", []byte(`{"echo":"x"}`))
		if err != nil || res.Failed() {
			b.Fatalf("%v %s", err, res.Payload)
		}
	}
	for range 16 { // warm up
		invoke(b)
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			invoke(b)
		}
	})
	b.Run("parallel16", func(b *testing.B) {
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				invoke(b)
			}
		})
	})
}

// BenchmarkPerEventInvoke measures starting a process per event (sh -c cat).
func BenchmarkPerEventInvoke(b *testing.B) {
	svc := benchService(b)
	ctx := context.Background()
	if err := svc.CreateFunction(ctx, shell("cat", "cat")); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := svc.Invoke(ctx, "cat", []byte(`{"echo":"x"}`))
		if err != nil || res.Failed() {
			b.Fatalf("%v %s", err, res.Payload)
		}
	}
}
