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
	"github.com/skyport-dev/skyport/core/topic"
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

// TestChaosQueueAppliesToEveryProducer: a queue's policy acts on messages
// that topics and API routes send into it, not only on SDK sends.
func TestChaosQueueAppliesToEveryProducer(t *testing.T) {
	c, err := core.Open(core.Config{Memory: true, GatewayAnyPort: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	arn, err := c.Topics().CreateTopic(ctx, "news", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Topics().Subscribe(ctx, arn, "sqs", c.Queues().ARN("orders"), map[string]string{"RawMessageDelivery": "true"}, true); err != nil {
		t.Fatal(err)
	}
	info, err := c.Gateway().CreateAPI(ctx, gateway.API{Name: "shop", Routes: []gateway.Route{
		{Key: "POST /orders", Integration: gateway.Integration{Type: gateway.Queue, Target: "orders"}}}})
	if err != nil {
		t.Fatal(err)
	}
	drain := func(want int) map[string]int {
		t.Helper()
		got := map[string]int{}
		n := 0
		deadline := time.Now().Add(5 * time.Second)
		for n < want && time.Now().Before(deadline) {
			msgs, err := c.Queues().ReceiveMessage(ctx, "orders", queue.ReceiveInput{MaxNumberOfMessages: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				got[m.Body]++
				n++
				if err := c.Queues().DeleteMessage(ctx, "orders", m.ReceiptHandle); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		return got
	}
	send := func(body string) {
		t.Helper()
		if _, err := c.Topics().Publish(ctx, topic.PublishInput{TopicARN: arn, Message: "sns " + body}); err != nil {
			t.Fatal(err)
		}
		res, err := http.Post(info.URL+"/orders", "text/plain", strings.NewReader("api "+body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("route: %d", res.StatusCode)
		}
	}
	if err := c.Chaos().Set(chaos.Policy{Kind: chaos.Queue, Name: "orders", Duplicate: 1}); err != nil {
		t.Fatal(err)
	}
	send("twice")
	if got := drain(4); got["sns twice"] != 2 || got["api twice"] != 2 {
		t.Fatalf("duplicated: %v", got)
	}
	if err := c.Chaos().Set(chaos.Policy{Kind: chaos.Queue, Name: "orders", Drop: 1}); err != nil {
		t.Fatal(err)
	}
	send("lost")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if sums := c.Topics().Topics(); len(sums) == 1 && sums[0].Pending == 0 && sums[0].Delivered == 2 {
			break // the topic has delivered (into the drop) before chaos is cleared
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic deliveries: %+v", c.Topics().Topics())
		}
	}
	c.Chaos().ClearAll()
	send("kept")
	if got := drain(2); len(got) != 2 || got["sns kept"] != 1 || got["api kept"] != 1 {
		t.Fatalf("after the drop: %v", got)
	}
}
