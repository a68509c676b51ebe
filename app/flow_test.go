package app

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/widgets"
)

func absPos(o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}

// onCanvas turns a model position of the flow canvas (at its current zoom
// and pan) into an absolute window position.
func onCanvas(m *MainWindow, p fyne.Position) fyne.Position {
	f := m.flow.canvas
	return absPos(f).Add(fyne.NewPos(p.X*f.Zoom(), p.Y*f.Zoom()).Add(f.Offset()))
}

func flowWindow(t *testing.T) (*core.Core, *MainWindow, uiQueue) {
	t.Helper()
	pinVersion(t)
	_, c, m, q := newTestWindow(t)
	m.Window().Resize(fyne.NewSize(1280, 800))
	waitApplied(t, m, q, 0)
	return c, m, q
}

// dragFromPalette drags the palette item of a kind onto the canvas at a
// position relative to the canvas.
func dragFromPalette(t *testing.T, m *MainWindow, kind string, at fyne.Position) {
	t.Helper()
	i := slices.IndexFunc(m.flow.palette, func(p *paletteItem) bool { return p.kind == kind })
	if i < 0 {
		t.Fatalf("no %q in the palette", kind)
	}
	from := absPos(m.flow.palette[i]).AddXY(8, 8)
	to := absPos(m.flow.canvas).Add(at)
	test.Drag(m.Window().Canvas(), from, to.X-from.X, to.Y-from.Y)
}

func createQueues(t *testing.T, c *core.Core, m *MainWindow, q uiQueue, attrs map[string]map[string]string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := c.Queues().CreateQueue(context.Background(), n, attrs[n], nil); err != nil {
			t.Fatal(err)
		}
	}
	q.runUntil(t, "the queues on the canvas", func() bool {
		got := m.flow.nodeNames()
		for _, n := range names {
			if !slices.Contains(got, n) {
				return false
			}
		}
		return true
	})
}

func redrivePolicy(t *testing.T, c *core.Core, name string) (target string, max int) {
	t.Helper()
	attrs, err := c.Queues().GetQueueAttributes(name, []string{"RedrivePolicy"})
	if err != nil {
		t.Fatal(err)
	}
	if attrs["RedrivePolicy"] == "" {
		return "", 0
	}
	var p struct {
		Target string `json:"deadLetterTargetArn"`
		Max    int    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(attrs["RedrivePolicy"]), &p); err != nil {
		t.Fatal(err)
	}
	return p.Target, p.Max
}

func TestDragQueueFromPaletteCreatesIt(t *testing.T) {
	tests := []struct {
		kind, name string
		fifo       bool
	}{
		{dropQueue, "queue-1", false},
		{dropFIFOQueue, "queue-1.fifo", true},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			c, m, q := flowWindow(t)
			dragFromPalette(t, m, tt.kind, fyne.NewPos(304, 192)) // on a grid point, so a pixel or two either way snaps the same
			form := m.flow.form
			if form == nil {
				t.Fatal("dropping did not open the creation form")
			}
			if form.name.Text != tt.name {
				t.Errorf("form pre-filled with %q, want %q", form.name.Text, tt.name)
			}
			form.dlg.Submit()
			sums := c.Queues().List()
			if len(sums) != 1 || sums[0].Name != tt.name || sums[0].FIFO != tt.fifo {
				t.Fatalf("core queues %+v", sums)
			}
			n, ok := m.flow.canvas.Node(queueNode(tt.name))
			if want := fyne.NewPos(304, 192); !ok || n.Pos != want {
				t.Errorf("node %+v, want at %v", n, want)
			}
			if got := m.app.Preferences().String(prefPositionPrefix + queueNode(tt.name)); got == "" {
				t.Error("position not saved")
			}
			waitApplied(t, m, q, 1) // the core's creation event changes nothing more
			if got := m.flow.nodeNames(); !slices.Equal(got, []string{tt.name}) {
				t.Errorf("canvas shows %v", got)
			}
		})
	}
}

func TestCreationFormRefusesBadNames(t *testing.T) {
	c, m, _ := flowWindow(t)
	tests := []struct {
		kind, typed, want string
	}{
		{dropQueue, "bad name!", "use only letters, digits, - and _"},
		{dropQueue, strings.Repeat("q", 81), "81 characters; a queue name has at most 80"},
		{dropQueue, "orders.fifo", "only FIFO queue names end in .fifo"},
		{dropFIFOQueue, "orders", "a FIFO queue's name ends in .fifo"},
		{dropQueue, "", "enter a name"},
	}
	for _, tt := range tests {
		dragFromPalette(t, m, tt.kind, fyne.NewPos(100, 100))
		form := m.flow.form
		form.name.SetText(tt.typed)
		err := form.name.Validate()
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: %v, want %q", tt.typed, err, tt.want)
		}
		form.dlg.Submit() // refused: the form stays open with what was typed
		if m.flow.form != form || form.name.Text != tt.typed {
			t.Errorf("%q: form closed or changed", tt.typed)
		}
		form.dlg.Dismiss()
	}
	if n := len(c.Queues().List()); n != 0 {
		t.Errorf("%d queues reached the core", n)
	}
}

func TestWireQueuesAppearOnTheCanvas(t *testing.T) {
	c, m, q := flowWindow(t)
	createQueues(t, c, m, q, nil, "orders", "orders-dlq", "payments")
	nodes := m.flow.canvas.Nodes()
	for i, a := range nodes {
		for _, b := range nodes[i+1:] {
			if a.Pos == b.Pos {
				t.Errorf("%s and %s both at %v", a.ID, b.ID, a.Pos)
			}
		}
	}
	arn := "arn:aws:sqs:us-east-1:000000000000:orders-dlq"
	if err := c.Queues().SetQueueAttributes(context.Background(), "orders",
		map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":5}`}); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, m, q, 4) // three creates and the attribute change, all in the log
	if len(m.flow.canvas.Edges()) != 1 {
		t.Fatalf("edges %+v", m.flow.canvas.Edges())
	}
	e := m.flow.canvas.Edges()[0]
	if e.From != "queue/orders" || e.To != "queue/orders-dlq" || e.Label != "dead letter after 5" {
		t.Errorf("edge %+v", e)
	}
	if n, _ := m.flow.canvas.Node("queue/orders-dlq"); n.Kind != "Queue · DLQ" {
		t.Errorf("dlq kind %q", n.Kind)
	}
	test.AssertImageMatches(t, "flow_canvas.png", m.Window().Canvas().Capture())

	if err := c.Queues().DeleteQueue(context.Background(), "payments"); err != nil {
		t.Fatal(err)
	}
	q.runUntil(t, "the deleted queue to leave", func() bool { return len(m.flow.nodeNames()) == 2 })
}

func TestConnectingQueuesSetsRedriveWithUndo(t *testing.T) {
	c, m, q := flowWindow(t)
	createQueues(t, c, m, q, nil, "orders", "orders-dlq")
	src, _ := m.flow.canvas.Node("queue/orders")
	dst, _ := m.flow.canvas.Node("queue/orders-dlq")
	s := widgets.NodeSize()
	from := onCanvas(m, src.Pos.AddXY(s.Width, s.Height/2))
	to := onCanvas(m, dst.Pos.AddXY(s.Width/2, s.Height/2))
	test.Drag(m.Window().Canvas(), from, to.X-from.X, to.Y-from.Y)

	target, max := redrivePolicy(t, c, "orders")
	if target != "arn:aws:sqs:us-east-1:000000000000:orders-dlq" || max != defaultMaxReceiveCount {
		t.Fatalf("redrive %q after %d", target, max)
	}
	if tip := m.flow.canvas.Tooltip(); tip != "" {
		t.Errorf("tooltip %q", tip)
	}
	m.flow.canvas.TypedShortcut(&fyne.ShortcutUndo{})
	if target, _ := redrivePolicy(t, c, "orders"); target != "" {
		t.Errorf("undo left the redrive to %q", target)
	}
	m.flow.canvas.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyY, Modifier: fyne.KeyModifierShortcutDefault})
	if target, _ := redrivePolicy(t, c, "orders"); target == "" {
		t.Error("redo did not restore the redrive")
	}
	q.runUntil(t, "one redrive edge", func() bool { return len(m.flow.canvas.Edges()) == 1 })
}

func TestInvalidLinkIsRefusedWithAReason(t *testing.T) {
	c, m, q := flowWindow(t)
	createQueues(t, c, m, q, map[string]map[string]string{"jobs.fifo": {"FifoQueue": "true"}}, "orders", "jobs.fifo")
	src, _ := m.flow.canvas.Node("queue/orders")
	dst, _ := m.flow.canvas.Node("queue/jobs.fifo")
	s := widgets.NodeSize()
	from := onCanvas(m, src.Pos.AddXY(s.Width, s.Height/2))
	to := onCanvas(m, dst.Pos.AddXY(s.Width/2, s.Height/2))
	test.Drag(m.Window().Canvas(), from, to.X-from.X, to.Y-from.Y)
	if got, want := m.flow.canvas.Tooltip(), "Dead-letter queue must be same type of queue as the source."; got != want {
		t.Errorf("tooltip %q, want %q", got, want)
	}
	if target, _ := redrivePolicy(t, c, "orders"); target != "" || len(m.flow.canvas.Edges()) != 0 {
		t.Errorf("refused link set a redrive to %q", target)
	}
}

func TestDeletingANodeDeletesTheQueueAndUndoRestoresIt(t *testing.T) {
	c, m, q := flowWindow(t)
	createQueues(t, c, m, q, map[string]map[string]string{"jobs.fifo": {"FifoQueue": "true"}}, "jobs.fifo")
	m.flow.canvas.Select([]string{"queue/jobs.fifo"}, nil)
	m.flow.canvas.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if m.flow.confirm == nil || len(c.Queues().List()) != 1 {
		t.Fatal("the Delete key deleted without asking")
	}
	m.flow.confirm.Confirm()
	if n := len(c.Queues().List()); n != 0 {
		t.Fatalf("%d queues after delete", n)
	}
	m.flow.canvas.Undo()
	sums := c.Queues().List()
	if len(sums) != 1 || sums[0].Name != "jobs.fifo" || !sums[0].FIFO {
		t.Errorf("after undo %+v", sums)
	}
}

func TestNodePositionsPersist(t *testing.T) {
	a := test.NewTempApp(t)
	c := openTestCore(t)
	q := newUIQueue()
	first := newMainWindow(a, c, testEndpoint, q.do)
	first.Window().Resize(fyne.NewSize(1280, 800))
	createQueues(t, c, first, q, nil, "orders")
	n, _ := first.flow.canvas.Node("queue/orders")
	g := widgets.GridStep()
	from := onCanvas(first, n.Pos.AddXY(20, 20))
	test.Drag(first.Window().Canvas(), from, 10*g, 4*g)
	moved, _ := first.flow.canvas.Node("queue/orders")
	if moved.Pos != n.Pos.AddXY(10*g, 4*g) {
		t.Fatalf("dragged to %v from %v", moved.Pos, n.Pos)
	}
	first.Window().Close()

	second := newMainWindow(a, c, testEndpoint, q.do)
	t.Cleanup(second.Window().Close)
	if got, _ := second.flow.canvas.Node("queue/orders"); got.Pos != moved.Pos {
		t.Errorf("restored at %v, want %v", got.Pos, moved.Pos)
	}
}

func TestRestoredQueuesLayOutDeadLettersBeside(t *testing.T) {
	a := test.NewTempApp(t)
	c := openTestCore(t)
	ctx := context.Background()
	for _, n := range []string{"orders", "orders-dlq", "payments"} {
		if err := c.Queues().CreateQueue(ctx, n, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Queues().SetQueueAttributes(ctx, "orders", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq","maxReceiveCount":3}`}); err != nil {
		t.Fatal(err)
	}
	q := newUIQueue()
	m := newMainWindow(a, c, testEndpoint, q.do)
	t.Cleanup(m.Window().Close)
	src, _ := m.flow.canvas.Node("queue/orders")
	dlq, _ := m.flow.canvas.Node("queue/orders-dlq")
	if dlq.Pos.Y != src.Pos.Y || dlq.Pos.X <= src.Pos.X+widgets.NodeSize().Width {
		t.Errorf("dead-letter queue at %v, source at %v: want it on the right", dlq.Pos, src.Pos)
	}
	if len(m.flow.canvas.Edges()) != 1 {
		t.Errorf("edges %+v", m.flow.canvas.Edges())
	}
}

func TestNodesShowSparklinesOfVisibleMessages(t *testing.T) {
	c, m, q := flowWindow(t)
	createQueues(t, c, m, q, nil, "orders")
	for i := range 3 {
		for range i {
			if _, err := c.Queues().SendMessage(context.Background(), "orders", queue.SendInput{Body: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		m.flow.sample(c.Queues().List())
	}
	n, _ := m.flow.canvas.Node("queue/orders")
	if !slices.Equal(n.Spark, []float64{0, 1, 3}) {
		t.Errorf("spark %v, want the visible counts 0, 1, 3", n.Spark)
	}
	if err := c.Queues().DeleteQueue(context.Background(), "orders"); err != nil {
		t.Fatal(err)
	}
	m.flow.sample(c.Queues().List())
	if len(m.flow.sparks) != 0 {
		t.Errorf("sparks kept for a deleted queue: %v", m.flow.sparks)
	}
}

func TestTappingANodeOpensItInTheInspector(t *testing.T) {
	c, m, q := flowWindow(t)
	createQueues(t, c, m, q, nil, "orders", "payments")
	n, _ := m.flow.canvas.Node("queue/payments")
	test.TapCanvas(m.Window().Canvas(), onCanvas(m, n.Pos.AddXY(20, 20)))
	if got := m.inspector.title.Text; got != "payments" {
		t.Errorf("inspector shows %q, want payments", got)
	}
}

func TestNodeMenuDeletesAfterConfirmation(t *testing.T) {
	c, m, q := flowWindow(t)
	createQueues(t, c, m, q, nil, "orders")
	n, _ := m.flow.canvas.Node("queue/orders")
	test.TapSecondaryAt(m.flow.canvas, n.Pos.AddXY(20, 20))
	if m.Window().Canvas().Overlays().Top() == nil {
		t.Fatal("a secondary tap on the node opened no menu")
	}
	m.Window().Canvas().Overlays().Top().Hide()
	menu := m.flow.nodeMenu("queue/orders")
	var labels []string
	for _, it := range menu.Items {
		labels = append(labels, it.Label)
	}
	if !slices.Equal(labels, []string{"Inspect", "", "Send message…", "Browse messages", "", "Delete queue…"}) {
		t.Fatalf("menu %q", labels)
	}
	menu.Items[0].Action()
	if m.inspector.title.Text != "orders" {
		t.Errorf("Inspect showed %q", m.inspector.title.Text)
	}
	menu.Items[5].Action()
	if m.flow.confirm == nil || len(c.Queues().List()) != 1 {
		t.Fatal("deleted without asking")
	}
	m.flow.confirm.Dismiss() // "No"
	if len(c.Queues().List()) != 1 {
		t.Fatal("dismissing deleted the queue")
	}
	menu.Items[5].Action()
	m.flow.confirm.Confirm()
	if n := len(c.Queues().List()); n != 0 {
		t.Errorf("%d queues after confirming", n)
	}
	m.flow.canvas.TappedSecondary(&fyne.PointEvent{Position: n.Pos}) // gone: no menu, no panic
}
