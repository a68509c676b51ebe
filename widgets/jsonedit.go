package widgets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

var _ fyne.Widget = (*JSONEditor)(nil)

// ErrEmptyJSON is the validation error of an empty editor that needs a value.
var ErrEmptyJSON = errors.New("enter a JSON value")

// JSONError is a syntax error at a line and column (both from 1).
type JSONError struct {
	Line, Column int
	Err          error
}

func (e *JSONError) Error() string {
	return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
}

func (e *JSONError) Unwrap() error { return e.Err }

// CheckJSON validates one JSON value; the error says where it went wrong.
func CheckJSON(text string, allowEmpty bool) error {
	if len(bytes.TrimSpace([]byte(text))) == 0 {
		if allowEmpty {
			return nil
		}
		return ErrEmptyJSON
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return located(text, err, dec.InputOffset())
	}
	end := dec.InputOffset()
	next := int64(len(text) - len(bytes.TrimLeft([]byte(text[end:]), " \t\r\n")))
	switch _, err := dec.Token(); {
	case err == io.EOF:
	case err != nil:
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			err = errors.New(syn.Error()) // placed at the trailing text, not at its offset
		}
		return located(text, err, next)
	default:
		return located(text, errors.New("more than one value; wrap them in an array"), next)
	}
	return nil
}

// located turns a decoder error into a JSONError. A syntax error's offset
// is just past the offending byte; other errors come with the offset of
// where they start.
func located(text string, err error, at int64) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		at = syn.Offset - 1
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		at, err = int64(len(text)), errors.New("unexpected end of JSON")
	}
	at = min(max(at, 0), int64(len(text)))
	line, col := 1, 1
	for _, r := range text[:at] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &JSONError{Line: line, Column: col, Err: err}
}

// PrettyJSON indents valid JSON with two spaces.
func PrettyJSON(text string) (string, error) {
	if err := CheckJSON(text, false); err != nil {
		return text, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(text), "", "  "); err != nil {
		return text, err
	}
	return b.String(), nil
}

// CompactJSON removes insignificant space from valid JSON.
func CompactJSON(text string) (string, error) {
	if err := CheckJSON(text, false); err != nil {
		return text, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(text)); err != nil {
		return text, err
	}
	return b.String(), nil
}

// JSONEditor is a multi-line monospace entry for one JSON value, checked as
// the user types: the entry shows the error state and a line under it says
// where and why the text is not valid. Format and Compact rewrite valid
// text; invalid text is never changed.
type JSONEditor struct {
	widget.BaseWidget

	// AllowEmpty accepts an empty editor as valid.
	AllowEmpty bool
	// OnChanged reports every edit with its validation result.
	OnChanged func(text string, err error)

	entry   *widget.Entry
	status  *widget.Label
	format  *widget.Button
	compact *widget.Button
	err     error
}

// NewJSONEditor returns an empty editor; empty text is invalid until
// AllowEmpty is set.
func NewJSONEditor() *JSONEditor {
	j := &JSONEditor{entry: widget.NewMultiLineEntry(), status: widget.NewLabel("")}
	j.entry.TextStyle = fyne.TextStyle{Monospace: true}
	j.entry.Wrapping = fyne.TextWrapOff
	j.entry.SetPlaceHolder(`{"id": 1}`)
	j.entry.Validator = func(s string) error { return CheckJSON(s, j.AllowEmpty) }
	j.entry.OnChanged = j.changed
	j.status.Truncation = fyne.TextTruncateEllipsis
	j.format = widget.NewButtonWithIcon("Format", theme.ViewRefreshIcon(), func() { j.rewrite(PrettyJSON) })
	j.compact = widget.NewButton("Compact", func() { j.rewrite(CompactJSON) })
	j.ExtendBaseWidget(j)
	j.validate()
	return j
}

// Text returns the editor's text as typed.
func (j *JSONEditor) Text() string { return j.entry.Text }

// SetText replaces the text and validates it (also after AllowEmpty changed).
func (j *JSONEditor) SetText(s string) {
	j.entry.SetText(s)
	j.validate()
}

// Err returns why the text is not valid JSON, nil when it is.
func (j *JSONEditor) Err() error { return j.err }

// Value returns the text compacted, or the validation error.
func (j *JSONEditor) Value() (json.RawMessage, error) {
	if j.err != nil {
		return nil, j.err
	}
	if j.AllowEmpty && len(bytes.TrimSpace([]byte(j.entry.Text))) == 0 {
		return nil, nil
	}
	s, err := CompactJSON(j.entry.Text)
	return json.RawMessage(s), err
}

// Format pretty-prints valid text; it returns the validation error otherwise.
func (j *JSONEditor) Format() error { return j.rewrite(PrettyJSON) }

// Entry returns the text entry, to focus it or to type into it in tests.
func (j *JSONEditor) Entry() *widget.Entry { return j.entry }

// StatusText returns the line under the entry.
func (j *JSONEditor) StatusText() string { return j.status.Text }

func (j *JSONEditor) rewrite(f func(string) (string, error)) error {
	s, err := f(j.entry.Text)
	if err == nil && s != j.entry.Text {
		j.entry.SetText(s)
	}
	return err
}

func (j *JSONEditor) changed(s string) {
	j.validate()
	if j.OnChanged != nil {
		j.OnChanged(s, j.err)
	}
}

func (j *JSONEditor) validate() {
	j.err = CheckJSON(j.entry.Text, j.AllowEmpty)
	switch {
	case j.err == nil && j.entry.Text == "":
		j.status.SetText("Empty")
		j.status.Importance = widget.LowImportance
	case j.err == nil:
		j.status.SetText("Valid JSON")
		j.status.Importance = widget.SuccessImportance
	default:
		j.status.SetText(j.err.Error())
		j.status.Importance = widget.DangerImportance
	}
	j.status.Refresh()
	if j.err == nil {
		j.format.Enable()
		j.compact.Enable()
	} else {
		j.format.Disable()
		j.compact.Disable()
	}
}

// CreateRenderer is part of fyne.Widget.
func (j *JSONEditor) CreateRenderer() fyne.WidgetRenderer {
	buttons := container.NewHBox(layout.NewSpacer(), j.compact, j.format)
	return widget.NewSimpleRenderer(container.NewBorder(nil, container.NewVBox(j.status, buttons), nil, nil, j.entry))
}
