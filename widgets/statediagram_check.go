package widgets

import "fmt"

// Problems lists what is wrong with a layout: state boxes that overlap
// (other than a container and what it holds) and edges that run through a
// box other than their own ends and the containers around them. A layout
// from LayoutDiagram has none.
func (l DiagramLayout) Problems() []string {
	scope := make(map[string]string, len(l.Boxes))
	for _, b := range l.Boxes {
		scope[b.Name] = b.Scope
	}
	within := func(name, container string) bool { // name is drawn inside container
		for s, hops := scope[name], 0; s != "" && hops <= len(scope); s, hops = scope[s], hops+1 {
			if s == container {
				return true
			}
		}
		return false
	}
	var out []string
	for i, a := range l.Boxes {
		for _, b := range l.Boxes[i+1:] {
			if within(a.Name, b.Name) || within(b.Name, a.Name) {
				continue
			}
			if overlap(a, b) {
				out = append(out, fmt.Sprintf("boxes %q and %q overlap", a.Name, b.Name))
			}
		}
	}
	for _, e := range l.Edges {
		for _, b := range l.Boxes {
			if b.Name == e.From || b.Name == e.To || b.Name == e.Scope || within(e.From, b.Name) {
				continue
			}
			for k := 0; k+1 < len(e.Points); k++ {
				if segmentCrosses(e.Points[k].X, e.Points[k].Y, e.Points[k+1].X, e.Points[k+1].Y, b) {
					out = append(out, fmt.Sprintf("edge %s→%s runs through %q", e.From, e.To, b.Name))
					break
				}
			}
		}
	}
	return out
}

func overlap(a, b LaidBox) bool {
	return a.Pos.X < b.Pos.X+b.Size.Width && b.Pos.X < a.Pos.X+a.Size.Width &&
		a.Pos.Y < b.Pos.Y+b.Size.Height && b.Pos.Y < a.Pos.Y+a.Size.Height
}

// segmentCrosses reports whether the segment enters the box's interior
// (Liang–Barsky clipping against the box shrunk by half a unit).
func segmentCrosses(x0, y0, x1, y1 float32, b LaidBox) bool {
	const e = 0.5
	minX, minY := b.Pos.X+e, b.Pos.Y+e
	maxX, maxY := b.Pos.X+b.Size.Width-e, b.Pos.Y+b.Size.Height-e
	t0, t1 := float32(0), float32(1)
	dx, dy := x1-x0, y1-y0
	for _, c := range [4][2]float32{{-dx, x0 - minX}, {dx, maxX - x0}, {-dy, y0 - minY}, {dy, maxY - y0}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}
