package widgets

import (
	"sort"
	"unicode/utf8"

	"fyne.io/fyne/v2"
)

// Layout metrics, in model units (zoom 1 = pixels).
const (
	boxHeight     = 40
	boxMinWidth   = 120
	boxMaxWidth   = 320
	charWidth     = 7.5
	markerSize    = 16
	dummyWidth    = 8
	gapX          = 36
	gapY          = 56
	containerPad  = 14
	containerHead = 26
	channelGap    = 14
	labelOffset   = 4
	maxLabelRunes = 38 // (boxMaxWidth - 28) / charWidth
)

// DiagramLayout is where everything of a graph goes, in model units.
type DiagramLayout struct {
	Boxes []LaidBox
	Edges []LaidEdge
	Size  fyne.Size
}

// Box kinds.
const (
	BoxState     = "state"
	BoxContainer = "container" // Parallel or Map, with nested graphs
	BoxStart     = "start"
	BoxEnd       = "end"
)

// LaidBox is a state box, a container or a Start/End marker.
type LaidBox struct {
	Name   string // the state's name; markers are named "^start:SCOPE" / "^end:SCOPE"
	Kind   string
	Type   string
	Label  string
	Scope  string // the container this box is drawn in, "" at the top
	Pos    fyne.Position
	Size   fyne.Size
	Branch int // index of the nested graph (Parallel branch) within Scope
}

// LaidEdge is a routed transition: a polyline from the source's bottom to
// the target's top.
type LaidEdge struct {
	DiagramEdge
	Scope   string
	Back    bool // goes up (a loop), routed around the right side
	Points  []fyne.Position
	LabelAt fyne.Position
}

// Contains reports whether p lies inside the box.
func (b LaidBox) Contains(p fyne.Position) bool {
	return p.X >= b.Pos.X && p.Y >= b.Pos.Y && p.X <= b.Pos.X+b.Size.Width && p.Y <= b.Pos.Y+b.Size.Height
}

func markerName(kind, scope string) string { return "^" + kind + ":" + scope }

// LayoutDiagram lays g out top down in layers: the Start marker, then each
// state one layer below the lowest state leading to it (loops aside), then
// the End marker; Parallel and Map states are containers sized to hold
// their nested graphs side by side.
func LayoutDiagram(g DiagramGraph) DiagramLayout {
	var out DiagramLayout
	out.Size = layoutGraph(g, "", 0, &out)
	return out
}

// lnode is a node of one graph's layering: a state, a marker or a dummy
// point of a long edge.
type lnode struct {
	name   string
	state  *DiagramState
	kind   string
	w, h   float32
	layer  int
	order  float32
	x      float32 // centre
	dummy  bool
	inner  []DiagramLayout // nested graphs of a container, laid out
	innerW []float32
	innerH float32
}

type ledge struct {
	e        DiagramEdge
	from, to int
	back     bool
	chain    []int // nodes from source to target, dummies between
}

// layoutGraph lays out one graph with its top-left corner at origin (filled
// in by the caller for nested graphs: boxes are appended relative to 0,0
// and moved after), appending boxes and edges to out; it returns its size.
func layoutGraph(g DiagramGraph, scope string, branch int, out *DiagramLayout) fyne.Size {
	nodes, index := graphNodes(g, scope)
	edges := graphEdges(g, scope, nodes, index)
	markBackEdges(nodes, edges)
	assignLayers(nodes, edges)
	edges, nodes = addDummies(nodes, edges)
	rows := orderRows(nodes, edges)
	rowTop, rowH := rowMetrics(nodes, rows)
	placeRows(nodes, edges, rows)

	width := float32(0)
	for _, n := range nodes {
		width = max(width, n.x+n.w/2)
	}
	height := float32(0)
	if len(rows) > 0 {
		height = rowTop[len(rows)-1] + rowH[len(rows)-1]
	}
	for _, n := range nodes {
		if n.dummy {
			continue
		}
		b := LaidBox{Name: n.name, Kind: n.kind, Scope: scope, Branch: branch,
			Pos: fyne.NewPos(n.x-n.w/2, rowTop[n.layer]), Size: fyne.NewSize(n.w, n.h)}
		if n.state != nil {
			b.Type, b.Label = n.state.Type, stateLabel(n.state)
		}
		out.Boxes = append(out.Boxes, b)
		if n.kind == BoxContainer {
			x := b.Pos.X + containerPad
			for i, inner := range n.inner {
				moveLayout(inner, fyne.NewPos(x, b.Pos.Y+containerHead), out)
				x += n.innerW[i] + gapX
			}
		}
	}
	channel := width + channelGap
	for _, e := range edges {
		le := LaidEdge{DiagramEdge: e.e, Scope: scope, Back: e.back}
		if e.back {
			le.Points = backRoute(nodes[e.from], nodes[e.to], rowTop, rowH, channel)
			channel += channelGap
		} else {
			le.Points = forwardRoute(nodes, e.chain, rowTop, rowH)
		}
		if len(le.Points) > 1 {
			a, b := le.Points[0], le.Points[1]
			if len(le.Points) > 2 && a.X == b.X { // skip the stub below a short box
				a, b = le.Points[1], le.Points[2]
			}
			le.LabelAt = fyne.NewPos((a.X+b.X)/2+labelOffset, (a.Y+b.Y)/2-labelOffset*3)
			if b.X < a.X { // going left: the label ends at the line
				le.LabelAt.X = (a.X+b.X)/2 - labelOffset - float32(utf8.RuneCountInString(e.e.Label)+1)*charWidth*0.8
			}
		}
		out.Edges = append(out.Edges, le)
	}
	if channel > width+channelGap {
		width = channel
	}
	return fyne.NewSize(width, height)
}

// moveLayout appends a nested layout shifted by off.
func moveLayout(l DiagramLayout, off fyne.Position, out *DiagramLayout) {
	for _, b := range l.Boxes {
		b.Pos = b.Pos.Add(off)
		out.Boxes = append(out.Boxes, b)
	}
	for _, e := range l.Edges {
		pts := make([]fyne.Position, len(e.Points))
		for i, p := range e.Points {
			pts[i] = p.Add(off)
		}
		e.Points = pts
		e.LabelAt = e.LabelAt.Add(off)
		out.Edges = append(out.Edges, e)
	}
}

// stateLabel is what a box says, shortened to fit the widest box.
func stateLabel(s *DiagramState) string {
	l := typeGlyph(s.Type) + " " + s.Name
	if s.Detail != "" {
		l += " · " + s.Detail
	}
	if limit := maxLabelRunes; utf8.RuneCountInString(l) > limit {
		l = string([]rune(l)[:limit-1]) + "…"
	}
	return l
}

func labelWidth(label string) float32 {
	w := float32(utf8.RuneCountInString(label))*charWidth + 28
	return min(max(w, boxMinWidth), boxMaxWidth)
}

// graphNodes makes the Start marker (0), the states (1…n) and the End
// marker (n+1); containers get their nested graphs laid out.
func graphNodes(g DiagramGraph, scope string) ([]*lnode, map[string]int) {
	nodes := make([]*lnode, 0, len(g.States)+2)
	index := make(map[string]int, len(g.States))
	nodes = append(nodes, &lnode{name: markerName(BoxStart, scope), kind: BoxStart, w: markerSize, h: markerSize})
	for i := range g.States {
		s := &g.States[i]
		n := &lnode{name: s.Name, state: s, kind: BoxState, h: boxHeight}
		n.w = labelWidth(stateLabel(s))
		if len(s.Children) > 0 {
			n.kind = BoxContainer
			inner := float32(0)
			for bi, child := range s.Children {
				var l DiagramLayout
				size := layoutGraph(child, s.Name, bi, &l)
				n.inner = append(n.inner, l)
				n.innerW = append(n.innerW, size.Width)
				inner += size.Width
				n.innerH = max(n.innerH, size.Height)
			}
			inner += gapX * float32(len(s.Children)-1)
			n.w = max(n.w, inner+2*containerPad)
			n.h = containerHead + n.innerH + containerPad
		}
		if _, dup := index[s.Name]; !dup {
			index[s.Name] = len(nodes)
		}
		nodes = append(nodes, n)
	}
	nodes = append(nodes, &lnode{name: markerName(BoxEnd, scope), kind: BoxEnd, w: markerSize, h: markerSize})
	return nodes, index
}

// graphEdges resolves the edges to node indexes, adding Start→StartAt and
// every ending state → End; edges to unknown states are left out.
func graphEdges(g DiagramGraph, scope string, nodes []*lnode, index map[string]int) []*ledge {
	end := len(nodes) - 1
	var edges []*ledge
	if i, ok := index[g.StartAt]; ok {
		edges = append(edges, &ledge{e: DiagramEdge{From: nodes[0].name, To: g.StartAt, Kind: edgeStart}, from: 0, to: i})
	}
	for _, e := range g.Edges {
		f, ok1 := index[e.From]
		t, ok2 := index[e.To]
		if ok1 && ok2 {
			edges = append(edges, &ledge{e: e, from: f, to: t})
		}
	}
	for i := 1; i < end; i++ {
		if nodes[i].state.End {
			edges = append(edges, &ledge{e: DiagramEdge{From: nodes[i].name, To: nodes[end].name, Kind: edgeEnd}, from: i, to: end})
		}
	}
	return edges
}

// markBackEdges marks the edges that close a cycle in a depth-first walk
// from Start (then from any state not reached), so the rest is acyclic.
func markBackEdges(nodes []*lnode, edges []*ledge) {
	outs := make([][]*ledge, len(nodes))
	for _, e := range edges {
		outs[e.from] = append(outs[e.from], e)
	}
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(nodes))
	type frame struct{ n, next int }
	order := float32(0)
	walk := func(root int) {
		stack := []frame{{root, 0}}
		color[root] = grey
		nodes[root].order = order
		order++
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.next == len(outs[f.n]) {
				color[f.n] = black
				stack = stack[:len(stack)-1]
				continue
			}
			e := outs[f.n][f.next]
			f.next++
			switch color[e.to] {
			case grey:
				e.back = true
			case white:
				color[e.to] = grey
				nodes[e.to].order = order
				order++
				stack = append(stack, frame{e.to, 0})
			}
		}
	}
	for i := range nodes {
		if color[i] == white {
			walk(i)
		}
	}
}

// assignLayers gives each node the longest-path layer over forward edges;
// the End marker goes below everything.
func assignLayers(nodes []*lnode, edges []*ledge) {
	indeg := make([]int, len(nodes))
	outs := make([][]*ledge, len(nodes))
	for _, e := range edges {
		if !e.back {
			indeg[e.to]++
			outs[e.from] = append(outs[e.from], e)
		}
	}
	queue := make([]int, 0, len(nodes))
	for i, n := range nodes {
		if i > 0 {
			n.layer = 1 // states not reached sit beside the first state, not the Start marker
		}
		if indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range outs[n] {
			nodes[e.to].layer = max(nodes[e.to].layer, nodes[n].layer+1)
			if indeg[e.to]--; indeg[e.to] == 0 {
				queue = append(queue, e.to)
			}
		}
	}
	end := len(nodes) - 1
	deepest := 0
	for _, n := range nodes[:end] {
		deepest = max(deepest, n.layer)
	}
	nodes[end].layer = deepest + 1
}

// addDummies splits forward edges spanning several layers with a dummy
// node per layer crossed, so every piece joins adjacent layers.
func addDummies(nodes []*lnode, edges []*ledge) ([]*ledge, []*lnode) {
	for _, e := range edges {
		e.chain = []int{e.from}
		if !e.back {
			for l := nodes[e.from].layer + 1; l < nodes[e.to].layer; l++ {
				nodes = append(nodes, &lnode{dummy: true, layer: l, w: dummyWidth, order: nodes[e.from].order})
				e.chain = append(e.chain, len(nodes)-1)
			}
		}
		e.chain = append(e.chain, e.to)
	}
	return edges, nodes
}

// orderRows groups nodes by layer and orders each row to reduce crossings
// (barycentre sweeps down and up).
func orderRows(nodes []*lnode, edges []*ledge) [][]int {
	layers := 0
	for _, n := range nodes {
		layers = max(layers, n.layer+1)
	}
	rows := make([][]int, layers)
	for i, n := range nodes {
		rows[n.layer] = append(rows[n.layer], i)
	}
	up := make([][]int, len(nodes))
	down := make([][]int, len(nodes))
	for _, e := range edges {
		for k := 0; k+1 < len(e.chain); k++ {
			down[e.chain[k]] = append(down[e.chain[k]], e.chain[k+1])
			up[e.chain[k+1]] = append(up[e.chain[k+1]], e.chain[k])
		}
	}
	sortRow := func(row []int) {
		sort.SliceStable(row, func(a, b int) bool { return nodes[row[a]].order < nodes[row[b]].order })
		for pos, n := range row {
			nodes[n].order = float32(pos)
		}
	}
	for _, row := range rows {
		sortRow(row)
	}
	bary := func(row []int, adj [][]int) {
		for _, n := range row {
			if len(adj[n]) == 0 {
				continue
			}
			sum := float32(0)
			for _, m := range adj[n] {
				sum += nodes[m].order
			}
			nodes[n].order = sum / float32(len(adj[n]))
		}
		sortRow(row)
	}
	for sweep := 0; sweep < 4; sweep++ {
		for l := 1; l < len(rows); l++ {
			bary(rows[l], up)
		}
		for l := len(rows) - 2; l >= 0; l-- {
			bary(rows[l], down)
		}
	}
	for l := 1; l < len(rows); l++ {
		bary(rows[l], up)
	}
	return rows
}

// rowMetrics returns each row's top and height.
func rowMetrics(nodes []*lnode, rows [][]int) (top, height []float32) {
	top = make([]float32, len(rows))
	height = make([]float32, len(rows))
	y := float32(0)
	for l, row := range rows {
		h := float32(markerSize)
		for _, n := range row {
			h = max(h, nodes[n].h)
		}
		top[l], height[l] = y, h
		y += h + gapY
	}
	for _, n := range nodes {
		if n.dummy {
			n.h = height[n.layer]
		}
	}
	return top, height
}

// placeRows centres each node under its predecessors, keeping the row's
// order and gaps, then moves everything right of the left margin.
func placeRows(nodes []*lnode, edges []*ledge, rows [][]int) {
	up := make([][]int, len(nodes))
	for _, e := range edges {
		for k := 0; k+1 < len(e.chain); k++ {
			up[e.chain[k+1]] = append(up[e.chain[k+1]], e.chain[k])
		}
	}
	for l, row := range rows {
		want := make([]float32, len(row))
		for i, n := range row {
			want[i] = float32(i) * (nodes[n].w + gapX)
			if l > 0 && len(up[n]) > 0 {
				sum := float32(0)
				for _, m := range up[n] {
					sum += nodes[m].x
				}
				want[i] = sum / float32(len(up[n]))
			}
		}
		// Push right to keep gaps, then shift back by the mean error.
		x := make([]float32, len(row))
		for i, n := range row {
			x[i] = want[i]
			if i > 0 {
				prev := nodes[row[i-1]]
				x[i] = max(x[i], x[i-1]+prev.w/2+gapX+nodes[n].w/2)
			}
		}
		shift := float32(0)
		for i := range row {
			shift += x[i] - want[i]
		}
		shift /= float32(len(row))
		for i, n := range row {
			nodes[n].x = x[i] - shift
		}
	}
	minX := float32(0)
	for i, n := range nodes {
		if left := n.x - n.w/2; i == 0 || left < minX {
			minX = left
		}
	}
	for _, n := range nodes {
		n.x -= minX
	}
}

// forwardRoute goes down from the source's bottom to its row's bottom, then
// across the gap to each next node's row top, and down through dummies.
func forwardRoute(nodes []*lnode, chain []int, rowTop, rowH []float32) []fyne.Position {
	src := nodes[chain[0]]
	pts := []fyne.Position{{X: src.x, Y: rowTop[src.layer] + src.h}}
	if src.h < rowH[src.layer] {
		pts = append(pts, fyne.NewPos(src.x, rowTop[src.layer]+rowH[src.layer]))
	}
	for _, id := range chain[1:] {
		n := nodes[id]
		pts = append(pts, fyne.NewPos(n.x, rowTop[n.layer]))
		if n.dummy {
			pts = append(pts, fyne.NewPos(n.x, rowTop[n.layer]+rowH[n.layer]))
		}
	}
	return pts
}

// backRoute leaves the source downwards, runs along the gap below its row
// to a channel right of every box, climbs to the gap above the target's row
// and enters the target from the top.
func backRoute(src, dst *lnode, rowTop, rowH []float32, channel float32) []fyne.Position {
	below := rowTop[src.layer] + rowH[src.layer] + gapY/3
	above := rowTop[dst.layer] - gapY/3
	return []fyne.Position{
		{X: src.x + src.w/4, Y: rowTop[src.layer] + src.h},
		{X: src.x + src.w/4, Y: below},
		{X: channel, Y: below},
		{X: channel, Y: above},
		{X: dst.x + dst.w/4, Y: above},
		{X: dst.x + dst.w/4, Y: rowTop[dst.layer]},
	}
}
