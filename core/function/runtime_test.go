package function

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bareInstance is an instance without a process, to drive its Runtime API
// directly.
func bareInstance(f *fixture) *instance {
	in := &instance{s: f.svc, arn: f.svc.ARN("fn"), work: make(chan *call, 1), exited: make(chan struct{}),
		idle: newLogSink(f.svc, "fn", "-")}
	in.out.setSink(in.idle)
	return in
}

func serve(h http.Handler, method, path string, body []byte, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func runtimeErrorType(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var doc ErrorDocument
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("error body %q: %v", rec.Body.String(), err)
	}
	return doc.ErrorType
}

func TestRuntimeAPI(t *testing.T) {
	f := newFixture(t)
	in := bareInstance(f)
	h := in.runtimeAPI()
	deadline := time.Now().Add(3 * time.Second)
	c := &call{id: "11111111-2222-4333-8444-555555555555", payload: []byte(`{"k":1}`), deadline: deadline, done: make(chan outcome, 1)}
	in.work <- c

	rec := serve(h, "GET", pathNext, nil)
	if rec.Code != 200 || rec.Body.String() != `{"k":1}` {
		t.Fatalf("next: %d %q", rec.Code, rec.Body.String())
	}
	hd := rec.Header()
	if hd.Get(hdrRequestID) != c.id || hd.Get(hdrDeadline) != strconv.FormatInt(deadline.UnixMilli(), 10) || hd.Get(hdrFunctionARN) != f.svc.ARN("fn") ||
		!strings.HasPrefix(hd.Get(hdrTraceID), "Root=1-") {
		t.Fatalf("next headers %v", hd)
	}

	base := runtimePrefix + "/invocation/"
	if rec := serve(h, "POST", base+"not-the-id/response", []byte(`{}`)); rec.Code != 400 || runtimeErrorType(t, rec) != "InvalidRequestID" {
		t.Fatalf("wrong id: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(h, "GET", runtimePrefix+"/nowhere", nil); rec.Code != 404 {
		t.Fatalf("unknown path: %d", rec.Code)
	}
	if rec := serve(h, "POST", base+c.id+"/response", []byte(`{"answer":42}`)); rec.Code != 202 || rec.Body.String() != `{"status":"OK"}` {
		t.Fatalf("response: %d %s", rec.Code, rec.Body)
	}
	if out := <-c.done; out.fail != nil || string(out.payload) != `{"answer":42}` {
		t.Fatalf("outcome %+v", out)
	}
	if rec := serve(h, "POST", base+c.id+"/response", []byte(`{}`)); rec.Code != 400 {
		t.Fatalf("second answer to a finished invocation: %d", rec.Code)
	}

	c2 := &call{id: "21111111-2222-4333-8444-555555555555", payload: []byte(`{}`), deadline: deadline, done: make(chan outcome, 1)}
	in.work <- c2
	serve(h, "GET", pathNext, nil)
	rec = serve(h, "POST", base+c2.id+"/error", []byte(`{"errorMessage":"boom","stackTrace":["a"]}`), hdrErrorType, "Custom.Error")
	if rec.Code != 202 {
		t.Fatalf("error: %d", rec.Code)
	}
	if out := <-c2.done; out.fail == nil || out.fail.ErrorType != "Custom.Error" || out.fail.ErrorMessage != "boom" {
		t.Fatalf("outcome %+v", out)
	}

	c3 := &call{id: "31111111-2222-4333-8444-555555555555", payload: []byte(`{}`), deadline: deadline, done: make(chan outcome, 1)}
	in.work <- c3
	serve(h, "GET", pathNext, nil)
	rec = serve(h, "POST", base+c3.id+"/response", bytes.Repeat([]byte("x"), MaxPayloadBytes+1))
	if rec.Code != 413 || runtimeErrorType(t, rec) != "RequestEntityTooLarge" {
		t.Fatalf("too large: %d %s", rec.Code, rec.Body)
	}
	if out := <-c3.done; out.fail == nil || out.fail.ErrorType != "Function.ResponseSizeTooLarge" {
		t.Fatalf("outcome %+v", out)
	}

	rec = serve(h, "POST", runtimePrefix+"/init/error", []byte(`{"errorMessage":"no config","errorType":"Config.Missing"}`))
	if rec.Code != 202 {
		t.Fatalf("init error: %d", rec.Code)
	}
	if doc := in.crash("x"); doc.ErrorType != "Config.Missing" || doc.ErrorMessage != "no config" {
		t.Fatalf("crash after init error: %+v", doc)
	}
}

func TestWarmRuntimeThatExitsBeforeAskingForWork(t *testing.T) {
	f := newFixture(t)
	def := shell("quits", `echo "starting on $AWS_LAMBDA_RUNTIME_API"; exit 7`)
	def.Mode = Warm
	f.create(def)
	res := f.invoke("quits", `{}`)
	doc := errorDoc(t, res)
	if doc.ErrorType != ErrTypeExit || !strings.Contains(doc.ErrorMessage, "exit status 7") {
		t.Fatalf("error %+v", doc)
	}
	if !strings.HasPrefix(res.Logs, "starting on 127.0.0.1:") {
		t.Fatalf("logs %q: want the process's output", res.Logs)
	}
}
