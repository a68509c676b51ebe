package flow

import (
	"context"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/queue"
)

func gatewayCall(method, path, body string) gateway.CallInput {
	return gateway.CallInput{Method: method, Path: path, Headers: map[string]string{"content-type": "application/json"}, Body: []byte(body)}
}

// pollQueue receives from a queue until a message arrives or 10 s pass.
func pollQueue(t *testing.T, c *core.Core, name string) []queue.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		wait := 1
		msgs, err := c.Queues().ReceiveMessage(context.Background(), name, queue.ReceiveInput{MaxNumberOfMessages: 10, WaitTimeSeconds: &wait})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) > 0 {
			return msgs
		}
	}
	t.Fatalf("queue %s: no message within 10 s", name)
	return nil
}
