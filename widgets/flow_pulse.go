package widgets

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// PulseDuration is how long a pulse takes to travel an edge.
const PulseDuration = 600 * time.Millisecond

// Pulse sends a dot along an edge, from its source to its target, to show
// a message passing. A pulse already travelling the edge carries on rather
// than restarting, so a busy edge costs one animation however many
// messages pass; each animation frame moves one circle and lays out
// nothing else. Unknown edges are ignored. UI goroutine only.
func (f *FlowCanvas) Pulse(edgeID string) {
	if f.edgeIndex(edgeID) < 0 {
		return
	}
	if _, on := f.pulses[edgeID]; on {
		return
	}
	if f.pulses == nil {
		f.pulses = map[string]float32{}
	}
	f.pulses[edgeID] = 0
	a := fyne.NewAnimation(PulseDuration, func(p float32) { f.pulseAt(edgeID, p) })
	a.Curve = fyne.AnimationEaseInOut
	a.Start()
}

// Pulsing reports whether a pulse is travelling the edge, and how far.
func (f *FlowCanvas) Pulsing(edgeID string) (progress float32, ok bool) {
	progress, ok = f.pulses[edgeID]
	return progress, ok
}

// pulseAt moves the edge's pulse to progress p (0..1); 1 ends it.
func (f *FlowCanvas) pulseAt(id string, p float32) {
	if _, on := f.pulses[id]; !on {
		return
	}
	if p >= 1 {
		delete(f.pulses, id)
	} else {
		f.pulses[id] = p
	}
	r := f.rend
	if r == nil { // never shown: nothing to move
		return
	}
	e := r.edgeIDs[id] // as of the last refresh: a removed edge is gone
	if e == nil {
		delete(f.pulses, id)
		return
	}
	if v := r.edges[e]; v != nil {
		r.layoutPulse(e, v)
	}
}

// layoutPulse places or hides the edge's pulse dot.
func (r *flowRenderer) layoutPulse(e *Edge, v *edgeView) {
	p, on := r.f.pulses[e.ID]
	hidden := !on || !v.shown
	if !hidden {
		d := portRadius() * 2.4 * r.f.zoom
		at := bezier(v.curve, p)
		v.dot.Move(at.SubtractXY(d/2, d/2))
		v.dot.Resize(fyne.NewSize(d, d))
	}
	if hidden != v.dot.Hidden || !hidden {
		v.dot.Hidden = hidden
		canvas.Refresh(v.dot)
	}
}
