package app

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/widgets"
)

func queueCounts(t *testing.T, qs *queue.Service, name string) (visible, inFlight int) {
	t.Helper()
	a, err := qs.GetQueueAttributes(name, []string{"All"})
	mustNil(t, err)
	visible, _ = strconv.Atoi(a["ApproximateNumberOfMessages"])
	inFlight, _ = strconv.Atoi(a["ApproximateNumberOfMessagesNotVisible"])
	return visible, inFlight
}

func TestSendDialogSendsAndRemembersPayloads(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	qs := f.c.Queues()
	mustNil(t, qs.CreateQueue(ctx, "orders", nil, nil))
	f.selectRes(t, Queues, "orders")

	sf := showSendDialog(f.in.actionContext())
	if f.win.Canvas().Overlays().Top() == nil {
		t.Fatal("Send message opened no dialog")
	}
	if e, _ := sf.field("body").input.(*widget.Entry); f.win.Canvas().Focused() != e {
		t.Error("the body does not have the keyboard focus")
	}
	typeInto(sf.field("attributes"), `{"kind": ["a"]}`)
	typeInto(sf.field("delay"), "901")
	test.Tap(sf.run)
	if !sf.field("body").msg.Visible() || !sf.field("delay").msg.Visible() || !sf.field("attributes").msg.Visible() {
		t.Fatal("empty body, delay 901 and an array attribute were not all flagged")
	}
	if v, _ := queueCounts(t, qs, "orders"); v != 0 {
		t.Fatalf("an invalid send reached the queue (%d messages)", v)
	}
	typeInto(sf.field("body"), `{"order": 1}`)
	typeInto(sf.field("attributes"), `{"kind": "new", "total": 12.5}`)
	typeInto(sf.field("delay"), "")
	test.Tap(sf.run)
	msgs, err := qs.ReceiveMessage(ctx, "orders", queue.ReceiveInput{MessageAttributeNames: []string{"All"}})
	mustNil(t, err)
	if len(msgs) != 1 || msgs[0].Body != `{"order": 1}` || msgs[0].MessageAttributes["total"].DataType != "Number" ||
		msgs[0].MessageAttributes["kind"].StringValue != "new" {
		t.Fatalf("received %+v", msgs)
	}
	if res := labelsIn(sf.result); !strings.Contains(res, "Sent message "+msgs[0].MessageID) {
		t.Fatalf("send result %q", res)
	}
	typeInto(sf.field("body"), "second")
	test.Tap(sf.run)

	again := showSendDialog(f.in.actionContext())
	opts := again.recent.sel.Options
	if len(opts) != 2 || !strings.Contains(opts[0], "second") || !strings.Contains(opts[1], `{"order": 1}`) {
		t.Fatalf("recent payloads %q", opts)
	}
	again.recent.sel.SetSelectedIndex(1)
	if again.field("body").get() != `{"order": 1}` || !strings.Contains(again.field("attributes").get(), "12.5") {
		t.Fatalf("picking a recent payload filled %q", again.field("body").get())
	}
	for range maxRecent + 2 {
		typeInto(again.field("body"), "n"+strconv.Itoa(len(again.recent.items)))
		typeInto(again.field("body"), again.field("body").get()+"x")
		test.Tap(again.run)
	}
	if n := len(again.recent.items); n != maxRecent {
		t.Fatalf("%d recent payloads kept, want %d", n, maxRecent)
	}
}

// tapFirstRow shows a message table in a window and taps its first row.
func tapFirstRow(t *testing.T, m *widgets.MessageTable) {
	t.Helper()
	w := test.NewTempWindow(t, m)
	w.Resize(fyne.NewSize(720, 300))
	header := m.HeaderButton(widgets.ColumnID).Size().Height
	test.TapCanvas(w.Canvas(), fyne.NewPos(40, header*1.5))
	if _, ok := m.Selected(); !ok {
		t.Fatal("tapping the first row selected nothing")
	}
}

func TestFIFOSendNeedsGroup(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	qs := f.c.Queues()
	mustNil(t, qs.CreateQueue(ctx, "jobs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}, nil))
	f.selectRes(t, Queues, "jobs.fifo")
	sf := showSendDialog(f.in.actionContext())
	if sf.field("delay") != nil {
		t.Fatal("a FIFO queue offers a per-message delay")
	}
	typeInto(sf.field("body"), "job")
	test.Tap(sf.run)
	if !sf.field("group").msg.Visible() {
		t.Fatal("missing group id not flagged")
	}
	typeInto(sf.field("group"), "g1")
	test.Tap(sf.run)
	if res := labelsIn(sf.result); !strings.Contains(res, "sequence") {
		t.Fatalf("FIFO send result %q", res)
	}
	msgs, _ := qs.Peek("jobs.fifo", 10)
	if len(msgs) != 1 || msgs[0].Attributes["MessageGroupId"] != "g1" {
		t.Fatalf("peeked %+v", msgs)
	}
}

func TestQueueBrowserPeekReceiveDeletePurge(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	qs := f.c.Queues()
	mustNil(t, qs.CreateQueue(ctx, "orders", nil, nil))
	for _, b := range []string{"a", "b", "c"} {
		_, err := qs.SendMessage(ctx, "orders", queue.SendInput{Body: b})
		mustNil(t, err)
	}
	f.selectRes(t, Queues, "orders")
	b := openQueueBrowser(f.in.actionContext())
	if len(f.tabs) != 1 || !strings.Contains(f.tabs[0].Text, "orders") {
		t.Fatal("Browse messages opened no tab")
	}
	if n := len(b.table.Rows()); n != 3 {
		t.Fatalf("browser shows %d messages", n)
	}
	test.Tap(b.peek)
	test.Tap(b.peek)
	if v, fl := queueCounts(t, qs, "orders"); v != 3 || fl != 0 {
		t.Fatalf("peeking changed the queue: %d visible, %d in flight", v, fl)
	}
	for _, r := range b.table.Rows() {
		if r.Receives != 0 {
			t.Fatalf("peek counted a receive: %+v", r)
		}
	}
	if b.deleteSelected() == nil {
		t.Fatal("deleted a message that was only peeked")
	}

	test.Tap(b.receive)
	if v, fl := queueCounts(t, qs, "orders"); v != 0 || fl != 3 {
		t.Fatalf("after receive: %d visible, %d in flight", v, fl)
	}
	tapFirstRow(t, b.table)
	if b.del.Disabled() {
		t.Fatal("Delete disabled for a received message")
	}
	test.Tap(b.del)
	if _, fl := queueCounts(t, qs, "orders"); fl != 2 {
		t.Fatalf("after delete: %d in flight", fl)
	}
	if n := len(b.table.Rows()); n != 2 {
		t.Fatalf("table keeps %d rows after delete", n)
	}

	test.Tap(b.purge)
	tapOverlayButton(t, f.win, "Yes")
	if v, fl := queueCounts(t, qs, "orders"); v != 0 || fl != 0 {
		t.Fatalf("after purge: %d visible, %d in flight", v, fl)
	}
}

func TestQueueBrowserMovesDeadLettersBack(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	qs := f.c.Queues()
	mustNil(t, qs.CreateQueue(ctx, "orders-dlq", nil, nil))
	mustNil(t, qs.CreateQueue(ctx, "orders", map[string]string{"VisibilityTimeout": "0",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + qs.ARN("orders-dlq") + `","maxReceiveCount":1}`}, nil))
	_, err := qs.SendMessage(ctx, "orders", queue.SendInput{Body: "poison"})
	mustNil(t, err)
	waitFor(t, "the message to reach the dead-letter queue", func() bool {
		qs.ReceiveMessage(ctx, "orders", queue.ReceiveInput{})
		v, _ := queueCounts(t, qs, "orders-dlq")
		return v == 1
	})

	src := newQueueBrowser(f.in.actionContext())
	if !src.moveBack.Disabled() {
		t.Fatal("Move back offered on a queue that is no dead-letter queue")
	}
	f.selectRes(t, Queues, "orders-dlq")
	b := openQueueBrowser(f.in.actionContext())
	if b.moveBack.Disabled() {
		t.Fatal("Move back disabled on the dead-letter queue")
	}
	test.Tap(b.moveBack)
	waitFor(t, "the message to move back", func() bool {
		m, _ := qs.Peek("orders", 10)
		return len(m) == 1 && m[0].Body == "poison"
	})
	if v, _ := queueCounts(t, qs, "orders-dlq"); v != 0 {
		t.Fatalf("%d messages left in the dead-letter queue", v)
	}
	waitFor(t, "the move task to complete", func() bool { return strings.Contains(b.moveStatus(), "COMPLETED: 1 moved") })
	test.Tap(b.peek)
	if !strings.Contains(b.status.Text, "0 messages visible") || !strings.Contains(b.status.Text, "COMPLETED: 1 moved") {
		t.Fatalf("status after the move %q", b.status.Text)
	}
}

// TestActionsFromASection opens an action from a section's context, as a
// canvas node menu or an inspector section would.
func TestActionsFromASection(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	mustNil(t, f.c.Queues().CreateQueue(ctx, "orders", nil, nil))
	ac := actionsFor(sectionContext{core: f.c, kind: Queues, name: "orders", win: f.win, endpoint: testEndpoint})
	sf := showSendDialog(ac)
	typeInto(sf.field("body"), "from the canvas")
	test.Tap(sf.run)
	if msgs, _ := f.c.Queues().Peek("orders", 10); len(msgs) != 1 || msgs[0].Body != "from the canvas" {
		t.Fatalf("queue holds %+v", msgs)
	}
	if sf.recent == nil || len(sf.recent.items) != 1 {
		t.Fatal("the section's action kept no recent payload")
	}
}

// TestActionMenuItems runs an action from the menu items a canvas node's
// context menu would show.
func TestActionMenuItems(t *testing.T) {
	f := newInspectorFixture(t)
	mustNil(t, f.c.Queues().CreateQueue(context.Background(), "orders", nil, nil))
	ac := newActionContext(f.c, Queues, "orders", f.win)
	items := actionMenuItems(ac)
	if len(items) != 2 || items[0].Label != "Send message…" {
		t.Fatalf("queue menu %v", items)
	}
	items[0].Action()
	top := f.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Send message… opened no dialog")
	}
	for _, k := range []ResourceKind{Topics, Streams, StateMachines, APIs, Functions} {
		if len(actionMenuItems(actionContext{kind: k})) == 0 {
			t.Errorf("%s has no actions", k)
		}
	}
}
