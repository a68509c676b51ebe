package wire_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/skyport-dev/skyport/core"
)

// TestShutdownClosesUnusedConnections: a connection that never sends a
// request (as net/http's Transport leaves one when a dial it started for a
// request loses the race to a connection that freed up) must not hold
// Shutdown. net/http counts such a connection as idle only once it is 5 s
// old, so Shutdown took 5–6 s (every SDK test and bench drain on a fast
// core risked it, and so did stopping the server).
func TestShutdownClosesUnusedConnections(t *testing.T) {
	e := start(t, core.Config{})
	if _, err := e.sqs.ListQueues(e.ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatal(err)
	}
	unused := make([]net.Conn, 3)
	for i := range unused {
		c, err := net.Dial("tcp", e.srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		unused[i] = c
	}
	time.Sleep(50 * time.Millisecond) // let the server accept them (if not, closing the listener drops them)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	err := e.srv.Shutdown(ctx)
	e.srv = nil // shut down: the cleanup only closes the core
	e.core.Close()
	if err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if took := time.Since(began); took > time.Second {
		t.Fatalf("Shutdown took %v with connections that never sent a request", took)
	}
	for i, c := range unused {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := c.Read(make([]byte, 1))
		if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("unused connection %d still open after Shutdown (read: %v)", i, err)
		}
	}
}
