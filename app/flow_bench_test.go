package app

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"

	"github.com/skyport-dev/skyport/internal/cputime"
)

// benchFlow opens a core with 200 resources of every kind and 300 links
// between them, and a flow view (in a 1280×800 window) mirroring it:
// 80 queues, 30 topics, 20 streams, 40 functions, 10 state machines and 5
// APIs with 15 routes; 175 subscriptions (to queues and functions), 80
// event source mappings (disabled, so no process runs), 20 redrives, 15
// route integrations and 10 Task calls.
func benchFlow(b *testing.B) (*core.Core, *flowView) {
	b.Helper()
	a := test.NewTempApp(b)
	c, err := core.Open(core.Config{Memory: true, Clock: clock.NewFrozen(t0)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	ctx := context.Background()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	for i := range 80 {
		must(c.Queues().CreateQueue(ctx, fmt.Sprint("q", i), nil, nil))
	}
	for i := range 20 { // q0–q19 dead-letter into q60–q79
		must(makeLink(ctx, c, link{kind: linkRedrive, from: nodeID(nodeQueue, fmt.Sprint("q", i)),
			to: nodeID(nodeQueue, fmt.Sprint("q", 60+i)), max: 3}))
	}
	for i := range 40 {
		must(c.Functions().CreateFunction(ctx, function.Definition{Name: fmt.Sprint("f", i), Command: []string{"cat"}}))
	}
	for i := range 30 {
		_, err := c.Topics().CreateTopic(ctx, fmt.Sprint("t", i), nil, nil)
		must(err)
	}
	for i := range 20 {
		must(c.Streams().Create(ctx, stream.CreateInput{Name: fmt.Sprint("s", i), ShardCount: 1}))
		d, err := c.Streams().Describe(fmt.Sprint("s", i))
		must(err)
		_, err = c.Functions().CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: fmt.Sprint("f", i),
			EventSourceArn: d.ARN, StartingPosition: "LATEST", Disabled: true})
		must(err)
	}
	for i := range 60 {
		_, err := c.Functions().CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: fmt.Sprint("f", i%40),
			EventSourceArn: c.Queues().ARN(fmt.Sprint("q", i)), Disabled: true})
		must(err)
	}
	subs := 0
	for i := 0; subs < 175; i++ {
		t := c.Topics().ARN(fmt.Sprint("t", i%30))
		var err error
		if i%3 == 2 {
			_, err = c.Topics().Subscribe(ctx, t, "lambda", c.Functions().ARN(fmt.Sprint("f", i%40)), nil, true)
		} else {
			_, err = c.Topics().Subscribe(ctx, t, "sqs", c.Queues().ARN(fmt.Sprint("q", i%80)), nil, true)
		}
		must(err)
		subs = 0
		for _, s := range c.Topics().Topics() {
			subs += len(s.Subscriptions)
		}
	}
	for i := range 10 {
		asl := fmt.Sprintf(`{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f%d","End":true}}}`, i)
		_, err := c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: fmt.Sprint("m", i), Definition: asl})
		must(err)
	}
	types := []gateway.IntegrationType{gateway.Queue, gateway.Topic, gateway.Function}
	targets := []string{"q70", "t1", "f3"}
	for i := range 5 {
		api := gateway.API{Name: fmt.Sprint("api", i), Port: 0}
		for j := range 3 {
			api.Routes = append(api.Routes, gateway.Route{Key: fmt.Sprintf("POST /r%d", j),
				Integration: gateway.Integration{Type: types[j], Target: targets[j]}})
		}
		_, err := c.Gateway().CreateAPI(ctx, api)
		must(err)
	}
	w := test.NewTempWindow(b, nil)
	v := newFlowView(c, w, a.Preferences())
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1280, 800))
	v.syncAll()
	if n, e := len(v.canvas.Nodes()), len(v.canvas.Edges()); n != 200 || e != 300 {
		b.Fatalf("%d nodes and %d edges, want 200 and 300", n, e)
	}
	return c, v
}

// sendLoad sends 1,000 messages a second, spread over the queues, until
// the benchmark ends.
func sendLoad(b *testing.B, c *core.Core) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; {
			select {
			case <-stop:
				return
			case <-tick.C:
				for range 10 {
					_, _ = c.Queues().SendMessage(context.Background(), fmt.Sprint("q", 20+i%40), queue.SendInput{Body: "x"})
					i++
				}
			}
		}
	}()
	b.Cleanup(func() { close(stop); wg.Wait() })
}

// BenchmarkFlowTick measures one sampler tick of the Flow tab with 200
// nodes and 300 edges while 1,000 messages a second flow: reading every
// kind and link from the core, pushing the sparklines and building the
// frame (the renderer's refresh and layout).
func BenchmarkFlowTick(b *testing.B) {
	c, v := benchFlow(b)
	sendLoad(b, c)
	cpu := cputime.Process()
	for b.Loop() {
		v.sample(c.Queues().List()) // ends in one canvas refresh: the frame
	}
	reportCPU(b, cpu)
}

// BenchmarkFlowQueueEvents measures what a batch of queue events costs the
// Flow tab under the same load: the queues' redrives read again and the
// frame built.
func BenchmarkFlowQueueEvents(b *testing.B) {
	c, v := benchFlow(b)
	sendLoad(b, c)
	cpu := cputime.Process()
	for b.Loop() {
		v.sync(c.Queues().List())
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process's CPU time per operation since start: the
// tick's own work plus the core's share of the 1,000 msg/s load. Wall time
// per op (ns/op) is inflated when the machine's CPUs are contended; this
// is not.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cputime.Process()-start)/float64(b.N)/1e6, "cpu-ms/op")
}
