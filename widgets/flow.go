package widgets

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Node is one resource on a flow canvas.
type Node struct {
	ID     string
	Kind   string              // shown small above the name, e.g. "QUEUE · DLQ"
	Name   string              // shown bold
	Icon   fyne.Resource       // optional, drawn before the kind
	Badges []string            // live figures under the name, e.g. "12 visible"
	Accent fyne.ThemeColorName // border colour; empty means the theme's foreground
	Pos    fyne.Position       // top-left corner in model coordinates
	Spark  []float64           // recent samples, oldest first, drawn top right; the last sparkPoints show
}

// sparkPoints is how many of a node's newest samples its sparkline draws.
const sparkPoints = 30

// Edge is a directed link from one node's output port to another node.
type Edge struct {
	ID       string // empty means From + "→" + To
	From, To string
	Label    string
	Dashed   bool
	Color    fyne.ThemeColorName // empty means the theme's primary colour
}

// ChangeKind says what an edit did to the canvas.
type ChangeKind int

// The changes an edit, an undo or a redo reports through OnChange.
const (
	NodeAdded ChangeKind = iota
	NodeRemoved
	NodeMoved
	EdgeAdded
	EdgeRemoved
)

func (k ChangeKind) String() string {
	switch k {
	case NodeAdded:
		return "node added"
	case NodeRemoved:
		return "node removed"
	case NodeMoved:
		return "node moved"
	case EdgeAdded:
		return "edge added"
	case EdgeRemoved:
		return "edge removed"
	}
	return fmt.Sprintf("ChangeKind(%d)", int(k))
}

// Change reports one step of an edit; Node or Edge holds the item concerned.
type Change struct {
	Kind ChangeKind
	Node Node
	Edge Edge
}

// Errors the canvas's editing methods return.
var (
	ErrDuplicate = errors.New("already on the canvas")
	ErrNotFound  = errors.New("not on the canvas")
	ErrSelfLink  = errors.New("a node cannot link to itself")
	// ErrPending is what OnConnect returns when it will decide later (after
	// a dialog, say): the drag adds no edge and shows no tooltip; AddEdge
	// adds it once decided.
	ErrPending = errors.New("link decided later")
)

const (
	minZoom = 0.25
	maxZoom = 3
)

// FlowCanvas draws nodes and the edges between them on an infinite plane
// that pans by dragging the background and zooms with the scroll wheel
// (model coordinates × zoom + offset = widget coordinates). Users move nodes
// (snapped to the grid), connect them by dragging from a node's output port
// onto another node, select with a tap or a shift-drag rubber band, delete
// with the Delete key and undo or redo every edit.
//
// Methods named Put/Remove/SetBadges mirror external state and are not
// recorded; AddNode, Connect, MoveNodes and DeleteSelection are edits that
// Undo reverts. Use it from the UI goroutine only.
type FlowCanvas struct {
	widget.BaseWidget

	// OnConnect is asked before a user-drawn edge is added; a non-nil error
	// refuses it and its text is shown as a tooltip where the drag ended.
	// The returned label is the new edge's label.
	OnConnect func(from, to string) (label string, err error)
	// OnNodeMoved reports a node's new model position after a drag, an
	// undo or a redo moved it.
	OnNodeMoved func(id string, pos fyne.Position)
	// OnDrop reports a payload dropped onto the canvas (see DropAt) with
	// its snapped model position.
	OnDrop func(payload string, pos fyne.Position)
	// OnChange reports every recorded edit, undo and redo, step by step.
	OnChange func(Change)
	// OnSelect reports the selection after it changed.
	OnSelect func(nodes, edges []string)
	// OnNodeMenu reports a secondary tap on a node at an absolute position.
	OnNodeMenu func(id string, abs fyne.Position)
	// OnDeleteRequest, when set, is asked instead of deleting the selection
	// at once when the user presses Delete: it may confirm first and then
	// call DeleteSelection.
	OnDeleteRequest func(nodes, edges []string)
	// OnView reports zoom and pan after they changed.
	OnView func(zoom float32, offset fyne.Position)

	nodes []*Node
	edges []*Edge

	zoom   float32
	offset fyne.Position // model origin in widget coordinates

	selNodes map[string]bool
	selEdges map[string]bool

	undo, redo []edit

	in       input
	tooltip  tooltip
	focused  bool
	batching int  // Batch depth: refreshes wait until it is back to 0
	pending  bool // a refresh was asked for during a batch

	pulses map[string]float32 // edges with a pulse travelling: its progress, 0..1
	rend   *flowRenderer      // set when the renderer is made, for pulses
}

// Batch runs fn and refreshes the canvas once afterwards, however many
// changes fn made: mirroring hundreds of resources costs one frame.
func (f *FlowCanvas) Batch(fn func()) {
	f.batching++
	defer func() {
		f.batching--
		if f.batching == 0 && f.pending {
			f.pending = false
			f.Refresh()
		}
	}()
	fn()
}

func (f *FlowCanvas) refresh() {
	if f.batching > 0 {
		f.pending = true
		return
	}
	f.Refresh()
}

// NewFlowCanvas returns an empty canvas at 100 % zoom.
func NewFlowCanvas() *FlowCanvas {
	f := &FlowCanvas{zoom: 1, selNodes: map[string]bool{}, selEdges: map[string]bool{}}
	f.ExtendBaseWidget(f)
	return f
}

// GridStep is the spacing of the snapping grid in model units.
func GridStep() float32 { return theme.Padding() * 4 }

// NodeSize is the size of every node in model units.
func NodeSize() fyne.Size {
	p := theme.Padding()
	return fyne.NewSize(p*40, p*16)
}

// Snap rounds a model position to the nearest grid point.
func Snap(p fyne.Position) fyne.Position {
	g := GridStep()
	return fyne.NewPos(float32(math.Round(float64(p.X/g)))*g, float32(math.Round(float64(p.Y/g)))*g)
}

// Zoom returns the current zoom factor.
func (f *FlowCanvas) Zoom() float32 { return f.zoom }

// Offset returns where the model origin sits in widget coordinates.
func (f *FlowCanvas) Offset() fyne.Position { return f.offset }

// SetView sets zoom (clamped to 25 %–300 %) and pan offset.
func (f *FlowCanvas) SetView(zoom float32, offset fyne.Position) {
	f.zoom = clampZoom(zoom)
	f.offset = offset
	f.refresh()
	f.viewChanged()
}

func (f *FlowCanvas) viewChanged() {
	if f.OnView != nil {
		f.OnView(f.zoom, f.offset)
	}
}

// ZoomAt multiplies the zoom by factor, keeping the model point under the
// widget position at unchanged.
func (f *FlowCanvas) ZoomAt(factor float32, at fyne.Position) {
	m := f.toModel(at)
	f.zoom = clampZoom(f.zoom * factor)
	f.offset = fyne.NewPos(at.X-m.X*f.zoom, at.Y-m.Y*f.zoom)
	f.refresh()
	f.viewChanged()
}

// Fit zooms and pans so that every node is visible, at most at 100 %.
func (f *FlowCanvas) Fit() {
	if len(f.nodes) == 0 || f.Size().IsZero() {
		f.SetView(1, fyne.Position{})
		return
	}
	lo, hi := f.bounds()
	pad := GridStep() * 2
	w, h := hi.X-lo.X+2*pad, hi.Y-lo.Y+2*pad
	z := clampZoom(fyne.Min(1, fyne.Min(f.Size().Width/w, f.Size().Height/h)))
	cx, cy := (lo.X+hi.X)/2, (lo.Y+hi.Y)/2
	f.SetView(z, fyne.NewPos(f.Size().Width/2-cx*z, f.Size().Height/2-cy*z))
}

// Reveal pans, at the current zoom, so that the node id is in the middle
// of the canvas. It reports whether the node exists.
func (f *FlowCanvas) Reveal(id string) bool {
	i := f.nodeIndex(id)
	if i < 0 {
		return false
	}
	s, p := NodeSize(), f.nodes[i].Pos
	cx, cy := p.X+s.Width/2, p.Y+s.Height/2
	f.SetView(f.zoom, fyne.NewPos(f.Size().Width/2-cx*f.zoom, f.Size().Height/2-cy*f.zoom))
	return true
}

func (f *FlowCanvas) bounds() (lo, hi fyne.Position) {
	s := NodeSize()
	lo = fyne.NewPos(math.MaxFloat32, math.MaxFloat32)
	hi = fyne.NewPos(-math.MaxFloat32, -math.MaxFloat32)
	for _, n := range f.nodes {
		lo = fyne.NewPos(fyne.Min(lo.X, n.Pos.X), fyne.Min(lo.Y, n.Pos.Y))
		hi = fyne.NewPos(fyne.Max(hi.X, n.Pos.X+s.Width), fyne.Max(hi.Y, n.Pos.Y+s.Height))
	}
	return lo, hi
}

func clampZoom(z float32) float32 {
	return fyne.Max(minZoom, fyne.Min(maxZoom, z))
}

func (f *FlowCanvas) toModel(p fyne.Position) fyne.Position {
	return fyne.NewPos((p.X-f.offset.X)/f.zoom, (p.Y-f.offset.Y)/f.zoom)
}

func (f *FlowCanvas) toWidget(p fyne.Position) fyne.Position {
	return fyne.NewPos(p.X*f.zoom+f.offset.X, p.Y*f.zoom+f.offset.Y)
}

// Nodes returns copies of the nodes in drawing order.
func (f *FlowCanvas) Nodes() []Node {
	out := make([]Node, len(f.nodes))
	for i, n := range f.nodes {
		out[i] = *n
		out[i].Badges = slices.Clone(n.Badges)
		out[i].Spark = slices.Clone(n.Spark)
	}
	return out
}

// Edges returns copies of the edges.
func (f *FlowCanvas) Edges() []Edge {
	out := make([]Edge, len(f.edges))
	for i, e := range f.edges {
		out[i] = *e
	}
	return out
}

// Node returns the node with the id.
func (f *FlowCanvas) Node(id string) (Node, bool) {
	if i := f.nodeIndex(id); i >= 0 {
		n := *f.nodes[i]
		n.Badges, n.Spark = slices.Clone(n.Badges), slices.Clone(n.Spark)
		return n, true
	}
	return Node{}, false
}

func (f *FlowCanvas) nodeIndex(id string) int {
	return slices.IndexFunc(f.nodes, func(n *Node) bool { return n.ID == id })
}

func (f *FlowCanvas) edgeIndex(id string) int {
	return slices.IndexFunc(f.edges, func(e *Edge) bool { return e.ID == id })
}

// PutNode adds the node or replaces the one with its id, keeping the old
// position when n.Pos is the zero position. It is not an edit: use it to
// mirror resources that exist elsewhere.
func (f *FlowCanvas) PutNode(n Node) {
	n.Badges, n.Spark = slices.Clone(n.Badges), slices.Clone(n.Spark)
	if i := f.nodeIndex(n.ID); i >= 0 {
		if n.Pos.IsZero() {
			n.Pos = f.nodes[i].Pos
		}
		*f.nodes[i] = n
	} else {
		f.nodes = append(f.nodes, &n)
	}
	f.refresh()
}

// RemoveNode removes a node and its edges without recording an edit.
func (f *FlowCanvas) RemoveNode(id string) {
	i := f.nodeIndex(id)
	if i < 0 {
		return
	}
	f.nodes = slices.Delete(f.nodes, i, i+1)
	f.edges = slices.DeleteFunc(f.edges, func(e *Edge) bool { return e.From == id || e.To == id })
	delete(f.selNodes, id)
	f.refresh()
}

// PutEdge adds the edge or replaces the one with its id, without recording
// an edit. Edges whose ends are not on the canvas are refused.
func (f *FlowCanvas) PutEdge(e Edge) error {
	e = normEdge(e)
	if err := f.checkEnds(e); err != nil {
		return err
	}
	if i := f.edgeIndex(e.ID); i >= 0 {
		*f.edges[i] = e
	} else {
		f.edges = append(f.edges, &e)
	}
	f.refresh()
	return nil
}

// RemoveEdge removes an edge without recording an edit.
func (f *FlowCanvas) RemoveEdge(id string) {
	if i := f.edgeIndex(id); i >= 0 {
		f.edges = slices.Delete(f.edges, i, i+1)
		delete(f.selEdges, id)
		f.refresh()
	}
}

// SetBadges replaces a node's live badges; it is not an edit.
func (f *FlowCanvas) SetBadges(id string, badges ...string) {
	if i := f.nodeIndex(id); i >= 0 && !slices.Equal(f.nodes[i].Badges, badges) {
		f.nodes[i].Badges = slices.Clone(badges)
		f.refresh()
	}
}

// SetSpark replaces a node's sparkline samples (oldest first); it is not an
// edit.
func (f *FlowCanvas) SetSpark(id string, samples []float64) {
	if i := f.nodeIndex(id); i >= 0 && !slices.Equal(f.nodes[i].Spark, samples) {
		f.nodes[i].Spark = slices.Clone(samples)
		f.refresh()
	}
}

func normEdge(e Edge) Edge {
	if e.ID == "" {
		e.ID = e.From + "→" + e.To
	}
	return e
}

func (f *FlowCanvas) checkEnds(e Edge) error {
	if e.From == e.To {
		return ErrSelfLink
	}
	for _, id := range []string{e.From, e.To} {
		if f.nodeIndex(id) < 0 {
			return fmt.Errorf("node %q: %w", id, ErrNotFound)
		}
	}
	return nil
}

// FreePosition returns a grid position for a new node that overlaps no
// other: the first free slot in columns of five, left to right.
func (f *FlowCanvas) FreePosition() fyne.Position {
	s, g := NodeSize(), GridStep()
	colW, rowH := s.Width+3*g, s.Height+2*g
	for i := 0; ; i++ {
		p := Snap(fyne.NewPos(g*2+float32(i/5)*colW, g*2+float32(i%5)*rowH))
		if !f.overlaps(p) {
			return p
		}
	}
}

// FreeNear returns the first position at or below p, one row at a time,
// where a new node overlaps no other.
func (f *FlowCanvas) FreeNear(p fyne.Position) fyne.Position {
	p = Snap(p)
	for f.overlaps(p) {
		p = p.AddXY(0, NodeSize().Height+2*GridStep())
	}
	return p
}

func (f *FlowCanvas) overlaps(p fyne.Position) bool {
	s := NodeSize()
	for _, n := range f.nodes {
		if p.X < n.Pos.X+s.Width && n.Pos.X < p.X+s.Width && p.Y < n.Pos.Y+s.Height && n.Pos.Y < p.Y+s.Height {
			return true
		}
	}
	return false
}

// DropAt reports a payload dropped at a position relative to the canvas
// through OnDrop, with the position turned into snapped model coordinates.
// A palette calls it when a drag that started on it ends over the canvas.
func (f *FlowCanvas) DropAt(payload string, at fyne.Position) {
	if f.OnDrop != nil {
		f.OnDrop(payload, Snap(f.toModel(at)))
	}
}

// Tooltip returns the text of the refusal tooltip, empty when none shows.
func (f *FlowCanvas) Tooltip() string { return f.tooltip.text }

// ShowTooltip shows text in a tooltip at a widget position until the next
// tap, drag or key.
func (f *FlowCanvas) ShowTooltip(text string, at fyne.Position) {
	f.tooltip = tooltip{text: text, at: at}
	f.refresh()
}

// CreateRenderer is part of fyne.Widget.
func (f *FlowCanvas) CreateRenderer() fyne.WidgetRenderer {
	return newFlowRenderer(f)
}
