package widgets

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

var (
	_ fyne.Widget       = (*Chart)(nil)
	_ desktop.Hoverable = (*Chart)(nil)
)

// Series is one line of a chart, read from a ring buffer at every refresh.
type Series struct {
	Name  string
	Color fyne.ThemeColorName // empty means the theme's primary colour
	Data  *Ring
}

// Chart draws time series as lines, newest sample at the right edge: a
// title and legend, a value axis from zero (or the lowest negative sample)
// to a round maximum, a time axis, and, under the mouse, the values at that
// instant. A compact chart is a sparkline: lines only.
//
// Push samples into the rings from any goroutine and call Refresh through
// fyne.Do on a ticker.
type Chart struct {
	widget.BaseWidget

	Title    string
	Unit     string        // appended to hover values, e.g. "/s"
	Interval time.Duration // time between samples, for the time axis
	Compact  bool

	series []Series
	hover  int // slot under the mouse, -1 when none
}

// NewChart returns a chart with axes, legend and hover values.
func NewChart(title string, interval time.Duration, series ...Series) *Chart {
	c := &Chart{Title: title, Interval: interval, series: series, hover: -1}
	c.ExtendBaseWidget(c)
	return c
}

// NewSparkline returns a compact chart, for node badges and table cells.
func NewSparkline(series ...Series) *Chart {
	c := &Chart{Compact: true, series: series, hover: -1}
	c.ExtendBaseWidget(c)
	return c
}

// AddSeries adds a line.
func (c *Chart) AddSeries(s Series) {
	c.series = append(c.series, s)
	c.Refresh()
}

// slots is how many samples the time axis spans: the largest ring.
func (c *Chart) slots() int {
	n := 2
	for _, s := range c.series {
		n = max(n, s.Data.Cap())
	}
	return n
}

// HoverText returns the values shown under the mouse, empty when none.
func (c *Chart) HoverText() string {
	if c.hover < 0 {
		return ""
	}
	var parts []string
	var buf []float64
	slots := c.slots()
	for _, s := range c.series {
		buf = s.Data.Values(buf[:0])
		if i := c.hover - (slots - len(buf)); i >= 0 && i < len(buf) {
			parts = append(parts, s.Name+" "+formatValue(buf[i])+c.Unit)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	values := strings.Join(parts, " · ")
	if c.Interval <= 0 {
		return values
	}
	when := "now"
	if ago := time.Duration(slots-1-c.hover) * c.Interval; ago > 0 {
		when = "−" + shortDuration(ago)
	}
	return when + ": " + values
}

// MouseIn is part of desktop.Hoverable.
func (c *Chart) MouseIn(e *desktop.MouseEvent) { c.MouseMoved(e) }

// MouseMoved is part of desktop.Hoverable: it picks the sample under the
// pointer.
func (c *Chart) MouseMoved(e *desktop.MouseEvent) {
	plot := chartPlot(c)
	h := -1
	if !c.Compact && inRect(e.Position, plot.Position(), plot.Size()) {
		slot := plot.Size().Width / float32(c.slots()-1)
		h = int(math.Round(float64((e.Position.X - plot.Position().X) / slot)))
	}
	if h != c.hover {
		c.hover = h
		c.Refresh()
	}
}

// MouseOut is part of desktop.Hoverable.
func (c *Chart) MouseOut() {
	if c.hover >= 0 {
		c.hover = -1
		c.Refresh()
	}
}

// CreateRenderer is part of fyne.Widget.
func (c *Chart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c, title: canvas.NewText("", color.Transparent), hoverLine: canvas.NewLine(color.Transparent),
		hoverText: canvas.NewText("", color.Transparent), bg: canvas.NewRectangle(color.Transparent),
		hoverBox: canvas.NewRectangle(color.Transparent)}
	for range 3 {
		r.yLabels = append(r.yLabels, canvas.NewText("", color.Transparent))
	}
	for range 2 {
		r.xLabels = append(r.xLabels, canvas.NewText("", color.Transparent))
	}
	r.xAxis, r.yAxis = canvas.NewLine(color.Transparent), canvas.NewLine(color.Transparent)
	r.title.TextStyle = fyne.TextStyle{Bold: true}
	r.Refresh()
	return r
}

type chartRenderer struct {
	c *Chart

	bg               *canvas.Rectangle
	title            *canvas.Text
	legend           []*canvas.Text
	yLabels, xLabels []*canvas.Text
	xAxis, yAxis     *canvas.Line
	lines            [][]*canvas.Line // per series, one per pair of samples
	hoverLine        *canvas.Line
	hoverBox         *canvas.Rectangle
	hoverText        *canvas.Text

	objects []fyne.CanvasObject
	buf     []float64
	lo, hi  float64
}

// plotArea is where the lines go, in widget coordinates.
type plotArea struct {
	pos  fyne.Position
	size fyne.Size
}

func (p plotArea) Position() fyne.Position { return p.pos }
func (p plotArea) Size() fyne.Size         { return p.size }

func chartPlot(c *Chart) plotArea {
	size := c.Size()
	if c.Compact {
		return plotArea{size: size}
	}
	pad, capH := theme.Padding(), fyne.MeasureText("0", theme.CaptionTextSize(), fyne.TextStyle{}).Height
	top := pad + capH*2 + pad
	left := fyne.MeasureText("000.0k", theme.CaptionTextSize(), fyne.TextStyle{}).Width + pad*2
	bottom := capH + pad*2
	return plotArea{pos: fyne.NewPos(left, top), size: fyne.NewSize(fyne.Max(0, size.Width-left-pad*2), fyne.Max(0, size.Height-top-bottom))}
}

func (r *chartRenderer) Destroy() {}

func (r *chartRenderer) MinSize() fyne.Size {
	if r.c.Compact {
		return fyne.NewSize(theme.IconInlineSize()*3, theme.IconInlineSize())
	}
	return fyne.NewSize(theme.IconInlineSize()*12, theme.IconInlineSize()*6)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

// Refresh reads the rings, recomputes the scale and lays out.
func (r *chartRenderer) Refresh() {
	c := r.c
	th, v := c.Theme(), fyne.CurrentApp().Settings().ThemeVariant()
	col := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
	for len(r.legend) < len(c.series) {
		r.legend = append(r.legend, canvas.NewText("", color.Transparent))
	}
	r.legend = r.legend[:len(c.series)]
	for len(r.lines) < len(c.series) {
		r.lines = append(r.lines, nil)
	}
	r.lines = r.lines[:len(c.series)]
	slots := c.slots()
	r.lo, r.hi = 0, 0
	for i, s := range c.series {
		for len(r.lines[i]) < slots-1 {
			r.lines[i] = append(r.lines[i], canvas.NewLine(color.Transparent))
		}
		r.lines[i] = r.lines[i][:slots-1]
		sc := seriesColor(col, s)
		for _, l := range r.lines[i] {
			setLine(l, sc, theme.Size(theme.SizeNameInputBorder)*1.5)
		}
		setText(r.legend[i], "● "+s.Name, theme.CaptionTextSize(), sc)
		r.buf = s.Data.Values(r.buf[:0])
		for _, x := range r.buf {
			r.lo, r.hi = math.Min(r.lo, x), math.Max(r.hi, x)
		}
	}
	r.hi = niceCeil(r.hi)
	if r.lo < 0 {
		r.lo = -niceCeil(-r.lo)
	}
	muted, fg := col(theme.ColorNamePlaceHolder), col(theme.ColorNameForeground)
	setFill(r.bg, col(theme.ColorNameInputBackground))
	setText(r.title, c.Title, theme.CaptionTextSize(), fg)
	for i, y := range []float64{r.hi, (r.hi + r.lo) / 2, r.lo} {
		setText(r.yLabels[i], formatValue(y), theme.CaptionTextSize(), muted)
		r.yLabels[i].Alignment = fyne.TextAlignTrailing
	}
	setText(r.xLabels[0], "−"+shortDuration(time.Duration(slots-1)*c.Interval), theme.CaptionTextSize(), muted)
	setText(r.xLabels[1], "now", theme.CaptionTextSize(), muted)
	r.xLabels[1].Alignment = fyne.TextAlignTrailing
	setLine(r.xAxis, col(theme.ColorNameSeparator), 1)
	setLine(r.yAxis, col(theme.ColorNameSeparator), 1)
	setLine(r.hoverLine, muted, 1)
	setText(r.hoverText, c.HoverText(), theme.CaptionTextSize(), fg)
	setRect(r.hoverBox, col(theme.ColorNameOverlayBackground), col(theme.ColorNameSeparator), 1, theme.Padding())
	r.collect()
	r.Layout(c.Size())
	canvas.Refresh(r.bg)
}

func seriesColor(col func(fyne.ThemeColorName) color.Color, s Series) color.Color {
	if s.Color == "" {
		return col(theme.ColorNamePrimary)
	}
	return col(s.Color)
}

func (r *chartRenderer) collect() {
	r.objects = r.objects[:0]
	if !r.c.Compact {
		r.objects = append(r.objects, r.bg, r.title, r.xAxis, r.yAxis)
		for _, t := range r.legend {
			r.objects = append(r.objects, t)
		}
		for _, t := range r.yLabels {
			r.objects = append(r.objects, t)
		}
		for _, t := range r.xLabels {
			r.objects = append(r.objects, t)
		}
	}
	for _, ls := range r.lines {
		for _, l := range ls {
			r.objects = append(r.objects, l)
		}
	}
	if !r.c.Compact {
		r.objects = append(r.objects, r.hoverLine, r.hoverBox, r.hoverText)
	}
}

func (r *chartRenderer) Layout(size fyne.Size) {
	c := r.c
	plot := chartPlot(c)
	pad := theme.Padding()
	if !c.Compact {
		r.layoutFrame(size, plot)
	}
	slots := c.slots()
	slot := plot.size.Width / float32(slots-1)
	span := r.hi - r.lo
	if span == 0 {
		span = 1
	}
	y := func(v float64) float32 {
		return plot.pos.Y + plot.size.Height*float32(1-(v-r.lo)/span)
	}
	for i, s := range c.series {
		r.buf = s.Data.Values(r.buf[:0])
		first := slots - len(r.buf) // slot of the oldest sample
		for k, l := range r.lines[i] {
			j := k - first // sample drawn from slot k to k+1
			if j < 0 || j+1 >= len(r.buf) {
				l.Hidden = true
				continue
			}
			l.Hidden = false
			l.Position1 = fyne.NewPos(plot.pos.X+float32(k)*slot, y(r.buf[j]))
			l.Position2 = fyne.NewPos(plot.pos.X+float32(k+1)*slot, y(r.buf[j+1]))
		}
	}
	r.hoverLine.Hidden = c.hover < 0 || c.Compact
	r.hoverText.Hidden = r.hoverLine.Hidden || r.hoverText.Text == ""
	r.hoverBox.Hidden = r.hoverText.Hidden
	if !r.hoverLine.Hidden {
		x := plot.pos.X + float32(c.hover)*slot
		r.hoverLine.Position1, r.hoverLine.Position2 = fyne.NewPos(x, plot.pos.Y), fyne.NewPos(x, plot.pos.Y+plot.size.Height)
		ts := r.hoverText.MinSize()
		tx := fyne.Min(fyne.Max(plot.pos.X+pad, x-ts.Width/2), size.Width-ts.Width-pad*2)
		r.hoverText.Move(fyne.NewPos(tx, plot.pos.Y+pad))
		r.hoverText.Resize(ts)
		r.hoverBox.Move(fyne.NewPos(tx-pad, plot.pos.Y))
		r.hoverBox.Resize(ts.AddWidthHeight(pad*2, pad*2))
	}
}

func (r *chartRenderer) layoutFrame(size fyne.Size, plot plotArea) {
	pad := theme.Padding()
	r.bg.Move(fyne.Position{})
	r.bg.Resize(size)
	r.title.Move(fyne.NewPos(pad*2, pad))
	r.title.Resize(r.title.MinSize())
	x := pad * 2
	ly := pad + r.title.MinSize().Height
	for _, t := range r.legend {
		t.Move(fyne.NewPos(x, ly))
		t.Resize(t.MinSize())
		x += t.MinSize().Width + pad*2
	}
	bottom := plot.pos.Y + plot.size.Height
	r.yAxis.Position1, r.yAxis.Position2 = plot.pos, fyne.NewPos(plot.pos.X, bottom)
	r.xAxis.Position1, r.xAxis.Position2 = fyne.NewPos(plot.pos.X, bottom), fyne.NewPos(plot.pos.X+plot.size.Width, bottom)
	lw := plot.pos.X - pad
	for i, t := range r.yLabels {
		h := t.MinSize().Height
		t.Resize(fyne.NewSize(lw-pad, h))
		t.Move(fyne.NewPos(pad, plot.pos.Y+plot.size.Height*float32(i)/2-h/2))
	}
	for i, t := range r.xLabels {
		ts := t.MinSize()
		t.Resize(ts)
		if i == 0 {
			t.Move(fyne.NewPos(plot.pos.X, bottom+pad))
		} else {
			t.Move(fyne.NewPos(plot.pos.X+plot.size.Width-ts.Width, bottom+pad))
		}
	}
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// formatValue prints a sample with at most one decimal, thousands as k and
// millions as M.
func formatValue(v float64) string {
	abs := math.Abs(v)
	switch {
	case abs >= 1e6:
		return trimFloat(v/1e6) + "M"
	case abs >= 1e4:
		return trimFloat(v/1e3) + "k"
	}
	return trimFloat(v)
}

func trimFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// shortDuration prints 300s as "5m", 90s as "1m30s", 45s as "45s".
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%ds", d/time.Minute, (d%time.Minute)/time.Second)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
