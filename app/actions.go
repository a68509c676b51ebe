package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
)

// actionContext is what a one-click action needs: the core, the resource,
// the window its dialog opens over and the hooks into the main window.
// The inspector builds one for its selection; the canvas's node menu can
// build its own. Use it on the UI thread only.
type actionContext struct {
	core     *core.Core
	kind     ResourceKind
	name     string
	win      fyne.Window // nil: dialogs are built but not shown (tests)
	endpoint string
	copyText func(string)
	prefs    fyne.Preferences // recently used payloads; nil keeps none
	// openTab shows a tab in the center; nil opens a window instead.
	openTab func(*container.TabItem)
	// openExecution shows a started execution; nil shows a dialog.
	openExecution func(machineName, arn string)
	// changed tells the caller the resource changed (the inspector re-reads it).
	changed func()
	// do runs a function on the UI thread for actions that wait in the
	// background (Call route, Invoke); nil means fyne.Do.
	do func(func())
}

// onUI hands f to the UI thread.
func (ac actionContext) onUI(f func()) {
	if ac.do != nil {
		ac.do(f)
		return
	}
	fyne.Do(f)
}

// background runs work off the UI thread, then done with its result on
// the UI thread, with the form's button disabled meanwhile.
func (f *actionForm) background(ac actionContext, work func() (func(), error)) {
	f.run.Disable()
	f.setResult(resultLine("Waiting for the answer…"))
	go func() {
		show, err := work()
		ac.onUI(func() {
			f.run.Enable()
			if err != nil {
				f.setResult()
				f.showError(errorInWords(err))
				return
			}
			show()
		})
	}()
}

// actionsFor turns an inspector section's context into an action context.
func actionsFor(sc sectionContext) actionContext {
	ac := actionContext{core: sc.core, kind: sc.kind, name: sc.name, win: sc.win, endpoint: sc.endpoint, copyText: sc.copyText}
	if a := fyne.CurrentApp(); a != nil {
		ac.prefs = a.Preferences()
	}
	return ac
}

func (in *inspector) actionContext() actionContext {
	return in.actionContextFor(in.selKind, in.selName)
}

// actionContextFor is actionContext for resource name of kind k, selected
// or not (the canvas's node menus).
func (in *inspector) actionContextFor(k ResourceKind, name string) actionContext {
	ac := actionContext{core: in.core, kind: k, name: name, win: in.win, endpoint: in.endpoint.Text,
		copyText: in.copyText, openTab: in.openTab, openExecution: in.openExecution, do: in.do}
	if a := fyne.CurrentApp(); a != nil {
		ac.prefs = a.Preferences()
	}
	ac.changed = func() {
		if in.selKind == ac.kind && in.selName == ac.name {
			in.refresh()
		}
	}
	return ac
}

func (ac actionContext) notifyChanged() {
	if ac.changed != nil {
		ac.changed()
	}
}

// actionForm is the body of an action's dialog: inputs, the button that
// runs the action, a line for errors and a place for the result.
type actionForm struct {
	title  string
	fields []*formField
	run    *widget.Button
	msg    *widget.Label
	result *fyne.Container
	recent *recentPayloads
	box    *fyne.Container
	dlg    dialog.Dialog
	do     func(values map[string]string) error // runs the action with the fields' values
}

func newActionForm(title, verb string, fields []*formField, extra fyne.CanvasObject) *actionForm {
	f := &actionForm{title: title, fields: fields, msg: fieldMessage(), result: container.NewVBox()}
	f.run = widget.NewButton(verb, func() { f.submit() })
	f.run.Importance = widget.HighImportance
	grid := container.New(layout.NewFormLayout())
	for _, fl := range fields {
		fl.changed = func() {}
		grid.Add(infoKey(fl.label))
		grid.Add(container.NewVBox(fl.input, fl.msg))
	}
	parts := []fyne.CanvasObject{grid}
	if extra != nil {
		parts = append(parts, extra)
	}
	parts = append(parts, f.msg, container.NewHBox(layout.NewSpacer(), f.run), f.result)
	f.box = container.NewVBox(parts...)
	return f
}

func (f *actionForm) field(key string) *formField {
	for _, fl := range f.fields {
		if fl.key == key {
			return fl
		}
	}
	return nil
}

func (f *actionForm) values() map[string]string {
	v := map[string]string{}
	for _, fl := range f.fields {
		v[fl.key] = fl.get()
	}
	return v
}

// submit checks every field, runs the action when all are valid and saves
// the payload among the recent ones when it succeeded.
func (f *actionForm) submit() error {
	bad := false
	for _, fl := range f.fields {
		if fl.validate() != nil {
			bad = true
		}
	}
	if bad {
		err := errors.New("fix the marked fields first")
		f.showError(err.Error())
		return err
	}
	v := f.values()
	if err := f.do(v); err != nil {
		f.showError(errorInWords(err))
		return err
	}
	f.msg.Hide()
	if f.recent != nil {
		f.recent.add(v)
	}
	return nil
}

func (f *actionForm) showError(s string) {
	f.msg.SetText(s)
	f.msg.Show()
}

// setResult replaces the result area.
func (f *actionForm) setResult(objs ...fyne.CanvasObject) {
	f.result.Objects = objs
	f.result.Refresh()
	if f.dlg != nil {
		f.dlg.Resize(f.dialogSize())
	}
}

func (f *actionForm) dialogSize() fyne.Size {
	min := f.box.MinSize()
	return fyne.NewSize(max(560, min.Width+40), min.Height+120)
}

// show opens the form in a dialog over ac's window (none without one).
func (f *actionForm) show(ac actionContext) *actionForm {
	if ac.prefs != nil {
		f.recent = newRecentPayloads(ac.prefs, recentKey(ac.kind, ac.name, f.title), f.fill)
		f.box.Objects = append([]fyne.CanvasObject{container.NewBorder(nil, nil, infoKey("Recent"), nil, f.recent.sel)}, f.box.Objects...)
	}
	if ac.win == nil {
		return f
	}
	title := f.title + " · " + ac.name
	f.dlg = dialog.NewCustom(title, "Close", container.NewVScroll(f.box), ac.win)
	f.dlg.Resize(f.dialogSize())
	f.dlg.Show()
	for _, fl := range f.fields {
		if e, ok := fl.input.(*widget.Entry); ok {
			ac.win.Canvas().Focus(e) // type straight away
			break
		}
	}
	return f
}

// fill puts a saved payload into the fields.
func (f *actionForm) fill(v map[string]string) {
	for _, fl := range f.fields {
		if s, ok := v[fl.key]; ok {
			fl.set(s)
		}
	}
}

// maxRecent is how many payloads each resource remembers per action.
const maxRecent = 5

func recentKey(k ResourceKind, name, action string) string {
	id := "resource"
	if k.valid() {
		id = kindInfo[k].id
	}
	return "recent." + id + "." + name + "." + strings.ToLower(strings.ReplaceAll(action, " ", "-"))
}

// recentPayloads keeps the last payloads of one action on one resource in
// the app's preferences (a string list of JSON objects, newest first) and
// offers them in a select.
type recentPayloads struct {
	prefs fyne.Preferences
	key   string
	items []map[string]string
	sel   *widget.Select
	fill  func(map[string]string)
}

func newRecentPayloads(p fyne.Preferences, key string, fill func(map[string]string)) *recentPayloads {
	r := &recentPayloads{prefs: p, key: key, fill: fill, sel: widget.NewSelect(nil, nil)}
	r.sel.PlaceHolder = "no recent payloads"
	r.sel.OnChanged = func(string) {
		if i := r.sel.SelectedIndex(); i >= 0 && i < len(r.items) {
			r.fill(r.items[i])
		}
	}
	r.load()
	return r
}

func (r *recentPayloads) load() {
	r.items = r.items[:0]
	for _, s := range r.prefs.StringList(r.key) {
		var m map[string]string
		if json.Unmarshal([]byte(s), &m) == nil {
			r.items = append(r.items, m)
		}
	}
	labels := make([]string, len(r.items))
	for i, m := range r.items {
		labels[i] = fmt.Sprintf("%d. %s", i+1, payloadLabel(m))
	}
	r.sel.Options = labels
	if len(labels) > 0 {
		r.sel.PlaceHolder = "pick a recent payload"
	}
	r.sel.ClearSelected()
	r.sel.Refresh()
}

// add puts v first, dropping an identical older entry and the oldest
// beyond maxRecent.
func (r *recentPayloads) add(v map[string]string) {
	b, _ := json.Marshal(v)
	list := []string{string(b)}
	for _, s := range r.prefs.StringList(r.key) {
		if s != string(b) && len(list) < maxRecent {
			list = append(list, s)
		}
	}
	r.prefs.SetStringList(r.key, list)
	r.load()
}

// payloadLabel is a short description of a payload: its main text.
func payloadLabel(m map[string]string) string {
	for _, k := range []string{"body", "message", "data", "input", "path"} {
		if s := strings.Join(strings.Fields(m[k]), " "); s != "" {
			if k == "path" {
				s = m["method"] + " " + s
			}
			if len(s) > 48 {
				s = s[:48] + "…"
			}
			return s
		}
	}
	keys := slices.Sorted(maps.Keys(m))
	return strings.Join(keys, ", ")
}

// resourceActions are the one-click actions of resource name of kind k,
// with the inspector's tabs and windows, for the canvas's node menus.
func (in *inspector) resourceActions(k ResourceKind, name string) []*fyne.MenuItem {
	return actionMenuItems(in.actionContextFor(k, name))
}

// newActionContext is an action context for resource name of kind k over
// window win, keeping recent payloads in the current app's preferences
// (for callers outside the inspector, such as the canvas's node menu).
func newActionContext(c *core.Core, k ResourceKind, name string, win fyne.Window) actionContext {
	return actionsFor(sectionContext{core: c, kind: k, name: name, win: win})
}

// actionMenuItems are the one-click actions of ac's resource as menu
// items, for a node's context menu: the same dialogs the inspector opens.
func actionMenuItems(ac actionContext) []*fyne.MenuItem {
	item := func(label string, run func()) *fyne.MenuItem { return fyne.NewMenuItem(label, run) }
	switch ac.kind {
	case Queues:
		return []*fyne.MenuItem{item("Send message…", func() { showSendDialog(ac) }),
			item("Browse messages", func() { openQueueBrowser(ac) })}
	case Topics:
		return []*fyne.MenuItem{item("Publish…", func() { showPublishDialog(ac) })}
	case Streams:
		return []*fyne.MenuItem{item("Put record…", func() { showPutRecordDialog(ac) }),
			item("Browse records", func() { openStreamBrowser(ac) })}
	case StateMachines:
		return []*fyne.MenuItem{item("Start execution…", func() { showStartExecutionDialog(ac) })}
	case APIs:
		return []*fyne.MenuItem{item("Call route…", func() { showCallRouteDialog(ac, "") })}
	case Functions:
		return []*fyne.MenuItem{item("Invoke…", func() { showInvokeDialog(ac) })}
	}
	return nil
}
