package function

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzItemFailures decodes partial batch responses: never a panic; an
// identifier is only retried when it is in the batch; null and empty
// answers are complete success.
func FuzzItemFailures(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `"ok"`, `{"batchItemFailures":[]}`, `{"batchItemFailures":null}`,
		`{"batchItemFailures":[{"itemIdentifier":"m1"}]}`,
		`{"batchItemFailures":[{"itemIdentifier":""}]}`,
		`{"batchItemFailures":[{"itemIdentifier":null}]}`,
		`{"batchItemFailures":[{"itemIdentifier":"nope"}]}`,
		`{"batchItemFailures":[{"itemidentifier":"m1"}]}`,
		`{"batchItemFailures":[{"itemIdentifier":"m2"},{"itemIdentifier":"m1"}],"extra":1}`,
		`{"batchItemFailures":{"itemIdentifier":"m1"}}`,
	} {
		f.Add([]byte(seed))
	}
	batch := map[string]bool{"m1": true, "m2": true, "m3": true}
	f.Fuzz(func(t *testing.T, payload []byte) {
		failed, all := itemFailures(payload, func(id string) bool { return batch[id] })
		if all && len(failed) > 0 {
			t.Fatalf("%q: both all and %v", payload, failed)
		}
		for _, id := range failed {
			if !batch[id] {
				t.Fatalf("%q: retrying %q, which is not in the batch", payload, id)
			}
		}
		if s := strings.TrimSpace(string(payload)); (s == "" || s == "null") && (all || len(failed) > 0) {
			t.Fatalf("%q is complete success", payload)
		}
	})
}

// FuzzFunctionOutput decodes what a function answers and posts as an
// error: the result is JSON or an error document with a type, never a panic.
func FuzzFunctionOutput(f *testing.F) {
	for _, seed := range []string{``, `null`, `{"a":1}`, `hello`, "  [1,2]\n", `{"errorMessage":"x","errorType":"E"}`,
		`{"errorMessage":123}`, `{"stackTrace":"no"}`, "\xff\xfe", `"` + strings.Repeat("é", 300) + `"`} {
		f.Add([]byte(seed), "Custom.Type")
	}
	f.Fuzz(func(t *testing.T, out []byte, errType string) {
		o := checkResponse(out)
		if (o.fail == nil) == (o.payload == nil) {
			t.Fatalf("%q: payload %q and failure %+v", out, o.payload, o.fail)
		}
		if o.fail == nil && !json.Valid(o.payload) {
			t.Fatalf("%q: accepted invalid JSON %q", out, o.payload)
		}
		if o.fail != nil {
			if _, err := json.Marshal(o.fail); err != nil || o.fail.ErrorType == "" {
				t.Fatalf("%q: failure %+v: %v", out, o.fail, err)
			}
		}
		doc := parseErrorDocument(out, errType)
		if doc.ErrorType == "" || len(doc.ErrorMessage) > MaxFunctionErrLen {
			t.Fatalf("%q: error document %+v", out, doc)
		}
		if _, err := json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRuntimeAPI sends arbitrary requests to a warm process's Runtime API:
// answers are Runtime API statuses with JSON bodies, never a panic or 5xx,
// and an invocation ends at most once.
func FuzzRuntimeAPI(f *testing.F) {
	id := "11111111-2222-4333-8444-555555555555"
	for _, seed := range []struct{ method, path, errType, body string }{
		{"POST", "/2018-06-01/runtime/invocation/" + id + "/response", "", `{"ok":true}`},
		{"POST", "/2018-06-01/runtime/invocation/" + id + "/response", "", `not json`},
		{"POST", "/2018-06-01/runtime/invocation/" + id + "/error", "Runtime.Panic", `{"errorMessage":"x"}`},
		{"POST", "/2018-06-01/runtime/invocation/" + id + "/error", "", `garbage`},
		{"POST", "/2018-06-01/runtime/invocation/other/response", "", `{}`},
		{"POST", "/2018-06-01/runtime/init/error", "Runtime.X", `{"errorMessage":"init"}`},
		{"GET", "/2018-06-01/runtime/invocation/" + id + "/response", "", ``},
		{"PUT", "/2018-06-01/runtime/invocation/next", "", ``},
		{"GET", "/../2018-06-01/runtime//invocation/%2e%2e/next", "", ``},
	} {
		f.Add(seed.method, seed.path, seed.errType, []byte(seed.body))
	}
	clk := newFixtureClock()
	f.Fuzz(func(t *testing.T, method, path, errType string, body []byte) {
		if method == "GET" && strings.HasSuffix(path, "/next") {
			return // /next would wait for work
		}
		req, err := http.NewRequest(method, "http://runtime"+path, bytes.NewReader(body))
		if err != nil {
			return // not an HTTP request a client could send
		}
		req.Header.Set(hdrErrorType, errType)
		svc := &Service{cfg: Config{Region: "us-east-1", Account: "000000000000"}, clock: clk}
		in := &instance{s: svc, arn: svc.ARN("fn"), work: make(chan *call, 1), exited: make(chan struct{}), idle: newLogSink(svc, "fn", "-")}
		in.out.setSink(in.idle)
		c := &call{id: id, payload: []byte(`{}`), deadline: time.Now().Add(time.Second), done: make(chan outcome, 1)}
		in.cur = c
		rec := httptest.NewRecorder()
		in.runtimeAPI().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Code != http.StatusMethodNotAllowed && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: %d with a non-JSON body %q", method, path, rec.Code, rec.Body)
		}
		select {
		case out := <-c.done:
			if out.fail == nil && !json.Valid(out.payload) {
				t.Fatalf("invocation ended with invalid JSON %q", out.payload)
			}
		default:
		}
		if len(c.done) != 0 {
			t.Fatal("an invocation ended twice")
		}
	})
}
