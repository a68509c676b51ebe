package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzKinesisJSONString: the fast JSON writer produces text that
// encoding/json reads back as the same string (invalid UTF-8 as U+FFFD).
func FuzzKinesisJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "ctl\x00\x01\x1f\n\r\t", "utf8 é 😀", "bad \xff\xfe utf8", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); got != want && utf8.ValidString(s) {
			t.Fatalf("%q round-trips to %q", s, got)
		}
	})
}

func TestKinesisJSONEncodingMatchesEncodingJSON(t *testing.T) {
	at := time.UnixMilli(1700000000123)
	out := encodeKinesisJSON(obj{"S": "x\"y", "B": []byte{0, 1, 255}, "N": 42, "I": int64(-7), "T": at, "F": true,
		"L": []any{obj{"K": "v"}, "s"}, "Gone": nil})
	want := `{"B":"AAH/","F":true,"I":-7,"L":[{"K":"v"},"s"],"N":42,"S":"x\"y","T":1700000000.123}`
	if !bytes.Equal(out, []byte(want)) {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
}
