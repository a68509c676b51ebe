package widgets

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// demoFlow is the canvas the golden files show: a topic feeding a queue
// whose dead letters go to a second queue.
func demoFlow(t *testing.T) (*FlowCanvas, fyne.Window) {
	t.Helper()
	f := NewFlowCanvas()
	win := showIn(t, f, 640, 360)
	f.PutNode(Node{ID: "topic", Kind: "Topic", Name: "order-events", Icon: theme.MailForwardIcon(),
		Badges: []string{"42 published/s"}, Accent: theme.ColorNamePrimary, Pos: fyne.NewPos(32, 48)})
	f.PutNode(Node{ID: "orders", Kind: "Queue", Name: "orders", Icon: theme.ListIcon(),
		Badges: []string{"12 visible", "3 in flight"}, Pos: fyne.NewPos(320, 48),
		Spark: []float64{1, 3, 2, 5, 8, 6, 9, 12, 10, 12}})
	f.PutNode(Node{ID: "dlq", Kind: "Queue · DLQ", Name: "orders-dlq-with-a-very-long-name", Icon: theme.ListIcon(),
		Badges: []string{"2 msgs"}, Accent: theme.ColorNameError, Pos: fyne.NewPos(320, 224)})
	mustPut(t, f, Edge{From: "topic", To: "orders", Label: `type = "order"`})
	mustPut(t, f, Edge{From: "orders", To: "dlq", Label: "after 3 receives", Dashed: true, Color: theme.ColorNameError})
	return f, win
}

func mustPut(t *testing.T, f *FlowCanvas, e Edge) {
	t.Helper()
	if err := f.PutEdge(e); err != nil {
		t.Fatalf("put edge %+v: %v", e, err)
	}
}

// inside returns a widget position inside a node, clear of its ports.
func inside(t *testing.T, f *FlowCanvas, id string) fyne.Position {
	t.Helper()
	n, ok := f.Node(id)
	if !ok {
		t.Fatalf("no node %q", id)
	}
	return f.toWidget(n.Pos.AddXY(NodeSize().Width/3, NodeSize().Height/3))
}

func portOf(t *testing.T, f *FlowCanvas, id string) fyne.Position {
	t.Helper()
	n, ok := f.Node(id)
	if !ok {
		t.Fatalf("no node %q", id)
	}
	return f.toWidget(outPort(&n))
}

func TestFlowCanvasRenders(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	f.Select([]string{"orders"}, nil)
	test.AssertRendersToMarkup(t, "flow/canvas.xml", win.Canvas())

	f.SetView(0.5, fyne.NewPos(100, 40))
	test.AssertRendersToMarkup(t, "flow/canvas_zoomed_out.xml", win.Canvas())
}

func TestFlowCanvasImage(t *testing.T) {
	test.NewTempApp(t)
	useDarkTheme(t)
	f, win := demoFlow(t)
	f.Select(nil, []string{"topic→orders"})
	test.AssertImageMatches(t, "flow/canvas.png", win.Canvas().Capture())

	if err := f.Connect("dlq", "topic"); err != nil { // a back edge curls round
		t.Fatal(err)
	}
	f.SetView(1.5, fyne.NewPos(-200, -40))
	test.AssertImageMatches(t, "flow/canvas_zoomed_in.png", win.Canvas().Capture())
}

func TestFlowDragMovesSnapsAndUndoes(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	var moved []string
	f.OnNodeMoved = func(id string, p fyne.Position) { moved = append(moved, fmt.Sprintf("%s@%v,%v", id, p.X, p.Y)) }

	g := GridStep()
	test.Drag(win.Canvas(), inside(t, f, "topic"), 3*g+3, g-2) // snaps to 3 and 1 steps
	want := fyne.NewPos(32+3*g, 48+g)
	if n, _ := f.Node("topic"); n.Pos != want {
		t.Fatalf("after drag at %v, want %v", n.Pos, want)
	}
	if got := fmt.Sprint(moved); got != fmt.Sprintf("[topic@%v,%v]", want.X, want.Y) {
		t.Errorf("OnNodeMoved %s", got)
	}
	if nodes, _ := f.Selected(); !slices.Equal(nodes, []string{"topic"}) {
		t.Errorf("dragging did not select the node: %v", nodes)
	}

	if !f.Undo() {
		t.Fatal("nothing to undo")
	}
	if n, _ := f.Node("topic"); n.Pos != fyne.NewPos(32, 48) {
		t.Errorf("after undo at %v", n.Pos)
	}
	f.TypedShortcut(&fyne.ShortcutRedo{})
	if n, _ := f.Node("topic"); n.Pos != want {
		t.Errorf("after redo at %v", n.Pos)
	}
	if len(moved) != 3 {
		t.Errorf("OnNodeMoved calls %v, want drag, undo, redo", moved)
	}
}

func TestFlowDragMovesTheWholeSelection(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	f.Select([]string{"orders", "dlq"}, nil)
	g := GridStep()
	test.Drag(win.Canvas(), inside(t, f, "dlq"), 2*g, 0)
	for id, x := range map[string]float32{"orders": 320 + 2*g, "dlq": 320 + 2*g, "topic": 32} {
		if n, _ := f.Node(id); n.Pos.X != x {
			t.Errorf("%s at x=%v, want %v", id, n.Pos.X, x)
		}
	}
	f.Undo()
	if n, _ := f.Node("orders"); n.Pos.X != 320 {
		t.Errorf("one undo left orders at x=%v", n.Pos.X)
	}
}

func TestFlowPanAndZoom(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	var views []float32
	f.OnView = func(z float32, _ fyne.Position) { views = append(views, z) }
	test.Drag(win.Canvas(), fyne.NewPos(600, 320), -50, -20) // background
	if got := f.Offset(); got != fyne.NewPos(-50, -20) {
		t.Fatalf("offset %v after pan", got)
	}
	if n, _ := f.Node("topic"); n.Pos != fyne.NewPos(32, 48) {
		t.Errorf("panning moved the model to %v", n.Pos)
	}
	if f.CanUndo() {
		t.Error("panning is not an edit")
	}

	at := fyne.NewPos(200, 100)
	before := f.toModel(at)
	f.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: at}, Scrolled: fyne.NewDelta(0, 10)})
	if z := f.Zoom(); z < 1.1 || z > 1.11 {
		t.Errorf("zoom %v after one notch, want about 1.105", z)
	}
	if after := f.toModel(at); dist(before, after) > 0.01 {
		t.Errorf("zooming moved the point under the pointer from %v to %v", before, after)
	}
	box := test.WidgetRenderer(f).(*flowRenderer).nodes[f.nodes[0]].box
	if w := box.Size().Width; w != NodeSize().Width*f.Zoom() {
		t.Errorf("node drawn %v wide at zoom %v", w, f.Zoom())
	}
	for range 50 {
		test.Scroll(win.Canvas(), at, 0, -10)
	}
	if f.Zoom() != minZoom {
		t.Errorf("zoom %v, want clamped to %v", f.Zoom(), minZoom)
	}
	if len(views) != 52 || views[0] != 1 || views[51] != minZoom {
		t.Errorf("OnView reported %d changes, first %v", len(views), views[:1])
	}
}

func TestFlowConnect(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	f.RemoveEdge("topic→orders")
	var asked []string
	f.OnConnect = func(from, to string) (string, error) {
		asked = append(asked, from+">"+to)
		return "all messages", nil
	}
	var changes []string
	f.OnChange = func(c Change) { changes = append(changes, c.Kind.String()+" "+c.Edge.ID) }

	from, to := portOf(t, f, "topic"), inside(t, f, "orders")
	test.Drag(win.Canvas(), from, to.X-from.X, to.Y-from.Y)
	if !slices.Equal(asked, []string{"topic>orders"}) {
		t.Fatalf("OnConnect asked %v", asked)
	}
	edges := f.Edges()
	if len(edges) != 2 || edges[1].ID != "topic→orders" || edges[1].Label != "all messages" {
		t.Fatalf("edges %+v", edges)
	}
	if n, _ := f.Node("topic"); n.Pos != fyne.NewPos(32, 48) {
		t.Errorf("connecting moved the node to %v", n.Pos)
	}
	f.Undo()
	if len(f.Edges()) != 1 {
		t.Errorf("undo left %d edges", len(f.Edges()))
	}
	f.Redo()
	want := []string{"edge added topic→orders", "edge removed topic→orders", "edge added topic→orders"}
	if !slices.Equal(changes, want) {
		t.Errorf("changes %q, want %q", changes, want)
	}
	if err := f.Connect("topic", "orders"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second connect: %v, want ErrDuplicate", err)
	}
	if err := f.Connect("topic", "topic"); !errors.Is(err, ErrSelfLink) {
		t.Errorf("self link: %v", err)
	}
}

func TestFlowConnectRefusedShowsTooltip(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	f.OnConnect = func(from, to string) (string, error) {
		return "", errors.New("a dead-letter queue must be the same type as its source")
	}
	from, to := portOf(t, f, "dlq"), inside(t, f, "topic")
	test.Drag(win.Canvas(), from, to.X-from.X, to.Y-from.Y)
	if len(f.Edges()) != 2 || f.CanUndo() {
		t.Fatalf("refused link was added: %+v", f.Edges())
	}
	if got := f.Tooltip(); got != "a dead-letter queue must be the same type as its source" {
		t.Fatalf("tooltip %q", got)
	}
	test.AssertRendersToMarkup(t, "flow/refused.xml", win.Canvas())
	test.TapCanvas(win.Canvas(), fyne.NewPos(600, 330))
	if f.Tooltip() != "" {
		t.Error("tap did not clear the tooltip")
	}

	test.Drag(win.Canvas(), portOf(t, f, "dlq"), 100, 60) // onto the background: nothing asked
	if len(f.Edges()) != 2 || f.Tooltip() != "" {
		t.Errorf("a drag to nowhere changed the canvas")
	}
}

func TestFlowRubberBandSelects(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	var reported []string
	f.OnSelect = func(nodes, _ []string) { reported = nodes }
	start := fyne.NewPos(300, 30) // left of and above both queues
	f.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: start}, Modifier: fyne.KeyModifierShift})
	test.Drag(win.Canvas(), start, 60, 220)
	f.MouseUp(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: start.AddXY(60, 220)}})
	if nodes, _ := f.Selected(); !slices.Equal(nodes, []string{"dlq", "orders"}) {
		t.Errorf("band selected %v", nodes)
	}
	if !slices.Equal(reported, []string{"dlq", "orders"}) {
		t.Errorf("OnSelect reported %v", reported)
	}
	if f.Offset() != (fyne.Position{}) {
		t.Errorf("band drag panned to %v", f.Offset())
	}
}

func TestFlowTapSelects(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	tests := []struct {
		name       string
		at         fyne.Position
		mod        fyne.KeyModifier
		nodes, eds []string
	}{
		{"node", inside(t, f, "orders"), 0, []string{"orders"}, nil},
		{"shift adds", inside(t, f, "topic"), fyne.KeyModifierShift, []string{"orders", "topic"}, nil},
		{"shift removes", inside(t, f, "orders"), fyne.KeyModifierShift, []string{"topic"}, nil},
		{"edge", midEdge(f, "orders→dlq"), 0, nil, []string{"orders→dlq"}},
		{"background", fyne.NewPos(620, 340), 0, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: tt.at}, Modifier: tt.mod})
			f.MouseUp(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: tt.at}})
			test.TapCanvas(win.Canvas(), tt.at)
			nodes, eds := f.Selected()
			if !slices.Equal(nodes, tt.nodes) || !slices.Equal(eds, tt.eds) {
				t.Errorf("selected %v %v, want %v %v", nodes, eds, tt.nodes, tt.eds)
			}
		})
	}
}

func midEdge(f *FlowCanvas, id string) fyne.Position {
	c, _ := f.edgeCurve(f.edges[f.edgeIndex(id)])
	return f.toWidget(bezier(c, 0.5))
}

func TestFlowDeleteKeyAndUndo(t *testing.T) {
	test.NewTempApp(t)
	f, win := demoFlow(t)
	before := fmt.Sprint(f.Nodes(), f.Edges())
	test.TapCanvas(win.Canvas(), inside(t, f, "orders"))
	if win.Canvas().Focused() != f {
		t.Fatal("tap did not focus the canvas")
	}
	win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if len(f.Nodes()) != 2 || len(f.Edges()) != 0 {
		t.Fatalf("after delete: %v %v", f.Nodes(), f.Edges())
	}
	f.TypedShortcut(&fyne.ShortcutUndo{})
	if got := fmt.Sprint(f.Nodes(), f.Edges()); got != before {
		t.Errorf("undo restored\n%s\nwant\n%s", got, before)
	}
	f.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyZ, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift})
	if len(f.Nodes()) != 2 {
		t.Errorf("ctrl+shift+z did not redo the delete")
	}
	f.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyZ, Modifier: fyne.KeyModifierShortcutDefault})
	f.TypedShortcut(&fyne.ShortcutSelectAll{})
	win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if len(f.Nodes()) != 0 {
		t.Errorf("select all + backspace left %v", f.Nodes())
	}
	for f.Undo() {
	}
	if got := fmt.Sprint(f.Nodes(), f.Edges()); got != before {
		t.Errorf("undoing everything gave\n%s\nwant\n%s", got, before)
	}
}

func TestFlowAddNodeIsAnEdit(t *testing.T) {
	test.NewTempApp(t)
	f := NewFlowCanvas()
	showIn(t, f, 400, 300)
	f.PutNode(Node{ID: "a", Name: "a", Pos: fyne.NewPos(32, 32)})
	f.SetBadges("a", "1 visible")
	if f.CanUndo() {
		t.Fatal("PutNode and SetBadges are not edits")
	}
	if err := f.AddNode(Node{ID: "b", Name: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := f.AddNode(Node{ID: "b"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate add: %v", err)
	}
	b, _ := f.Node("b")
	if f.overlapsOther(b) {
		t.Errorf("new node at %v overlaps another", b.Pos)
	}
	f.Undo()
	if _, ok := f.Node("b"); ok {
		t.Error("undo kept the added node")
	}
	if n, _ := f.Node("a"); !slices.Equal(n.Badges, []string{"1 visible"}) {
		t.Errorf("badges %v", n.Badges)
	}
}

func TestFlowFreeNear(t *testing.T) {
	test.NewTempApp(t)
	f := NewFlowCanvas()
	f.PutNode(Node{ID: "a", Pos: fyne.NewPos(320, 64)})
	step := NodeSize().Height + 2*GridStep()
	if got := f.FreeNear(fyne.NewPos(320, 64)); got != fyne.NewPos(320, 64+step) {
		t.Errorf("FreeNear an occupied place %v", got)
	}
	if got := f.FreeNear(fyne.NewPos(32, 64)); got != fyne.NewPos(32, 64) {
		t.Errorf("FreeNear a free place %v", got)
	}
}

func (f *FlowCanvas) overlapsOther(n Node) bool {
	f.RemoveNode(n.ID)
	defer f.PutNode(n)
	return f.overlaps(n.Pos)
}

func TestFlowDropReportsModelPosition(t *testing.T) {
	test.NewTempApp(t)
	f := NewFlowCanvas()
	showIn(t, f, 400, 300)
	f.SetView(2, fyne.NewPos(-100, 20))
	var got []string
	f.OnDrop = func(payload string, p fyne.Position) { got = append(got, fmt.Sprintf("%s@%v,%v", payload, p.X, p.Y)) }
	f.DropAt("queue", fyne.NewPos(233, 181)) // model (166.5, 80.5) snaps to the grid
	g := GridStep()
	want := fmt.Sprintf("queue@%v,%v", Snap(fyne.NewPos(166.5, 80.5)).X, 5*g)
	if len(got) != 1 || got[0] != want {
		t.Errorf("OnDrop %v, want %s", got, want)
	}
}

func TestSnap(t *testing.T) {
	test.NewTempApp(t)
	g := GridStep()
	for _, tt := range []struct{ in, want fyne.Position }{
		{fyne.NewPos(0, 0), fyne.NewPos(0, 0)},
		{fyne.NewPos(g/2-0.1, g/2+0.1), fyne.NewPos(0, g)},
		{fyne.NewPos(-g*0.6, 3*g+1), fyne.NewPos(-g, 3*g)},
	} {
		if got := Snap(tt.in); got != tt.want {
			t.Errorf("Snap(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFlowFitShowsEveryNode(t *testing.T) {
	test.NewTempApp(t)
	f, _ := demoFlow(t)
	f.PutNode(Node{ID: "far", Name: "far", Pos: fyne.NewPos(2000, 1200)})
	f.Fit()
	for _, n := range f.Nodes() {
		a, b := f.toWidget(n.Pos), f.toWidget(n.Pos.AddXY(NodeSize().Width, NodeSize().Height))
		if a.X < 0 || a.Y < 0 || b.X > 640 || b.Y > 360 {
			t.Errorf("%s drawn from %v to %v, outside the canvas", n.ID, a, b)
		}
	}
}

// bigFlow builds a canvas of 200 nodes in a grid and 300 edges between
// neighbours, in a window showing about half of it.
func bigFlow(tb testing.TB) *FlowCanvas {
	f := NewFlowCanvas()
	w := test.NewTempWindow(tb, f)
	w.Resize(fyne.NewSize(1280, 800))
	s := NodeSize()
	for i := range 200 {
		f.PutNode(Node{ID: fmt.Sprint("n", i), Kind: "Queue", Name: fmt.Sprint("queue-", i), Icon: theme.ListIcon(),
			Badges: []string{"0 visible", "0 in flight"},
			Pos:    fyne.NewPos(float32(i%20)*(s.Width+GridStep()*3), float32(i/20)*(s.Height+GridStep()*3))})
	}
	for i := range 300 {
		a, b := i%200, (i*7+1)%200
		if a == b {
			b = (b + 1) % 200
		}
		if err := f.PutEdge(Edge{From: fmt.Sprint("n", a), To: fmt.Sprint("n", b), Label: "batch 10"}); err != nil {
			tb.Fatal(err)
		}
	}
	f.SetView(0.6, fyne.Position{})
	return f
}

// BenchmarkFlowFrame measures building one frame of a 200-node, 300-edge
// canvas whose badges all changed: the renderer's Refresh (style + Layout).
func BenchmarkFlowFrame(b *testing.B) {
	test.NewTempApp(b)
	f := bigFlow(b)
	r := test.WidgetRenderer(f)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for k, n := range f.nodes {
			n.Badges[0] = fmt.Sprint(i+k, " visible")
		}
		r.Refresh()
	}
}

// BenchmarkFlowPan measures a frame that only pans: Layout alone.
func BenchmarkFlowPan(b *testing.B) {
	test.NewTempApp(b)
	f := bigFlow(b)
	r := test.WidgetRenderer(f)
	for i := 0; b.Loop(); i++ {
		f.offset = fyne.NewPos(-float32(i%400), -float32(i%200))
		r.Layout(f.Size())
	}
}

func TestFlowBatchRefreshesOnce(t *testing.T) {
	test.NewTempApp(t)
	f := NewFlowCanvas()
	showIn(t, f, 400, 300)
	r := test.WidgetRenderer(f)
	before := len(r.Objects())
	f.Batch(func() {
		for i := range 3 {
			f.PutNode(Node{ID: fmt.Sprint(i), Name: fmt.Sprint(i)})
			f.SetBadges(fmt.Sprint(i), "1 visible")
		}
		if len(r.Objects()) != before {
			t.Error("the canvas refreshed inside the batch")
		}
	})
	if got := len(r.Objects()); got != before+3*7 {
		t.Errorf("%d objects after the batch, want %d", got, before+3*7)
	}
}

func TestFlowSparkline(t *testing.T) {
	test.NewTempApp(t)
	f := NewFlowCanvas()
	showIn(t, f, 400, 300)
	f.PutNode(Node{ID: "a", Name: "a", Pos: fyne.NewPos(32, 32)})
	samples := make([]float64, 40)
	for i := range samples {
		samples[i] = float64(i)
	}
	f.SetSpark("a", samples)
	v := test.WidgetRenderer(f).(*flowRenderer).nodes[f.nodes[0]]
	if len(v.spark) != sparkPoints-1 {
		t.Fatalf("%d spark lines, want %d", len(v.spark), sparkPoints-1)
	}
	last := v.spark[len(v.spark)-1]
	box := v.box.Position().X + v.box.Size().Width
	if last.Position2.X > box || last.Position2.Y >= last.Position1.Y {
		t.Errorf("newest segment %v→%v should rise to the right edge (box ends at %v)", last.Position1, last.Position2, box)
	}
	f.SetView(1, fyne.NewPos(-1000, 0)) // scrolled out of sight
	if last.Visible() {
		t.Error("spark line of a hidden node still shows")
	}
}

// Reveal centres a node at the current zoom and tells an unknown id.
func TestFlowCanvasReveal(t *testing.T) {
	f := NewFlowCanvas()
	f.Resize(fyne.NewSize(400, 300))
	f.SetView(0.5, fyne.Position{})
	f.PutNode(Node{ID: "far", Name: "far", Pos: fyne.NewPos(2000, 1200)})
	if f.Reveal("missing") {
		t.Fatal("Reveal found a node that does not exist")
	}
	if !f.Reveal("far") {
		t.Fatal("Reveal did not find the node")
	}
	s := NodeSize()
	c := f.toWidget(fyne.NewPos(2000+s.Width/2, 1200+s.Height/2))
	if c.X != 200 || c.Y != 150 || f.Zoom() != 0.5 {
		t.Fatalf("node centre at %v (zoom %v), want (200,150) at 0.5", c, f.Zoom())
	}
}
