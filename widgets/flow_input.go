package widgets

import (
	"errors"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

var (
	_ fyne.Widget            = (*FlowCanvas)(nil)
	_ fyne.Draggable         = (*FlowCanvas)(nil)
	_ fyne.Tappable          = (*FlowCanvas)(nil)
	_ fyne.SecondaryTappable = (*FlowCanvas)(nil)
	_ fyne.Scrollable        = (*FlowCanvas)(nil)
	_ fyne.Focusable         = (*FlowCanvas)(nil)
	_ fyne.Shortcutable      = (*FlowCanvas)(nil)
	_ desktop.Mouseable      = (*FlowCanvas)(nil)
	_ desktop.Hoverable      = (*FlowCanvas)(nil)
)

// gesture is what a drag is doing, decided by where it started.
type gesture int

const (
	gestureNone    gesture = iota
	gesturePan             // on the background
	gestureBand            // shift + drag on the background: rubber band
	gestureMove            // on a node: moves it and the other selected nodes
	gestureConnect         // on an output port: draws a new edge
)

// input is the state of the pointer between a press and the end of a drag.
type input struct {
	pressed  bool // MouseDown seen since the last MouseUp
	pressAt  fyne.Position
	pressMod fyne.KeyModifier

	gesture gesture
	start   fyne.Position // widget coordinates where the drag began
	moved   fyne.Delta    // total drag so far
	from    string        // node the gesture started on
	origin  map[string]fyne.Position
	target  string // connect: node under the pointer
	hover   string // node under the mouse when not dragging
}

func (in *input) at() fyne.Position { return in.start.Add(in.moved) }

// MouseDown is part of desktop.Mouseable: it remembers where the press was
// and which modifiers were held, for the drag or tap that follows.
func (f *FlowCanvas) MouseDown(e *desktop.MouseEvent) {
	f.in.pressed, f.in.pressAt, f.in.pressMod = true, e.Position, e.Modifier
}

// MouseUp is part of desktop.Mouseable.
func (f *FlowCanvas) MouseUp(*desktop.MouseEvent) { f.in.pressed = false }

// Dragged is part of fyne.Draggable.
func (f *FlowCanvas) Dragged(e *fyne.DragEvent) {
	if f.in.gesture == gestureNone {
		start := e.Position
		if f.in.pressed {
			start = f.in.pressAt
		}
		f.beginDrag(start)
	}
	f.in.moved = fyne.NewDelta(f.in.moved.DX+e.Dragged.DX, f.in.moved.DY+e.Dragged.DY)
	switch f.in.gesture {
	case gesturePan:
		f.offset = f.offset.Add(e.Dragged)
	case gestureMove:
		for id, p := range f.in.origin {
			if i := f.nodeIndex(id); i >= 0 {
				f.nodes[i].Pos = p.AddXY(f.in.moved.DX/f.zoom, f.in.moved.DY/f.zoom)
			}
		}
	case gestureConnect:
		f.in.target = ""
		if n := f.nodeAt(f.toModel(f.in.at())); n != nil && n.ID != f.in.from {
			f.in.target = n.ID
		}
	case gestureBand:
		f.bandSelect()
	}
	f.refresh()
}

func (f *FlowCanvas) beginDrag(start fyne.Position) {
	f.tooltip = tooltip{}
	f.in.start, f.in.moved = start, fyne.Delta{}
	m := f.toModel(start)
	if n := f.outPortAt(m); n != nil {
		f.in.gesture, f.in.from = gestureConnect, n.ID
		return
	}
	if n := f.nodeAt(m); n != nil {
		if !f.selNodes[n.ID] {
			f.selectOnly([]string{n.ID}, nil)
		}
		f.in.gesture, f.in.from = gestureMove, n.ID
		f.in.origin = map[string]fyne.Position{}
		for _, n := range f.nodes {
			if f.selNodes[n.ID] {
				f.in.origin[n.ID] = n.Pos
			}
		}
		return
	}
	if f.in.pressMod&fyne.KeyModifierShift != 0 {
		f.in.gesture = gestureBand
		return
	}
	f.in.gesture = gesturePan
}

// DragEnd is part of fyne.Draggable: it finishes what the drag started.
func (f *FlowCanvas) DragEnd() {
	in := f.in
	f.in = input{hover: in.hover}
	switch in.gesture {
	case gesturePan:
		f.viewChanged()
	case gestureMove:
		to := map[string]fyne.Position{}
		for id, p := range in.origin {
			if i := f.nodeIndex(id); i >= 0 {
				to[id] = f.nodes[i].Pos
				f.nodes[i].Pos = p // back where it was, so the edit records from → to
			}
		}
		f.MoveNodes(to)
	case gestureConnect:
		if in.target != "" {
			if err := f.Connect(in.from, in.target); err != nil && !errors.Is(err, ErrPending) {
				f.ShowTooltip(err.Error(), in.at())
			}
		}
	}
	f.refresh()
}

func (f *FlowCanvas) bandSelect() {
	lo, hi := f.band()
	a, b := f.toModel(lo), f.toModel(hi)
	s := NodeSize()
	sn := map[string]bool{}
	for _, n := range f.nodes {
		if n.Pos.X < b.X && a.X < n.Pos.X+s.Width && n.Pos.Y < b.Y && a.Y < n.Pos.Y+s.Height {
			sn[n.ID] = true
		}
	}
	f.setSelection(sn, map[string]bool{})
}

// band returns the rubber band's corners in widget coordinates.
func (f *FlowCanvas) band() (lo, hi fyne.Position) {
	a, b := f.in.start, f.in.at()
	return fyne.NewPos(fyne.Min(a.X, b.X), fyne.Min(a.Y, b.Y)), fyne.NewPos(fyne.Max(a.X, b.X), fyne.Max(a.Y, b.Y))
}

// Tapped is part of fyne.Tappable: it selects the node or edge under the
// pointer (shift or ctrl toggles a node in the selection) or clears the
// selection on the background.
func (f *FlowCanvas) Tapped(e *fyne.PointEvent) {
	mod := f.in.pressMod
	f.in.pressMod = 0
	if c := fyne.CurrentApp().Driver().CanvasForObject(f); c != nil && c.Focused() != f {
		c.Focus(f)
	}
	f.tooltip = tooltip{}
	m := f.toModel(e.Position)
	if n := f.nodeAt(m); n != nil {
		if mod&(fyne.KeyModifierShift|fyne.KeyModifierShortcutDefault) != 0 {
			f.toggleNode(n.ID)
		} else {
			f.selectOnly([]string{n.ID}, nil)
		}
		return
	}
	if ed := f.edgeAt(m); ed != nil {
		f.selectOnly(nil, []string{ed.ID})
		return
	}
	f.selectOnly(nil, nil)
}

// TappedSecondary is part of fyne.SecondaryTappable: on a node it asks
// OnNodeMenu for a context menu.
func (f *FlowCanvas) TappedSecondary(e *fyne.PointEvent) {
	if n := f.nodeAt(f.toModel(e.Position)); n != nil && f.OnNodeMenu != nil {
		f.OnNodeMenu(n.ID, e.AbsolutePosition)
	}
}

// Scrolled is part of fyne.Scrollable: the wheel zooms around the pointer,
// about 10 % per notch.
func (f *FlowCanvas) Scrolled(e *fyne.ScrollEvent) {
	f.ZoomAt(float32(math.Exp(float64(e.Scrolled.DY)/100)), e.Position)
}

// MouseIn is part of desktop.Hoverable.
func (f *FlowCanvas) MouseIn(e *desktop.MouseEvent) { f.MouseMoved(e) }

// MouseMoved is part of desktop.Hoverable: the node under the mouse shows
// its ports.
func (f *FlowCanvas) MouseMoved(e *desktop.MouseEvent) {
	id := ""
	if n := f.nodeAt(f.toModel(e.Position)); n != nil {
		id = n.ID
	}
	if id != f.in.hover {
		f.in.hover = id
		f.refresh()
	}
}

// MouseOut is part of desktop.Hoverable.
func (f *FlowCanvas) MouseOut() {
	if f.in.hover != "" {
		f.in.hover = ""
		f.refresh()
	}
}

// FocusGained is part of fyne.Focusable.
func (f *FlowCanvas) FocusGained() { f.focused = true }

// FocusLost is part of fyne.Focusable.
func (f *FlowCanvas) FocusLost() { f.focused = false }

// TypedRune is part of fyne.Focusable.
func (f *FlowCanvas) TypedRune(rune) {}

// TypedKey is part of fyne.Focusable: Delete and Backspace delete the
// selection, Escape clears it.
func (f *FlowCanvas) TypedKey(e *fyne.KeyEvent) {
	f.tooltip = tooltip{}
	switch e.Name {
	case fyne.KeyDelete, fyne.KeyBackspace:
		if f.OnDeleteRequest == nil {
			f.DeleteSelection()
		} else if ns, es := f.Selected(); len(ns)+len(es) > 0 {
			f.OnDeleteRequest(ns, es)
		}
	case fyne.KeyEscape:
		f.selectOnly(nil, nil)
	}
	f.refresh()
}

// TypedShortcut is part of fyne.Shortcutable: undo (Ctrl+Z), redo
// (Ctrl+Shift+Z, Ctrl+Y) and select all.
func (f *FlowCanvas) TypedShortcut(s fyne.Shortcut) {
	switch s := s.(type) {
	case *fyne.ShortcutUndo:
		f.Undo()
	case *fyne.ShortcutRedo:
		f.Redo()
	case *fyne.ShortcutSelectAll:
		f.SelectAll()
	case *desktop.CustomShortcut:
		switch {
		case s.KeyName == fyne.KeyZ && s.Modifier == fyne.KeyModifierShortcutDefault:
			f.Undo()
		case s.KeyName == fyne.KeyZ && s.Modifier == fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift,
			s.KeyName == fyne.KeyY && s.Modifier == fyne.KeyModifierShortcutDefault:
			f.Redo()
		}
	}
}
