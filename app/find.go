package app

import (
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// finder is the Find resource dialog (Ctrl+F): type part of a name, see
// every resource of every kind whose name holds it, and pick one to select
// it on the canvas, centred, with its inspector open.
type finder struct {
	entry   *widget.Entry
	list    *widget.List
	count   *widget.Label
	matches []string // node ids, in the list's order
	dlg     dialog.Dialog
	pick    func(id string)
	all     func() []string
}

// maxFound bounds the rows the dialog lists.
const maxFound = 200

func newFinder(all func() []string, pick func(id string)) *finder {
	f := &finder{all: all, pick: pick, count: widget.NewLabel("")}
	f.entry = widget.NewEntry()
	f.entry.SetPlaceHolder("Name contains…")
	f.entry.OnChanged = func(string) { f.refilter() }
	f.entry.OnSubmitted = func(string) { // Enter takes the first match
		if len(f.matches) > 0 {
			f.choose(f.matches[0])
		}
	}
	f.list = widget.NewList(func() int { return len(f.matches) },
		func() fyne.CanvasObject {
			kind := widget.NewLabel("state machine")
			kind.Importance = widget.LowImportance
			return container.NewBorder(nil, nil, kind, nil, widget.NewLabel("name"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			kind, name := parseNode(f.matches[i])
			row.Objects[0].(*widget.Label).SetText(name)
			row.Objects[1].(*widget.Label).SetText(nodeLabels[kind])
		})
	f.list.OnSelected = func(i widget.ListItemID) { f.choose(f.matches[i]) }
	f.refilter()
	return f
}

// refilter lists the resources whose name holds the typed text, case
// insensitively: names that start with it first, then by kind and name.
func (f *finder) refilter() {
	typed := strings.ToLower(strings.TrimSpace(f.entry.Text))
	f.matches = f.matches[:0]
	for _, id := range f.all() {
		if _, name := parseNode(id); strings.Contains(strings.ToLower(name), typed) {
			f.matches = append(f.matches, id)
		}
	}
	sort.SliceStable(f.matches, func(i, j int) bool {
		_, a := parseNode(f.matches[i])
		_, b := parseNode(f.matches[j])
		pa, pb := strings.HasPrefix(strings.ToLower(a), typed), strings.HasPrefix(strings.ToLower(b), typed)
		if pa != pb {
			return pa
		}
		return f.matches[i] < f.matches[j]
	})
	shown := len(f.matches)
	if shown > maxFound {
		f.matches = f.matches[:maxFound]
	}
	switch {
	case shown == 0 && typed != "":
		f.count.SetText("No resource is named like “" + f.entry.Text + "”.")
	case shown > maxFound:
		f.count.SetText(strconv.Itoa(shown) + " matches; the first 200 are listed.")
	default:
		f.count.SetText(matchCount(shown))
	}
	f.list.UnselectAll()
	f.list.Refresh()
}

func matchCount(n int) string {
	if n == 1 {
		return "1 match"
	}
	return strconv.Itoa(n) + " matches"
}

func (f *finder) choose(id string) {
	if f.dlg != nil {
		f.dlg.Hide()
	}
	f.pick(id)
}

// showFind opens the Find resource dialog over the window.
func (m *MainWindow) showFind() {
	f := newFinder(func() []string {
		nodes := m.flow.canvas.Nodes()
		ids := make([]string, len(nodes))
		for i, n := range nodes {
			ids[i] = n.ID
		}
		return ids
	}, m.reveal)
	body := container.NewBorder(container.NewVBox(f.entry, f.count), nil, nil, nil, f.list)
	f.dlg = dialog.NewCustom("Find resource", "Close", body, m.win)
	f.dlg.Resize(fyne.NewSize(420, 420))
	f.dlg.Show()
	m.win.Canvas().Focus(f.entry)
	m.finder = f
}

// reveal shows a node: the Flow tab, the node selected (which opens its
// inspector) and centred.
func (m *MainWindow) reveal(id string) {
	m.tabs.SelectIndex(0)
	m.flow.canvas.Select([]string{id}, nil)
	m.flow.canvas.Reveal(id)
}
