package app

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
	"github.com/skyport-dev/skyport/widgets"
)

// formField is one editable attribute of an inspector form: an input, the
// value the core holds, a check run as the user types and the line under
// the input that says what is wrong.
type formField struct {
	key, label string
	input      fyne.CanvasObject
	get        func() string
	set        func(string)
	check      func(string) error // nil accepts anything
	msg        *widget.Label      // the inline message, hidden when there is none
	orig       string             // what the core holds
	changed    func()             // the form's reaction to an edit
}

// fieldMessage is the inline message under a field, in the theme's error colour.
func fieldMessage() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func (f *formField) showMessage(s string) {
	if s == "" {
		f.msg.SetText("")
		f.msg.Hide()
		return
	}
	f.msg.SetText(s)
	f.msg.Show()
}

// validate runs the field's check on what it holds and shows the result.
func (f *formField) validate() error {
	if f.check == nil {
		f.showMessage("")
		return nil
	}
	err := f.check(f.get())
	if err != nil {
		f.showMessage(err.Error())
	} else {
		f.showMessage("")
	}
	return err
}

func (f *formField) dirty() bool { return f.get() != f.orig }

// textField is a single-line entry.
func textField(key, label string, check func(string) error) *formField {
	e := widget.NewEntry()
	f := &formField{key: key, label: label, input: e, get: func() string { return e.Text }, set: e.SetText, check: check, msg: fieldMessage()}
	e.OnChanged = func(string) { f.edited() }
	return f
}

// jsonField is a multi-line monospace entry holding a JSON document
// (empty allowed when the attribute may be unset).
func jsonField(key, label string, allowEmpty bool) *formField {
	e := widget.NewMultiLineEntry()
	e.TextStyle = fyne.TextStyle{Monospace: true}
	e.Wrapping = fyne.TextWrapBreak
	e.SetMinRowsVisible(3)
	f := &formField{key: key, label: label, input: e, get: func() string { return e.Text }, set: e.SetText, msg: fieldMessage(),
		check: func(s string) error { return checkJSONDoc(s, allowEmpty) }}
	e.OnChanged = func(string) { f.edited() }
	return f
}

// selectField offers fixed choices.
func selectField(key, label string, options []string) *formField {
	s := widget.NewSelect(options, nil)
	f := &formField{key: key, label: label, input: s, get: func() string { return s.Selected }, msg: fieldMessage()}
	f.set = func(v string) { s.SetSelected(v) }
	s.OnChanged = func(string) { f.edited() }
	return f
}

// boolField is a check box holding "true" or "false".
func boolField(key, label string) *formField {
	c := widget.NewCheck("", nil)
	f := &formField{key: key, label: label, input: c, msg: fieldMessage(),
		get: func() string { return strconv.FormatBool(c.Checked) },
		set: func(v string) { c.SetChecked(v == "true") }}
	c.OnChanged = func(bool) { f.edited() }
	return f
}

func (f *formField) edited() {
	f.validate()
	if f.changed != nil {
		f.changed()
	}
}

// intIn checks that a value is a whole number between lo and hi, in the
// words AWS uses for such limits.
func intIn(lo, hi int, unit string) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("must be a whole number of %s", unit)
		}
		if n < lo || n > hi {
			return fmt.Errorf("must be between %d and %d %s", lo, hi, unit)
		}
		return nil
	}
}

// checkJSONDoc accepts a JSON object (or nothing when allowEmpty).
func checkJSONDoc(s string, allowEmpty bool) error {
	if strings.TrimSpace(s) == "" {
		if allowEmpty {
			return nil
		}
		return errors.New("must not be empty")
	}
	return widgets.CheckJSON(s, allowEmpty)
}

// attrForm is an inspector form: fields, a Save button that is enabled
// only when something changed and everything is valid, and a line for the
// core's answer. The fields keep what the user typed until a save
// succeeds; refreshes from the core only replace fields left untouched.
type attrForm struct {
	fields []*formField
	save   *widget.Button
	status *widget.Label
	apply  func(changed map[string]string) error // sends the changes to the core
	box    *fyne.Container
	loaded bool // load ran once: later loads keep the fields being edited
}

func newAttrForm(apply func(map[string]string) error, fields ...*formField) *attrForm {
	f := &attrForm{fields: fields, apply: apply, status: fieldMessage()}
	f.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() { f.submit() })
	f.save.Importance = widget.HighImportance
	// Labels above their inputs: the inspector panel is narrow, and a
	// select is as wide as its longest choice.
	grid := container.NewVBox()
	for _, fl := range fields {
		fl.changed = f.changed
		grid.Add(container.New(layout.NewCustomPaddedVBoxLayout(0), infoKey(fl.label), fl.input, fl.msg))
	}
	f.box = container.NewVBox(grid, f.status, container.NewHBox(layout.NewSpacer(), f.save))
	f.changed()
	return f
}

// load sets the values the core holds; fields the user is editing keep
// their text.
func (f *attrForm) load(values map[string]string) {
	for _, fl := range f.fields {
		v := values[fl.key]
		if f.loaded && fl.dirty() {
			fl.orig = v
			continue
		}
		if fl.get() != v {
			fl.set(v)
		}
		fl.orig = fl.get() // an absent boolean reads "false", an absent choice ""
		if fl.msg.Visible() {
			fl.showMessage("")
		}
	}
	f.loaded = true
	f.changed()
}

// field returns the field for key, or nil.
func (f *attrForm) field(key string) *formField {
	for _, fl := range f.fields {
		if fl.key == key {
			return fl
		}
	}
	return nil
}

func (f *attrForm) valid() bool {
	ok := true
	for _, fl := range f.fields {
		if fl.dirty() && fl.validate() != nil {
			ok = false
		}
	}
	return ok
}

func (f *attrForm) changed() {
	dirty := slices.ContainsFunc(f.fields, (*formField).dirty)
	if dirty && f.valid() {
		f.save.Enable()
	} else {
		f.save.Disable()
	}
}

// submit sends the changed fields when they are all valid. A core error
// goes under the field it names, or under the form.
func (f *attrForm) submit() error {
	if !f.valid() {
		err := errors.New("fix the marked fields first")
		f.status.SetText(err.Error())
		f.status.Show()
		return err
	}
	changed := map[string]string{}
	for _, fl := range f.fields {
		if fl.dirty() {
			changed[fl.key] = strings.TrimSpace(fl.get())
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if err := f.apply(changed); err != nil {
		words := errorInWords(err)
		shown := false
		for _, k := range slices.Sorted(maps.Keys(changed)) {
			if strings.Contains(err.Error(), k) {
				f.field(k).showMessage(words)
				shown = true
				break
			}
		}
		if !shown {
			f.status.SetText(words)
			f.status.Show()
		} else {
			f.status.Hide()
		}
		return err
	}
	f.status.Hide()
	for _, fl := range f.fields {
		if v, ok := changed[fl.key]; ok {
			fl.orig = v
		}
	}
	f.changed()
	return nil
}

// errorInWords renders a core error as a sentence: the AWS code spelt out,
// then the message ("Invalid attribute value: Invalid value for the
// parameter VisibilityTimeout.").
func errorInWords(err error) string {
	code, msg := "", err.Error()
	var (
		qe *queue.Error
		te *topic.Error
		se *stream.Error
		ge *gateway.Error
		me *machine.Error
		fe *function.Error
	)
	switch {
	case errors.As(err, &qe):
		code, msg = string(qe.Code), qe.Message
	case errors.As(err, &te):
		code, msg = string(te.Code), te.Message
	case errors.As(err, &se):
		code, msg = string(se.Code), se.Message
	case errors.As(err, &ge):
		code, msg = string(ge.Code), ge.Message
	case errors.As(err, &me):
		code, msg = string(me.Code), me.Message
	case errors.As(err, &fe):
		code, msg = string(fe.Code), fe.Message
	default:
		if c, m, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(c, " \t") {
			code, msg = c, m
		}
	}
	if code == "" {
		return msg
	}
	return spellCode(code) + ": " + msg
}

// spellCode turns "InvalidAttributeValue" or "ResourceNotFoundException"
// into "Invalid attribute value", "Resource not found".
func spellCode(code string) string {
	code = strings.TrimSuffix(strings.TrimPrefix(code, "com.amazonaws.sqs#"), "Exception")
	var b strings.Builder
	rs := []rune(code)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		} else if i > 0 {
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// copyRow is a read-only value with a copy button.
func copyRow(value string, copyText func(string)) fyne.CanvasObject {
	b := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() {
		if copyText != nil {
			copyText(value)
		}
	})
	return container.NewBorder(nil, nil, nil, b, infoValue(value))
}

// confirmDelete asks before deleting. Without a window to ask in it
// deletes nothing.
func confirmDelete(win fyne.Window, what string, del func() error, done func(error)) {
	run := func(ok bool) {
		if !ok {
			return
		}
		err := del()
		if err != nil && win != nil {
			dialog.ShowError(errors.New(errorInWords(err)), win)
		}
		if done != nil {
			done(err)
		}
	}
	if win == nil {
		return
	}
	dialog.ShowConfirm("Delete "+what+"?", "Delete "+what+"? This cannot be undone.", run, win)
}

// tagEditor lists a resource's tags with a remove button each, and a row
// to add one.
type tagEditor struct {
	list   func() (map[string]string, error)
	add    func(k, v string) error
	remove func(k string) error

	rows   *fyne.Container
	key    *widget.Entry
	value  *widget.Entry
	msg    *widget.Label
	addBtn *widget.Button
	box    *fyne.Container
}

func newTagEditor(list func() (map[string]string, error), add func(k, v string) error, remove func(k string) error) *tagEditor {
	t := &tagEditor{list: list, add: add, remove: remove, rows: container.New(layout.NewFormLayout()),
		key: widget.NewEntry(), value: widget.NewEntry(), msg: fieldMessage()}
	t.key.SetPlaceHolder("key")
	t.value.SetPlaceHolder("value")
	t.addBtn = widget.NewButtonWithIcon("", theme.ContentAddIcon(), func() { t.addTag() })
	t.key.OnChanged = func(s string) {
		if len(s) > 128 {
			t.msg.SetText("a tag key has at most 128 characters")
			t.msg.Show()
		} else {
			t.msg.Hide()
		}
	}
	t.box = container.NewVBox(t.rows,
		container.NewBorder(nil, nil, nil, t.addBtn, container.NewGridWithColumns(2, t.key, t.value)), t.msg)
	t.reload()
	return t
}

func (t *tagEditor) reload() {
	t.rows.RemoveAll()
	tags, err := t.list()
	if err != nil {
		t.msg.SetText(errorInWords(err))
		t.msg.Show()
		return
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		rm := widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() {
			if err := t.remove(k); err != nil {
				t.msg.SetText(errorInWords(err))
				t.msg.Show()
				return
			}
			t.reload()
		})
		t.rows.Add(infoKey(k))
		t.rows.Add(container.NewBorder(nil, nil, nil, rm, infoValue(tags[k])))
	}
	if len(tags) == 0 {
		t.rows.Add(infoKey("Tags"))
		t.rows.Add(newMuted("none", fyne.TextAlignLeading))
	}
	t.rows.Refresh()
}

func (t *tagEditor) addTag() error {
	k := strings.TrimSpace(t.key.Text)
	switch {
	case k == "":
		t.msg.SetText("a tag needs a key")
	case len(k) > 128:
		t.msg.SetText("a tag key has at most 128 characters")
	case len(t.value.Text) > 256:
		t.msg.SetText("a tag value has at most 256 characters")
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		t.msg.SetText("tag keys starting with aws: are reserved")
	default:
		if err := t.add(k, t.value.Text); err != nil {
			t.msg.SetText(errorInWords(err))
			t.msg.Show()
			return err
		}
		t.msg.Hide()
		t.key.SetText("")
		t.value.SetText("")
		t.reload()
		return nil
	}
	t.msg.Show()
	return errors.New(t.msg.Text)
}
