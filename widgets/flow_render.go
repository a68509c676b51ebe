package widgets

import (
	"image/color"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

// tooltip is the refusal message shown where a connect drag ended.
type tooltip struct {
	text string
	at   fyne.Position
}

// flowRenderer draws a FlowCanvas. It keeps one view per node and edge and
// reuses them across frames; only objects whose look changed are refreshed
// (refreshing the widget itself would drop every cached text texture), and
// everything outside the visible area is hidden.
type flowRenderer struct {
	f *FlowCanvas

	bg      *canvas.Rectangle
	grid    []*canvas.Line
	nodes   map[*Node]*nodeView
	edges   map[*Edge]*edgeView
	pending *canvas.Line
	band    *canvas.Rectangle
	tipBox  *canvas.Rectangle
	tipText *canvas.Text

	objects []fyne.CanvasObject
	byID    map[string]*Node
	edgeIDs map[string]*Edge
	pts     []fyne.Position
	pal     palette
}

// palette is the theme's colours, read once per refresh.
type palette struct {
	bg, grid, fill, stroke, fg, muted, primary, focus, selection, errc, overlay color.Color
	th                                                                          fyne.Theme
	variant                                                                     fyne.ThemeVariant
}

func (p *palette) named(n fyne.ThemeColorName, fallback color.Color) color.Color {
	if n == "" {
		return fallback
	}
	return p.th.Color(n, p.variant)
}

type nodeView struct {
	box              *canvas.Rectangle
	icon             *canvas.Image
	kind             *canvas.Text
	name             *canvas.Text
	badges           *canvas.Text
	in, out          *canvas.Circle
	spark            []*canvas.Line
	fitKind, fitName fitCache
	fitBadges        fitCache
}

// fitCache remembers a text shortened to a width, so that frames that do
// not change the text or the zoom measure nothing.
type fitCache struct {
	src         string
	size, width float32
	out         string
}

// fit returns src, shortened with an ellipsis until it fits the width.
func (c *fitCache) fit(src string, size, width float32, style fyne.TextStyle) string {
	if c.src == src && c.size == size && c.width == width {
		return c.out
	}
	c.src, c.size, c.width, c.out = src, size, width, src
	if src == "" || width <= 0 || fyne.MeasureText(src, size, style).Width <= width {
		return src
	}
	runes := []rune(src)
	for len(runes) > 1 {
		runes = runes[:len(runes)-1]
		if fyne.MeasureText(string(runes)+"…", size, style).Width <= width {
			break
		}
	}
	c.out = string(runes) + "…"
	return c.out
}

type edgeView struct {
	segs  [curveSegments]*canvas.Line
	head  [2]*canvas.Line // the arrowhead's two barbs
	label *canvas.Text
	dot   *canvas.Circle   // a pulse travelling the edge (flow_pulse.go)
	curve [4]fyne.Position // last laid out, in widget coordinates
	shown bool             // the curve is on screen
}

func newFlowRenderer(f *FlowCanvas) *flowRenderer {
	r := &flowRenderer{
		f:       f,
		bg:      canvas.NewRectangle(color.Transparent),
		nodes:   map[*Node]*nodeView{},
		edges:   map[*Edge]*edgeView{},
		pending: canvas.NewLine(color.Transparent),
		band:    canvas.NewRectangle(color.Transparent),
		tipBox:  canvas.NewRectangle(color.Transparent),
		tipText: canvas.NewText("", color.Transparent),
		byID:    map[string]*Node{},
		edgeIDs: map[string]*Edge{},
	}
	f.rend = r
	r.pending.Hide()
	r.band.Hide()
	r.tipBox.Hide()
	r.tipText.Hide()
	r.Refresh()
	return r
}

func (r *flowRenderer) Destroy() {}

func (r *flowRenderer) MinSize() fyne.Size { return NodeSize() }

func (r *flowRenderer) Objects() []fyne.CanvasObject { return r.objects }

// Refresh syncs the views with the model and the theme, then lays out.
func (r *flowRenderer) Refresh() {
	r.readPalette()
	r.syncViews()
	r.style()
	r.Layout(r.f.Size())
	canvas.Refresh(r.bg) // marks the canvas dirty; cheap, bg has no texture
}

func (r *flowRenderer) readPalette() {
	th := r.f.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
	r.pal = palette{
		bg: c(theme.ColorNameBackground), grid: c(theme.ColorNameHover),
		fill: c(theme.ColorNameInputBackground), stroke: c(theme.ColorNameInputBorder),
		fg: c(theme.ColorNameForeground), muted: c(theme.ColorNamePlaceHolder),
		primary: c(theme.ColorNamePrimary), focus: c(theme.ColorNameFocus),
		selection: c(theme.ColorNameSelection), errc: c(theme.ColorNameError),
		overlay: c(theme.ColorNameOverlayBackground), th: th, variant: v,
	}
}

// syncViews creates views for new nodes and edges, drops those of removed
// ones and rebuilds the object list: background, grid, edges, nodes, then
// the gesture feedback on top.
func (r *flowRenderer) syncViews() {
	clear(r.byID)
	live := make(map[*Node]bool, len(r.f.nodes))
	for _, n := range r.f.nodes {
		r.byID[n.ID] = n
		live[n] = true
		if r.nodes[n] == nil {
			r.nodes[n] = newNodeView()
		}
	}
	for n := range r.nodes {
		if !live[n] {
			delete(r.nodes, n)
		}
	}
	liveE := make(map[*Edge]bool, len(r.f.edges))
	clear(r.edgeIDs)
	for _, e := range r.f.edges {
		liveE[e] = true
		r.edgeIDs[e.ID] = e
		if r.edges[e] == nil {
			r.edges[e] = newEdgeView()
		}
	}
	for e := range r.edges {
		if !liveE[e] {
			delete(r.edges, e)
		}
	}
	r.objects = r.objects[:0]
	r.objects = append(r.objects, r.bg)
	for _, l := range r.grid {
		r.objects = append(r.objects, l)
	}
	for _, e := range r.f.edges {
		v := r.edges[e]
		for _, s := range v.segs {
			r.objects = append(r.objects, s)
		}
		r.objects = append(r.objects, v.head[0], v.head[1], v.label, v.dot)
	}
	for _, n := range r.f.nodes {
		v := r.nodes[n]
		r.objects = append(r.objects, v.box, v.icon, v.kind, v.name, v.badges, v.in, v.out)
		for want := min(len(n.Spark), sparkPoints) - 1; len(v.spark) < want; {
			v.spark = append(v.spark, canvas.NewLine(color.Transparent))
		}
		for _, l := range v.spark {
			r.objects = append(r.objects, l)
		}
	}
	r.objects = append(r.objects, r.pending, r.band, r.tipBox, r.tipText)
}

func newNodeView() *nodeView {
	v := &nodeView{
		box:    canvas.NewRectangle(color.Transparent),
		icon:   canvas.NewImageFromResource(nil),
		kind:   canvas.NewText("", color.Transparent),
		name:   canvas.NewText("", color.Transparent),
		badges: canvas.NewText("", color.Transparent),
		in:     canvas.NewCircle(color.Transparent),
		out:    canvas.NewCircle(color.Transparent),
	}
	v.icon.FillMode = canvas.ImageFillContain
	v.name.TextStyle = fyne.TextStyle{Bold: true}
	return v
}

func newEdgeView() *edgeView {
	v := &edgeView{label: canvas.NewText("", color.Transparent), dot: canvas.NewCircle(color.Transparent)}
	v.dot.Hide()
	v.head[0], v.head[1] = canvas.NewLine(color.Transparent), canvas.NewLine(color.Transparent)
	for i := range v.segs {
		v.segs[i] = canvas.NewLine(color.Transparent)
	}
	v.label.Alignment = fyne.TextAlignCenter
	return v
}

// style applies texts, colours and sizes, refreshing only what changed.
func (r *flowRenderer) style() {
	f, p, z := r.f, &r.pal, r.f.zoom
	pad := theme.Padding()
	setFill(r.bg, p.bg)
	for _, n := range f.nodes {
		v := r.nodes[n]
		stroke, width := p.named(n.Accent, p.stroke), float32(1)
		switch {
		case f.selNodes[n.ID]:
			stroke, width = p.primary, 2
		case n.ID == f.in.target:
			stroke, width = p.focus, 2
		}
		setRect(v.box, p.fill, stroke, width*z, pad*2*z)
		if v.icon.Resource != n.Icon {
			v.icon.Resource = n.Icon
			v.icon.Refresh()
		}
		caption, text := theme.CaptionTextSize()*z, theme.TextSize()*z
		inner := (NodeSize().Width - 4*pad) * z
		kindW := inner
		if len(n.Spark) > 1 {
			kindW = inner / 2
		}
		if n.Icon != nil {
			kindW -= caption*1.3 + pad*z
		}
		setText(v.kind, v.fitKind.fit(strings.ToUpper(n.Kind), caption, kindW, v.kind.TextStyle), caption, p.muted)
		setText(v.name, v.fitName.fit(n.Name, text, inner, v.name.TextStyle), text, p.fg)
		setText(v.badges, v.fitBadges.fit(strings.Join(n.Badges, " · "), caption, inner, v.badges.TextStyle), caption, p.fg)
		portFill := p.fill
		if n.ID == f.in.hover || n.ID == f.in.from {
			portFill = p.primary
		}
		setCircle(v.in, p.fill, stroke, z)
		setCircle(v.out, portFill, p.primary, z)
		for _, l := range v.spark {
			setLine(l, p.named(n.Accent, p.primary), z)
		}
	}
	for _, e := range f.edges {
		v := r.edges[e]
		c, w := p.named(e.Color, p.primary), float32(1.5)
		label := c
		if f.selEdges[e.ID] {
			c, w, label = p.fg, 2.5, p.fg
		}
		for _, s := range v.segs {
			setLine(s, c, w*z)
		}
		setLine(v.head[0], c, w*z)
		setLine(v.head[1], c, w*z)
		setText(v.label, e.Label, theme.CaptionTextSize()*z, label)
		setCircle(v.dot, c, p.fg, z)
	}
	setLine(r.pending, p.primary, 2)
	setRect(r.band, p.selection, p.primary, 1, 0)
	setRect(r.tipBox, p.overlay, p.errc, 1, pad)
	setText(r.tipText, f.tooltip.text, theme.CaptionTextSize(), p.fg)
}

func setFill(r *canvas.Rectangle, c color.Color) {
	if r.FillColor != c {
		r.FillColor = c
		r.Refresh()
	}
}

func setRect(r *canvas.Rectangle, fill, stroke color.Color, width, radius float32) {
	if r.FillColor != fill || r.StrokeColor != stroke || r.StrokeWidth != width || r.CornerRadius != radius {
		r.FillColor, r.StrokeColor, r.StrokeWidth, r.CornerRadius = fill, stroke, width, radius
		r.Refresh()
	}
}

func setCircle(c *canvas.Circle, fill, stroke color.Color, z float32) {
	if c.FillColor != fill || c.StrokeColor != stroke || c.StrokeWidth != 1.5*z {
		c.FillColor, c.StrokeColor, c.StrokeWidth = fill, stroke, 1.5*z
		c.Refresh()
	}
}

func setLine(l *canvas.Line, c color.Color, w float32) {
	if l.StrokeColor != c || l.StrokeWidth != w {
		l.StrokeColor, l.StrokeWidth = c, w
		l.Refresh()
	}
}

func setText(t *canvas.Text, s string, size float32, c color.Color) {
	if t.Text != s || t.TextSize != size || t.Color != c {
		t.Text, t.TextSize, t.Color = s, size, c
		t.Refresh()
	}
}

// Layout places every view for the current zoom and pan.
func (r *flowRenderer) Layout(size fyne.Size) {
	f := r.f
	r.bg.Resize(size)
	r.bg.Move(fyne.Position{})
	r.layoutGrid(size)
	for _, n := range f.nodes {
		r.layoutNode(n, r.nodes[n], size)
	}
	for _, e := range f.edges {
		r.layoutEdge(e, r.edges[e], size)
	}
	r.layoutFeedback()
}

// layoutGrid draws a line every four grid steps, while they are far enough
// apart to be worth drawing.
func (r *flowRenderer) layoutGrid(size fyne.Size) {
	step := GridStep() * 4 * r.f.zoom
	want := 0
	if step >= GridStep()*2 {
		want = int(size.Width/step) + int(size.Height/step) + 2
	}
	if len(r.grid) < want {
		for len(r.grid) < want {
			r.grid = append(r.grid, canvas.NewLine(r.pal.grid))
		}
		r.syncViews()
	}
	i := 0
	if want > 0 {
		x0 := float32(math.Mod(float64(r.f.offset.X), float64(step)))
		for x := x0; x <= size.Width && i < want; x += step {
			r.grid[i].Position1, r.grid[i].Position2 = fyne.NewPos(x, 0), fyne.NewPos(x, size.Height)
			i++
		}
		y0 := float32(math.Mod(float64(r.f.offset.Y), float64(step)))
		for y := y0; y <= size.Height && i < want; y += step {
			r.grid[i].Position1, r.grid[i].Position2 = fyne.NewPos(0, y), fyne.NewPos(size.Width, y)
			i++
		}
	}
	for k, l := range r.grid {
		setLine(l, r.pal.grid, 1)
		l.Hidden = k >= i
	}
}

func (r *flowRenderer) layoutNode(n *Node, v *nodeView, size fyne.Size) {
	f, z := r.f, r.f.zoom
	s := NodeSize()
	at := f.toWidget(n.Pos)
	sz := fyne.NewSize(s.Width*z, s.Height*z)
	visible := at.X < size.Width && at.Y < size.Height && at.X+sz.Width > 0 && at.Y+sz.Height > 0
	for _, o := range []fyne.CanvasObject{v.box, v.icon, v.kind, v.name, v.badges, v.in, v.out} {
		setVisible(o, visible)
	}
	if !visible {
		for _, l := range v.spark {
			l.Hidden = true
		}
		return
	}
	pad := theme.Padding() * 2 * z
	v.box.Move(at)
	v.box.Resize(sz)
	capH := v.kind.MinSize().Height
	iconSz := fyne.NewSquareSize(capH)
	v.icon.Hidden = n.Icon == nil
	v.icon.Move(at.AddXY(pad, pad))
	v.icon.Resize(iconSz)
	kx := pad
	if n.Icon != nil {
		kx += capH + theme.Padding()*z
	}
	inner := sz.Width - 2*pad
	nameH := v.name.MinSize().Height
	v.kind.Move(at.AddXY(kx, pad))
	v.kind.Resize(fyne.NewSize(inner-kx+pad, capH))
	v.name.Move(at.AddXY(pad, pad+capH))
	v.name.Resize(fyne.NewSize(inner, nameH))
	v.badges.Move(at.AddXY(pad, pad+capH+nameH))
	v.badges.Resize(fyne.NewSize(inner, capH))
	detail := z >= 0.5 // below half size only the box and the name show
	v.kind.Hidden, v.badges.Hidden = !detail, !detail
	v.icon.Hidden = v.icon.Hidden || !detail
	pr := portRadius() * z
	ps := fyne.NewSquareSize(2 * pr)
	v.in.Resize(ps)
	v.in.Move(f.toWidget(inPort(n)).SubtractXY(pr, pr))
	v.out.Resize(ps)
	v.out.Move(f.toWidget(outPort(n)).SubtractXY(pr, pr))
	layoutSpark(n.Spark, v.spark, at.AddXY(sz.Width/2, pad), fyne.NewSize(sz.Width/2-pad, capH), detail)
}

// layoutSpark draws the newest samples as a line over the box, scaled from
// zero to a round maximum.
func layoutSpark(samples []float64, lines []*canvas.Line, at fyne.Position, size fyne.Size, show bool) {
	samples = samples[max(0, len(samples)-sparkPoints):]
	top := 0.0
	for _, v := range samples {
		top = math.Max(top, v)
	}
	top = niceCeil(top)
	step := size.Width / float32(sparkPoints-1)
	x0 := at.X + size.Width - step*float32(len(samples)-1) // newest at the right edge
	y := func(v float64) float32 { return at.Y + size.Height*float32(1-v/top) }
	for i, l := range lines {
		if !show || i+1 >= len(samples) {
			l.Hidden = true
			continue
		}
		l.Hidden = false
		l.Position1 = fyne.NewPos(x0+float32(i)*step, y(samples[i]))
		l.Position2 = fyne.NewPos(x0+float32(i+1)*step, y(samples[i+1]))
	}
}

func setVisible(o fyne.CanvasObject, v bool) {
	if o.Visible() != v {
		if v {
			o.Show()
		} else {
			o.Hide()
		}
	}
}

func (r *flowRenderer) layoutEdge(e *Edge, v *edgeView, size fyne.Size) {
	f := r.f
	from, to := r.byID[e.From], r.byID[e.To]
	if from == nil || to == nil {
		r.hideEdge(v)
		return
	}
	c := curve(outPort(from), inPort(to))
	for i := range c {
		c[i] = f.toWidget(c[i])
	}
	if !curveVisible(c, size) {
		r.hideEdge(v)
		return
	}
	v.curve, v.shown = c, true
	// the arrow's tip touches the input port's rim
	pr := portRadius() * f.zoom
	c[3] = c[3].SubtractXY(pr, 0)
	c[2] = c[2].SubtractXY(pr, 0)
	r.pts = flatten(c, r.pts)
	for i, s := range v.segs {
		s.Position1, s.Position2 = r.pts[i], r.pts[i+1]
		s.Hidden = e.Dashed && i%2 == 1
	}
	tip, back := r.pts[len(r.pts)-1], r.pts[len(r.pts)-3]
	ang := math.Atan2(float64(tip.Y-back.Y), float64(tip.X-back.X))
	head := float64(theme.Padding() * 2.5 * f.zoom)
	for k, turn := range []float64{math.Pi * 5 / 6, -math.Pi * 5 / 6} {
		a := ang + turn
		v.head[k].Position1 = tip
		v.head[k].Position2 = tip.AddXY(float32(head*math.Cos(a)), float32(head*math.Sin(a)))
		v.head[k].Hidden = false
	}
	v.label.Hidden = e.Label == "" || f.zoom < 0.5
	mid := bezier(c, 0.5)
	ls := v.label.MinSize()
	v.label.Resize(ls)
	v.label.Move(fyne.NewPos(mid.X-ls.Width/2, mid.Y-ls.Height-theme.Padding()*f.zoom))
	r.layoutPulse(e, v)
}

func (r *flowRenderer) hideEdge(v *edgeView) {
	for _, s := range v.segs {
		s.Hidden = true
	}
	v.head[0].Hidden, v.head[1].Hidden, v.label.Hidden, v.dot.Hidden = true, true, true, true
	v.shown = false
}

// curveVisible says whether the curve's control box meets the widget.
func curveVisible(c [4]fyne.Position, size fyne.Size) bool {
	lo, hi := c[0], c[0]
	for _, p := range c[1:] {
		lo = fyne.NewPos(fyne.Min(lo.X, p.X), fyne.Min(lo.Y, p.Y))
		hi = fyne.NewPos(fyne.Max(hi.X, p.X), fyne.Max(hi.Y, p.Y))
	}
	return hi.X >= 0 && hi.Y >= 0 && lo.X <= size.Width && lo.Y <= size.Height
}

// layoutFeedback places the connect line, the rubber band and the tooltip.
func (r *flowRenderer) layoutFeedback() {
	f := r.f
	r.pending.Hidden, r.band.Hidden = true, true
	switch f.in.gesture {
	case gestureConnect:
		if n := r.byID[f.in.from]; n != nil {
			r.pending.Position1, r.pending.Position2 = f.toWidget(outPort(n)), f.in.at()
			r.pending.Hidden = false
		}
	case gestureBand:
		lo, hi := f.band()
		r.band.Move(lo)
		r.band.Resize(fyne.NewSize(hi.X-lo.X, hi.Y-lo.Y))
		r.band.Hidden = false
	}
	show := f.tooltip.text != ""
	r.tipBox.Hidden, r.tipText.Hidden = !show, !show
	if show {
		pad := theme.Padding()
		ts := r.tipText.MinSize()
		at := f.tooltip.at.AddXY(pad*2, pad*2)
		r.tipBox.Move(at)
		r.tipBox.Resize(ts.AddWidthHeight(pad*2, pad*2))
		r.tipText.Move(at.AddXY(pad, pad))
		r.tipText.Resize(ts)
	}
}
