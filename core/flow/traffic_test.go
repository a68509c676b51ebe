package flow

import (
	"context"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/metrics"
)

// The demo's traffic reaches every part of the demo: orders are published
// and delivered to both filtered queues, fulfilments pass the state
// machine into shipments and are shipped, clicks land on the stream; after
// Stop nothing more is sent.
func TestDemoTrafficFlowsEverywhere(t *testing.T) {
	c, err := core.Open(core.Config{Memory: true, GatewayAnyPort: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := Apply(context.Background(), c, Demo()); err != nil {
		t.Fatal(err)
	}
	tr := StartDemoTraffic(c, 10*time.Millisecond)
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tr.Stats()
		if s.Failures > 0 {
			tr.Stop()
			t.Fatalf("demo traffic failed: %+v", s)
		}
		if s.Orders >= 12 && s.Fulfilments >= 2 && s.Shipped >= 1 && s.Clicks >= 12 && delivered(c) {
			break
		}
		if time.Now().After(deadline) {
			tr.Stop()
			t.Fatalf("demo traffic after 30 s: %+v", s)
		}
		time.Sleep(20 * time.Millisecond) // polling the driver's counters
	}
	tr.Stop()
	stopped := tr.Stats()
	time.Sleep(50 * time.Millisecond)
	if tr.Stats() != stopped {
		t.Fatalf("traffic went on after Stop: %+v then %+v", stopped, tr.Stats())
	}
	for _, tp := range c.Topics().Topics() {
		if tp.Name == "orders" && tp.Published < uint64(stopped.Orders) {
			t.Errorf("orders topic published %d of %d orders", tp.Published, stopped.Orders)
		}
	}
	d, err := c.Streams().Describe("clicks")
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, sh := range d.Shards {
		if sh.LatestSeq != "" {
			stored++
		}
	}
	if stored == 0 {
		t.Error("no click reached the clicks stream")
	}
}

// delivered reports whether the topic's deliveries (asynchronous) reached
// both filtered queues, high priority and the rest, and the state machine
// reached shipments.
func delivered(c *core.Core) bool {
	sent := map[string]float64{}
	c.Metrics().Gather("skyport_sqs_number_of_messages_sent_total", func(s *metrics.Sample) { sent[s.Label("queue")] = s.Value })
	return sent["orders-priority"] > 0 && sent["orders-standard"] > 0 && sent["shipments"] > 0
}
