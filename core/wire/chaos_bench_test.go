package wire_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/wire"
)

// BenchmarkSQSSendChaos measures a SendMessage through the router (no
// network, in-memory core) with chaos off, with a policy on another queue,
// and with a policy on this queue that never acts (a throttle no client
// reaches), to show what the chaos check costs on the send path: the
// allocations must stay the same in all three (the time is the store's).
func BenchmarkSQSSendChaos(b *testing.B) {
	for _, bc := range []struct {
		name   string
		policy *chaos.Policy
	}{
		{"off", nil},
		{"policy-on-another-queue", &chaos.Policy{Kind: chaos.Queue, Name: "other", Fail: 1}},
		{"policy-on-this-queue", &chaos.Policy{Kind: chaos.Queue, Name: "orders", Throttle: chaos.MaxThrottle}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := core.Open(core.Config{Memory: true})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			for _, q := range []string{"orders", "other"} {
				if err := c.Queues().CreateQueue(ctx, q, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
			if bc.policy != nil {
				if err := c.Chaos().Set(*bc.policy); err != nil {
					b.Fatal(err)
				}
			}
			r := wire.NewRouter(c, func() string { return "http://127.0.0.1:4566" })
			body := `{"QueueUrl":"http://127.0.0.1:4566/000000000000/orders","MessageBody":"hello"}`
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
				req.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
				req.Header.Set("Content-Type", "application/x-amz-json-1.0")
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
