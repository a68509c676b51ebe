package widgets

import (
	"fmt"
	"math/rand"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func st(name, typ string, end bool, children ...DiagramGraph) DiagramState {
	return DiagramState{Name: name, Type: typ, End: end, Children: children}
}

func next(from, to string) DiagramEdge { return DiagramEdge{From: from, To: to, Kind: EdgeNext} }

// sampleGraphs are shaped like the editor's templates.
func sampleGraphs() map[string]DiagramGraph {
	return map[string]DiagramGraph{
		"hello": {StartAt: "Hello", States: []DiagramState{st("Hello", "Pass", false), st("World", "Pass", true)},
			Edges: []DiagramEdge{next("Hello", "World")}},
		"parallel": {StartAt: "FanOut", States: []DiagramState{
			st("FanOut", "Parallel", false,
				DiagramGraph{StartAt: "A", States: []DiagramState{st("A", "Pass", true)}},
				DiagramGraph{StartAt: "B1", States: []DiagramState{st("B1", "Task", false), st("B2", "Pass", true)}, Edges: []DiagramEdge{next("B1", "B2")}}),
			st("Join", "Succeed", true)},
			Edges: []DiagramEdge{next("FanOut", "Join")}},
		"map": {StartAt: "Items", States: []DiagramState{
			st("Items", "Map", false, DiagramGraph{StartAt: "Each", States: []DiagramState{st("Each", "Task", true)}}),
			st("Done", "Succeed", true)}, Edges: []DiagramEdge{next("Items", "Done")}},
		"retry": {StartAt: "Call", States: []DiagramState{
			{Name: "Call", Type: "Task", Detail: "charge-card"}, st("ToDLQ", "Task", false), st("Failed", "Fail", true), st("Ok", "Succeed", true)},
			Edges: []DiagramEdge{next("Call", "Ok"), {From: "Call", To: "ToDLQ", Kind: EdgeCatch, Label: "States.ALL"}, next("ToDLQ", "Failed")}},
		"choice": {StartAt: "Check", States: []DiagramState{
			st("Check", "Choice", false), st("Big", "Task", false), st("Small", "Pass", false), st("Charge", "Task", false),
			st("Wait", "Wait", false), st("End", "Succeed", true)},
			Edges: []DiagramEdge{{From: "Check", To: "Big", Kind: EdgeChoice, Label: "$.total ≥ 100"}, {From: "Check", To: "Small", Kind: EdgeDefault},
				next("Big", "Charge"), next("Small", "Charge"), next("Charge", "Wait"), next("Wait", "Check"), {From: "Charge", To: "End", Kind: EdgeChoice}}},
	}
}

// bigGraph is a machine of n states with choices, catches, loops and a
// nested Parallel every 25 states.
func bigGraph(n int, seed int64) DiagramGraph {
	rnd := rand.New(rand.NewSource(seed))
	g := DiagramGraph{StartAt: "S0"}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("S%d", i)
		s := DiagramState{Name: name, Type: "Task", End: i == n-1}
		switch {
		case i%25 == 12:
			s.Type = "Parallel"
			s.Children = []DiagramGraph{
				{StartAt: name + "a", States: []DiagramState{st(name+"a", "Pass", false), st(name+"b", "Pass", true)}, Edges: []DiagramEdge{next(name+"a", name+"b")}},
				{StartAt: name + "c", States: []DiagramState{st(name+"c", "Task", true)}},
			}
		case i%7 == 3:
			s.Type = "Choice"
		}
		g.States = append(g.States, s)
		if i == n-1 {
			continue
		}
		g.Edges = append(g.Edges, next(name, fmt.Sprintf("S%d", i+1)))
		if s.Type == "Choice" {
			j := min(n-1, i+2+rnd.Intn(6))
			g.Edges = append(g.Edges, DiagramEdge{From: name, To: fmt.Sprintf("S%d", j), Kind: EdgeDefault})
		}
		if i%5 == 1 {
			g.Edges = append(g.Edges, DiagramEdge{From: name, To: fmt.Sprintf("S%d", min(n-1, i+1+rnd.Intn(10))), Kind: EdgeCatch, Label: "States.ALL"})
		}
		if i%11 == 10 {
			g.Edges = append(g.Edges, next(name, fmt.Sprintf("S%d", rnd.Intn(i)))) // a loop back
		}
	}
	return g
}

func TestStateDiagramLayoutHasNoOverlapsOrCrossings(t *testing.T) {
	graphs := sampleGraphs()
	graphs["sixty"] = bigGraph(60, 1)
	graphs["two hundred"] = bigGraph(200, 2)
	for name, g := range graphs {
		t.Run(name, func(t *testing.T) {
			l := LayoutDiagram(g)
			for _, p := range l.Problems() {
				t.Error(p)
			}
			states := 0
			for _, b := range l.Boxes {
				if b.Kind == BoxState || b.Kind == BoxContainer {
					states++
				}
			}
			if want := countStates(g); states != want {
				t.Errorf("%d state boxes, want %d", states, want)
			}
		})
	}
}

func countStates(g DiagramGraph) int {
	n := len(g.States)
	for _, s := range g.States {
		for _, c := range s.Children {
			n += countStates(c)
		}
	}
	return n
}

func TestStateDiagramLayoutIsTopDown(t *testing.T) {
	l := LayoutDiagram(sampleGraphs()["choice"])
	y := map[string]float32{}
	for _, b := range l.Boxes {
		y[b.Name] = b.Pos.Y
	}
	order := []string{markerName(BoxStart, ""), "Check", "Big", "Charge", "End", markerName(BoxEnd, "")}
	for i := 1; i < len(order); i++ {
		if y[order[i]] <= y[order[i-1]] {
			t.Errorf("%s (y %v) is not below %s (y %v)", order[i], y[order[i]], order[i-1], y[order[i-1]])
		}
	}
	back := 0
	for _, e := range l.Edges {
		if e.Back {
			back++
			if e.From != "Wait" || e.To != "Check" {
				t.Errorf("back edge %s→%s, want Wait→Check", e.From, e.To)
			}
		}
	}
	if back != 1 {
		t.Errorf("%d back edges, want 1", back)
	}
}

func TestProblemsFindsOverlapAndCrossing(t *testing.T) {
	l := DiagramLayout{
		Boxes: []LaidBox{
			{Name: "A", Kind: BoxState, Pos: fyne.NewPos(0, 0), Size: fyne.NewSize(100, 40)},
			{Name: "B", Kind: BoxState, Pos: fyne.NewPos(50, 20), Size: fyne.NewSize(100, 40)},
			{Name: "C", Kind: BoxState, Pos: fyne.NewPos(0, 200), Size: fyne.NewSize(100, 40)},
		},
		Edges: []LaidEdge{{DiagramEdge: DiagramEdge{From: "A", To: "C"}, Points: []fyne.Position{{X: 90, Y: 40}, {X: 90, Y: 200}}}},
	}
	got := l.Problems()
	if len(got) != 2 {
		t.Fatalf("problems %q, want an overlap and a crossing", got)
	}
}

func newTestDiagram(t *testing.T, g DiagramGraph, size fyne.Size) (*StateDiagram, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	d := NewStateDiagram(g)
	w := test.NewTempWindow(t, d)
	w.SetPadded(false)
	w.Resize(size)
	return d, w
}

func TestStateDiagramTapSelects(t *testing.T) {
	d, w := newTestDiagram(t, sampleGraphs()["choice"], fyne.NewSize(700, 600))
	var got []string
	d.OnSelected = func(name string) { got = append(got, name) }
	p, ok := d.StatePosition("Big")
	if !ok {
		t.Fatal("no position for Big")
	}
	test.TapCanvas(w.Canvas(), p)
	test.TapCanvas(w.Canvas(), fyne.NewPos(2, 590))
	if len(got) != 2 || got[0] != "Big" || got[1] != "" {
		t.Fatalf("selected %q, want [Big, \"\"]", got)
	}
	if d.Selected() != "" {
		t.Errorf("Selected() = %q after tapping the background", d.Selected())
	}
}

func TestStateDiagramDragPansAndConnects(t *testing.T) {
	d, w := newTestDiagram(t, sampleGraphs()["hello"], fyne.NewSize(500, 400))
	before, _ := d.StatePosition("Hello")
	test.Drag(w.Canvas(), fyne.NewPos(480, 380), -30, -20) // background
	after, _ := d.StatePosition("Hello")
	if after.X != before.X-30 || after.Y != before.Y-20 {
		t.Fatalf("Hello moved from %v to %v, want by (-30,-20)", before, after)
	}
	var from, to string
	d.OnConnect = func(f, t string) { from, to = f, t }
	world, _ := d.StatePosition("World")
	test.Drag(w.Canvas(), world, after.X-world.X, after.Y-world.Y)
	if from != "World" || to != "Hello" {
		t.Fatalf("connected %q→%q, want World→Hello", from, to)
	}
	if now, _ := d.StatePosition("Hello"); now != after {
		t.Errorf("a connecting drag panned the diagram: %v → %v", after, now)
	}
}

func TestStateDiagramScrollZoomsAboutPointer(t *testing.T) {
	d, w := newTestDiagram(t, sampleGraphs()["hello"], fyne.NewSize(500, 400))
	p, _ := d.StatePosition("Hello")
	test.Scroll(w.Canvas(), p, 0, 50) // the test driver's scroll events carry no position
	if d.Zoom() <= 1 {
		t.Fatalf("zoom %v after scrolling up, want > 1", d.Zoom())
	}
	p, _ = d.StatePosition("Hello")
	d.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: p}, Scrolled: fyne.Delta{DY: 30}})
	if q, _ := d.StatePosition("Hello"); abs(q.X-p.X) > 0.5 || abs(q.Y-p.Y) > 0.5 {
		t.Errorf("the point under the pointer moved from %v to %v", p, q)
	}
	for i := 0; i < 40; i++ {
		test.Scroll(w.Canvas(), p, 0, -100)
	}
	if d.Zoom() != diagramMinZoom {
		t.Errorf("zoom %v after zooming far out, want the minimum %v", d.Zoom(), diagramMinZoom)
	}
}

func abs(f float32) float32 { return max(f, -f) }

func TestStateDiagramDropOnEdgeInserts(t *testing.T) {
	d, _ := newTestDiagram(t, sampleGraphs()["hello"], fyne.NewSize(500, 400))
	var inserted DiagramEdge
	var typ, dropped string
	d.OnInsert = func(st string, e DiagramEdge) { typ, inserted = st, e }
	d.OnDropped = func(st string) { dropped = st }
	p, ok := d.EdgePosition("Hello", "World")
	if !ok {
		t.Fatal("no edge Hello→World")
	}
	d.DragOver(p)
	if d.dropTarget < 0 {
		t.Error("dragging over the edge does not highlight it")
	}
	d.Drop("Wait", p)
	if typ != "Wait" || inserted.From != "Hello" || inserted.To != "World" {
		t.Fatalf("inserted %q on %v, want Wait on Hello→World", typ, inserted)
	}
	d.Drop("Pass", fyne.NewPos(490, 10))
	if dropped != "Pass" {
		t.Fatalf("dropping off the edges gave %q, want Pass", dropped)
	}
}

func TestStateDiagramStatuses(t *testing.T) {
	d, w := newTestDiagram(t, sampleGraphs()["choice"], fyne.NewSize(720, 620))
	d.SetStatus("Check", StatusSucceeded)
	d.SetStatus("Big", StatusSucceeded)
	d.MarkTaken("Check", "Big")
	d.MarkTaken("Big", "Charge")
	d.SetStatus("Charge", StatusRetrying)
	d.SetStatus("Small", StatusNotStarted)
	d.Select("Charge")
	test.AssertRendersToMarkup(t, "statediagram/statuses.xml", w.Canvas())
	test.AssertImageMatches(t, "statediagram/statuses.png", w.Canvas().Capture())
	d.SetStatus("Charge", StatusFailed)
	if d.Status("Charge") != StatusFailed || d.Status("Small") != StatusNotStarted {
		t.Errorf("statuses %v %v", d.Status("Charge"), d.Status("Small"))
	}
	d.ClearStatus()
	if d.Status("Check") != StatusNotStarted {
		t.Error("ClearStatus kept a status")
	}
}

func TestStateDiagramGoldens(t *testing.T) {
	for _, name := range []string{"hello", "parallel", "map", "retry"} {
		t.Run(name, func(t *testing.T) {
			d, w := newTestDiagram(t, sampleGraphs()[name], fyne.NewSize(520, 460))
			d.Fit()
			test.AssertRendersToMarkup(t, "statediagram/"+name+".xml", w.Canvas())
			if name == "parallel" || name == "retry" {
				test.AssertImageMatches(t, "statediagram/"+name+".png", w.Canvas().Capture())
			}
		})
	}
}

func BenchmarkLayoutDiagram200(b *testing.B) {
	g := bigGraph(200, 2)
	b.ReportAllocs()
	for b.Loop() {
		LayoutDiagram(g)
	}
}

func BenchmarkStateDiagramStatusUpdate(b *testing.B) {
	test.NewTempApp(b)
	d := NewStateDiagram(bigGraph(200, 2))
	w := test.NewTempWindow(b, d)
	w.Resize(fyne.NewSize(800, 600))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		d.SetStatus(fmt.Sprintf("S%d", i%200), StatusRunning)
		i++
	}
}

func TestProblemsWithRepeatedNames(t *testing.T) {
	// Invalid ASL (a name used in a branch of the state itself) must not
	// hang the checks.
	g := DiagramGraph{StartAt: "A", States: []DiagramState{st("A", "Parallel", true,
		DiagramGraph{StartAt: "A", States: []DiagramState{st("A", "Pass", true)}})}}
	l := LayoutDiagram(g)
	l.Problems()
	if n := len(l.Boxes); n != 6 { // two states, two pairs of markers
		t.Errorf("%d boxes, want 6", n)
	}
}

func TestLayoutUnreachedStatesKeepEdgesDownwards(t *testing.T) {
	// No StartAt: X is not reached from Start but still goes to Join below it.
	g := DiagramGraph{States: []DiagramState{st("X", "Parallel", false, DiagramGraph{}), st("Join", "Succeed", true)},
		Edges: []DiagramEdge{next("X", "Join")}}
	l := LayoutDiagram(g)
	for _, p := range l.Problems() {
		t.Error(p)
	}
	y := map[string]float32{}
	for _, b := range l.Boxes {
		y[b.Name] = b.Pos.Y
	}
	if y["Join"] <= y["X"] {
		t.Errorf("Join (y %v) is not below X (y %v)", y["Join"], y["X"])
	}
}
