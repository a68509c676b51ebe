package widgets

import (
	"image/color"
	"math"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

// dashLength is the length of a dash (and gap) of a Catch edge.
const dashLength = 6

type boxObjects struct {
	sel   *canvas.Rectangle // the selection outline
	rect  *canvas.Rectangle
	label *canvas.Text
	badge *canvas.Text
	inner *canvas.Circle // the End marker's dot
}

type edgeObjects struct {
	lines []*canvas.Line // segments (dashes for catch edges), then two arrowhead strokes
	label *canvas.Text
}

type diagramRenderer struct {
	d       *StateDiagram
	gen     int
	bg      *canvas.Rectangle
	boxes   []boxObjects
	edges   []edgeObjects
	connect *canvas.Line
	objects []fyne.CanvasObject
}

func (r *diagramRenderer) rebuild() {
	r.gen = r.d.gen
	r.boxes, r.edges = r.boxes[:0], r.edges[:0]
	r.objects = []fyne.CanvasObject{r.bg}
	for _, b := range r.d.layout.Boxes {
		var o boxObjects
		switch b.Kind {
		case BoxStart, BoxEnd:
			o.rect = canvas.NewRectangle(color.Transparent)
			o.rect.CornerRadius = markerSize / 2
			r.objects = append(r.objects, o.rect)
			if b.Kind == BoxEnd {
				o.inner = canvas.NewCircle(color.Transparent)
				r.objects = append(r.objects, o.inner)
			}
		default:
			o.sel = canvas.NewRectangle(color.Transparent)
			o.rect = canvas.NewRectangle(color.Transparent)
			o.label = canvas.NewText(b.Label, color.Transparent)
			o.badge = canvas.NewText("", color.Transparent)
			r.objects = append(r.objects, o.sel, o.rect, o.label, o.badge)
		}
		r.boxes = append(r.boxes, o)
	}
	for _, e := range r.d.layout.Edges {
		var o edgeObjects
		for k := 0; k+1 < len(e.Points); k++ {
			n := 1
			if e.Kind == EdgeCatch {
				n = dashCount(e.Points[k], e.Points[k+1])
			}
			for i := 0; i < n; i++ {
				o.lines = append(o.lines, canvas.NewLine(color.Transparent))
			}
		}
		o.lines = append(o.lines, canvas.NewLine(color.Transparent), canvas.NewLine(color.Transparent))
		for _, l := range o.lines {
			r.objects = append(r.objects, l)
		}
		if e.Label != "" || e.Kind == EdgeDefault {
			text := e.Label
			if e.Kind == EdgeDefault {
				text = "Default"
			} else if e.Kind == EdgeCatch {
				text = "Catch " + e.Label
			}
			o.label = canvas.NewText(text, color.Transparent)
			r.objects = append(r.objects, o.label)
		}
		r.edges = append(r.edges, o)
	}
	r.objects = append(r.objects, r.connect)
}

func dashCount(a, b fyne.Position) int {
	l := math.Hypot(float64(b.X-a.X), float64(b.Y-a.Y))
	return max(1, int(l/(2*dashLength)))
}

func (r *diagramRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.place()
}

func (r *diagramRenderer) MinSize() fyne.Size { return r.d.MinSize() }

func (r *diagramRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *diagramRenderer) Destroy() {}

func (r *diagramRenderer) Refresh() {
	if r.gen != r.d.gen {
		r.rebuild()
	}
	r.place()
	canvas.Refresh(r.d)
}

// place positions and colours everything for the current zoom, pan and
// statuses.
func (r *diagramRenderer) place() {
	d := r.d
	z := d.zoom
	fg := theme.Color(theme.ColorNameForeground)
	muted := theme.Color(theme.ColorNamePlaceHolder)
	textSize := theme.TextSize() * z * 0.9
	for i, b := range d.layout.Boxes {
		o := r.boxes[i]
		pos, size := d.toView(b.Pos), fyne.NewSize(b.Size.Width*z, b.Size.Height*z)
		o.rect.Move(pos)
		o.rect.Resize(size)
		switch b.Kind {
		case BoxStart:
			o.rect.FillColor = muted
			o.rect.CornerRadius = size.Width / 2
		case BoxEnd:
			o.rect.FillColor = color.Transparent
			o.rect.StrokeColor, o.rect.StrokeWidth = muted, 2*z
			o.rect.CornerRadius = size.Width / 2
			o.inner.FillColor = muted
			o.inner.Move(pos.AddXY(size.Width/4, size.Height/4))
			o.inner.Resize(fyne.NewSize(size.Width/2, size.Height/2))
		default:
			r.styleBox(b, o, pos, size, textSize, fg)
		}
	}
	for i, e := range d.layout.Edges {
		r.placeEdge(e, r.edges[i], i, textSize, muted)
	}
	if d.dragging && d.dragFrom != "" {
		from, _ := d.StatePosition(d.dragFrom)
		r.connect.Position1, r.connect.Position2 = from, d.dragAt
		r.connect.StrokeColor, r.connect.StrokeWidth = theme.Color(theme.ColorNamePrimary), 2
	} else {
		r.connect.StrokeColor, r.connect.StrokeWidth = color.Transparent, 0
		r.connect.Position1, r.connect.Position2 = fyne.Position{}, fyne.Position{}
	}
}

func (r *diagramRenderer) styleBox(b LaidBox, o boxObjects, pos fyne.Position, size fyne.Size, textSize float32, fg color.Color) {
	d := r.d
	st := d.status[b.Name]
	stroke := theme.Color(statusColor(st))
	o.rect.StrokeColor = stroke
	o.rect.StrokeWidth = 1.5 * d.zoom
	o.rect.CornerRadius = 6 * d.zoom
	if b.Kind == BoxContainer {
		o.rect.FillColor = withAlpha(theme.Color(theme.ColorNameInputBackground), 0x60)
	} else {
		o.rect.FillColor = theme.Color(theme.ColorNameInputBackground)
	}
	if st != StatusNotStarted {
		o.rect.FillColor = withAlpha(stroke, 0x40)
		o.rect.StrokeWidth = 2 * d.zoom
	}
	if st == StatusRunning {
		o.rect.StrokeWidth = (2 + 2*d.pulse) * d.zoom
	}
	o.sel.FillColor, o.sel.StrokeWidth = color.Transparent, 0
	if d.selected == b.Name {
		o.sel.StrokeColor, o.sel.StrokeWidth = theme.Color(theme.ColorNameFocus), 2*d.zoom
		o.sel.CornerRadius = 9 * d.zoom
		o.sel.FillColor = theme.Color(theme.ColorNameSelection)
	}
	grow := 4 * d.zoom
	o.sel.Move(pos.SubtractXY(grow, grow))
	o.sel.Resize(size.AddWidthHeight(2*grow, 2*grow))
	o.label.Color, o.label.TextSize = fg, textSize
	ls := o.label.MinSize()
	if b.Kind == BoxContainer {
		o.label.Move(pos.AddXY(8*d.zoom, (containerHead*d.zoom-ls.Height)/2))
	} else {
		o.label.Move(pos.AddXY((size.Width-ls.Width)/2, (size.Height-ls.Height)/2))
	}
	o.badge.Text = ""
	if n := d.counts[b.Name]; n > 0 {
		o.badge.Text = "×" + strconv.Itoa(n)
	}
	if st == StatusRetrying {
		o.badge.Text = "retrying"
	} else if st == StatusCaught {
		o.badge.Text = "caught"
	}
	o.badge.Color, o.badge.TextSize = stroke, textSize*0.85
	bs := o.badge.MinSize()
	o.badge.Move(pos.AddXY(size.Width-bs.Width-4*d.zoom, -bs.Height))
}

func (r *diagramRenderer) placeEdge(e LaidEdge, o edgeObjects, index int, textSize float32, muted color.Color) {
	d := r.d
	c := muted
	width := 1.5 * d.zoom
	if d.taken[[2]string{e.From, e.To}] {
		c, width = theme.Color(theme.ColorNamePrimary), 2.5*d.zoom
	}
	if index == d.dropTarget {
		c, width = theme.Color(theme.ColorNameFocus), 3*d.zoom
	}
	if e.Kind == EdgeCatch && !d.taken[[2]string{e.From, e.To}] && index != d.dropTarget {
		c = theme.Color(theme.ColorNameError)
	}
	li := 0
	for k := 0; k+1 < len(e.Points); k++ {
		a, b := d.toView(e.Points[k]), d.toView(e.Points[k+1])
		n := 1
		if e.Kind == EdgeCatch {
			n = dashCount(e.Points[k], e.Points[k+1])
		}
		for i := 0; i < n; i++ {
			l := o.lines[li]
			li++
			l.StrokeColor, l.StrokeWidth = c, width
			if n == 1 {
				l.Position1, l.Position2 = a, b
				continue
			}
			t0, t1 := float32(i)/float32(n), (float32(i)+0.5)/float32(n)
			l.Position1 = fyne.NewPos(a.X+(b.X-a.X)*t0, a.Y+(b.Y-a.Y)*t0)
			l.Position2 = fyne.NewPos(a.X+(b.X-a.X)*t1, a.Y+(b.Y-a.Y)*t1)
		}
	}
	// Arrowhead at the last point.
	tip := d.toView(e.Points[len(e.Points)-1])
	prev := d.toView(e.Points[len(e.Points)-2])
	ang := math.Atan2(float64(tip.Y-prev.Y), float64(tip.X-prev.X))
	head := float64(8 * d.zoom)
	for i, s := range []float64{-0.45, 0.45} {
		l := o.lines[li+i]
		l.StrokeColor, l.StrokeWidth = c, width
		l.Position1 = tip
		l.Position2 = fyne.NewPos(tip.X-float32(head*math.Cos(ang+s)), tip.Y-float32(head*math.Sin(ang+s)))
	}
	if o.label != nil {
		o.label.Color, o.label.TextSize = muted, textSize*0.85
		o.label.Move(d.toView(e.LabelAt))
	}
}
