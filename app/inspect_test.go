package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
)

// inspectorFixture is an inspector alone in a test window, over a fresh
// in-memory core.
type inspectorFixture struct {
	c      *core.Core
	in     *inspector
	win    fyne.Window
	copied []string
	tabs   []*container.TabItem
	execs  []string
	q      uiQueue // what background actions hand the UI thread
}

func newInspectorFixture(t *testing.T) *inspectorFixture {
	t.Helper()
	test.NewTempApp(t).Settings().SetTheme(newSkyTheme(true))
	f := &inspectorFixture{c: openTestCore(t)}
	f.in = newInspector(f.c, testEndpoint, func(s string) { f.copied = append(f.copied, s) })
	f.win = test.NewTempWindow(t, container.NewVScroll(f.in.content))
	f.win.Resize(fyne.NewSize(460, 1400))
	f.in.win = f.win
	f.in.openTab = func(ti *container.TabItem) { f.tabs = append(f.tabs, ti) }
	f.in.openExecution = func(_, arn string) { f.execs = append(f.execs, arn) }
	f.q = newUIQueue()
	f.in.do = f.q.do
	return f
}

// selectRes shows a resource and returns its view.
func (f *inspectorFixture) selectRes(t *testing.T, k ResourceKind, name string) inspectView {
	t.Helper()
	f.in.show(k, name)
	if f.in.view == nil {
		t.Fatalf("no inspector view for %s %q", k.Singular(), name)
	}
	for _, o := range test.LaidOutObjects(f.in.view.object()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Save" && !b.Disabled() {
			t.Fatalf("a Save button of the %s inspector is enabled before any edit", k.Singular())
		}
	}
	return f.in.view
}

// texts returns the text of every label and entry the inspector lays out.
func (f *inspectorFixture) texts() string {
	var out []string
	for _, o := range test.LaidOutObjects(f.in.details) {
		switch w := o.(type) {
		case *widget.Label:
			if w.Visible() {
				out = append(out, w.Text)
			}
		case *widget.Entry:
			out = append(out, w.Text)
		case *widget.Select:
			out = append(out, w.Selected)
		}
	}
	return strings.Join(out, "|")
}

// typeInto replaces a field's text as a user would: select all, type.
func typeInto(f *formField, s string) {
	switch e := f.input.(type) {
	case *widget.Entry:
		e.SetText("")
		test.Type(e, s)
	default:
		f.set(s)
	}
}

// tapOverlayButton taps the button labelled text in the topmost overlay
// (a dialog).
func tapOverlayButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog is open to tap %q", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("the dialog has no %q button", text)
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestQueueInspectorEditsAndValidates(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	qs := f.c.Queues()
	mustNil(t, qs.CreateQueue(ctx, "orders", map[string]string{"VisibilityTimeout": "45"}, nil))
	v := f.selectRes(t, Queues, "orders").(*queueView)
	for _, want := range []string{testEndpoint + "/000000000000/orders", "arn:aws:sqs:us-east-1:000000000000:orders", "45", "345600"} {
		if !strings.Contains(f.texts(), want) {
			t.Errorf("inspector lacks %q: %s", want, f.texts())
		}
	}

	if !v.form.save.Disabled() {
		t.Fatal("Save is enabled before any edit")
	}
	vis := v.form.field("VisibilityTimeout")
	typeInto(vis, "99999")
	if !vis.msg.Visible() || !strings.Contains(vis.msg.Text, "between 0 and 43200") {
		t.Fatalf("out-of-range visibility shows %q", vis.msg.Text)
	}
	if !v.form.save.Disabled() {
		t.Fatal("Save is enabled with an invalid value")
	}
	if v.form.submit() == nil {
		t.Fatal("submit accepted an invalid value")
	}
	if a, _ := qs.GetQueueAttributes("orders", []string{"VisibilityTimeout"}); a["VisibilityTimeout"] != "45" {
		t.Fatalf("invalid value reached the core: %s", a["VisibilityTimeout"])
	}
	// The core's events refresh the inspector; the typed text stays.
	_, err := qs.SendMessage(ctx, "orders", queue.SendInput{Body: "x"})
	mustNil(t, err)
	f.in.refresh()
	if vis.get() != "99999" {
		t.Fatalf("refresh replaced the typed text with %q", vis.get())
	}

	typeInto(vis, "120")
	if vis.msg.Visible() || v.form.save.Disabled() {
		t.Fatalf("valid value still flagged: %q, save disabled %v", vis.msg.Text, v.form.save.Disabled())
	}
	test.Tap(v.form.save)
	if a, _ := qs.GetQueueAttributes("orders", []string{"VisibilityTimeout"}); a["VisibilityTimeout"] != "120" {
		t.Fatalf("Save set visibility to %s", a["VisibilityTimeout"])
	}

	// A value only the core can judge: its error, in words, under the field.
	rp := v.form.field("RedrivePolicy")
	typed := `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":3}`
	typeInto(rp, typed)
	test.Tap(v.form.save)
	if !rp.msg.Visible() || !strings.HasPrefix(rp.msg.Text, "Invalid") || strings.Contains(rp.msg.Text, "InvalidParameterValue") {
		t.Fatalf("core error shows %q", rp.msg.Text)
	}
	if rp.get() != typed {
		t.Fatalf("the form lost the typed policy: %q", rp.get())
	}
}

func TestQueueInspectorTagsCopyAndDelete(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	qs := f.c.Queues()
	mustNil(t, qs.CreateQueue(ctx, "orders", nil, nil))
	v := f.selectRes(t, Queues, "orders").(*queueView)

	test.Type(v.tags.key, "team")
	test.Type(v.tags.value, "payments")
	test.Tap(v.tags.addBtn)
	if tags, _ := qs.ListQueueTags("orders"); tags["team"] != "payments" {
		t.Fatalf("tags after add: %v", tags)
	}
	if !strings.Contains(f.texts(), "payments") {
		t.Errorf("tag not listed: %s", f.texts())
	}
	test.Type(v.tags.key, "aws:reserved")
	test.Tap(v.tags.addBtn)
	if !v.tags.msg.Visible() {
		t.Error("reserved tag key accepted without a message")
	}
	if tags, _ := qs.ListQueueTags("orders"); len(tags) != 1 {
		t.Fatalf("reserved tag reached the core: %v", tags)
	}
	removeTag(t, v.tags, "team")
	if tags, _ := qs.ListQueueTags("orders"); len(tags) != 0 {
		t.Fatalf("tags after remove: %v", tags)
	}

	tapButtonIn(t, v.box, "")
	if len(f.copied) == 0 || f.copied[0] != testEndpoint+"/000000000000/orders" {
		t.Fatalf("copy button copied %q", f.copied)
	}

	tapButtonIn(t, v.box, "Delete queue")
	if !qs.QueueExists("orders") {
		t.Fatal("deleted before the confirmation")
	}
	tapOverlayButton(t, f.win, "Yes")
	if qs.QueueExists("orders") {
		t.Fatal("confirmed delete left the queue")
	}
}

// removeTag taps the remove button of tag key.
func removeTag(t *testing.T, te *tagEditor, key string) {
	t.Helper()
	for i, o := range te.rows.Objects {
		if rt, ok := o.(*widget.RichText); ok && rt.String() == key {
			tapButtonIn(t, te.rows.Objects[i+1], "")
			return
		}
	}
	t.Fatalf("tag %q is not listed", key)
}

// tapButtonIn taps the first button labelled text inside o.
func tapButtonIn(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no %q button", text)
}

func TestTopicInspectorSubscriptionsAndPublish(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	ts, qs := f.c.Topics(), f.c.Queues()
	arn, err := ts.CreateTopic(ctx, "orders", nil, nil)
	mustNil(t, err)
	mustNil(t, qs.CreateQueue(ctx, "big", nil, nil))
	mustNil(t, qs.CreateQueue(ctx, "all", nil, nil))
	_, err = ts.Subscribe(ctx, arn, "sqs", qs.ARN("big"), map[string]string{"FilterPolicy": `{"size":[{"numeric":[">",10]}]}`}, true)
	mustNil(t, err)
	_, err = ts.Subscribe(ctx, arn, "sqs", qs.ARN("all"), nil, true)
	mustNil(t, err)
	v := f.selectRes(t, Topics, "orders").(*topicView)
	if len(v.forms) != 2 || !strings.Contains(f.texts(), `{"size":[{"numeric":[">",10]}]}`) {
		t.Fatalf("subscriptions shown: %d, %s", len(v.forms), f.texts())
	}

	dn := v.form.field("DisplayName")
	typeInto(dn, strings.Repeat("x", 101))
	if !dn.msg.Visible() || !v.form.save.Disabled() {
		t.Fatal("a 101-character display name is not flagged")
	}
	typeInto(dn, "Orders")
	test.Tap(v.form.save)
	if a, _ := ts.GetTopicAttributes(arn); a["DisplayName"] != "Orders" {
		t.Fatalf("display name %q", a["DisplayName"])
	}

	var sf *subscriptionForm
	for _, s := range v.forms {
		if strings.HasSuffix(s.sub.Endpoint, ":all") {
			sf = s
		}
	}
	fp := sf.form.field("FilterPolicy")
	typeInto(fp, `{"size": [`)
	if !fp.msg.Visible() || !sf.form.save.Disabled() {
		t.Fatal("invalid filter JSON not flagged")
	}
	typeInto(fp, `{"color": ["red"]}`)
	test.Tap(sf.form.save)
	if a, _ := ts.GetSubscriptionAttributes(sf.sub.ARN); a["FilterPolicy"] != `{"color": ["red"]}` {
		t.Fatalf("filter policy %q", a["FilterPolicy"])
	}

	pf := showPublishDialog(f.in.actionContext())
	typeInto(pf.field("message"), "hello")
	typeInto(pf.field("attributes"), `{"size": 12, "color": "blue"}`)
	test.Tap(pf.run)
	res := labelsIn(pf.result)
	if !strings.Contains(res, "1 of 2 subscriptions matched") || !strings.Contains(res, "size ✓") || !strings.Contains(res, "sqs big") || !strings.Contains(res, `color ✗ ("blue")`) {
		t.Fatalf("publish result: %s", res)
	}
	waitFor(t, "the matched queue to get the message", func() bool {
		m, _ := qs.Peek("big", 10)
		return len(m) == 1
	})
	if m, _ := qs.Peek("all", 10); len(m) != 0 {
		t.Fatalf("filtered-out queue got %d messages", len(m))
	}

	tapButtonIn(t, sf.box, "Unsubscribe")
	tapOverlayButton(t, f.win, "Yes")
	if subs, _, _ := ts.ListSubscriptionsByTopic(arn, ""); len(subs) != 1 {
		t.Fatalf("%d subscriptions after unsubscribing one", len(subs))
	}
	if len(v.forms) != 1 {
		t.Fatalf("inspector shows %d subscriptions", len(v.forms))
	}
}

func labelsIn(o fyne.CanvasObject) string {
	var out []string
	for _, x := range test.LaidOutObjects(o) {
		switch w := x.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.RichText:
			out = append(out, w.String())
		case *widget.Entry:
			out = append(out, w.Text)
		}
	}
	return strings.Join(out, "|")
}

// waitFor polls cond until it holds, failing after a few seconds (for the
// core's background deliveries).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStreamInspectorAndRecords(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	ss := f.c.Streams()
	mustNil(t, ss.Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 2}))
	v := f.selectRes(t, Streams, "clicks").(*streamView)
	ret := v.form.field("RetentionHours")
	if ret.get() != "24" {
		t.Fatalf("retention field %q", ret.get())
	}
	typeInto(ret, "10")
	if !ret.msg.Visible() || !v.form.save.Disabled() {
		t.Fatal("retention below 24 h not flagged")
	}
	typeInto(ret, "48")
	typeInto(v.form.field("ShardCount"), "4")
	test.Tap(v.form.save)
	if d, _ := ss.Describe("clicks"); d.RetentionHours != 48 || d.OpenShards != 4 {
		t.Fatalf("after save: retention %d h, %d open shards", d.RetentionHours, d.OpenShards)
	}
	f.in.refresh()
	if got := v.form.field("ShardCount").get(); got != "4" || !v.form.save.Disabled() {
		t.Fatalf("after the refresh the form shows %s shards, save disabled %v", got, v.form.save.Disabled())
	}

	pf := showPutRecordDialog(f.in.actionContext())
	test.Tap(pf.run)
	if !pf.field("key").msg.Visible() {
		t.Fatal("a record without a partition key was not flagged")
	}
	typeInto(pf.field("key"), "user-7")
	typeInto(pf.field("data"), `{"click":1}`)
	test.Tap(pf.run)
	res := labelsIn(pf.result)
	land, err := ss.ShardFor("clicks", "user-7", "")
	mustNil(t, err)
	if !strings.Contains(res, "Shard "+land.ShardID) || !strings.Contains(res, "Sequence number ") {
		t.Fatalf("put record result %q (want shard %s)", res, land.ShardID)
	}

	b := openStreamBrowser(f.in.actionContext())
	if len(f.tabs) != 1 {
		t.Fatal("the record browser opened no tab")
	}
	b.form.field("shard").set(land.ShardID)
	test.Tap(b.form.run)
	rows := b.table.Rows()
	if len(rows) != 1 || rows[0].Body != `{"click":1}` || rows[0].Group != "user-7" {
		t.Fatalf("records read: %+v", rows)
	}
	b.form.field("type").set(stream.AfterSequenceNumber)
	test.Tap(b.form.run)
	if !b.form.field("sequence").msg.Visible() {
		t.Fatal("AFTER_SEQUENCE_NUMBER without a sequence number not flagged")
	}
	typeInto(b.form.field("sequence"), rows[0].ID)
	test.Tap(b.form.run)
	if n := len(b.table.Rows()); n != 0 {
		t.Fatalf("after the only record: %d rows", n)
	}
	for _, tc := range []struct {
		typ, seq, at string
		want         int
	}{
		{stream.AtSequenceNumber, rows[0].ID, "", 1},
		{stream.Latest, "", "", 0},
		{stream.AtTimestamp, "", t0.Add(-time.Second).UTC().Format(time.RFC3339), 1},
		{stream.AtTimestamp, "", t0.Add(time.Minute).UTC().Format(time.RFC3339), 0},
	} {
		b.form.field("type").set(tc.typ)
		typeInto(b.form.field("sequence"), tc.seq)
		typeInto(b.form.field("timestamp"), tc.at)
		mustNil(t, b.form.submit())
		if n := len(b.table.Rows()); n != tc.want {
			t.Errorf("%s %s%s: %d records, want %d", tc.typ, tc.seq, tc.at, n, tc.want)
		}
	}
	b.form.field("type").set(stream.AtTimestamp)
	typeInto(b.form.field("timestamp"), "yesterday")
	if b.form.submit() == nil || !b.form.field("timestamp").msg.Visible() {
		t.Fatal("a timestamp that is no time was not flagged")
	}
}

func TestAPIInspectorRoutesAndCall(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	gw := f.c.Gateway()
	_, err := gw.CreateAPI(ctx, gateway.API{Name: "shop", Routes: []gateway.Route{{Key: "GET /ping",
		Integration: gateway.Integration{Type: gateway.Mock, Mock: &gateway.MockResponse{Status: 200, Body: `{"pong":true}`,
			Headers: map[string]string{"X-Shop": "yes"}}}}}})
	mustNil(t, err)
	v := f.selectRes(t, APIs, "shop").(*apiView)
	if !strings.Contains(f.texts(), "GET /ping") {
		t.Fatalf("routes not shown: %s", f.texts())
	}
	key := v.adder.field("key")
	typeInto(key, "FETCH /x")
	if !key.msg.Visible() || !v.adder.save.Disabled() {
		t.Fatal("bad route key not flagged")
	}
	typeInto(key, "POST /orders")
	test.Tap(v.adder.save)
	api, _ := gw.API("shop")
	if len(api.Routes) != 2 {
		t.Fatalf("routes after add: %+v", api.Routes)
	}
	f.in.refresh()
	if !strings.Contains(f.texts(), "POST /orders") {
		t.Fatalf("new route not listed: %s", f.texts())
	}

	rf := v.rforms["POST /orders"]
	typeInto(rf.field("timeout"), "20")
	if !rf.field("timeout").msg.Visible() || !rf.save.Disabled() {
		t.Fatal("a 20 ms integration timeout is not flagged")
	}
	mustNil(t, f.c.Queues().CreateQueue(ctx, "orders", nil, nil))
	typeInto(rf.field("timeout"), "5000")
	rf.field("type").set(string(gateway.Queue))
	typeInto(rf.field("target"), "orders")
	test.Tap(rf.save)
	api, _ = gw.API("shop")
	for _, r := range api.Routes {
		if r.Key == "POST /orders" && (r.Integration.Type != gateway.Queue || r.Integration.Target != "orders" || r.Integration.TimeoutMS != 5000) {
			t.Fatalf("route after save: %+v", r.Integration)
		}
	}

	cf := showCallRouteDialog(f.in.actionContext(), "GET /ping")
	typeInto(cf.field("headers"), "not a header")
	test.Tap(cf.run)
	if !cf.field("headers").msg.Visible() {
		t.Fatal("bad header line not flagged")
	}
	typeInto(cf.field("headers"), "Accept: application/json")
	test.Tap(cf.run)
	f.q.runUntil(t, "the response", func() bool { return strings.Contains(labelsIn(cf.result), "Status") })
	res := labelsIn(cf.result)
	if !strings.Contains(res, "Status 200 OK") || !strings.Contains(res, "X-Shop: yes") || !strings.Contains(res, `"pong": true`) {
		t.Fatalf("call result: %s", res)
	}
}

func TestMachineInspectorStartsExecution(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	ms := f.c.Machines()
	sm, err := ms.CreateStateMachine(ctx, machine.CreateInput{Name: "flow", Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`})
	mustNil(t, err)
	v := f.selectRes(t, StateMachines, "flow").(*machineView)
	role := v.form.field("RoleArn")
	typeInto(role, "admin")
	if !role.msg.Visible() {
		t.Fatal("a role that is no ARN is not flagged")
	}
	typeInto(role, "arn:aws:iam::000000000000:role/flow")
	typeInto(v.form.field("Description"), "order flow")
	test.Tap(v.form.save)
	if d, _ := ms.DescribeStateMachine(sm.Arn); d.Description != "order flow" || d.RoleArn != "arn:aws:iam::000000000000:role/flow" {
		t.Fatalf("machine after save: %q %q", d.Description, d.RoleArn)
	}

	sf := showStartExecutionDialog(f.in.actionContext())
	typeInto(sf.field("input"), `{"a": `)
	test.Tap(sf.run)
	if !sf.field("input").msg.Visible() || len(f.execs) != 0 {
		t.Fatal("invalid input JSON was not stopped")
	}
	typeInto(sf.field("input"), `{"a": 1}`)
	typeInto(sf.field("name"), "first")
	test.Tap(sf.run)
	if len(f.execs) != 1 {
		t.Fatal("the execution was not opened")
	}
	x, err := ms.DescribeExecution(f.execs[0])
	mustNil(t, err)
	if x.Name != "first" || x.Input != `{"a": 1}` {
		t.Fatalf("execution %q with input %q", x.Name, x.Input)
	}
}

func TestFunctionInspectorEdits(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	fs := f.c.Functions()
	mustNil(t, fs.CreateFunction(ctx, function.Definition{Name: "worker", Command: []string{"cat"}}))
	v := f.selectRes(t, Functions, "worker").(*functionView)
	mem := v.form.field("MemoryMB")
	if mem.get() != "128" {
		t.Fatalf("memory field %q", mem.get())
	}
	typeInto(mem, "64")
	if !mem.msg.Visible() || !v.form.save.Disabled() {
		t.Fatal("64 MB not flagged")
	}
	typeInto(mem, "256")
	typeInto(v.form.field("Timeout"), "10")
	test.Tap(v.form.save)
	def, _ := fs.GetFunction("worker")
	if def.MemoryMB != 256 || def.Timeout != 10*time.Second {
		t.Fatalf("function after save: %d MB, %s", def.MemoryMB, def.Timeout)
	}
	inv := showInvokeDialog(f.in.actionContext())
	typeInto(inv.field("payload"), `{"a": `)
	test.Tap(inv.run)
	if !inv.field("payload").msg.Visible() {
		t.Fatal("an invalid event was not flagged")
	}
	typeInto(inv.field("payload"), `{"a": 1}`)
	test.Tap(inv.run)
	f.q.runUntil(t, "the function's answer", func() bool { return strings.Contains(labelsIn(inv.result), "Succeeded") })
	if res := labelsIn(inv.result); !strings.Contains(res, `"a": 1`) {
		t.Fatalf("invoke result %s", res)
	}

	tapButtonIn(t, v.box, "Delete function")
	tapOverlayButton(t, f.win, "Yes")
	if _, err := fs.GetFunction("worker"); err == nil {
		t.Fatal("confirmed delete left the function")
	}
}

// TestInspectorLooks keeps golden images of two inspectors as wide as the
// main window's inspector panel.
func TestInspectorLooks(t *testing.T) {
	pinVersion(t)
	// Only the resource's own form: sections have goldens of their own.
	saved := inspectorSections
	inspectorSections = nil
	t.Cleanup(func() { inspectorSections = saved })
	ctx := context.Background()
	for _, tc := range []struct {
		golden string
		kind   ResourceKind
		name   string
		create func(f *inspectorFixture) error
	}{
		{"inspector_stream.png", Streams, "clicks", func(f *inspectorFixture) error {
			return f.c.Streams().Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 2, Tags: map[string]string{"team": "web"}})
		}},
		{"inspector_machine.png", StateMachines, "checkout", func(f *inspectorFixture) error {
			_, err := f.c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "checkout", Description: "orders to shipping",
				Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newInspectorFixture(t)
			mustNil(t, tc.create(f))
			f.selectRes(t, tc.kind, tc.name)
			f.win.Resize(fyne.NewSize(320, 1320))
			test.AssertImageMatches(t, tc.golden, f.win.Canvas().Capture())
		})
	}
}

// TestMainWindowOpensActionsInTabs checks the hooks wireInspector sets: a
// started execution opens in the machine's editor, a browser in a tab.
func TestMainWindowOpensActionsInTabs(t *testing.T) {
	_, c, m, _ := newTestWindow(t)
	m.wireInspector()
	ctx := context.Background()
	_, err := c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "flow",
		Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`})
	mustNil(t, err)
	mustNil(t, c.Queues().CreateQueue(ctx, "orders", nil, nil))
	m.syncServices()
	m.syncQueues()

	m.inspector.show(StateMachines, "flow")
	tabs := len(m.tabs.Items)
	sf := showStartExecutionDialog(m.inspector.actionContext())
	typeInto(sf.field("name"), "from-inspector")
	test.Tap(sf.run)
	ed := m.editors["flow"]
	if ed == nil || len(m.tabs.Items) != tabs+1 || m.tabs.Selected() != ed.tab {
		t.Fatal("the execution did not open the machine's editor")
	}
	x, err := c.Machines().DescribeExecution(ed.run.current)
	if err != nil || x.Name != "from-inspector" {
		t.Fatalf("editor shows execution %q (%v)", ed.run.current, err)
	}

	m.inspector.show(Queues, "orders")
	openQueueBrowser(m.inspector.actionContext())
	if sel := m.tabs.Selected(); sel == nil || sel.Text != "Messages · orders" {
		t.Fatalf("selected tab %v", sel)
	}
	n := len(m.tabs.Items)
	openQueueBrowser(m.inspector.actionContext())
	if len(m.tabs.Items) != n {
		t.Fatalf("opening the browser again made %d tabs of %d", len(m.tabs.Items), n)
	}
	tapButtonIn(t, m.tabs.Selected().Content, "Close")
	if len(m.tabs.Items) != n-1 {
		t.Fatalf("Close left %d tabs of %d", len(m.tabs.Items), n)
	}
}

// BenchmarkQueueInspectorRefresh is what every batch of queue events costs
// the inspector while a queue is selected: re-read its attributes, update
// the counts, keep the form.
func BenchmarkQueueInspectorRefresh(b *testing.B) {
	test.NewTempApp(b)
	// A frozen clock, as in the other app benchmarks: the monitor's ticks
	// would redraw the charts from their own goroutine, which fyne's test
	// driver runs at once, beside this loop, instead of on a UI thread.
	c, err := core.Open(core.Config{Memory: true, Clock: clock.NewFrozen(t0)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err != nil {
		b.Fatal(err)
	}
	in := newInspector(c, testEndpoint, func(string) {})
	w := test.NewWindow(in.content)
	defer w.Close()
	in.show(Queues, "orders")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%10 == 0 {
			c.Queues().SendMessage(ctx, "orders", queue.SendInput{Body: "x"})
		}
		in.refresh()
	}
}

// TestInspectorKeepsRegisteredSections checks that sections registered by
// other files still follow the resource's form after every refresh.
func TestInspectorKeepsRegisteredSections(t *testing.T) {
	saved := inspectorSections
	t.Cleanup(func() { inspectorSections = saved })
	builds := 0
	registerInspectorSection(inspectorSection{order: 1, title: "Probe", build: func(sc sectionContext) fyne.CanvasObject {
		builds++
		return widget.NewLabel("probe of " + sc.name)
	}})
	f := newInspectorFixture(t)
	mustNil(t, f.c.Queues().CreateQueue(context.Background(), "orders", nil, nil))
	mustNil(t, f.c.Queues().CreateQueue(context.Background(), "payments", nil, nil))
	f.selectRes(t, Queues, "orders")
	f.in.refresh()
	// Built once per selection, kept across refreshes (core events), so
	// nothing is rebuilt under a user dragging a slider or typing.
	if builds != 1 || !strings.Contains(f.texts(), "probe of orders") || !strings.Contains(f.texts(), "Probe") {
		t.Fatalf("section built %d times; inspector shows %s", builds, f.texts())
	}
	f.selectRes(t, Queues, "payments")
	if builds != 2 || !strings.Contains(f.texts(), "probe of payments") || strings.Contains(f.texts(), "probe of orders") {
		t.Fatalf("after a new selection: built %d times; inspector shows %s", builds, f.texts())
	}
	if _, ok := f.in.details.Objects[0].(*fyne.Container); !ok || f.in.details.Objects[0] != f.in.view.object() {
		t.Fatal("the resource's form is not first")
	}
}

func TestErrorInWords(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&queue.Error{Code: queue.InvalidAttributeValue, Message: "Invalid value for the parameter VisibilityTimeout."},
			"Invalid attribute value: Invalid value for the parameter VisibilityTimeout."},
		{&stream.Error{Code: stream.ResourceNotFound, Message: "Stream clicks under account 000000000000 not found."},
			"Resource not found: Stream clicks under account 000000000000 not found."},
		{&gateway.Error{Code: gateway.BadRequest, Message: "bad route key"}, "Bad request: bad route key"},
		{errors.New("plain words"), "plain words"},
	} {
		if got := errorInWords(tc.err); got != tc.want {
			t.Errorf("errorInWords(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
