package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
	"github.com/skyport-dev/skyport/widgets"
)

// taskMachineASL calls the function "worker" from a Task state.
const taskMachineASL = `{"StartAt":"Work","States":{"Work":{"Type":"Task",` +
	`"Resource":"arn:aws:lambda:us-east-1:000000000000:function:worker","End":true}}}`

// waitNodes runs UI work until the canvas shows every node id.
func waitNodes(t *testing.T, m *MainWindow, q uiQueue, ids ...string) {
	t.Helper()
	q.runUntil(t, "nodes "+strings.Join(ids, ", "), func() bool {
		for _, id := range ids {
			if _, ok := m.flow.canvas.Node(id); !ok {
				return false
			}
		}
		return true
	})
}

// dragLink drags from a node's output port onto another node, after
// fitting the canvas so both are in view.
func dragLink(t *testing.T, m *MainWindow, from, to string) {
	t.Helper()
	m.flow.canvas.Fit()
	src, ok1 := m.flow.canvas.Node(from)
	dst, ok2 := m.flow.canvas.Node(to)
	if !ok1 || !ok2 {
		t.Fatalf("no node %s or %s", from, to)
	}
	s := widgets.NodeSize()
	a := onCanvas(m, src.Pos.AddXY(s.Width, s.Height/2))
	b := onCanvas(m, dst.Pos.AddXY(s.Width/2, s.Height/2))
	test.Drag(m.Window().Canvas(), a, b.X-a.X, b.Y-a.Y)
}

// makeEveryKind creates one resource of every kind through the core's API,
// as the wire does for SDK and CLI calls, with a route per API.
func makeEveryKind(t *testing.T, c *core.Core) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Queues().CreateQueue(ctx, "inbox", nil, nil))
	must(c.Queues().CreateQueue(ctx, "jobs", nil, nil))
	_, err := c.Topics().CreateTopic(ctx, "orders", nil, nil)
	must(err)
	must(c.Streams().Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 2}))
	must(c.Functions().CreateFunction(ctx, function.Definition{Name: "worker", Command: []string{"cat"}}))
	_, err = c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "checkout", Definition: taskMachineASL,
		RoleArn: "arn:aws:iam::000000000000:role/checkout"})
	must(err)
	_, err = c.Gateway().CreateAPI(ctx, gateway.API{Name: "shop", Port: 48151, Routes: []gateway.Route{
		{Key: "POST /orders", Integration: gateway.Integration{Type: gateway.Mock}}}})
	must(err)
}

var everyKindNodes = []string{"queue/inbox", "queue/jobs", "topic/orders", "stream/clicks", "function/worker",
	"state-machine/checkout", "api/shop", "route/shop/POST /orders"}

func TestDroppingEachKindCreatesIt(t *testing.T) {
	tests := []struct {
		payload, name, id string
		exists            func(c *core.Core) bool
	}{
		{dropQueue, "queue-1", "queue/queue-1", func(c *core.Core) bool { return c.Queues().QueueExists("queue-1") }},
		{dropTopic, "topic-1", "topic/topic-1", func(c *core.Core) bool {
			ts := c.Topics().Topics()
			return len(ts) == 1 && ts[0].Name == "topic-1" && !ts[0].FIFO
		}},
		{dropFIFOTopic, "topic-1.fifo", "topic/topic-1.fifo", func(c *core.Core) bool {
			ts := c.Topics().Topics()
			return len(ts) == 1 && ts[0].FIFO
		}},
		{dropStream, "stream-1", "stream/stream-1", func(c *core.Core) bool {
			d, err := c.Streams().Describe("stream-1")
			return err == nil && d.OpenShards == 1
		}},
		{dropAPI, "api-1", "api/api-1", func(c *core.Core) bool { _, err := c.Gateway().API("api-1"); return err == nil }},
		{dropRoute, "GET /route-1", "route/shop/GET /route-1", func(c *core.Core) bool {
			_, ok := findRoute(c, "shop", "GET /route-1")
			return ok
		}},
		{dropMachine, "machine-1", "state-machine/machine-1", func(c *core.Core) bool {
			m, ok := findMachine(c, "machine-1")
			return ok && m.Type == machine.Standard && m.RoleArn != ""
		}},
		{dropFunction, "function-1", "function/function-1", func(c *core.Core) bool {
			d, err := c.Functions().GetFunction("function-1")
			return err == nil && slices.Equal(d.Command, []string{"cat"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.payload, func(t *testing.T) {
			c, m, q := flowWindow(t)
			at := fyne.NewPos(304, 192)
			if tt.payload == dropRoute {
				if _, err := c.Gateway().CreateAPI(context.Background(), gateway.API{Name: "shop"}); err != nil {
					t.Fatal(err)
				}
				waitNodes(t, m, q, "api/shop")
				api, _ := m.flow.canvas.Node("api/shop")
				at = api.Pos.AddXY(20, 20) // dropped onto the API
			}
			dragFromPalette(t, m, tt.payload, at)
			form := m.flow.form
			if form == nil {
				t.Fatal("dropping did not open the creation form")
			}
			if form.name.Text != tt.name {
				t.Errorf("form pre-filled with %q, want %q", form.name.Text, tt.name)
			}
			if tt.payload == dropRoute && form.choice.Selected != "shop" {
				t.Errorf("route form's API %q, want the API it was dropped on", form.choice.Selected)
			}
			form.dlg.Submit()
			if m.flow.form != nil {
				t.Fatalf("form still open")
			}
			if !tt.exists(c) {
				t.Fatalf("%s not in the core as expected", tt.name)
			}
			if _, ok := m.flow.canvas.Node(tt.id); !ok {
				t.Errorf("no node %s; nodes %v", tt.id, m.flow.canvas.Nodes())
			}
			if got := m.app.Preferences().String(prefPositionPrefix + tt.id); got == "" {
				t.Error("position not saved")
			}
			m.flow.canvas.Undo()
			if tt.exists(c) {
				t.Errorf("undo left %s in the core", tt.name)
			}
			m.flow.canvas.Redo()
			if !tt.exists(c) {
				t.Errorf("redo did not make %s again", tt.name)
			}
		})
	}
}

func TestCreationFormsRefuseBadInputOfEveryKind(t *testing.T) {
	c, m, q := flowWindow(t)
	if _, err := c.Gateway().CreateAPI(context.Background(), gateway.API{Name: "shop", Routes: []gateway.Route{
		{Key: "GET /items", Integration: gateway.Integration{Type: gateway.Mock}}}}); err != nil {
		t.Fatal(err)
	}
	waitNodes(t, m, q, "api/shop")
	tests := []struct {
		payload    string
		name       string // typed into the name (or key) entry; "" keeps the suggestion
		extra      string // typed into the second entry
		wantName   string
		wantExtra  string
		extraField bool
	}{
		{payload: dropTopic, name: "news.fifo", wantName: "only FIFO topic names end in .fifo"},
		{payload: dropFIFOTopic, name: "news", wantName: "a FIFO topic's name ends in .fifo"},
		{payload: dropStream, name: "click stream", wantName: "use only letters, digits, -, _ and ."},
		{payload: dropStream, extra: "0", wantExtra: "enter a whole number of shards, 1 or more", extraField: true},
		{payload: dropAPI, name: "shop", wantName: "an API named shop already exists"},
		{payload: dropAPI, extra: "70000", wantExtra: "a port is a number from 1 to 65535, or empty", extraField: true},
		{payload: dropRoute, name: "FETCH /x", wantName: "start with a method: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY"},
		{payload: dropRoute, name: "GET /items", wantName: "shop already has a route GET /items"},
		{payload: dropMachine, name: strings.Repeat("m", 81), wantName: "81 characters; a state machine name has at most 80"},
		{payload: dropFunction, name: "my.fn", wantName: "use only letters, digits, - and _"},
		{payload: dropFunction, extra: "no-such-program-skyport", wantExtra: "no-such-program-skyport is not a program on the PATH", extraField: true},
		{payload: dropFunction, extra: "  ", wantExtra: "enter the command that handles an event", extraField: true},
	}
	for _, tt := range tests {
		dragFromPalette(t, m, tt.payload, fyne.NewPos(100, 100))
		form := m.flow.form
		if form == nil {
			t.Fatalf("%s: no form", tt.payload)
		}
		entry, typed, want := form.name, tt.name, tt.wantName
		if tt.extraField {
			entry, typed, want = form.extra, tt.extra, tt.wantExtra
		}
		entry.SetText(typed)
		if err := entry.Validate(); err == nil || err.Error() != want {
			t.Errorf("%s %q: %v, want %q", tt.payload, typed, err, want)
		}
		form.dlg.Submit() // refused: the form reopens with what was typed
		if m.flow.form == nil || m.flow.form == form && entry.Text != typed {
			t.Fatalf("%s %q: form closed", tt.payload, typed)
		}
		reopened := m.flow.form.name
		if tt.extraField {
			reopened = m.flow.form.extra
		}
		if reopened.Text != typed {
			t.Errorf("%s: reopened with %q, want %q as typed", tt.payload, reopened.Text, typed)
		}
		m.flow.form.dlg.Dismiss()
		m.flow.form = nil
	}
	if n := len(c.Topics().Topics()) + len(c.Streams().List()) + len(c.Machines().ListStateMachines()) + len(c.Functions().List()); n != 0 {
		t.Errorf("%d resources reached the core", n)
	}
	if a, _ := c.Gateway().API("shop"); len(a.Routes) != 1 || len(c.Gateway().APIs()) != 1 {
		t.Errorf("APIs changed: %+v", c.Gateway().APIs())
	}
}

func TestCoreErrorIsShownInWordsAndTheFormKeepsTheInput(t *testing.T) {
	c, m, q := flowWindow(t)
	if err := c.Streams().Create(context.Background(), stream.CreateInput{Name: "big", ShardCount: c.Streams().ShardLimit()}); err != nil {
		t.Fatal(err)
	}
	waitNodes(t, m, q, "stream/big")
	dragFromPalette(t, m, dropStream, fyne.NewPos(100, 300))
	m.flow.form.name.SetText("more")
	m.flow.form.dlg.Submit() // one shard over the account's limit: the core refuses
	f := m.flow.form
	if f == nil || f.name.Text != "more" || f.extra.Text != "1" {
		t.Fatalf("form after the core's refusal: %+v", f)
	}
	if c.Streams().Exists("more") {
		t.Fatal("the stream was made")
	}
	const wantShardLimit = "This request would exceed the shard limit for the account 000000000000 in us-east-1. " +
		"Current shard count for the account: 500. Limit: 500. Number of additional shards that would have resulted from this request: 1."
	if f.err == nil || f.err.Text != wantShardLimit {
		t.Errorf("form shows %v, want the core's reason in words: %q", f.err, wantShardLimit)
	}
}

func TestEachValidLinkMakesTheCoreLink(t *testing.T) {
	c, m, q := flowWindow(t)
	makeEveryKind(t, c)
	waitNodes(t, m, q, everyKindNodes...)
	ctx := context.Background()

	// queue → function and stream → function: event source mappings.
	dragLink(t, m, "queue/jobs", "function/worker")
	dragLink(t, m, "stream/clicks", "function/worker")
	srcs := map[string]bool{}
	for _, mp := range c.Functions().ListEventSourceMappings("worker") {
		srcs[mp.EventSourceArn] = true
	}
	d, _ := c.Streams().Describe("clicks")
	if !srcs[c.Queues().ARN("jobs")] || !srcs[d.ARN] {
		t.Errorf("mappings %v, want jobs and clicks", srcs)
	}

	// topic → queue: the subscription dialog, with a filter policy.
	dragLink(t, m, "topic/orders", "queue/inbox")
	sf := m.flow.subForm
	if sf == nil {
		t.Fatal("no subscription dialog")
	}
	if len(m.flow.canvas.Edges()) != 3 || m.flow.canvas.Tooltip() != "" { // two mappings, the task
		t.Fatalf("the edge came before the dialog was confirmed: %v %q", m.flow.canvas.Edges(), m.flow.canvas.Tooltip())
	}
	sf.filter.SetText(`{"type": [`)
	if err := sf.filter.Validate(); err == nil || !strings.HasPrefix(err.Error(), "not valid JSON") {
		t.Errorf("bad JSON: %v", err)
	}
	sf.dlg.Submit()
	if len(c.Topics().Topics()[0].Subscriptions) != 0 {
		t.Fatal("subscribed with invalid JSON")
	}
	sf = m.flow.subForm
	if sf == nil || sf.filter.Text != `{"type": [` {
		t.Fatal("the dialog did not keep what was typed")
	}
	sf.filter.SetText(`{"type": ["order"]}`)
	sf.raw.SetChecked(true)
	sf.dlg.Submit()
	subs := c.Topics().Topics()[0].Subscriptions
	if len(subs) != 1 || subs[0].Endpoint != c.Queues().ARN("inbox") {
		t.Fatalf("subscriptions %+v", subs)
	}
	attrs, err := c.Topics().GetSubscriptionAttributes(subs[0].ARN)
	if err != nil || attrs["FilterPolicy"] != `{"type": ["order"]}` || attrs["RawMessageDelivery"] != "true" {
		t.Errorf("subscription attributes %v, %v", attrs, err)
	}
	for _, typ := range []string{"refund", "order"} {
		if _, err := c.Topics().Publish(ctx, topic.PublishInput{TopicARN: c.Topics().ARN("orders"), Message: typ,
			MessageAttributes: map[string]topic.MessageAttribute{"type": {DataType: "String", StringValue: typ}}}); err != nil {
			t.Fatal(err)
		}
	}
	if body := receiveOne(t, c, "inbox"); body != "order" {
		t.Errorf("the queue got %q, want the one matching message, raw", body)
	}

	// topic → function: a lambda subscription, no raw delivery offered.
	dragLink(t, m, "topic/orders", "function/worker")
	if m.flow.subForm == nil || m.flow.subForm.raw != nil {
		t.Fatal("no dialog, or it offers raw delivery to a function")
	}
	m.flow.subForm.dlg.Submit()

	// route → state machine: the route's integration.
	dragLink(t, m, "route/shop/POST /orders", "state-machine/checkout")
	r, _ := findRoute(c, "shop", "POST /orders")
	if r.Integration.Type != gateway.StateMachine || r.Integration.Target != "checkout" {
		t.Errorf("integration %+v", r.Integration)
	}
	// A route sends to one target: a second link is refused.
	dragLink(t, m, "route/shop/POST /orders", "queue/jobs")
	if tip := m.flow.canvas.Tooltip(); tip != "POST /orders already sends to state machine checkout: delete that edge first" {
		t.Errorf("tooltip %q", tip)
	}

	waitApplied(t, m, q, 0)
	m.flow.syncAll()
	labels := map[string]string{}
	for _, e := range m.flow.canvas.Edges() {
		labels[e.ID] = e.Label
	}
	want := map[string]string{
		"queue/jobs→function/worker":                     "batch 10",
		"stream/clicks→function/worker":                  "batch 100",
		"topic/orders→queue/inbox":                       "filter type · raw",
		"topic/orders→function/worker":                   "all messages",
		"route/shop/POST /orders→state-machine/checkout": "starts execution",
		"state-machine/checkout→function/worker":         "Work",
	}
	for id, l := range want {
		if labels[id] != l {
			t.Errorf("edge %s labelled %q, want %q (edges %v)", id, labels[id], l, labels)
		}
	}

	// Undo takes the last link (the integration) away in the core, redo
	// makes it again.
	m.flow.canvas.Undo()
	if r, _ := findRoute(c, "shop", "POST /orders"); r.Integration.Type != gateway.Mock {
		t.Errorf("after undo %+v", r.Integration)
	}
	m.flow.canvas.Redo()
	if r, _ := findRoute(c, "shop", "POST /orders"); r.Integration.Target != "checkout" {
		t.Errorf("after redo %+v", r.Integration)
	}
}

// receiveOne waits (in real time) for a message in a queue and returns
// its body.
func receiveOne(t *testing.T, c *core.Core, name string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := c.Queues().ReceiveMessage(context.Background(), name, queue.ReceiveInput{MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) > 1 {
			t.Fatalf("%d messages, want one", len(msgs))
		}
		if len(msgs) == 1 {
			return msgs[0].Body
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no message in %s", name)
	return ""
}

func TestInvalidLinksAreRefusedWithTheReason(t *testing.T) {
	c, m, q := flowWindow(t)
	makeEveryKind(t, c)
	waitNodes(t, m, q, everyKindNodes...)
	tests := []struct{ from, to, want string }{
		{"queue/jobs", "topic/orders", "A queue cannot publish to a topic: it feeds a function or dead-letters into a queue"},
		{"function/worker", "queue/inbox", "A function cannot send to a queue: it calls services from its code; connect sources to it instead"},
		{"topic/orders", "stream/clicks", "A topic cannot deliver to a stream: it delivers to queues and functions"},
		{"stream/clicks", "queue/jobs", "A stream cannot feed a queue: only a function reads a stream"},
		{"state-machine/checkout", "queue/jobs", "A state machine calls a queue from a Task state: add one in its editor"},
		{"api/shop", "queue/jobs", "An API cannot send to a queue: drop a Route onto the API and connect the route"},
		{"route/shop/POST /orders", "api/shop", "A route cannot send to an API: it sends to a queue, topic, stream, state machine or function"},
	}
	edges := len(m.flow.canvas.Edges())
	for _, tt := range tests {
		dragLink(t, m, tt.from, tt.to)
		if got := m.flow.canvas.Tooltip(); got != tt.want {
			t.Errorf("%s → %s: tooltip %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
	if n := len(m.flow.canvas.Edges()); n != edges {
		t.Errorf("%d edges after refusals, want %d", n, edges)
	}
	if len(c.Functions().ListEventSourceMappings("")) != 0 || len(c.Topics().Topics()[0].Subscriptions) != 0 {
		t.Error("a refused link reached the core")
	}
}

func TestWireResourcesOfEveryKindAppearWithTheirLinks(t *testing.T) {
	c, m, q := flowWindow(t)
	makeEveryKind(t, c)
	ctx := context.Background()
	if _, err := c.Topics().Subscribe(ctx, c.Topics().ARN("orders"), "sqs", c.Queues().ARN("inbox"),
		map[string]string{"FilterPolicy": `{"type":["order"]}`}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Functions().CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: "worker",
		EventSourceArn: c.Queues().ARN("jobs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Gateway().PutRoute(ctx, "shop", gateway.Route{Key: "POST /orders",
		Integration: gateway.Integration{Type: gateway.Topic, Target: "orders"}}); err != nil {
		t.Fatal(err)
	}
	waitNodes(t, m, q, everyKindNodes...)
	q.runUntil(t, "every link drawn", func() bool { return len(m.flow.canvas.Edges()) == 4 })
	kinds := map[string]string{}
	for _, n := range m.flow.canvas.Nodes() {
		kinds[n.ID] = n.Kind + " " + strings.Join(n.Badges, " · ")
	}
	for id, want := range map[string]string{
		"topic/orders":            "Topic 0 published · 1 sub",
		"stream/clicks":           "Stream 2 shards",
		"function/worker":         "Function 0 invocations",
		"state-machine/checkout":  "State machine standard",
		"route/shop/POST /orders": "Route · shop 0 requests · 0 5xx",
	} {
		if kinds[id] != want {
			t.Errorf("%s shows %q, want %q", id, kinds[id], want)
		}
	}
	nodes := m.flow.canvas.Nodes()
	s := widgets.NodeSize()
	for i, a := range nodes {
		for _, b := range nodes[i+1:] {
			if a.Pos.X < b.Pos.X+s.Width && b.Pos.X < a.Pos.X+s.Width && a.Pos.Y < b.Pos.Y+s.Height && b.Pos.Y < a.Pos.Y+s.Height {
				t.Errorf("%s at %v overlaps %s at %v", a.ID, a.Pos, b.ID, b.Pos)
			}
		}
	}
	api, _ := m.flow.canvas.Node("api/shop")
	route, _ := m.flow.canvas.Node("route/shop/POST /orders")
	if route.Pos.X <= api.Pos.X {
		t.Errorf("route at %v, its API at %v: want it on the right", route.Pos, api.Pos)
	}
	// The golden image shows the Flow tab alone (the log has random ids),
	// wide enough for the five columns at a readable zoom.
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	v := newFlowView(c, w, m.app.Preferences())
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1400, 560))
	v.syncAll()
	v.canvas.Fit()
	test.AssertImageMatches(t, "flow_every_kind.png", w.Canvas().Capture())

	// Deleted over the wire, the nodes leave.
	if err := c.Gateway().DeleteAPI(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	q.runUntil(t, "the API and its route to leave", func() bool {
		_, a := m.flow.canvas.Node("api/shop")
		_, r := m.flow.canvas.Node("route/shop/POST /orders")
		return !a && !r
	})
}

func TestDeletingAnEdgeRemovesTheLinkAfterConfirmation(t *testing.T) {
	c, m, q := flowWindow(t)
	makeEveryKind(t, c)
	ctx := context.Background()
	if _, err := c.Topics().Subscribe(ctx, c.Topics().ARN("orders"), "sqs", c.Queues().ARN("inbox"),
		map[string]string{"FilterPolicy": `{"type":["order"]}`}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Functions().CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: "worker",
		EventSourceArn: c.Queues().ARN("jobs")}); err != nil {
		t.Fatal(err)
	}
	waitNodes(t, m, q, everyKindNodes...)
	q.runUntil(t, "the links drawn", func() bool { return len(m.flow.canvas.Edges()) == 3 })

	// Tap the subscription edge, press Delete, say no, then yes.
	sub := "topic/orders→queue/inbox"
	m.flow.canvas.Select(nil, []string{sub})
	m.flow.canvas.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if m.flow.confirm == nil {
		t.Fatal("no confirmation")
	}
	m.flow.confirm.Dismiss()
	if len(c.Topics().Topics()[0].Subscriptions) != 1 {
		t.Fatal("unsubscribed without confirmation")
	}
	m.flow.canvas.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	m.flow.confirm.Confirm()
	if n := len(c.Topics().Topics()[0].Subscriptions); n != 0 {
		t.Fatalf("%d subscriptions after deleting the edge", n)
	}
	m.flow.canvas.Undo()
	subs := c.Topics().Topics()[0].Subscriptions
	if len(subs) != 1 {
		t.Fatal("undo did not subscribe again")
	}
	if attrs, _ := c.Topics().GetSubscriptionAttributes(subs[0].ARN); attrs["FilterPolicy"] != `{"type":["order"]}` {
		t.Errorf("undo lost the filter policy: %v", attrs)
	}

	// The mapping edge.
	m.flow.canvas.Select(nil, []string{"queue/jobs→function/worker"})
	m.flow.canvas.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	m.flow.confirm.Confirm()
	if n := len(c.Functions().ListEventSourceMappings("worker")); n != 0 {
		t.Fatalf("%d mappings after deleting the edge", n)
	}

	// A task edge is the state machine's definition: refused, with why.
	m.flow.canvas.Select(nil, []string{"state-machine/checkout→function/worker"})
	m.flow.confirm = nil
	m.flow.canvas.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if m.flow.confirm != nil || !strings.Contains(m.flow.notice, "Work Task state") {
		t.Errorf("task edge: confirm %v, notice %q", m.flow.confirm, m.flow.notice)
	}
	if _, ok := findLink(c, "state-machine/checkout", "function/worker"); !ok {
		t.Error("the task link went")
	}
}

func TestSelectingANodeOfAnyKindSelectsItInTheWindow(t *testing.T) {
	c, m, q := flowWindow(t)
	makeEveryKind(t, c)
	waitNodes(t, m, q, everyKindNodes...)
	for id, want := range map[string]string{
		"topic/orders":            leafUID(Topics, "orders"),
		"stream/clicks":           leafUID(Streams, "clicks"),
		"api/shop":                leafUID(APIs, "shop"),
		"route/shop/POST /orders": leafUID(APIs, "shop"),
		"function/worker":         leafUID(Functions, "worker"),
		"queue/jobs":              leafUID(Queues, "jobs"),
	} {
		m.flow.canvas.Select(nil, nil)
		m.flow.canvas.Select([]string{id}, nil)
		if got := m.resources.selected; got != want {
			t.Errorf("selecting %s selected %q in the tree, want %q", id, got, want)
		}
	}
	m.flow.canvas.Fit()
	n, _ := m.flow.canvas.Node("state-machine/checkout")
	test.TapCanvas(m.Window().Canvas(), onCanvas(m, n.Pos.AddXY(20, 20)))
	if m.resources.selected != leafUID(StateMachines, "checkout") || m.editors["checkout"] == nil {
		t.Errorf("tapping the state machine selected %q", m.resources.selected)
	}
}

func TestNodesOfEveryKindShowSparklines(t *testing.T) {
	c, m, q := flowWindow(t)
	makeEveryKind(t, c)
	waitNodes(t, m, q, everyKindNodes...)
	ctx := context.Background()
	if _, err := c.Topics().Subscribe(ctx, c.Topics().ARN("orders"), "sqs", c.Queues().ARN("inbox"), nil, true); err != nil {
		t.Fatal(err)
	}
	q.runUntil(t, "the subscription edge", func() bool { return len(m.flow.canvas.Edges()) == 2 })
	m.flow.sample(c.Queues().List())
	if slices.Contains(m.flow.pulsed, "topic/orders→queue/inbox") {
		t.Error("the subscription pulses before anything was published")
	}
	for i := range 3 {
		if _, err := c.Topics().Publish(ctx, topic.PublishInput{TopicARN: c.Topics().ARN("orders"), Message: "x"}); err != nil {
			t.Fatal(err)
		}
		recs := make([]stream.PutInput, i+1)
		for j := range recs {
			recs[j] = stream.PutInput{PartitionKey: "k", Data: []byte("x")}
		}
		if _, err := c.Streams().PutRecords(ctx, "clicks", recs); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Gateway().Call(ctx, "shop", gateway.CallInput{Method: "POST", Path: "/orders"}); err != nil {
			t.Fatal(err)
		}
		m.flow.sample(c.Queues().List())
	}
	for id, want := range map[string][]float64{
		"topic/orders":            {0, 1, 1, 1},
		"stream/clicks":           {0, 1, 2, 3},
		"route/shop/POST /orders": {0, 1, 1, 1},
	} {
		if n, _ := m.flow.canvas.Node(id); !slices.Equal(n.Spark, want) {
			t.Errorf("%s spark %v, want %v", id, n.Spark, want)
		}
	}
	if !slices.Contains(m.flow.pulsed, "topic/orders→queue/inbox") {
		t.Errorf("the subscription does not pulse after a publication (pulsed %v)", m.flow.pulsed)
	}
	if n, _ := m.flow.canvas.Node("topic/orders"); n.Badges[0] != "3 published" {
		t.Errorf("topic badges %v", n.Badges)
	}
}

func TestDeletingATopicNodeAndUndoBringsItBackWithItsSubscriptions(t *testing.T) {
	c, m, q := flowWindow(t)
	makeEveryKind(t, c)
	ctx := context.Background()
	if _, err := c.Topics().Subscribe(ctx, c.Topics().ARN("orders"), "sqs", c.Queues().ARN("inbox"),
		map[string]string{"FilterPolicy": `{"type":["order"]}`}, true); err != nil {
		t.Fatal(err)
	}
	waitNodes(t, m, q, everyKindNodes...)
	q.runUntil(t, "the subscription edge", func() bool { return len(m.flow.canvas.Edges()) == 2 })
	m.flow.canvas.Select([]string{"topic/orders", "function/worker"}, nil)
	m.flow.canvas.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if m.flow.confirm == nil {
		t.Fatal("no confirmation")
	}
	m.flow.confirm.Confirm()
	if len(c.Topics().Topics()) != 0 || len(c.Functions().List()) != 0 {
		t.Fatalf("after delete: topics %v, functions %v", c.Topics().Topics(), c.Functions().List())
	}
	m.flow.canvas.Undo()
	ts := c.Topics().Topics()
	if len(ts) != 1 || len(ts[0].Subscriptions) != 1 {
		t.Fatalf("after undo: %+v", ts)
	}
	if attrs, _ := c.Topics().GetSubscriptionAttributes(ts[0].Subscriptions[0].ARN); attrs["FilterPolicy"] != `{"type":["order"]}` {
		t.Errorf("the subscription came back without its filter: %v", attrs)
	}
	if d, err := c.Functions().GetFunction("worker"); err != nil || !slices.Equal(d.Command, []string{"cat"}) {
		t.Errorf("the function came back as %+v, %v", d, err)
	}
	m.flow.syncAll()
	if !slices.ContainsFunc(m.flow.canvas.Edges(), func(e widgets.Edge) bool { return e.ID == "state-machine/checkout→function/worker" }) {
		t.Errorf("the state machine's Task edge is not drawn again: %v", m.flow.canvas.Edges())
	}
}
