package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
)

// inspector is the right panel: what is selected, then facts about the
// running core. Use it from the UI thread only.
type inspector struct {
	core     *core.Core
	kind     *widget.RichText
	title    *widget.Label
	endpoint *widget.Label
	details  *fyne.Container // the selected resource's form
	content  fyne.CanvasObject
	panel    *fyne.Container // content's box, re-laid out when details change
	copyText func(string)
	win      fyne.Window // for sections' dialogs; nil in tests that have none

	sectionKey  widget.TreeNodeID   // the selection sectionObjs were built for
	sectionObjs []fyne.CanvasObject // headings and bodies of the registered sections

	selKind ResourceKind
	selName string

	view    inspectView // the selected resource's form, kept while it stays selected
	viewKey string      // kind and name the view was built for

	// openTab shows a tab in the center (the message browser); nil opens
	// it in a window of its own.
	openTab func(*container.TabItem)
	// openExecution shows an execution a Start execution action started
	// (the machine's editor tab); nil shows it in a dialog.
	openExecution func(machineName, arn string)
	// do runs work that actions finish in the background on the UI
	// thread; nil means fyne.Do (tests run it themselves).
	do func(func())
}

func newInspector(c *core.Core, endpoint string, copyText func(string)) *inspector {
	in := &inspector{
		core:     c,
		details:  container.NewVBox(),
		copyText: copyText,
		kind:     newMuted("", fyne.TextAlignLeading),
		title:    widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		endpoint: infoValue(endpoint),
	}
	in.title.SizeName = theme.SizeNameSubHeadingText
	in.title.Truncation = fyne.TextTruncateEllipsis

	coreHeading := widget.NewLabelWithStyle("Skyport core", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	facts := container.New(layout.NewFormLayout(),
		infoKey("Version"), infoValue(core.Version),
		infoKey("Data"), infoValue(c.DataLabel()),
		infoKey("Durability"), infoValue(c.Durability().String()),
		infoKey("Endpoint"), in.endpoint,
		infoKey("Region"), infoValue(c.Region()),
		infoKey("Account"), infoValue(c.Account()),
	)
	in.panel = container.NewVBox(in.kind, in.title, in.details, widget.NewSeparator(), coreHeading, facts)
	in.content = in.panel
	in.show(0, "")
	return in
}

func infoKey(s string) *widget.RichText { return newMuted(s, fyne.TextAlignLeading) }

func infoValue(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Truncation = fyne.TextTruncateEllipsis
	l.Selectable = true
	return l
}

// show presents the selected resource, or "Nothing selected" when name is "".
func (in *inspector) show(k ResourceKind, name string) {
	in.selKind, in.selName = k, name
	if name == "" {
		setMuted(in.kind, "Nothing selected")
		in.title.Hide()
		in.details.RemoveAll()
		in.details.Hide()
		return
	}
	setMuted(in.kind, strings.ToUpper(k.Singular()))
	in.title.SetText(name)
	in.title.Show()
	in.refresh()
}

// refresh rebuilds the selected resource's form from the core.
func (in *inspector) refresh() {
	before := in.details.MinSize()
	in.details.RemoveAll()
	in.details.Hide() // an empty box would still take padding
	if in.selName == "" {
		return
	}
	key := leafUID(in.selKind, in.selName)
	switch {
	case in.view == nil || in.viewKey != key:
		in.view, in.viewKey = newInspectView(in.actionContext()), key
	case !in.view.update():
		in.view = nil
	}
	if in.view != nil {
		in.details.Add(in.view.object())
	}
	in.addSections()
	if len(in.details.Objects) > 0 {
		in.details.Show()
	}
	if in.details.MinSize() != before {
		in.panel.Refresh() // the form's height changed: lay the panel out again
		return
	}
	canvas.Refresh(in.details) // same size: repaint, without re-measuring every text
}

func (in *inspector) setEndpoint(url string) { in.endpoint.SetText(url) }

// addSections appends every registered section that has something to show
// for the selection, each under its heading.
func (in *inspector) addSections() {
	key := leafUID(in.selKind, in.selName)
	if in.sectionKey != key {
		// Built once per selection and reused on every refresh, so a
		// slider being dragged or a key being typed (chaos, shard view,
		// playground) is not rebuilt under the user by each core event.
		// Sections that show live data (charts) update themselves.
		in.sectionKey, in.sectionObjs = key, nil
		sc := sectionContext{core: in.core, kind: in.selKind, name: in.selName, win: in.win,
			copyText: in.copyText, endpoint: in.endpoint.Text}
		for _, s := range inspectorSections {
			obj := s.build(sc)
			if obj == nil {
				continue
			}
			in.sectionObjs = append(in.sectionObjs, widget.NewSeparator(),
				widget.NewLabelWithStyle(s.title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), obj)
		}
	}
	for _, o := range in.sectionObjs {
		in.details.Add(o)
	}
}
