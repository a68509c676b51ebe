package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
)

// TestServiceScenariosAgainstInProcessCore runs the SNS, Kinesis and Step
// Functions scenarios briefly against an in-memory core on loopback.
func TestServiceScenariosAgainstInProcessCore(t *testing.T) {
	c, url := serveCore(t, core.Config{Memory: true})
	ctx := context.Background()
	r, err := NewRunner(ctx, Config{Endpoint: url, Queue: "svc", Clients: 2, Duration: 200 * time.Millisecond, Size: 64})
	if err != nil {
		t.Fatal(err)
	}
	scenarios := map[string]func() (Result, error){
		"publish-fanout": func() (Result, error) { return r.PublishFanOut(ctx, 3) },
		"put-records":    func() (Result, error) { return r.PutRecords(ctx) },
		"transitions":    func() (Result, error) { return r.Transitions(ctx) },
	}
	for name, run := range scenarios {
		res, err := run()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Errors != 0 || res.Calls == 0 || res.Messages == 0 {
			t.Fatalf("%s: %s", name, res)
		}
	}
	// Fan-out really delivered: each publish lands in every queue.
	n, err := c.Queues().GetQueueAttributes("svc-fan-2", []string{"ApproximateNumberOfMessages"})
	if err != nil {
		t.Fatal(err)
	}
	if n["ApproximateNumberOfMessages"] == "0" {
		t.Fatalf("fan-out queue is empty: %v", n)
	}
}

// TestReceiveDeleteEndsWhenDrained: the drain scenario stops at the first
// empty receive and rates the messages over the time it took to drain them,
// not over the whole run (which would cap the rate at fill/duration).
func TestReceiveDeleteEndsWhenDrained(t *testing.T) {
	testDrain(t, core.Config{DataPath: filepath.Join(t.TempDir(), "drain.db")})
}

// TestReceiveDeleteEndsWhenDrainedMemory is the same drain on a memory
// store (which served it fast enough for the SDK's HTTP client to leave an
// unused connection that held the listener's Shutdown for 5 s).
func TestReceiveDeleteEndsWhenDrainedMemory(t *testing.T) {
	testDrain(t, core.Config{Memory: true})
}

func testDrain(t *testing.T, cfg core.Config) {
	c, url := serveCore(t, cfg)
	ctx := context.Background()
	r, err := NewRunner(ctx, Config{Endpoint: url, Queue: "drain", Clients: 4, Duration: time.Minute, Size: 64})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Fill(ctx, 500); err != nil {
		t.Fatal(err)
	}
	res := r.ReceiveDelete(ctx)
	if res.Errors != 0 || res.Messages != 500 {
		t.Fatalf("drained %d of 500 messages, %d errors (%v)", res.Messages, res.Errors, res.FirstErr)
	}
	if res.Elapsed >= 30*time.Second {
		t.Fatalf("the drain ran for %v: it did not end when the queue was empty", res.Elapsed)
	}
	if n, _ := c.Queues().GetQueueAttributes("drain", []string{"ApproximateNumberOfMessages"}); n["ApproximateNumberOfMessages"] != "0" {
		t.Fatalf("left behind: %v", n)
	}
}

// serveCore opens a core and serves it on loopback until the test ends; a
// listener that takes over 2 s to shut down fails the test.
func serveCore(t *testing.T, cfg core.Config) (*core.Core, string) {
	t.Helper()
	c, err := core.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	srv, err := wire.Listen(c, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		began := time.Now()
		srv.Shutdown(context.Background())
		if took := time.Since(began); took > 2*time.Second {
			t.Errorf("the listener took %v to shut down", took)
		}
	})
	return c, srv.URL()
}
