package app

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/event"
)

// maxLogLines bounds the activity log; older lines are dropped.
const maxLogLines = 1000

// activityLog is the bottom panel: the newest core events, one per line,
// following the newest unless the user has scrolled back.
type activityLog struct {
	mu     sync.Mutex // guards events and shown; written on the UI thread, read by tests too
	events []event.Event
	shown  []event.Event // events that pass the filter, oldest first
	max    int
	filter logFilter

	list     *widget.List
	level    *widget.Select
	service  *widget.Select
	search   *widget.Entry
	count    *widget.Label
	clearAll *widget.Button
	services map[string]bool // every service seen, for the service choice
	content  fyne.CanvasObject
}

// logFilter says which events the log shows.
type logFilter struct {
	minLevel event.Level
	service  string // "" for all
	text     string // lower case; "" for all
}

func (f logFilter) keeps(e event.Event) bool {
	if e.Level < f.minLevel || (f.service != "" && e.Service != f.service) {
		return false
	}
	return f.text == "" || strings.Contains(strings.ToLower(formatEvent(e)), f.text)
}

// Level choices of the filter bar, lowest first.
var logLevels = []struct {
	label string
	level event.Level
}{{"All levels", event.Debug}, {"Info and up", event.Info}, {"Warnings and errors", event.Warn}, {"Errors", event.Error}}

const allServices = "All services"

func newActivityLog(max int) *activityLog {
	l := &activityLog{max: max, services: map[string]bool{}}
	l.list = widget.NewList(l.length, func() fyne.CanvasObject { return newLogRow() }, l.update)
	l.list.HideSeparators = true
	var levels []string
	for _, lv := range logLevels {
		levels = append(levels, lv.label)
	}
	l.level = widget.NewSelect(levels, func(choice string) {
		for _, lv := range logLevels {
			if lv.label == choice {
				l.setFilter(func(f *logFilter) { f.minLevel = lv.level })
			}
		}
	})
	l.level.SetSelectedIndex(0)
	l.service = widget.NewSelect([]string{allServices}, func(choice string) {
		if choice == allServices {
			choice = ""
		}
		l.setFilter(func(f *logFilter) { f.service = choice })
	})
	l.service.SetSelectedIndex(0)
	l.search = widget.NewEntry()
	l.search.SetPlaceHolder("Filter text")
	l.search.OnChanged = func(text string) {
		l.setFilter(func(f *logFilter) { f.text = strings.ToLower(strings.TrimSpace(text)) })
	}
	l.count = widget.NewLabel("")
	clearAll := widget.NewButtonWithIcon("", theme.DeleteIcon(), l.clear)
	l.clearAll = clearAll
	bar := container.NewBorder(nil, nil, container.NewHBox(l.level, l.service), container.NewHBox(l.count, clearAll), l.search)
	l.content = container.NewBorder(bar, nil, nil, nil, container.NewThemeOverride(l.list, compactTheme{padding: 1}))
	l.showCount()
	return l
}

func (l *activityLog) length() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.shown)
}

func (l *activityLog) update(id widget.ListItemID, o fyne.CanvasObject) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if id >= 0 && id < len(l.shown) {
		o.(*logRow).set(l.shown[id])
	}
}

// setFilter changes the filter and shows what passes it, newest in view.
// UI thread only.
func (l *activityLog) setFilter(change func(*logFilter)) {
	l.mu.Lock()
	change(&l.filter)
	l.refilter()
	l.mu.Unlock()
	if l.list == nil || l.count == nil { // still being built
		return
	}
	l.list.Refresh()
	l.list.ScrollToBottom()
	l.showCount()
}

// refilter rebuilds shown from the kept events (caller holds mu): cheap
// at the log's bound, and the oldest shown lines go with the oldest events.
func (l *activityLog) refilter() {
	l.shown = l.shown[:0]
	for _, e := range l.events {
		if l.filter.keeps(e) {
			l.shown = append(l.shown, e)
		}
	}
}

// clear empties the log. UI thread only.
func (l *activityLog) clear() {
	l.mu.Lock()
	l.events, l.shown = l.events[:0], l.shown[:0]
	l.mu.Unlock()
	l.list.Refresh()
	l.showCount()
}

func (l *activityLog) showCount() {
	l.mu.Lock()
	shown, all := len(l.shown), len(l.events)
	l.mu.Unlock()
	if shown == all {
		l.count.SetText(plural(all, "event"))
		return
	}
	l.count.SetText(fmt.Sprintf("%d of %s", shown, plural(all, "event")))
}

// append adds events at the bottom, drops the oldest beyond the bound and
// keeps the newest in view if it was in view before. UI thread only.
func (l *activityLog) append(evs []event.Event) {
	if len(evs) == 0 {
		return
	}
	follow := l.atBottom()
	if len(evs) > l.max { // the oldest would go at once
		evs = evs[len(evs)-l.max:]
	}
	l.mu.Lock()
	l.events = append(l.events, evs...)
	if over := len(l.events) - l.max; over > 0 {
		// The oldest shown lines go with the oldest events (all from
		// before evs): filter only what leaves and what comes.
		gone := 0
		for _, e := range l.events[:over] {
			if l.filter.keeps(e) {
				gone++
			}
		}
		l.shown = l.shown[:copy(l.shown, l.shown[gone:])]
		l.events = l.events[:copy(l.events, l.events[over:])]
	}
	for _, e := range evs {
		if l.filter.keeps(e) {
			l.shown = append(l.shown, e)
		}
	}
	var fresh []string
	for _, e := range evs {
		if e.Service != "" && !l.services[e.Service] {
			l.services[e.Service] = true
			fresh = append(fresh, e.Service)
		}
	}
	l.mu.Unlock()
	if len(fresh) > 0 {
		names := make([]string, 0, len(l.services))
		for s := range l.services {
			names = append(names, s)
		}
		slices.Sort(names)
		l.service.SetOptions(append([]string{allServices}, names...))
	}
	l.list.Refresh()
	if follow {
		l.list.ScrollToBottom()
	}
	l.showCount()
}

// atBottom reports whether the last line is (about) in view.
func (l *activityLog) atBottom() bool {
	n := l.length()
	if n == 0 {
		return true
	}
	th := l.list.Theme()
	pad := th.Size(theme.SizeNamePadding)
	step := logRowHeight(th) + pad
	content := step*float32(n) - pad
	return l.list.GetScrollOffset()+l.list.Size().Height >= content-step
}

// lines returns the whole log as text, oldest first, whatever the filter.
func (l *activityLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.events))
	for i, e := range l.events {
		out[i] = formatEvent(e)
	}
	return out
}

// shownLines returns the lines the filter lets through, oldest first.
func (l *activityLog) shownLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.shown))
	for i, e := range l.shown {
		out[i] = formatEvent(e)
	}
	return out
}

// Log line columns, in characters of the monospace font.
const (
	timeColumn    = len("15:04:05.000 ")
	levelColumn   = len("ERROR ")
	serviceColumn = len("function ")
)

func eventTime(e event.Event) string { return e.Time.Local().Format("15:04:05.000") }

func eventLevel(e event.Event) string { return strings.ToUpper(e.Level.String()) }

func eventText(e event.Event) string {
	if e.Resource == "" {
		return e.Message
	}
	return e.Resource + " " + e.Message
}

// formatEvent renders e as one log line, e.g.
// "08:41:07.214 INFO  core     Skyport 0.1.0 started on memory".
func formatEvent(e event.Event) string {
	return fmt.Sprintf("%s %-5s %-8s %s", eventTime(e), eventLevel(e), e.Service, eventText(e))
}

func levelColor(l event.Level) fyne.ThemeColorName {
	switch l {
	case event.Info:
		return theme.ColorNameSuccess
	case event.Warn:
		return theme.ColorNameWarning
	case event.Error:
		return theme.ColorNameError
	}
	return theme.ColorNamePlaceHolder
}

// logRow draws one event in aligned monospace columns: time, level (in its
// theme colour), service, then resource and message.
type logRow struct {
	widget.BaseWidget
	ev event.Event
}

func newLogRow() *logRow {
	r := &logRow{}
	r.ExtendBaseWidget(r)
	return r
}

func (r *logRow) set(e event.Event) {
	r.ev = e
	r.Refresh()
}

func (r *logRow) CreateRenderer() fyne.WidgetRenderer {
	rr := &logRowRenderer{row: r}
	for i := range rr.texts {
		rr.texts[i] = canvas.NewText("", nil)
		rr.texts[i].TextStyle = fyne.TextStyle{Monospace: true}
	}
	rr.Refresh()
	return rr
}

type logRowRenderer struct {
	row   *logRow
	texts [4]*canvas.Text // time, level, service, rest
}

func logTextSize(th fyne.Theme) float32 { return th.Size(theme.SizeNameText) - 1 }

// logCharSize is the size of one character of the log's monospace font.
func logCharSize(th fyne.Theme) fyne.Size {
	return fyne.MeasureText("M", logTextSize(th), fyne.TextStyle{Monospace: true})
}

func logRowHeight(th fyne.Theme) float32 { return logCharSize(th).Height + 2 }

func (r *logRowRenderer) charSize() fyne.Size { return logCharSize(r.row.Theme()) }

func (r *logRowRenderer) Layout(size fyne.Size) {
	ch := r.charSize()
	inset := r.row.Theme().Size(theme.SizeNameInnerPadding)
	x := inset
	for i, cols := range []int{timeColumn, levelColumn, serviceColumn, 0} {
		t := r.texts[i]
		t.Move(fyne.NewPos(x, (size.Height-ch.Height)/2))
		w := t.MinSize().Width
		if cols > 0 {
			w = max(w, ch.Width*float32(cols))
		}
		t.Resize(fyne.NewSize(w, ch.Height))
		x += w
	}
}

func (r *logRowRenderer) MinSize() fyne.Size {
	ch := r.charSize()
	inset := r.row.Theme().Size(theme.SizeNameInnerPadding)
	return fyne.NewSize(2*inset+ch.Width*float32(timeColumn+levelColumn+serviceColumn), logRowHeight(r.row.Theme()))
}

func (r *logRowRenderer) Refresh() {
	th := r.row.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	e := r.row.ev
	text := [4]string{eventTime(e), eventLevel(e), e.Service, eventText(e)}
	colors := [4]fyne.ThemeColorName{theme.ColorNamePlaceHolder, levelColor(e.Level), theme.ColorNameForeground, theme.ColorNameForeground}
	if e.Time.IsZero() {
		text[0] = ""
	}
	size := logTextSize(th)
	for i, t := range r.texts {
		t.Text = text[i]
		t.Color = th.Color(colors[i], v)
		t.TextSize = size
		t.Refresh()
	}
	r.Layout(r.row.Size())
}

func (r *logRowRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.texts[0], r.texts[1], r.texts[2], r.texts[3]}
}

func (r *logRowRenderer) Destroy() {}
