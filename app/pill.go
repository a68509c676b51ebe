package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pill is a short label on a rounded background, both coloured by theme
// colour names so it follows the light/dark toggle: the endpoint and clock
// badges of the toolbar.
type pill struct {
	widget.BaseWidget
	text     string
	fill, fg fyne.ThemeColorName
}

func newPill(text string, fill, fg fyne.ThemeColorName) *pill {
	p := &pill{text: text, fill: fill, fg: fg}
	p.ExtendBaseWidget(p)
	return p
}

// set changes the text and colours and redraws.
func (p *pill) set(text string, fill, fg fyne.ThemeColorName) {
	p.text, p.fill, p.fg = text, fill, fg
	p.Refresh()
}

func (p *pill) CreateRenderer() fyne.WidgetRenderer {
	r := &pillRenderer{p: p, bg: canvas.NewRectangle(nil), label: canvas.NewText("", nil)}
	r.Refresh()
	return r
}

type pillRenderer struct {
	p     *pill
	bg    *canvas.Rectangle
	label *canvas.Text
}

func (r *pillRenderer) inset() fyne.Size {
	th := r.p.Theme()
	return fyne.NewSize(th.Size(theme.SizeNameInnerPadding), th.Size(theme.SizeNamePadding)/2)
}

func (r *pillRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.bg.Move(fyne.NewPos(0, 0))
	ts := r.label.MinSize()
	r.label.Resize(ts)
	r.label.Move(fyne.NewPos((size.Width-ts.Width)/2, (size.Height-ts.Height)/2))
}

func (r *pillRenderer) MinSize() fyne.Size {
	in := r.inset()
	return r.label.MinSize().Add(fyne.NewSize(2*in.Width, 2*in.Height))
}

func (r *pillRenderer) Refresh() {
	th := r.p.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.bg.FillColor = th.Color(r.p.fill, v)
	r.bg.CornerRadius = r.MinSize().Height / 2
	r.label.Text = r.p.text
	r.label.Color = th.Color(r.p.fg, v)
	r.label.TextSize = th.Size(theme.SizeNameCaptionText) + 1
	r.label.TextStyle = fyne.TextStyle{Bold: true}
	r.bg.Refresh()
	r.label.Refresh()
}

func (r *pillRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.label} }

func (r *pillRenderer) Destroy() {}

// surface is a plain rectangle filled with a theme colour, for panel
// backgrounds (the side panels and the activity log).
type surface struct {
	widget.BaseWidget
	fill fyne.ThemeColorName
}

func newSurface(fill fyne.ThemeColorName) *surface {
	s := &surface{fill: fill}
	s.ExtendBaseWidget(s)
	return s
}

func (s *surface) CreateRenderer() fyne.WidgetRenderer {
	rect := canvas.NewRectangle(nil)
	r := &surfaceRenderer{s: s, rect: rect, WidgetRenderer: widget.NewSimpleRenderer(rect)}
	r.Refresh()
	return r
}

type surfaceRenderer struct {
	fyne.WidgetRenderer
	s    *surface
	rect *canvas.Rectangle
}

func (r *surfaceRenderer) MinSize() fyne.Size { return fyne.NewSize(0, 0) }

func (r *surfaceRenderer) Refresh() {
	r.rect.FillColor = r.s.Theme().Color(r.s.fill, fyne.CurrentApp().Settings().ThemeVariant())
	r.rect.Refresh()
}

// mutedStyle is text that recedes (keys, counts, hints) but stays readable:
// the theme's placeholder colour (LowImportance labels use the disabled
// colour, which is too faint on the dark theme).
var mutedStyle = widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder, Inline: true, SizeName: theme.SizeNameText}

func newMuted(text string, align fyne.TextAlign) *widget.RichText {
	style := mutedStyle
	style.Alignment = align
	return widget.NewRichText(&widget.TextSegment{Text: text, Style: style})
}

// setMuted changes the text of a newMuted label.
func setMuted(rt *widget.RichText, text string) {
	seg := rt.Segments[0].(*widget.TextSegment)
	if seg.Text != text {
		seg.Text = text
		rt.Refresh()
	}
}
