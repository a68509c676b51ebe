package gateway

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
)

// TestRouteMatching: the most specific route wins, as HTTP APIs choose:
// literal over {param} over {greedy+}, a named method over ANY, $default
// for the rest; path parameters (escaped ones decoded) reach the mapping.
func TestRouteMatching(t *testing.T) {
	f := newFixture(t)
	echo := func() Integration {
		return mock(`${context.routeKey}|${request.path.id}|${request.path.proxy}|${request.path.owner}`)
	}
	url := f.create(API{Name: "pets", Routes: []Route{
		{Key: "GET /pets", Integration: echo()},
		{Key: "GET /pets/{id}", Integration: echo()},
		{Key: "GET /pets/mine", Integration: echo()},
		{Key: "ANY /pets/{id}", Integration: echo()},
		{Key: "GET /pets/{proxy+}", Integration: echo()},
		{Key: "GET /owners/{owner}/pets/{id}", Integration: echo()},
		{Key: "ANY /{proxy+}", Integration: echo()},
		{Key: "GET /", Integration: echo()},
		{Key: "$default", Integration: echo()},
	}})
	cases := []struct{ method, path, want string }{
		{"GET", "/pets", "GET /pets|||"},
		{"GET", "/pets/", "GET /pets|||"},
		{"GET", "/pets/7", "GET /pets/{id}|7||"},
		{"GET", "/pets/mine", "GET /pets/mine|||"},
		{"DELETE", "/pets/7", "ANY /pets/{id}|7||"},
		{"GET", "/pets/7/toys/1", "GET /pets/{proxy+}||7/toys/1|"},
		{"GET", "/pets/a%20b", "GET /pets/{id}|a b||"},
		{"GET", "/owners/ann/pets/3", "GET /owners/{owner}/pets/{id}|3||ann"},
		{"POST", "/owners/ann/pets/3", "ANY /{proxy+}||owners/ann/pets/3|"},
		{"GET", "/", "GET /|||"},
		{"POST", "/", "$default|||"},
		{"PUT", "/pets", "ANY /{proxy+}||pets|"},
	}
	for _, c := range cases {
		r := f.do(c.method, url+c.path, nil)
		if r.status != 200 || r.body != c.want {
			t.Errorf("%s %s: got %d %q, want %q", c.method, c.path, r.status, r.body, c.want)
		}
	}
}

// TestNoRouteNotFound: without $default an unmatched request gets 404
// {"message":"Not Found"}.
func TestNoRouteNotFound(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "a", Routes: []Route{{Key: "GET /only", Integration: mock("x")}}})
	r := f.get(url + "/other")
	r.want(t, 404, `{"message":"Not Found"}`)
	if r.header.Get("Apigw-Requestid") == "" || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("404 headers %v", r.header)
	}
	f.do("POST", url+"/only", nil).want(t, 404, `{"message":"Not Found"}`)
	f.get(url+"/only").want(t, 200, "x")
}

// TestStages: a named stage is served under its prefix with its variables;
// without a $default stage the root has no routes.
func TestStages(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "staged",
		Stages: []Stage{{Name: "prod", Variables: map[string]string{"env": "production"}}, {Name: "dev", Variables: map[string]string{"env": "development"}}},
		Routes: []Route{{Key: "GET /env", Integration: mock(`${stageVariables.env} ${context.stage} ${context.path}`)}}})
	f.get(url+"/prod/env").want(t, 200, "production prod /prod/env")
	f.get(url+"/dev/env").want(t, 200, "development dev /dev/env")
	f.get(url+"/env").want(t, 404, `{"message":"Not Found"}`)

	url2 := f.create(API{Name: "both",
		Stages: []Stage{{Name: DefaultStage}, {Name: "beta"}},
		Routes: []Route{{Key: "GET /where", Integration: mock(`${context.stage}`)}}})
	f.get(url2+"/where").want(t, 200, "$default")
	f.get(url2+"/beta/where").want(t, 200, "beta")
}

// TestMockIntegration: status, templated headers and body; the request id
// header API Gateway adds.
func TestMockIntegration(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "m", Routes: []Route{{Key: "POST /orders/{id}", Integration: Integration{Type: Mock, Mock: &MockResponse{
		Status:  201,
		Headers: map[string]string{"Location": "/orders/${request.path.id}", "X-Trace": "$request.header.x-trace"},
		Body:    `{"id":"${request.path.id}","item":"${request.body.item.name}","q":"${request.querystring.q}"}`,
	}}}}})
	r := f.do("POST", url+"/orders/42?q=fast", []byte(`{"item":{"name":"tea"}}`), "X-Trace", "abc")
	r.want(t, 201, `{"id":"42","item":"tea","q":"fast"}`)
	if r.header.Get("Location") != "/orders/42" || r.header.Get("X-Trace") != "abc" || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", r.header)
	}
	if r.header.Get("Apigw-Requestid") == "" {
		t.Fatal("no apigw-requestid header")
	}
}

// TestValidation: bad definitions are refused with API Gateway's codes.
func TestValidation(t *testing.T) {
	f := newFixture(t)
	bad := []struct {
		api  API
		code Code
		text string
	}{
		{API{Name: ""}, BadRequest, "API name"},
		{API{Name: "a", Routes: []Route{{Key: "FETCH /x", Integration: mock("")}}}, BadRequest, "method"},
		{API{Name: "a", Routes: []Route{{Key: "GET x", Integration: mock("")}}}, BadRequest, "must start with /"},
		{API{Name: "a", Routes: []Route{{Key: "GET /{proxy+}/x", Integration: mock("")}}}, BadRequest, "last segment"},
		{API{Name: "a", Routes: []Route{{Key: "GET /a{b}", Integration: mock("")}}}, BadRequest, "whole segment"},
		{API{Name: "a", Routes: []Route{{Key: "GET /a//b", Integration: mock("")}}}, BadRequest, "empty path segment"},
		{API{Name: "a", Routes: []Route{{Key: "GET /{a}/{a}", Integration: mock("")}}}, BadRequest, "twice"},
		{API{Name: "a", Routes: []Route{{Key: "GET /p/{id}", Integration: mock("")}, {Key: "GET /p/{name}", Integration: mock("")}}}, Conflict, "conflicts"},
		{API{Name: "a", Routes: []Route{{Key: "GET /x", Integration: Integration{Type: "lambda"}}}}, BadRequest, "integration type"},
		{API{Name: "a", Routes: []Route{{Key: "GET /x", Integration: Integration{Type: Queue}}}}, BadRequest, "target name"},
		{API{Name: "a", Routes: []Route{{Key: "GET /x", Integration: Integration{Type: HTTPProxy, Target: "ftp://x"}}}}, BadRequest, "http:// or https://"},
		{API{Name: "a", Routes: []Route{{Key: "GET /x", Integration: Integration{Type: Mock, Mock: &MockResponse{Status: 700}}}}}, BadRequest, "mock status"},
		{API{Name: "a", Routes: []Route{{Key: "GET /x", Integration: Integration{Type: Function, Target: "f", TimeoutMS: 31000}}}}, BadRequest, "timeout"},
		{API{Name: "a", Routes: []Route{{Key: "GET /x", Integration: Integration{Type: Queue, Target: "q", Parameters: map[string]string{"MessageBody": "$nope.x"}}}}}, BadRequest, "expression"},
		{API{Name: "a", Routes: []Route{{Key: "GET /x", Integration: mock(""), Cache: &CacheConfig{TTLSeconds: 0}}}}, BadRequest, "TTL"},
		{API{Name: "a", Routes: []Route{{Key: "GET /x", Integration: mock(""), Throttle: &Throttle{RateLimit: -1}}}}, BadRequest, "negative"},
		// A rate that is no number could not be stored (JSON has no NaN).
		{API{Name: "a", Throttle: &Throttle{RateLimit: math.NaN(), BurstLimit: 1}}, BadRequest, "finite"},
		{API{Name: "a", Stages: []Stage{{Name: "p", Throttle: &Throttle{RateLimit: math.Inf(1)}}}}, BadRequest, "finite"},
		{API{Name: "a", CORS: &CORS{AllowOrigins: []string{"*"}, AllowCredentials: true}}, BadRequest, "allowCredentials"},
		{API{Name: "a", Stages: []Stage{{Name: "p"}, {Name: "p"}}}, Conflict, "twice"},
		{API{Name: "a", Port: 70000}, BadRequest, "port"},
	}
	for _, c := range bad {
		_, err := f.svc.CreateAPI(f.ctx, c.api)
		var ge *Error
		if !errors.As(err, &ge) || ge.Code != c.code || !strings.Contains(ge.Message, c.text) {
			t.Errorf("%+v: got %v, want %s containing %q", c.api, err, c.code, c.text)
		}
	}
	f.create(API{Name: "dup"})
	if _, err := f.svc.CreateAPI(f.ctx, API{Name: "dup"}); err == nil || err.(*Error).Code != Conflict {
		t.Fatalf("second CreateAPI: %v", err)
	}
	if _, err := f.svc.UpdateAPI(f.ctx, API{Name: "missing"}); err == nil || err.(*Error).Code != NotFound {
		t.Fatalf("UpdateAPI of a missing API: %v", err)
	}
	if err := f.svc.DeleteRoute(f.ctx, "dup", "GET /nothing"); err == nil || err.(*Error).Code != NotFound {
		t.Fatalf("DeleteRoute of a missing route: %v", err)
	}
}

// TestDefineAndUpdate: routes can be added and removed while the API
// serves; deleting the API stops its listener.
func TestDefineAndUpdate(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "live"})
	f.get(url+"/a").want(t, 404, "")
	if _, err := f.svc.PutRoute(f.ctx, "live", Route{Key: "GET /a", Integration: mock("one")}); err != nil {
		t.Fatal(err)
	}
	f.get(url+"/a").want(t, 200, "one")
	if _, err := f.svc.PutRoute(f.ctx, "live", Route{Key: "GET /a", Integration: mock("two")}); err != nil {
		t.Fatal(err)
	}
	f.get(url+"/a").want(t, 200, "two")
	if got := f.svc.URL("live"); got != url {
		t.Fatalf("URL moved from %s to %s", url, got)
	}
	if err := f.svc.DeleteRoute(f.ctx, "live", "GET /a"); err != nil {
		t.Fatal(err)
	}
	f.get(url+"/a").want(t, 404, "")
	if err := f.svc.DeleteAPI(f.ctx, "live"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Get(url + "/a"); err == nil {
		t.Fatal("the listener still answers after DeleteAPI")
	}
	if len(f.svc.APIs()) != 0 {
		t.Fatalf("APIs after delete: %v", f.svc.APIs())
	}
}

// TestPersistence: APIs, keys and plans survive a restart and serve again.
func TestPersistence(t *testing.T) {
	f := fileFixture(t)
	f.create(API{Name: "kept", Routes: []Route{{Key: "GET /k", Integration: mock("kept"), APIKeyRequired: true}}})
	if err := f.svc.PutUsagePlan(f.ctx, UsagePlan{Name: "basic", APIs: []string{"kept"}}); err != nil {
		t.Fatal(err)
	}
	key, err := f.svc.CreateAPIKey(f.ctx, "ci", "", []string{"basic"})
	if err != nil {
		t.Fatal(err)
	}
	f.restart()
	apis := f.svc.APIs()
	if len(apis) != 1 || !apis[0].Listening || len(apis[0].Routes) != 1 {
		t.Fatalf("after restart: %+v", apis)
	}
	f.get(apis[0].URL+"/k", "x-api-key", key.Value).want(t, 200, "kept")
	if ks := f.svc.APIKeys(); len(ks) != 1 || ks[0].ID != key.ID {
		t.Fatalf("keys after restart: %+v", ks)
	}
}

// TestDefaultPorts: an API without a port takes the first free port from
// the base port and keeps it across updates.
func TestDefaultPorts(t *testing.T) {
	f := newFixture(t)
	f.svc.Close()
	svc, err := Open(Config{Store: f.st, Clock: f.clock, BasePort: 18080})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	a, err := svc.CreateAPI(f.ctx, API{Name: "first"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateAPI(f.ctx, API{Name: "second"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Port < 18080 || b.Port <= a.Port || b.Port >= 18080+portScan {
		t.Fatalf("ports %d and %d, want increasing from 18080", a.Port, b.Port)
	}
	if _, err := svc.CreateAPI(f.ctx, API{Name: "third", Port: a.Port}); err == nil {
		t.Fatal("two APIs on one port")
	}
	u, err := svc.UpdateAPI(f.ctx, API{Name: "first", Routes: []Route{{Key: "GET /", Integration: mock("hi")}}})
	if err != nil || u.Port != a.Port {
		t.Fatalf("update moved the port: %v %d", err, u.Port)
	}
	res, err := http.Get(u.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
}

// TestNoContent: a 204 mock with a body sends neither body nor length.
func TestNoContent(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "nc", Routes: []Route{{Key: "DELETE /x", Integration: Integration{Type: Mock, Mock: &MockResponse{Status: 204, Body: "ignored"}}}}})
	f.do("DELETE", url+"/x", nil).want(t, 204, "")
	f.do("DELETE", url+"/x", nil).want(t, 204, "") // the connection is still in sync
	if _, err := f.svc.CreateAPI(f.ctx, API{Name: "info", Routes: []Route{{Key: "GET /", Integration: Integration{Type: Mock, Mock: &MockResponse{Status: 101}}}}}); err == nil {
		t.Fatal("a 1xx mock status was accepted")
	}
}
