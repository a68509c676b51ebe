package widgets

import (
	"encoding/json"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestCheckJSON(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"a": [1, 2, {"b": null}]}`, ""},
		{` "just a string" `, ""},
		{"", "enter a JSON value"},
		{"{\n  \"a\": 1,\n}", "line 3, column 1: invalid character '}' looking for beginning of object key string"},
		{`{"a" 1}`, "line 1, column 6: invalid character '1' after object key"},
		{`{"a": 1`, "line 1, column 8: unexpected end of JSON"},
		{"[1]\n[2]", "line 2, column 1: more than one value; wrap them in an array"},
		{`{} x`, "line 1, column 4: invalid character 'x' looking for beginning of value"},
		{`{"ü": tru}`, "line 1, column 10: invalid character '}' in literal true (expecting 'e')"},
	}
	for _, tt := range tests {
		err := CheckJSON(tt.in, false)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if err := CheckJSON("  ", true); err != nil {
		t.Errorf("empty allowed: %v", err)
	}
	var je *JSONError
	if err := CheckJSON("[1,,2]", false); !errors.As(err, &je) || je.Line != 1 || je.Column != 4 {
		t.Errorf("CheckJSON error %#v", err)
	}
}

func TestJSONEditorValidatesAsYouType(t *testing.T) {
	test.NewTempApp(t)
	j := NewJSONEditor()
	win := showIn(t, j, 360, 200)
	var reported []string
	j.OnChanged = func(s string, err error) {
		if err != nil {
			reported = append(reported, s+" ✗")
		} else {
			reported = append(reported, s+" ✓")
		}
	}
	if !errors.Is(j.Err(), ErrEmptyJSON) {
		t.Errorf("new editor: %v", j.Err())
	}
	test.Type(j.Entry(), `{"id":1`)
	if j.Err() == nil || j.StatusText() != "line 1, column 8: unexpected end of JSON" {
		t.Errorf("half typed: %v, status %q", j.Err(), j.StatusText())
	}
	if j.format.Disabled() == false {
		t.Error("Format enabled on invalid JSON")
	}
	test.AssertRendersToMarkup(t, "json/invalid.xml", win.Canvas())
	if _, err := j.Value(); err == nil {
		t.Error("Value of invalid text has no error")
	}
	if err := j.Format(); err == nil || j.Text() != `{"id":1` {
		t.Errorf("Format of invalid text: %v, text now %q", err, j.Text())
	}

	test.Type(j.Entry(), `,"tags":["a","b"]}`)
	if j.Err() != nil || j.StatusText() != "Valid JSON" {
		t.Fatalf("complete: %v, status %q", j.Err(), j.StatusText())
	}
	if got := reported[len(reported)-1]; got != `{"id":1,"tags":["a","b"]} ✓` {
		t.Errorf("last OnChanged %q", got)
	}
	test.Tap(j.format)
	want := "{\n  \"id\": 1,\n  \"tags\": [\n    \"a\",\n    \"b\"\n  ]\n}"
	if j.Text() != want {
		t.Errorf("formatted\n%s\nwant\n%s", j.Text(), want)
	}
	test.AssertRendersToMarkup(t, "json/formatted.xml", win.Canvas())
	v, err := j.Value()
	if err != nil || string(v) != `{"id":1,"tags":["a","b"]}` {
		t.Errorf("Value %s, %v", v, err)
	}
	test.Tap(j.compact)
	if j.Text() != `{"id":1,"tags":["a","b"]}` {
		t.Errorf("compacted %q", j.Text())
	}
}

func TestJSONEditorImage(t *testing.T) {
	test.NewTempApp(t)
	useDarkTheme(t)
	j := NewJSONEditor()
	win := showIn(t, j, 360, 160)
	j.SetText("{\n  \"orderId\": 42,\n  \"items\": [1, 2,]\n}")
	test.AssertImageMatches(t, "json/invalid.png", win.Canvas().Capture())
}

func TestJSONEditorAllowEmpty(t *testing.T) {
	test.NewTempApp(t)
	j := NewJSONEditor()
	j.AllowEmpty = true
	j.SetText("")
	if j.Err() != nil || j.StatusText() != "Empty" {
		t.Errorf("empty allowed: %v %q", j.Err(), j.StatusText())
	}
	if v, err := j.Value(); v != nil || err != nil {
		t.Errorf("Value of empty: %s %v", v, err)
	}
}

// FuzzCheckJSON checks that the validator agrees with encoding/json, never
// panics, places errors inside the text and that formatting round-trips.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `[1,,2]`, "{\n\"a\": 1,\n}", `"\u00e9"`, `1 2`, ``, `{"a":tru}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckJSON(s, false)
		if (err == nil) != json.Valid([]byte(s)) {
			t.Fatalf("CheckJSON(%q) = %v, json.Valid = %v", s, err, json.Valid([]byte(s)))
		}
		var je *JSONError
		if errors.As(err, &je) && (je.Line < 1 || je.Column < 1 || je.Line > 1+len(s)) {
			t.Fatalf("error outside the text: %v", je)
		}
		if err != nil {
			return
		}
		pretty, perr := PrettyJSON(s)
		c1, _ := CompactJSON(s)
		c2, cerr := CompactJSON(pretty)
		if perr != nil || cerr != nil || c1 != c2 {
			t.Fatalf("round trip of %q: %v %v %q != %q", s, perr, cerr, c1, c2)
		}
	})
}
