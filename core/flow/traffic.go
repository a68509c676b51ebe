package flow

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/stream"
)

// DemoTraffic drives the demo workspace as its users would, so a first-time
// user watches messages flow: every tick an order goes to POST /orders on
// the shop API (every third one high priority, so both filtered queues get
// some), a click goes onto the clicks stream, and every fifth tick an order
// goes to POST /fulfil, whose state machine hands it to the shipments
// queue, and the ship-orders state machine is started to read that queue
// and delete what it ships. The functions subscribed by event source
// mappings consume the rest.
//
// Everything goes through the same paths as outside callers (the API's
// routes, the services' Go API), so badges, charts and the activity log
// show it. Failures — a resource the user deleted — are counted, not
// fatal: the driver keeps going with what is left.
type DemoTraffic struct {
	c      *core.Core
	every  time.Duration
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	stats TrafficStats
}

// TrafficStats counts what a DemoTraffic has sent.
type TrafficStats struct {
	Orders, Fulfilments, Clicks, Shipped, Failures int
	LastError                                      string
}

// StartDemoTraffic starts driving the demo on c, one tick every `every`
// (200 ms when zero), until Stop.
func StartDemoTraffic(c *core.Core, every time.Duration) *DemoTraffic {
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &DemoTraffic{c: c, every: every, cancel: cancel, done: make(chan struct{})}
	go t.run(ctx)
	return t
}

// Stop ends the traffic and waits for the last call to return.
func (t *DemoTraffic) Stop() {
	t.cancel()
	<-t.done
}

// Stats returns what was sent so far.
func (t *DemoTraffic) Stats() TrafficStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

func (t *DemoTraffic) run(ctx context.Context) {
	defer close(t.done)
	tick := time.NewTicker(t.every) // real time: traffic for people to watch
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t.order(ctx, n)
		t.click(ctx, n)
		if n%5 == 0 {
			t.fulfil(ctx, n)
		}
		if n%5 == 2 {
			t.ship(ctx)
		}
	}
}

func (t *DemoTraffic) note(count *int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.stats.Failures++
		t.stats.LastError = err.Error()
		return
	}
	*count++
}

// call sends body to route on the shop API and wants a 2xx answer.
func (t *DemoTraffic) call(ctx context.Context, path, body string) error {
	out, err := t.c.Gateway().Call(ctx, "shop", gateway.CallInput{Method: "POST", Path: path,
		Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(body)})
	if err != nil {
		return err
	}
	if out.Status/100 != 2 {
		return fmt.Errorf("POST %s: %d %s", path, out.Status, out.Body)
	}
	return nil
}

func (t *DemoTraffic) order(ctx context.Context, n int) {
	priority := "normal"
	if n%3 == 0 {
		priority = "high"
	}
	err := t.call(ctx, "/orders", fmt.Sprintf(`{"order":%d,"priority":%q,"items":%d}`, n, priority, n%4+1))
	t.note(&t.stats.Orders, err)
}

func (t *DemoTraffic) fulfil(ctx context.Context, n int) {
	err := t.call(ctx, "/fulfil", fmt.Sprintf(`{"order":%d}`, n))
	t.note(&t.stats.Fulfilments, err)
}

func (t *DemoTraffic) click(ctx context.Context, n int) {
	_, err := t.c.Streams().PutRecord(ctx, "clicks", stream.PutInput{PartitionKey: fmt.Sprint("visitor-", n%17),
		Data: []byte(fmt.Sprintf(`{"page":"/product/%d"}`, n%9))})
	t.note(&t.stats.Clicks, err)
}

// ship starts ship-orders, which takes up to ten messages off the
// shipments queue and deletes them; Shipped counts its executions.
func (t *DemoTraffic) ship(ctx context.Context) {
	m := t.c.Machines()
	arn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:ship-orders", t.c.Region(), t.c.Account())
	_, err := m.StartExecution(ctx, machine.StartInput{StateMachineArn: arn, Input: "{}"})
	t.note(&t.stats.Shipped, err)
}
