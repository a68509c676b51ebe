package core_test

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/queue"
)

// TestGatewayQueueIntegration: a route wired to a real queue of the core
// sends the request body (and mapped attributes) as a message; a missing
// queue answers 502, a message the queue refuses 400.
func TestGatewayQueueIntegration(t *testing.T) {
	c, err := core.Open(core.Config{Memory: true, GatewayAnyPort: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	info, err := c.Gateway().CreateAPI(ctx, gateway.API{Name: "shop", Routes: []gateway.Route{
		{Key: "POST /orders", Integration: gateway.Integration{Type: gateway.Queue, Target: "orders",
			Parameters: map[string]string{"MessageAttributes": `{"source":"${request.header.x-source}"}`}}},
		{Key: "POST /lost", Integration: gateway.Integration{Type: gateway.Queue, Target: "missing"}},
		{Key: "POST /delayed", Integration: gateway.Integration{Type: gateway.Queue, Target: "orders",
			Parameters: map[string]string{"DelaySeconds": "9999"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(path, body string) (int, string) {
		req, _ := http.NewRequest("POST", info.URL+path, strings.NewReader(body))
		req.Header.Set("X-Source", "web")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, body := post("/orders", `{"item":"tea"}`)
	var receipt struct{ MessageId, MD5OfMessageBody string }
	if status != 200 || json.Unmarshal([]byte(body), &receipt) != nil || receipt.MessageId == "" || receipt.MD5OfMessageBody != fmt.Sprintf("%x", md5.Sum([]byte(`{"item":"tea"}`))) {
		t.Fatalf("send: %d %s", status, body)
	}
	msgs, err := c.Queues().ReceiveMessage(ctx, "orders", queue.ReceiveInput{MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Body != `{"item":"tea"}` || msgs[0].MessageID != receipt.MessageId || msgs[0].MessageAttributes["source"].StringValue != "web" {
		t.Fatalf("received %+v", msgs)
	}
	if status, body := post("/lost", "x"); status != 502 || !strings.Contains(body, `integration target not available: queue \"missing\" does not exist`) {
		t.Fatalf("missing queue: %d %s", status, body)
	}
	if status, body := post("/delayed", "x"); status != 400 || !strings.Contains(body, "InvalidParameterValue") {
		t.Fatalf("refused message: %d %s", status, body)
	}
}
