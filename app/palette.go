package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

var (
	_ fyne.Draggable    = (*paletteItem)(nil)
	_ desktop.Mouseable = (*paletteItem)(nil)
)

// paletteItem is a resource kind the user drags onto the flow canvas. When
// the drag ends it reports the kind and the pointer's absolute position.
type paletteItem struct {
	widget.BaseWidget
	kind   string
	label  string
	icon   fyne.Resource
	onDrop func(kind string, abs fyne.Position)

	border *canvas.Rectangle

	pressed  bool
	pressAt  fyne.Position
	dragging bool
	start    fyne.Position
	moved    fyne.Delta
}

func newPaletteItem(kind, label string, icon fyne.Resource, onDrop func(string, fyne.Position)) *paletteItem {
	p := &paletteItem{kind: kind, label: label, icon: icon, onDrop: onDrop}
	p.ExtendBaseWidget(p)
	return p
}

// MouseDown is part of desktop.Mouseable: the press point starts the drag.
func (p *paletteItem) MouseDown(e *desktop.MouseEvent) { p.pressed, p.pressAt = true, e.Position }

// MouseUp is part of desktop.Mouseable.
func (p *paletteItem) MouseUp(*desktop.MouseEvent) { p.pressed = false }

// Dragged is part of fyne.Draggable.
func (p *paletteItem) Dragged(e *fyne.DragEvent) {
	if !p.dragging {
		p.dragging, p.start, p.moved = true, e.Position, fyne.Delta{}
		if p.pressed {
			p.start = p.pressAt
		}
	}
	p.moved = fyne.NewDelta(p.moved.DX+e.Dragged.DX, p.moved.DY+e.Dragged.DY)
}

// DragEnd is part of fyne.Draggable.
func (p *paletteItem) DragEnd() {
	if !p.dragging {
		return
	}
	p.dragging = false
	abs := fyne.CurrentApp().Driver().AbsolutePositionForObject(p).Add(p.start).Add(p.moved)
	if p.onDrop != nil {
		p.onDrop(p.kind, abs)
	}
}

// CreateRenderer is part of fyne.Widget.
func (p *paletteItem) CreateRenderer() fyne.WidgetRenderer {
	p.border = canvas.NewRectangle(color.Transparent)
	p.styleBorder()
	label := widget.NewLabel(p.label)
	return widget.NewSimpleRenderer(container.NewStack(p.border,
		container.NewHBox(widget.NewIcon(p.icon), label)))
}

// Refresh follows theme changes.
func (p *paletteItem) Refresh() {
	if p.border != nil {
		p.styleBorder()
		p.border.Refresh()
	}
	p.BaseWidget.Refresh()
}

func (p *paletteItem) styleBorder() {
	p.border.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	p.border.StrokeWidth = theme.Size(theme.SizeNameInputBorder)
	p.border.CornerRadius = theme.Size(theme.SizeNameInputRadius)
}
