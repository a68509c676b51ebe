package widgets

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// snapshot is the canvas's model as text, for comparing states.
func snapshot(f *FlowCanvas) string { return fmt.Sprint(f.Nodes(), f.Edges()) }

// TestFlowHistoryRoundTrips applies random edits, then checks that undoing
// them all gives back the start and redoing them all gives back the end,
// whatever mix of adds, links, moves and deletes came before.
func TestFlowHistoryRoundTrips(t *testing.T) {
	test.NewTempApp(t)
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			f := NewFlowCanvas()
			f.PutNode(Node{ID: "base", Name: "base", Pos: fyne.NewPos(32, 32)})
			start := snapshot(f)
			for i := range 60 {
				randomEdit(f, rng, i)
			}
			edits := len(f.undo)
			if edits == 0 {
				t.Fatal("the random edits recorded nothing")
			}
			end := snapshot(f)
			undone := 0
			for f.Undo() {
				undone++
			}
			if undone != edits {
				t.Errorf("%d undos for %d edits", undone, edits)
			}
			if got := snapshot(f); got != start {
				t.Fatalf("undo all:\n%s\nwant\n%s", got, start)
			}
			for f.Redo() {
			}
			if got := snapshot(f); got != end {
				t.Fatalf("redo all:\n%s\nwant\n%s", got, end)
			}
		})
	}
}

// randomEdit makes one recorded edit, none when it picks an impossible
// one (a duplicate link), and sometimes undoes the last edit first, so that
// later edits must drop the redo stack.
func randomEdit(f *FlowCanvas, rng *rand.Rand, i int) {
	if rng.IntN(5) == 0 {
		f.Undo()
	}
	nodes := f.Nodes()
	if len(nodes) == 0 {
		_ = f.AddNode(Node{ID: fmt.Sprint("n", i), Name: fmt.Sprint("n", i)})
		return
	}
	pick := func() string { return nodes[rng.IntN(len(nodes))].ID }
	switch rng.IntN(4) {
	case 0:
		_ = f.AddNode(Node{ID: fmt.Sprint("n", i), Name: fmt.Sprint("n", i)})
	case 1:
		_ = f.Connect(pick(), pick())
	case 2:
		f.MoveNodes(map[string]fyne.Position{pick(): fyne.NewPos(float32(rng.IntN(800)), float32(rng.IntN(600)))})
	case 3:
		f.Select([]string{pick()}, nil)
		if e := f.Edges(); len(e) > 0 && rng.IntN(2) == 0 {
			f.Select(nil, []string{e[rng.IntN(len(e))].ID})
		}
		f.DeleteSelection()
	}
}
