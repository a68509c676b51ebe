package widgets

import (
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// curveSegments is how many straight lines draw one edge's curve.
const curveSegments = 12

// Ports sit in the middle of a node's left (input) and right (output) side.
func inPort(n *Node) fyne.Position {
	return fyne.NewPos(n.Pos.X, n.Pos.Y+NodeSize().Height/2)
}

func outPort(n *Node) fyne.Position {
	s := NodeSize()
	return fyne.NewPos(n.Pos.X+s.Width, n.Pos.Y+s.Height/2)
}

// curve returns the cubic Bézier from an output port to an input port: it
// leaves and arrives horizontally, bowing further the further apart they are.
func curve(from, to fyne.Position) [4]fyne.Position {
	dx := fyne.Max(float32(math.Abs(float64(to.X-from.X)))/2, NodeSize().Width/3)
	return [4]fyne.Position{from, from.AddXY(dx, 0), to.AddXY(-dx, 0), to}
}

func bezier(c [4]fyne.Position, t float32) fyne.Position {
	u := 1 - t
	a, b, cc, d := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
	return fyne.NewPos(
		a*c[0].X+b*c[1].X+cc*c[2].X+d*c[3].X,
		a*c[0].Y+b*c[1].Y+cc*c[2].Y+d*c[3].Y,
	)
}

// flatten samples a curve into curveSegments+1 points.
func flatten(c [4]fyne.Position, into []fyne.Position) []fyne.Position {
	into = into[:0]
	for i := 0; i <= curveSegments; i++ {
		into = append(into, bezier(c, float32(i)/curveSegments))
	}
	return into
}

func inRect(p, topLeft fyne.Position, s fyne.Size) bool {
	return p.X >= topLeft.X && p.Y >= topLeft.Y && p.X <= topLeft.X+s.Width && p.Y <= topLeft.Y+s.Height
}

func dist(a, b fyne.Position) float32 {
	return float32(math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y)))
}

// segDist is the distance from p to the segment a–b.
func segDist(p, a, b fyne.Position) float32 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return dist(p, a)
	}
	t := fyne.Max(0, fyne.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l2))
	return dist(p, fyne.NewPos(a.X+t*dx, a.Y+t*dy))
}

// hitSlop is how far from a port or an edge, in widget pixels, a press
// still counts as on it.
func hitSlop() float32 { return theme.Padding() * 2 }

// nodeAt returns the topmost node under a model point.
func (f *FlowCanvas) nodeAt(p fyne.Position) *Node {
	s := NodeSize()
	for i := len(f.nodes) - 1; i >= 0; i-- {
		if inRect(p, f.nodes[i].Pos, s) {
			return f.nodes[i]
		}
	}
	return nil
}

// outPortAt returns the node whose output port is under a model point.
func (f *FlowCanvas) outPortAt(p fyne.Position) *Node {
	r := (portRadius() + hitSlop()) / f.zoom
	for i := len(f.nodes) - 1; i >= 0; i-- {
		if dist(p, outPort(f.nodes[i])) <= r {
			return f.nodes[i]
		}
	}
	return nil
}

// edgeAt returns the edge passing nearest a model point within the slop.
func (f *FlowCanvas) edgeAt(p fyne.Position) *Edge {
	best, bestD := (*Edge)(nil), hitSlop()/f.zoom
	var pts []fyne.Position
	for _, e := range f.edges {
		c, ok := f.edgeCurve(e)
		if !ok {
			continue
		}
		pts = flatten(c, pts)
		for i := 1; i < len(pts); i++ {
			if d := segDist(p, pts[i-1], pts[i]); d <= bestD {
				best, bestD = e, d
			}
		}
	}
	return best
}

func (f *FlowCanvas) edgeCurve(e *Edge) ([4]fyne.Position, bool) {
	a, b := f.nodeIndex(e.From), f.nodeIndex(e.To)
	if a < 0 || b < 0 {
		return [4]fyne.Position{}, false
	}
	return curve(outPort(f.nodes[a]), inPort(f.nodes[b])), true
}

func portRadius() float32 { return theme.Padding() * 1.5 }
