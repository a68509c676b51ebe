package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// TestFunctionProxyRequest: the event a function gets is payload 2.0 as
// aws-lambda-go's own type reads it: lower-case headers with repeats
// joined by commas, cookies moved out of the headers, repeated query
// parameters joined, path parameters, stage variables, the request
// context, and a base64 body for binary content.
func TestFunctionProxyRequest(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "fn", Stages: []Stage{{Name: DefaultStage, Variables: map[string]string{"color": "blue"}}},
		Routes: []Route{{Key: "POST /items/{id}", Integration: Integration{Type: Function, Target: "handler"}}}})
	r := f.do("POST", url+"/items/a%2Fb?x=1&x=2&y=z%20z", []byte(`{"hello":"world"}`),
		"Content-Type", "application/json", "X-Multi", "one", "X-Multi", "two",
		"Cookie", "a=1; b=2", "User-Agent", "gateway-test")
	r.want(t, 200, "ok")
	var ev events.APIGatewayV2HTTPRequest
	raw := f.fn.last(t)
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("payload %s: %v", raw, err)
	}
	if ev.Version != "2.0" || ev.RouteKey != "POST /items/{id}" || ev.RawPath != "/items/a%2Fb" || ev.RawQueryString != "x=1&x=2&y=z%20z" {
		t.Fatalf("event head %+v", ev)
	}
	if !slices.Equal(ev.Cookies, []string{"a=1", "b=2"}) {
		t.Fatalf("cookies %q", ev.Cookies)
	}
	if _, ok := ev.Headers["cookie"]; ok {
		t.Fatal("the cookie header stayed in headers")
	}
	if ev.Headers["x-multi"] != "one,two" || ev.Headers["content-type"] != "application/json" || ev.Headers["user-agent"] != "gateway-test" {
		t.Fatalf("headers %v", ev.Headers)
	}
	if ev.QueryStringParameters["x"] != "1,2" || ev.QueryStringParameters["y"] != "z z" {
		t.Fatalf("query %v", ev.QueryStringParameters)
	}
	if ev.PathParameters["id"] != "a/b" || ev.StageVariables["color"] != "blue" {
		t.Fatalf("path %v stage %v", ev.PathParameters, ev.StageVariables)
	}
	if ev.Body != `{"hello":"world"}` || ev.IsBase64Encoded {
		t.Fatalf("body %q base64 %v", ev.Body, ev.IsBase64Encoded)
	}
	rc := ev.RequestContext
	if rc.HTTP.Method != "POST" || rc.HTTP.Path != "/items/a/b" || rc.HTTP.SourceIP != "127.0.0.1" || rc.HTTP.Protocol != "HTTP/1.1" ||
		rc.HTTP.UserAgent != "gateway-test" || rc.Stage != "$default" || rc.RouteKey != "POST /items/{id}" ||
		rc.AccountID != "000000000000" || rc.APIID == "" || rc.RequestID == "" || rc.TimeEpoch != epoch.UnixMilli() ||
		rc.Time != "02/Jun/2025:12:00:00 +0000" || rc.DomainName == "" {
		t.Fatalf("request context %+v", rc)
	}
	// The raw JSON carries exactly AWS's top-level fields.
	var top map[string]json.RawMessage
	_ = json.Unmarshal(raw, &top)
	for _, k := range []string{"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers", "queryStringParameters", "requestContext", "body", "pathParameters", "isBase64Encoded", "stageVariables"} {
		if _, ok := top[k]; !ok {
			t.Errorf("payload lacks %q", k)
		}
	}

	bin := []byte{0, 1, 2, 0xff}
	f.do("POST", url+"/items/1", bin, "Content-Type", "application/octet-stream").want(t, 200, "ok")
	ev = events.APIGatewayV2HTTPRequest{}
	_ = json.Unmarshal(f.fn.last(t), &ev)
	if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(bin) || ev.QueryStringParameters != nil || ev.Cookies != nil {
		t.Fatalf("binary event %+v", ev)
	}
}

// TestFunctionProxyResponse: formatted responses (status, headers,
// multi-value headers, cookies, base64 bodies), inferred ones (any JSON
// without statusCode), and failures.
func TestFunctionProxyResponse(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "fn", Routes: []Route{{Key: "GET /r", Integration: Integration{Type: Function, Target: "h"}}}})
	respond := func(out string, fnErr string, err error) {
		f.fn.set(func(context.Context, string, []byte) ([]byte, string, error) { return []byte(out), fnErr, err })
	}
	formatted, _ := json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: 418, Headers: map[string]string{"X-One": "1", "Content-Type": "text/plain"},
		MultiValueHeaders: map[string][]string{"X-Many": {"a", "b"}}, Body: "teapot", Cookies: []string{"s=1; Path=/", "t=2"}})
	respond(string(formatted), "", nil)
	r := f.get(url + "/r")
	r.want(t, 418, "teapot")
	if r.header.Get("X-One") != "1" || !slices.Equal(r.header.Values("X-Many"), []string{"a", "b"}) ||
		!slices.Equal(r.header.Values("Set-Cookie"), []string{"s=1; Path=/", "t=2"}) || r.header.Get("Content-Type") != "text/plain" {
		t.Fatalf("headers %v", r.header)
	}

	respond(`{"statusCode":200,"isBase64Encoded":true,"body":"`+base64.StdEncoding.EncodeToString([]byte{9, 8, 7})+`","headers":{"content-type":"application/octet-stream"}}`, "", nil)
	f.get(url+"/r").want(t, 200, "\x09\x08\x07")

	respond(`{"statusCode":204}`, "", nil)
	r = f.get(url + "/r")
	r.want(t, 204, "")
	if _, sniffed := r.header["Content-Type"]; sniffed {
		t.Fatalf("a content type was made up: %v", r.header)
	}

	respond(`{"hello":"world"}`, "", nil)
	r = f.get(url + "/r")
	r.want(t, 200, `{"hello":"world"}`)
	if r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("inferred content type %q", r.header.Get("Content-Type"))
	}
	respond(`"just a string"`, "", nil)
	f.get(url+"/r").want(t, 200, `"just a string"`)

	respond(`{"errorMessage":"boom","errorType":"Error"}`, "Unhandled", nil)
	r = f.get(url + "/r")
	r.want(t, 500, `{"message":"Internal Server Error"}`)
	if !strings.Contains(r.header.Get(errorHeader), "boom") {
		t.Fatalf("error detail %q", r.header.Get(errorHeader))
	}
	respond(`not json`, "", nil)
	f.get(url+"/r").want(t, 500, `{"message":"Internal Server Error"}`)
	respond(`{"statusCode":"200"}`, "", nil)
	f.get(url+"/r").want(t, 500, `{"message":"Internal Server Error"}`)
	respond(`{"statusCode":200,"isBase64Encoded":true,"body":"!!"}`, "", nil)
	f.get(url+"/r").want(t, 500, `{"message":"Internal Server Error"}`)

	respond("", "", fmt.Errorf("function %q: %w", "h", ErrTargetNotFound))
	r = f.get(url + "/r")
	if r.status != 502 || !strings.Contains(r.body, `integration target not available: function \"h\" does not exist`) {
		t.Fatalf("missing function: %d %s", r.status, r.body)
	}
}

// TestMissingTargets: a target service that is not running, or a target
// that does not exist, answers 502 with a clear message.
func TestMissingTargets(t *testing.T) {
	f := openFixture(t, "", &Targets{})
	url := f.create(API{Name: "none", Routes: []Route{
		{Key: "POST /fn", Integration: Integration{Type: Function, Target: "f"}},
		{Key: "POST /q", Integration: Integration{Type: Queue, Target: "orders"}},
		{Key: "POST /t", Integration: Integration{Type: Topic, Target: "news"}},
		{Key: "POST /s", Integration: Integration{Type: Stream, Target: "clicks"}},
		{Key: "POST /m", Integration: Integration{Type: StateMachine, Target: "flow"}},
		{Key: "POST /h", Integration: Integration{Type: HTTPProxy, Target: "http://127.0.0.1:1/nothing"}},
	}})
	for path, want := range map[string]string{
		"/fn": `function \"f\": the function service is not running`,
		"/q":  `queue \"orders\": the queue service is not running`,
		"/t":  `topic \"news\": the topic service is not running`,
		"/s":  `stream \"clicks\": the stream service is not running`,
		"/m":  `state machine \"flow\": the state machine service is not running`,
		"/h":  `POST http://127.0.0.1:1/nothing`,
	} {
		r := f.do("POST", url+path, []byte("{}"))
		if r.status != 502 || !hasAll(r.body, `"message":"integration target not available: `, want) {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}

type fakeTopics struct {
	mu  sync.Mutex
	got []TopicMessage
}

func (ft *fakeTopics) Publish(_ context.Context, topic string, m TopicMessage) (string, error) {
	if topic != "news" {
		return "", fmt.Errorf("topic %q: %w", topic, ErrTargetNotFound)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.got = append(ft.got, m)
	return fmt.Sprintf("msg-%d", len(ft.got)), nil
}

type fakeStreams struct {
	mu  sync.Mutex
	got []StreamRecord
}

func (fs *fakeStreams) PutRecord(_ context.Context, stream string, r StreamRecord) (string, string, error) {
	if stream != "clicks" {
		return "", "", &TargetError{Status: 400, Code: "ResourceNotFoundException", Message: "Stream " + stream + " not found"}
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.got = append(fs.got, r)
	return "shardId-000000000000", fmt.Sprintf("4959%d", len(fs.got)), nil
}

type fakeMachines struct {
	mu     sync.Mutex
	inputs []string
	names  []string
}

func (fm *fakeMachines) StartExecution(_ context.Context, machine, name, input string, sync bool) (Execution, error) {
	fm.mu.Lock()
	fm.inputs, fm.names = append(fm.inputs, input), append(fm.names, name)
	fm.mu.Unlock()
	ex := Execution{ARN: "arn:aws:states:us-east-1:000000000000:execution:" + machine + ":" + name, StartDate: epoch}
	if sync {
		ex.Status, ex.Output, ex.StopDate = "SUCCEEDED", `{"total":3}`, epoch.Add(time.Second)
	}
	return ex, nil
}

// TestServiceIntegrations: topic publish, stream put and state machine
// start (async and sync) map the request through their parameters.
func TestServiceIntegrations(t *testing.T) {
	topics, streams, machines := &fakeTopics{}, &fakeStreams{}, &fakeMachines{}
	f := openFixture(t, "", &Targets{Topics: topics, Streams: streams, Machines: machines})
	url := f.create(API{Name: "svc", Routes: []Route{
		{Key: "POST /news", Integration: Integration{Type: Topic, Target: "news", Parameters: map[string]string{
			"Subject": "$request.header.x-subject", "MessageAttributes": `{"kind":"${request.querystring.kind}"}`}}},
		{Key: "POST /other", Integration: Integration{Type: Topic, Target: "other"}},
		{Key: "POST /clicks/{user}", Integration: Integration{Type: Stream, Target: "clicks", Parameters: map[string]string{"PartitionKey": "$request.path.user"}}},
		{Key: "POST /missing-stream", Integration: Integration{Type: Stream, Target: "nope"}},
		{Key: "POST /start", Integration: Integration{Type: StateMachine, Target: "orders", Parameters: map[string]string{"Name": "$request.header.x-run"}}},
		{Key: "POST /run", Integration: Integration{Type: StateMachine, Target: "orders", Sync: true, Parameters: map[string]string{"Input": "$request.body.order"}}},
	}})
	f.do("POST", url+"/news?kind=alert", []byte("hello"), "X-Subject", "greeting").want(t, 200, `{"MessageId":"msg-1"}`)
	if m := topics.got[0]; m.Message != "hello" || m.Subject != "greeting" || m.Attributes["kind"] != "alert" {
		t.Fatalf("published %+v", m)
	}
	r := f.do("POST", url+"/other", []byte("x"))
	if r.status != 502 || !strings.Contains(r.body, `topic \"other\" does not exist`) {
		t.Fatalf("missing topic: %d %s", r.status, r.body)
	}
	f.do("POST", url+"/clicks/ann", []byte(`{"page":1}`)).want(t, 200, `{"SequenceNumber":"49591","ShardId":"shardId-000000000000"}`)
	if rec := streams.got[0]; rec.PartitionKey != "ann" || string(rec.Data) != `{"page":1}` {
		t.Fatalf("put %+v", rec)
	}
	f.do("POST", url+"/missing-stream", []byte("x")).want(t, 400, `{"code":"ResourceNotFoundException","message":"Stream nope not found"}`)

	r = f.do("POST", url+"/start", []byte(`{"a":1}`), "X-Run", "run-1")
	r.want(t, 200, `{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:orders:run-1","startDate":1748865600}`)
	r = f.do("POST", url+"/run", []byte(`{"order":{"n":3}}`))
	r.want(t, 200, `{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:orders:","output":"{\"total\":3}","startDate":1748865600,"status":"SUCCEEDED","stopDate":1748865601}`)
	if machines.inputs[0] != `{"a":1}` || machines.names[0] != "run-1" || machines.inputs[1] != `{"n":3}` {
		t.Fatalf("machine calls %q %q", machines.inputs, machines.names)
	}
}

// TestHTTPProxy: the request goes to the URL with {proxy} filled and the
// query string appended; the upstream's status, headers and body come back.
func TestHTTPProxy(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", "yes")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "%s %s %s %s fwd=%s", r.Method, r.URL.RequestURI(), b, r.Header.Get("X-Client"), r.Header.Get("X-Forwarded-For"))
	}))
	defer upstream.Close()
	f := newFixture(t)
	url := f.create(API{Name: "proxy", Routes: []Route{
		{Key: "ANY /api/{proxy+}", Integration: Integration{Type: HTTPProxy, Target: upstream.URL + "/v1/{proxy}"}},
		{Key: "GET /fixed", Integration: Integration{Type: HTTPProxy, Target: upstream.URL + "/base?k=v", Method: "POST"}},
		{Key: "GET /mapped/{id}", Integration: Integration{Type: HTTPProxy, Target: upstream.URL, Parameters: map[string]string{
			"overwrite:path":            "/users/${request.path.id}/profile",
			"append:querystring.source": "gateway",
			"remove:querystring.secret": "",
			"overwrite:header.X-Client": "mapped-${context.stage}",
		}}},
	}})
	r := f.do("PUT", url+"/api/users/7?full=1", []byte("data"), "X-Client", "c1")
	r.want(t, 202, "PUT /v1/users/7?full=1 data c1 fwd=127.0.0.1")
	if r.header.Get("X-Upstream") != "yes" || r.header.Get("Content-Type") != "text/plain" {
		t.Fatalf("headers %v", r.header)
	}
	f.get(url+"/fixed?z=1").want(t, 202, "POST /base?k=v&z=1   fwd=127.0.0.1")
	f.get(url+"/mapped/9?secret=s&keep=1", "X-Client", "orig").want(t, 202, "GET /users/9/profile?keep=1&source=gateway  mapped-$default fwd=127.0.0.1")
	if _, err := f.svc.PutRoute(f.ctx, "proxy", Route{Key: "GET /bad", Integration: Integration{Type: HTTPProxy, Target: upstream.URL,
		Parameters: map[string]string{"rename:header.X": "y"}}}); err == nil {
		t.Fatal("a bad request mapping was accepted")
	}
}

// TestIntegrationTimeout: an integration that does not answer within its
// timeout (on the core clock) gets 503.
func TestIntegrationTimeout(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	defer close(release)
	f.fn.set(func(ctx context.Context, _ string, _ []byte) ([]byte, string, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil, "", ctx.Err()
	})
	url := f.create(API{Name: "slow", Routes: []Route{{Key: "GET /slow", Integration: Integration{Type: Function, Target: "f", TimeoutMS: 2000}}}})
	done := make(chan reply, 1)
	go func() { done <- f.get(url + "/slow") }()
	waitFor(t, "the invocation", func() bool { return f.fn.calls.Load() == 1 })
	waitFor(t, "the timeout timer", func() bool { return f.clock.Pending() > 0 })
	f.clock.Advance(1999 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("answered before the timeout: %d %s", r.status, r.body)
	default:
	}
	f.clock.Advance(time.Millisecond)
	r := <-done
	r.want(t, 503, `{"message":"Service Unavailable"}`)
	if !strings.Contains(r.header.Get(errorHeader), "timed out after 2s") {
		t.Fatalf("detail %q", r.header.Get(errorHeader))
	}
}

// TestSlowRouteDoesNotStall: while one route's function hangs, the other
// routes of the API (and other APIs) answer.
func TestSlowRouteDoesNotStall(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	f.fn.set(func(ctx context.Context, _ string, _ []byte) ([]byte, string, error) {
		<-release
		return []byte(`{"statusCode":200,"body":"late"}`), "", nil
	})
	url := f.create(API{Name: "mixed", Routes: []Route{
		{Key: "GET /hang", Integration: Integration{Type: Function, Target: "f"}},
		{Key: "GET /fast", Integration: mock("fast")},
	}})
	other := f.create(API{Name: "other", Routes: []Route{{Key: "GET /fast", Integration: mock("other")}}})
	const hung = 8
	done := make(chan reply, hung)
	for range hung {
		go func() { done <- f.get(url + "/hang") }()
	}
	waitFor(t, "hung invocations", func() bool { return f.fn.calls.Load() == hung })
	for range 20 {
		f.get(url+"/fast").want(t, 200, "fast")
		f.get(other+"/fast").want(t, 200, "other")
	}
	close(release)
	for range hung {
		(<-done).want(t, 200, "late")
	}
}

// TestBodyLimit: bodies over 10 MiB get 413, with or without a length.
func TestBodyLimit(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "big", Routes: []Route{{Key: "POST /up", Integration: mock("${context.requestId}")}}})
	ok := bytes.Repeat([]byte("a"), MaxBodyBytes)
	if r := f.do("POST", url+"/up", ok); r.status != 200 {
		t.Fatalf("10 MiB: %d %s", r.status, r.body)
	}
	f.do("POST", url+"/up", append(ok, 'b')).want(t, 413, `{"message":"Request Entity Too Large"}`)
	req, _ := http.NewRequest("POST", url+"/up", io.MultiReader(bytes.NewReader(ok), strings.NewReader("bb")))
	req.ContentLength = -1 // chunked
	res, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("chunked over the limit: %d", res.StatusCode)
	}
}

// TestTargetErrorKinds: a TargetError keeps its status; other errors are 500.
func TestTargetErrorKinds(t *testing.T) {
	if r := targetFailure("queue", "q", &TargetError{Status: 429, Code: "RequestThrottled", Message: "slow down"}); r.status != 429 {
		t.Fatalf("throttled target: %d", r.status)
	}
	if r := targetFailure("queue", "q", errors.New("disk full")); r.status != 500 || !strings.Contains(r.header.Get(errorHeader), "disk full") {
		t.Fatalf("plain error: %d %v", r.status, r.header)
	}
}
