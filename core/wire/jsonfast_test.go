package wire

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// referenceParams is decodeJSONParams as encoding/json alone does it.
func referenceParams(body []byte) (jsonParams, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return jsonParams{}, nil
	}
	var p jsonParams
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, badParam("the request body is not a JSON object: %v", err)
	}
	if p == nil {
		p = jsonParams{}
	}
	return p, nil
}

// sameParams checks that the fast decoder and encoding/json agree on body:
// the same error, the same members, and the same value from every accessor.
func sameParams(t *testing.T, body []byte) {
	t.Helper()
	got, gotErr := decodeJSONParams(body)
	want, wantErr := referenceParams(body)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("%q: error %v, encoding/json %v", body, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d members, encoding/json %d", body, len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || !bytes.Equal(g, w) {
			t.Fatalf("%q: member %q = %q, encoding/json %q", body, k, g, w)
		}
		sameAccessors(t, body, k, got, want)
	}
}

func sameAccessors(t *testing.T, body []byte, k string, got, want jsonParams) {
	t.Helper()
	gs, gok, gerr := got.str(k)
	var ws string
	var wok bool
	var werr error
	if v, ok := want.raw(k); ok {
		wok = true
		if err := json.Unmarshal(v, &ws); err != nil {
			ws, wok, werr = "", false, badParam("%s must be a string", k)
		}
	}
	if gs != ws || gok != wok || (gerr == nil) != (werr == nil) {
		t.Fatalf("%q: str(%q) = %q %v %v, encoding/json %q %v %v", body, k, gs, gok, gerr, ws, wok, werr)
	}
	gn, gerr := got.num(k)
	var wn *int
	werr = nil
	if v, ok := want.raw(k); ok {
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			werr = badParam("%s must be a number", k)
		} else if i, err := strconv.Atoi(n.String()); err != nil {
			werr = badParam("%s must be an integer", k)
		} else {
			wn = &i
		}
	}
	if !reflect.DeepEqual(gn, wn) || !sameErr(gerr, werr) {
		t.Fatalf("%q: num(%q) = %v %v, encoding/json %v %v", body, k, gn, gerr, wn, werr)
	}
	ge, gerr := got.entries(k, "")
	var we []params
	werr = nil
	if v, ok := want.raw(k); ok {
		var l []jsonParams
		if err := json.Unmarshal(v, &l); err != nil {
			werr = badParam("%s must be a list of objects", k)
		} else {
			we = make([]params, len(l))
			for i, e := range l {
				if e == nil {
					e = jsonParams{}
				}
				we[i] = e
			}
		}
	}
	if !sameErr(gerr, werr) || len(ge) != len(we) {
		t.Fatalf("%q: entries(%q) = %d %v, encoding/json %d %v", body, k, len(ge), gerr, len(we), werr)
	}
	for i := range we {
		g, w := ge[i].(jsonParams), we[i].(jsonParams)
		if len(g) != len(w) {
			t.Fatalf("%q: entries(%q)[%d] has %d members, encoding/json %d", body, k, i, len(g), len(w))
		}
		for ek, wv := range w {
			if !bytes.Equal(g[ek], wv) {
				t.Fatalf("%q: entries(%q)[%d][%q] = %q, encoding/json %q", body, k, i, ek, g[ek], wv)
			}
			sameAccessors(t, body, ek, g, w)
		}
	}
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error()
}

var jsonFastCases = []string{
	``, `  `, `null`, `{}`, ` { } `, `[]`, `"x"`, `5`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1}x`, `{"a":1}{}`,
	`{"QueueUrl":"http://127.0.0.1:4566/000000000000/q","MessageBody":"hello"}`,
	`{"MessageBody":"a\"b\\c\u00e9\n"}`, `{"MessageBody":"héllo wörld ✓"}`, "{\"MessageBody\":\"\xff\xfe\"}",
	"{\"MessageBody\":\"a\xc3\"}", `{"a\u0041":"key with escape","aA":"plain"}`, `{"ké":"v"}`,
	`{"a":1,"a":"second"}`, `{"a":null}`, `{"a":true,"b":false,"c":null}`,
	`{"MaxNumberOfMessages":10}`, `{"MaxNumberOfMessages":-3}`, `{"MaxNumberOfMessages":"10"}`, `{"MaxNumberOfMessages":1.5}`,
	`{"MaxNumberOfMessages":1e2}`, `{"MaxNumberOfMessages":-0}`, `{"MaxNumberOfMessages":99999999999999999999999}`,
	`{"MaxNumberOfMessages":123456789012345678}`, `{"n":9223372036854775807}`, `{"n":9223372036854775808}`,
	`{"Entries":[{"Id":"0","MessageBody":"x"},{"Id":"1","MessageBody":"y","DelaySeconds":3}]}`,
	`{"Entries":[null,{"Id":"1"}]}`, `{"Entries":[1]}`, `{"Entries":[]}`, `{"Entries":{}}`, `{"Entries":"x"}`,
	`{"Entries":[{"Id":"a","Nested":{"x":[1,{"y":"}]"}]}}]}`, `{"Entries":[{"I\u0064":"esc"}]}`,
	` {"a" : "b" , "c" : [ 1 , 2 ] } `, "{\"a\":\"\\u2028\"}", `{"a":"\ud800"}`,
	`{"MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}`,
}

func TestJSONFastPathsMatchEncodingJSON(t *testing.T) {
	for _, c := range jsonFastCases {
		sameParams(t, []byte(c))
	}
	// The SQS fuzz corpus: real request shapes and what fuzzing found.
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzSQSJSON", "*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if s, ok := strings.CutPrefix(line, "string("); ok {
				if v, err := strconv.Unquote(strings.TrimSuffix(s, ")")); err == nil {
					sameParams(t, []byte(v))
				}
			}
		}
	}
}

func FuzzJSONFastPaths(f *testing.F) {
	for _, c := range jsonFastCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, body string) { sameParams(t, []byte(body)) })
}

// encodingJSON is what json.NewEncoder(w).Encode(v) writes.
func encodingJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func sameEncoding(t *testing.T, v any) {
	t.Helper()
	var b bytes.Buffer
	if !writeFastJSON(&b, v) {
		t.Fatalf("%#v: no fast encoding", v)
	}
	if want := encodingJSON(t, v); b.String() != want {
		t.Fatalf("%#v:\n fast          %s encoding/json %s", v, b.String(), want)
	}
}

var jsonFastStrings = []string{"", "plain", "a\"b\\c", "<tag>&amp;", "\b\f\n\r\t\x00\x1f\x7f", "héllo ✓ 😀",
	"\xff\xfe", "a\xc3", "\u2028\u2029", "\xed\xa0\x80", "0123456789abcdef0123456789abcdef"}

func TestJSONFastEncodingMatchesEncodingJSON(t *testing.T) {
	str := func(i int) string { return jsonFastStrings[i%len(jsonFastStrings)] }
	for i := range jsonFastStrings {
		sr := sendResult{MD5OfMessageBody: str(i), MessageID: str(i + 1)}
		sameEncoding(t, sr)
		sr.MD5OfMessageAttributes, sr.MD5OfMessageSystemAttributes, sr.SequenceNumber = str(i+2), str(i+3), str(i+4)
		sameEncoding(t, sr)
		sameEncoding(t, queueURLResult{str(i)})
		be := batchError{ID: str(i), SenderFault: i%2 == 0, Code: str(i + 1), Message: str(i + 2)}
		for _, failed := range [][]batchError{nil, {}, {be}, {be, {ID: "x", Code: "y"}}} {
			sameEncoding(t, sendBatchResult{Failed: failed})
			sameEncoding(t, sendBatchResult{Successful: []sendBatchEntry{}, Failed: failed})
			sameEncoding(t, sendBatchResult{Successful: []sendBatchEntry{{ID: str(i), sendResult: sr}, {ID: "2"}}, Failed: failed})
			sameEncoding(t, deleteBatchResult{Failed: failed})
			sameEncoding(t, deleteBatchResult{Successful: []idEntry{{str(i)}, {"b"}}, Failed: failed})
			sameEncoding(t, visibilityBatchResult{Successful: []idEntry{}, Failed: failed})
			sameEncoding(t, visibilityBatchResult{Successful: []idEntry{{str(i + 3)}}, Failed: failed})
		}
		m := messageOut{MessageID: str(i), ReceiptHandle: str(i + 1), MD5OfBody: str(i + 2), Body: str(i + 3)}
		sameEncoding(t, receiveResult{})
		sameEncoding(t, receiveResult{Messages: []messageOut{}})
		sameEncoding(t, receiveResult{Messages: []messageOut{m}})
		m.Attributes = nameValueMap{str(i): str(i + 1), "SentTimestamp": "1", "ApproximateReceiveCount": "2", "<": ">"}
		m.MD5OfMessageAttributes = str(i + 5)
		sameEncoding(t, receiveResult{Messages: []messageOut{m, {MessageID: "2", Attributes: nameValueMap{}}}})
	}
	sameEncoding(t, emptyResult{})
	if got, want := encodingJSON(t, emptyResult{}), encodingJSON(t, struct{}{}); got != want {
		t.Fatalf("emptyResult %q, struct{}{} %q", got, want)
	}
	// Message attributes have their own MarshalJSON: encoding/json writes them.
	withAttrs := receiveResult{Messages: []messageOut{{MessageID: "1", MessageAttributes: messageAttrs{"k": {DataType: "String", StringValue: "v"}}}}}
	if writeFastJSON(&bytes.Buffer{}, withAttrs) {
		t.Fatal("a message with attributes took the fast encoding")
	}
}

func FuzzJSONFastEncoding(f *testing.F) {
	for _, s := range jsonFastStrings {
		f.Add(s, s+"x", true)
	}
	f.Fuzz(func(t *testing.T, a, b string, fault bool) {
		sr := sendResult{MD5OfMessageBody: a, MD5OfMessageAttributes: b, MessageID: b, SequenceNumber: a}
		sameEncoding(t, sendBatchResult{Successful: []sendBatchEntry{{ID: a, sendResult: sr}}, Failed: []batchError{{ID: b, SenderFault: fault, Code: a, Message: b}}})
		sameEncoding(t, receiveResult{Messages: []messageOut{{MessageID: a, ReceiptHandle: b, Body: a + b, Attributes: nameValueMap{a: b, b: a}}}})
	})
}

func TestPlainURLPathMatchesURLParse(t *testing.T) {
	for _, raw := range []string{
		"http://127.0.0.1:4566/000000000000/q", "https://sqs.us-east-1.amazonaws.com/000000000000/my-queue.fifo",
		"http://localhost/000000000000/q_1", "http://h:/0/q", "http://:80/0/q", "http://h:8x/0/q", "http://h:1:2/0/q",
		"http://h/", "http://h", "http:///0/q", "http://h/0/q%41", "http://h/0/q?x=1", "http://h/0/q#f", "HTTP://h/0/q",
		"http://[::1]:4566/0/q", "http://user@h/0/q", "http://h/0/q w", "/000000000000/q", "q", "",
	} {
		want := raw
		if u, err := url.Parse(raw); err == nil && u.Path != "" {
			want = u.Path
		}
		if got, ok := plainURLPath(raw); ok && got != want {
			t.Errorf("plainURLPath(%q) = %q, url.Parse %q", raw, got, want)
		}
	}
	if _, ok := plainURLPath("http://127.0.0.1:4566/000000000000/q"); !ok {
		t.Error("an SDK queue URL took the slow path")
	}
}

func TestRequestIDIsUUIDv4(t *testing.T) {
	id := newRequestID()
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
		t.Fatalf("request id %q is not a UUID v4", id)
	}
}
