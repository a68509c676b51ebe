package core_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/queue"
)

// TestChaosRoute: a route with chaos fails with 500 without calling its
// integration, is throttled with 429, and answers late with a delay.
func TestChaosRoute(t *testing.T) {
	clk := clock.NewFrozen(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c, err := core.Open(core.Config{Memory: true, GatewayAnyPort: true, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	info, err := c.Gateway().CreateAPI(ctx, gateway.API{Name: "shop", Routes: []gateway.Route{
		{Key: "POST /orders", Integration: gateway.Integration{Type: gateway.Queue, Target: "orders"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	post := func() (int, string) {
		res, err := http.Post(info.URL+"/orders", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	name := core.ChaosRouteName("shop", "POST /orders")
	if err := c.Chaos().Set(chaos.Policy{Kind: chaos.Route, Name: "shop GET /nope", Fail: 1}); !errors.Is(err, chaos.ErrNotFound) {
		t.Fatalf("unknown route: %v", err)
	}
	if err := c.Chaos().Set(chaos.Policy{Kind: chaos.Route, Name: name, Fail: 1}); err != nil {
		t.Fatal(err)
	}
	if status, body := post(); status != 500 || body != `{"message":"Internal server error"}` {
		t.Fatalf("fail: %d %s", status, body)
	}
	if msgs, _ := c.Queues().ReceiveMessage(ctx, "orders", queue.ReceiveInput{MaxNumberOfMessages: 10}); len(msgs) != 0 {
		t.Fatalf("a failed request reached the queue: %v", msgs)
	}
	if err := c.Chaos().Set(chaos.Policy{Kind: chaos.Route, Name: name, Throttle: 1, Delay: chaos.Delay{Min: 200 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if status, body := post(); status != 200 || time.Since(began) < 200*time.Millisecond {
		t.Fatalf("admitted: %d %s after %s", status, body, time.Since(began))
	}
	if status, body := post(); status != 429 || body != `{"message":"Too Many Requests"}` {
		t.Fatalf("throttled: %d %s", status, body)
	}
}
