package widgets

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Zoom limits of the state diagram.
const (
	diagramMinZoom = 0.25
	diagramMaxZoom = 3
)

// StateDiagram draws a state machine laid out top down and shows an
// execution's progress on it. Drag the background to pan, scroll to zoom,
// tap a state to select it, drag from one state to another to connect them.
// Palette items elsewhere drop states with Drop. Its methods must be called
// on the UI thread.
type StateDiagram struct {
	widget.BaseWidget

	OnSelected func(name string)                        // a state was tapped ("" for the background)
	OnConnect  func(from, to string)                    // a drag from one state ended on another
	OnInsert   func(stateType string, edge DiagramEdge) // a palette state was dropped on an edge
	OnDropped  func(stateType string)                   // a palette state was dropped off any edge

	graph    DiagramGraph
	layout   DiagramLayout
	gen      int // bumped when the layout changes
	status   map[string]StateStatus
	counts   map[string]int
	taken    map[[2]string]bool
	selected string
	zoom     float32
	pan      fyne.Position
	pulse    float32

	dragging   bool
	dragFrom   string // state a connecting drag started on
	dragStart  fyne.Position
	dragAt     fyne.Position
	dropTarget int // edge a drop would insert on, -1 for none
}

// NewStateDiagram returns a diagram of g.
func NewStateDiagram(g DiagramGraph) *StateDiagram {
	d := &StateDiagram{zoom: 1, pan: fyne.NewPos(24, 16), dropTarget: -1,
		status: map[string]StateStatus{}, counts: map[string]int{}, taken: map[[2]string]bool{}}
	d.ExtendBaseWidget(d)
	d.SetGraph(g)
	return d
}

// SetGraph replaces the diagram's graph and lays it out again; statuses of
// states that still exist are kept.
func (d *StateDiagram) SetGraph(g DiagramGraph) {
	d.graph = g
	d.layout = LayoutDiagram(g)
	d.gen++
	d.Refresh()
}

// Graph returns the graph shown.
func (d *StateDiagram) Graph() DiagramGraph { return d.graph }

// Layout returns the current layout in model units.
func (d *StateDiagram) Layout() DiagramLayout { return d.layout }

// SetStatus highlights a state.
func (d *StateDiagram) SetStatus(name string, s StateStatus) {
	if s == StatusNotStarted {
		delete(d.status, name)
	} else {
		d.status[name] = s
	}
	d.Refresh()
}

// Status returns a state's highlight.
func (d *StateDiagram) Status(name string) StateStatus { return d.status[name] }

// SetCount shows a count badge on a state (Map iterations); 0 hides it.
func (d *StateDiagram) SetCount(name string, n int) {
	if n == 0 {
		delete(d.counts, name)
	} else {
		d.counts[name] = n
	}
	d.Refresh()
}

// Count returns a state's count badge.
func (d *StateDiagram) Count(name string) int { return d.counts[name] }

// MarkTaken highlights the edge from → to as taken.
func (d *StateDiagram) MarkTaken(from, to string) {
	d.taken[[2]string{from, to}] = true
	d.Refresh()
}

// ClearStatus removes every highlight, count and taken edge.
func (d *StateDiagram) ClearStatus() {
	d.status, d.counts, d.taken = map[string]StateStatus{}, map[string]int{}, map[[2]string]bool{}
	d.Refresh()
}

// SetPulse sets the phase (0…1) of the running states' pulse.
func (d *StateDiagram) SetPulse(phase float32) {
	d.pulse = phase
	d.Refresh()
}

// Select selects a state without calling OnSelected.
func (d *StateDiagram) Select(name string) {
	d.selected = name
	d.Refresh()
}

// Selected returns the selected state, "" for none.
func (d *StateDiagram) Selected() string { return d.selected }

// Zoom returns the zoom factor.
func (d *StateDiagram) Zoom() float32 { return d.zoom }

// SetZoom zooms about the widget's centre.
func (d *StateDiagram) SetZoom(z float32) {
	s := d.Size()
	d.zoomAbout(z, fyne.NewPos(s.Width/2, s.Height/2))
}

func (d *StateDiagram) zoomAbout(z float32, at fyne.Position) {
	z = min(max(z, diagramMinZoom), diagramMaxZoom)
	m := d.toModel(at)
	d.zoom = z
	d.pan = fyne.NewPos(at.X-m.X*z, at.Y-m.Y*z)
	d.Refresh()
}

// Fit zooms and pans so that the whole diagram shows.
func (d *StateDiagram) Fit() {
	s := d.Size()
	w, h := d.layout.Size.Width+48, d.layout.Size.Height+32
	if s.Width <= 0 || s.Height <= 0 || w <= 0 || h <= 0 {
		return
	}
	d.zoom = min(max(min(s.Width/w, s.Height/h), diagramMinZoom), 1)
	d.pan = fyne.NewPos((s.Width-d.layout.Size.Width*d.zoom)/2, 16*d.zoom)
	d.Refresh()
}

// StateAt returns the innermost state box at p (widget coordinates).
func (d *StateDiagram) StateAt(p fyne.Position) (string, bool) {
	m := d.toModel(p)
	for i := len(d.layout.Boxes) - 1; i >= 0; i-- { // nested boxes come after their containers
		b := d.layout.Boxes[i]
		if (b.Kind == BoxState || b.Kind == BoxContainer) && b.Contains(m) {
			return b.Name, true
		}
	}
	return "", false
}

// StatePosition returns the centre of a state's box in widget coordinates.
func (d *StateDiagram) StatePosition(name string) (fyne.Position, bool) {
	for _, b := range d.layout.Boxes {
		if b.Name == name {
			if b.Kind == BoxContainer {
				return d.toView(b.Pos.Add(fyne.NewPos(b.Size.Width/2, containerHead/2))), true
			}
			return d.toView(b.Pos.Add(fyne.NewPos(b.Size.Width/2, b.Size.Height/2))), true
		}
	}
	return fyne.Position{}, false
}

// EdgePosition returns the middle of the edge from → to in widget
// coordinates (the point a drop there would hit).
func (d *StateDiagram) EdgePosition(from, to string) (fyne.Position, bool) {
	for _, e := range d.layout.Edges {
		if e.From == from && e.To == to && len(e.Points) > 1 {
			a, b := longestSegment(e.Points)
			return d.toView(fyne.NewPos((a.X+b.X)/2, (a.Y+b.Y)/2)), true
		}
	}
	return fyne.Position{}, false
}

func longestSegment(pts []fyne.Position) (fyne.Position, fyne.Position) {
	best, bi := float32(-1), 0
	for i := 0; i+1 < len(pts); i++ {
		dx, dy := pts[i+1].X-pts[i].X, pts[i+1].Y-pts[i].Y
		if l := dx*dx + dy*dy; l > best {
			best, bi = l, i
		}
	}
	return pts[bi], pts[bi+1]
}

// EdgeAt returns the edge between states nearest p, if within a few pixels.
func (d *StateDiagram) EdgeAt(p fyne.Position) (DiagramEdge, bool) {
	i := d.edgeIndexAt(p)
	if i < 0 {
		return DiagramEdge{}, false
	}
	return d.layout.Edges[i].DiagramEdge, true
}

func (d *StateDiagram) edgeIndexAt(p fyne.Position) int {
	m := d.toModel(p)
	limit := 8 / d.zoom
	best, bi := limit, -1
	for i, e := range d.layout.Edges {
		for k := 0; k+1 < len(e.Points); k++ {
			if dist := segmentDistance(m, e.Points[k], e.Points[k+1]); dist <= best {
				best, bi = dist, i
			}
		}
	}
	return bi
}

func segmentDistance(p, a, b fyne.Position) float32 {
	dx, dy := b.X-a.X, b.Y-a.Y
	t := float32(0)
	if l := dx*dx + dy*dy; l > 0 {
		t = min(max(((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l, 0), 1)
	}
	x, y := a.X+t*dx-p.X, a.Y+t*dy-p.Y
	return float32(math.Sqrt(float64(x*x + y*y)))
}

// Drop drops a state of the palette at p (widget coordinates): on an edge
// it calls OnInsert, elsewhere OnDropped.
func (d *StateDiagram) Drop(stateType string, p fyne.Position) {
	d.dropTarget = -1
	d.Refresh()
	if e, ok := d.EdgeAt(p); ok {
		if d.OnInsert != nil {
			d.OnInsert(stateType, e)
		}
		return
	}
	if d.OnDropped != nil {
		d.OnDropped(stateType)
	}
}

// DragOver shows which edge a palette state held at p would be inserted on.
func (d *StateDiagram) DragOver(p fyne.Position) {
	if i := d.edgeIndexAt(p); i != d.dropTarget {
		d.dropTarget = i
		d.Refresh()
	}
}

func (d *StateDiagram) toModel(p fyne.Position) fyne.Position {
	return fyne.NewPos((p.X-d.pan.X)/d.zoom, (p.Y-d.pan.Y)/d.zoom)
}

func (d *StateDiagram) toView(p fyne.Position) fyne.Position {
	return fyne.NewPos(p.X*d.zoom+d.pan.X, p.Y*d.zoom+d.pan.Y)
}

// Tapped selects the state under the pointer, or none.
func (d *StateDiagram) Tapped(e *fyne.PointEvent) {
	name, _ := d.StateAt(e.Position)
	d.selected = name
	d.Refresh()
	if d.OnSelected != nil {
		d.OnSelected(name)
	}
}

// Dragged pans (from the background) or draws a connection (from a state).
func (d *StateDiagram) Dragged(e *fyne.DragEvent) {
	if !d.dragging {
		d.dragging = true
		d.dragStart, d.dragAt = e.Position, e.Position
		d.dragFrom, _ = d.StateAt(e.Position)
	}
	d.dragAt = d.dragAt.AddXY(e.Dragged.DX, e.Dragged.DY)
	if d.dragFrom == "" {
		d.pan = d.pan.AddXY(e.Dragged.DX, e.Dragged.DY)
	}
	d.Refresh()
}

// DragEnd connects two states when a connecting drag ends on another one.
func (d *StateDiagram) DragEnd() {
	from, at := d.dragFrom, d.dragAt
	d.dragging, d.dragFrom = false, ""
	d.Refresh()
	if from == "" {
		return
	}
	if to, ok := d.StateAt(at); ok && to != from && d.OnConnect != nil {
		d.OnConnect(from, to)
	}
}

// Scrolled zooms about the pointer.
func (d *StateDiagram) Scrolled(e *fyne.ScrollEvent) {
	f := float32(math.Pow(1.1, float64(e.Scrolled.DY)/10))
	d.zoomAbout(d.zoom*f, e.Position)
}

// MinSize is small: the diagram pans and zooms inside whatever it gets.
func (d *StateDiagram) MinSize() fyne.Size { return fyne.NewSize(160, 120) }

// CreateRenderer implements fyne.Widget.
func (d *StateDiagram) CreateRenderer() fyne.WidgetRenderer {
	r := &diagramRenderer{d: d, gen: -1}
	r.bg = canvas.NewRectangle(color.Transparent)
	r.connect = canvas.NewLine(color.Transparent)
	r.rebuild()
	return r
}

func statusColor(s StateStatus) fyne.ThemeColorName {
	switch s {
	case StatusRunning:
		return theme.ColorNamePrimary
	case StatusSucceeded:
		return theme.ColorNameSuccess
	case StatusFailed:
		return theme.ColorNameError
	case StatusCaught, StatusRetrying:
		return theme.ColorNameWarning
	}
	return theme.ColorNameInputBorder
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}
