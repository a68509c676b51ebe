package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/event"
)

// TestThrottle: a route's token bucket lets the burst through, answers
// 429 {"message":"Too Many Requests"} past it, and refills at the rate as
// the core clock moves; other routes keep their own buckets.
func TestThrottle(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "th", Throttle: &Throttle{RateLimit: 100, BurstLimit: 100}, Routes: []Route{
		{Key: "GET /limited", Integration: mock("ok"), Throttle: &Throttle{RateLimit: 2, BurstLimit: 5}},
		{Key: "GET /open", Integration: mock("open")},
	}})
	for i := range 5 {
		if r := f.get(url + "/limited"); r.status != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, r.status)
		}
	}
	f.get(url+"/limited").want(t, 429, `{"message":"Too Many Requests"}`)
	f.get(url+"/open").want(t, 200, "open")

	f.clock.Advance(500 * time.Millisecond) // one token at 2/s
	f.get(url+"/limited").want(t, 200, "ok")
	f.get(url+"/limited").want(t, 429, "")

	f.clock.Advance(time.Second) // two more
	f.get(url+"/limited").want(t, 200, "ok")
	f.get(url+"/limited").want(t, 200, "ok")
	f.get(url+"/limited").want(t, 429, "")

	f.clock.Advance(time.Hour) // refills only up to the burst
	for range 5 {
		f.get(url+"/limited").want(t, 200, "ok")
	}
	f.get(url+"/limited").want(t, 429, "")
	stats, _ := f.svc.RouteStats("th")
	for _, s := range stats {
		if s.Route == "GET /limited" && (s.Throttled != 4 || s.Errors4XX != 4) {
			t.Fatalf("stats %+v", s)
		}
	}
}

// TestThrottleDefaults: without settings a route takes AWS's 5,000 burst.
func TestThrottleDefaults(t *testing.T) {
	got := effectiveThrottle(nil, nil, nil)
	if got.RateLimit != 10_000 || got.BurstLimit != 5_000 {
		t.Fatalf("defaults %+v", got)
	}
	stage := &Throttle{RateLimit: 1, BurstLimit: 1}
	if got := effectiveThrottle(nil, stage, &Throttle{RateLimit: 9}); got != *stage {
		t.Fatalf("stage throttle not chosen: %+v", got)
	}
	b := newBucket(got, epoch)
	n := 0
	for b.take(epoch) {
		n++
	}
	if n != 5_000 {
		t.Fatalf("default burst let %d through", n)
	}
}

// TestAPIKeys: a route that requires a key refuses requests without a
// valid, enabled key of a plan covering the API (403); the plan's quota
// gives 429 "Limit Exceeded" until the period turns, and its throttle
// 429 "Too Many Requests".
func TestAPIKeys(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "keyed", Routes: []Route{
		{Key: "GET /private", Integration: mock("secret"), APIKeyRequired: true},
		{Key: "GET /public", Integration: mock("public")},
	}})
	f.create(API{Name: "elsewhere"})
	if err := f.svc.PutUsagePlan(f.ctx, UsagePlan{Name: "gold", APIs: []string{"keyed"}, Quota: &Quota{Limit: 3, Period: Day}}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PutUsagePlan(f.ctx, UsagePlan{Name: "other", APIs: []string{"elsewhere"}}); err != nil {
		t.Fatal(err)
	}
	gold, err := f.svc.CreateAPIKey(f.ctx, "gold-key", "gold-key-value-000000000", []string{"gold"})
	if err != nil {
		t.Fatal(err)
	}
	wrongPlan, err := f.svc.CreateAPIKey(f.ctx, "other-key", "", []string{"other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateAPIKey(f.ctx, "bad", "", []string{"nope"}); err == nil {
		t.Fatal("a key in a missing plan")
	}

	f.get(url+"/public").want(t, 200, "public")
	f.get(url+"/private").want(t, 403, `{"message":"Forbidden"}`)
	f.get(url+"/private", "x-api-key", "not-a-key").want(t, 403, `{"message":"Forbidden"}`)
	f.get(url+"/private", "x-api-key", wrongPlan.Value).want(t, 403, `{"message":"Forbidden"}`)
	for range 3 {
		f.get(url+"/private", "x-api-key", gold.Value).want(t, 200, "secret")
	}
	f.get(url+"/private", "x-api-key", gold.Value).want(t, 429, `{"message":"Limit Exceeded"}`)
	if used, left, err := f.svc.Usage("gold", gold.ID); err != nil || used != 3 || left != 0 {
		t.Fatalf("usage %d %d %v", used, left, err)
	}
	f.clock.Advance(12 * time.Hour) // past midnight UTC
	f.get(url+"/private", "x-api-key", gold.Value).want(t, 200, "secret")

	gold.Enabled = false
	if _, err := f.svc.UpdateAPIKey(f.ctx, gold); err != nil {
		t.Fatal(err)
	}
	f.get(url+"/private", "x-api-key", gold.Value).want(t, 403, "")
	gold.Enabled = true
	if _, err := f.svc.UpdateAPIKey(f.ctx, gold); err != nil {
		t.Fatal(err)
	}

	if err := f.svc.PutUsagePlan(f.ctx, UsagePlan{Name: "gold", APIs: []string{"keyed"}, Throttle: &Throttle{RateLimit: 1, BurstLimit: 2}}); err != nil {
		t.Fatal(err)
	}
	f.get(url+"/private", "x-api-key", gold.Value).want(t, 200, "")
	f.get(url+"/private", "x-api-key", gold.Value).want(t, 200, "")
	f.get(url+"/private", "x-api-key", gold.Value).want(t, 429, `{"message":"Too Many Requests"}`)
	f.clock.Advance(time.Second)
	f.get(url+"/private", "x-api-key", gold.Value).want(t, 200, "")

	if err := f.svc.DeleteAPIKey(f.ctx, gold.ID); err != nil {
		t.Fatal(err)
	}
	f.get(url+"/private", "x-api-key", gold.Value).want(t, 403, "")
}

// TestQuotaWindows: quota periods start at UTC midnight, Monday, the 1st.
func TestQuotaWindows(t *testing.T) {
	at := time.Date(2025, 6, 5, 15, 4, 5, 0, time.UTC) // a Thursday
	for p, want := range map[QuotaPeriod]time.Time{
		Day:   time.Date(2025, 6, 5, 0, 0, 0, 0, time.UTC),
		Week:  time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC),
		Month: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got := quotaWindow(p, at); !got.Equal(want) {
			t.Errorf("%s: %v, want %v", p, got, want)
		}
	}
}

// TestCORS: preflight requests are answered by the gateway (no route is
// called); actual responses carry the allowed origin, replacing whatever
// the integration said.
func TestCORS(t *testing.T) {
	f := newFixture(t)
	url := f.create(API{Name: "web",
		CORS: &CORS{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"Content-Type", "X-Token"}, ExposeHeaders: []string{"X-Total"}, MaxAge: 600, AllowCredentials: true},
		Routes: []Route{{Key: "POST /data", Integration: Integration{Type: Function, Target: "f"}}}})
	f.fn.set(func(context.Context, string, []byte) ([]byte, string, error) {
		return []byte(`{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"*","X-Total":"3"},"body":"data"}`), "", nil
	})
	r := f.do("OPTIONS", url+"/data", nil, "Origin", "https://app.example",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type, x-token")
	r.want(t, 204, "")
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example",
		"Access-Control-Allow-Methods":     "GET,POST",
		"Access-Control-Allow-Headers":     "content-type,x-token",
		"Access-Control-Max-Age":           "600",
		"Access-Control-Allow-Credentials": "true",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("preflight %s = %q, want %q", k, got, want)
		}
	}
	if f.fn.calls.Load() != 0 {
		t.Fatal("the preflight reached the function")
	}
	for _, bad := range [][]string{
		{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"},
		{"Origin", "https://app.example", "Access-Control-Request-Method", "DELETE"},
		{"Origin", "https://app.example", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-other"},
	} {
		r := f.do("OPTIONS", url+"/data", nil, bad...)
		if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("refused preflight %v: %d %v", bad, r.status, r.header)
		}
	}

	r = f.do("POST", url+"/data", []byte("{}"), "Origin", "https://app.example")
	r.want(t, 200, "data")
	if r.header.Get("Access-Control-Allow-Origin") != "https://app.example" || r.header.Get("Access-Control-Expose-Headers") != "x-total" ||
		r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("actual response headers %v", r.header)
	}
	r = f.do("POST", url+"/data", []byte("{}"), "Origin", "https://evil.example")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("an unlisted origin was allowed: %v", r.header)
	}
	r = f.get(url + "/nothing")
	if r.status != 404 {
		t.Fatalf("no route: %d", r.status)
	}

	star := f.create(API{Name: "open", CORS: &CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}}})
	r = f.do("OPTIONS", star+"/any", nil, "Origin", "http://x", "Access-Control-Request-Method", "PATCH", "Access-Control-Request-Headers", "x-a")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("wildcard preflight %d %v", r.status, r.header)
	}
}

// TestCache: identical GETs within the TTL invoke the function once; the
// key includes the chosen query parameters and headers; the entry expires
// on the core clock; non-GET requests and errors are not cached.
func TestCache(t *testing.T) {
	f := newFixture(t)
	f.fn.set(func(_ context.Context, _ string, payload []byte) ([]byte, string, error) {
		return []byte(`{"statusCode":200,"body":"fresh"}`), "", nil
	})
	url := f.create(API{Name: "cached", Routes: []Route{
		{Key: "ANY /items/{id}", Integration: Integration{Type: Function, Target: "f"},
			Cache: &CacheConfig{TTLSeconds: 60, KeyQuery: []string{"page"}, KeyHeaders: []string{"Accept-Language"}}},
	}})
	const n = 10
	for i := range n {
		r := f.get(url+"/items/1?page=2&ignored="+string(rune('a'+i)), "Accept-Language", "en")
		r.want(t, 200, "fresh")
		if i > 0 && r.header.Get("X-Skyport-Cache") != "hit" {
			t.Fatalf("request %d was not a cache hit", i+1)
		}
		if r.header.Get("Apigw-Requestid") == "" {
			t.Fatal("cached response without its own request id")
		}
	}
	if got := f.fn.calls.Load(); got != 1 {
		t.Fatalf("%d identical GETs invoked the function %d times, want 1", n, got)
	}
	f.get(url+"/items/1?page=3", "Accept-Language", "en").want(t, 200, "fresh")
	f.get(url+"/items/1?page=2", "Accept-Language", "fr").want(t, 200, "fresh")
	f.get(url+"/items/2?page=2", "Accept-Language", "en").want(t, 200, "fresh")
	if got := f.fn.calls.Load(); got != 4 {
		t.Fatalf("distinct keys: %d invocations, want 4", got)
	}
	f.do("POST", url+"/items/1?page=2", nil, "Accept-Language", "en").want(t, 200, "fresh")
	f.do("POST", url+"/items/1?page=2", nil, "Accept-Language", "en").want(t, 200, "fresh")
	if got := f.fn.calls.Load(); got != 6 {
		t.Fatalf("POSTs were cached: %d invocations, want 6", got)
	}
	f.clock.Advance(59 * time.Second)
	f.get(url+"/items/1?page=2", "Accept-Language", "en")
	if got := f.fn.calls.Load(); got != 6 {
		t.Fatalf("expired early: %d invocations", got)
	}
	f.clock.Advance(time.Second)
	f.get(url+"/items/1?page=2", "Accept-Language", "en")
	if got := f.fn.calls.Load(); got != 7 {
		t.Fatalf("not expired after the TTL: %d invocations", got)
	}

	f.fn.set(func(context.Context, string, []byte) ([]byte, string, error) {
		return []byte(`{"statusCode":500,"body":"bad"}`), "", nil
	})
	f.get(url + "/items/9")
	f.get(url + "/items/9")
	if got := f.fn.calls.Load(); got != 9 {
		t.Fatalf("an error response was cached: %d invocations", got)
	}
	stats, _ := f.svc.RouteStats("cached")
	if len(stats) != 1 || stats[0].CacheHits != n-1+1 || stats[0].Count != 19 || stats[0].Errors5XX != 2 {
		t.Fatalf("stats %+v", stats)
	}
}

// TestAccessLogAndMetrics: every request is an access-log event and counts
// in its route's metrics, exported for Prometheus too.
func TestAccessLogAndMetrics(t *testing.T) {
	f := newFixture(t)
	sub := f.bus.Subscribe(256)
	defer sub.Close()
	url := f.create(API{Name: "logged", Routes: []Route{
		{Key: "GET /ok", Integration: mock("ok")},
		{Key: "GET /fail", Integration: Integration{Type: Mock, Mock: &MockResponse{Status: 503}}},
		{Key: "GET /nope", Integration: Integration{Type: Mock, Mock: &MockResponse{Status: 404}}},
	}})
	f.get(url + "/ok")
	f.get(url + "/ok")
	f.get(url + "/fail")
	f.get(url + "/nope")
	f.get(url + "/unrouted")
	var lines []event.Event
	waitFor(t, "access log events", func() bool {
		for {
			select {
			case e := <-sub.C:
				if e.Kind == AccessLog {
					lines = append(lines, e)
				}
			default:
				return len(lines) == 5
			}
		}
	})
	if l := lines[0]; l.Resource != "logged" || l.Service != "gateway" || l.Level != event.Info ||
		!hasAll(l.Message, `127.0.0.1 - - [02/Jun/2025:12:00:00 +0000] "GET GET /ok HTTP/1.1" 200 2 `) {
		t.Fatalf("access log %+v", l)
	}
	if lines[2].Level != event.Error || lines[3].Level != event.Warn || !strings.Contains(lines[4].Message, `"GET - HTTP/1.1" 404`) {
		t.Fatalf("levels/lines %+v", lines[2:])
	}
	stats, err := f.svc.RouteStats("logged")
	if err != nil {
		t.Fatal(err)
	}
	byRoute := map[string]RouteStats{}
	for _, s := range stats {
		byRoute[s.Route] = s
	}
	if s := byRoute["GET /ok"]; s.Count != 2 || s.Errors4XX != 0 || s.LatencyP50 <= 0 || s.LatencyP99 < s.LatencyP50 {
		t.Fatalf("ok stats %+v", s)
	}
	if byRoute["GET /fail"].Errors5XX != 1 || byRoute["GET /nope"].Errors4XX != 1 || byRoute[noRoute].Count != 1 {
		t.Fatalf("stats %+v", byRoute)
	}
	var prom bytes.Buffer
	_ = f.reg.WritePrometheus(&prom)
	if !hasAll(prom.String(), `skyport_gateway_requests_total{api="logged",route="GET /ok"} 2`,
		`skyport_gateway_5xx_errors_total{api="logged",route="GET /fail"} 1`,
		`skyport_gateway_latency_seconds_count{api="logged",route="GET /ok"} 2`) {
		t.Fatalf("prometheus output:\n%s", prom.String())
	}
	if err := f.svc.DeleteAPI(f.ctx, "logged"); err != nil {
		t.Fatal(err)
	}
	prom.Reset()
	_ = f.reg.WritePrometheus(&prom)
	if strings.Contains(prom.String(), `api="logged"`) {
		t.Fatal("series of a deleted API remain")
	}
}

// TestCall: the GUI's in-process call goes through the same pipeline.
func TestCall(t *testing.T) {
	f := newFixture(t)
	f.create(API{Name: "gui", Routes: []Route{{Key: "POST /echo/{id}", Integration: mock(`${request.path.id}:${request.body}:${request.header.x-a}`)}}})
	out, err := f.svc.Call(f.ctx, "gui", CallInput{Method: "post", Path: "/echo/5?x=1", Headers: map[string]string{"X-A": "b"}, Body: []byte("hi")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != 200 || string(out.Body) != "5:hi:b" || out.Latency <= 0 || http.Header(out.Headers).Get("Apigw-Requestid") == "" {
		t.Fatalf("call %+v", out)
	}
	if _, err := f.svc.Call(f.ctx, "missing", CallInput{}); err == nil {
		t.Fatal("call to a missing API")
	}
	stats, _ := f.svc.RouteStats("gui")
	if len(stats) != 1 || stats[0].Count != 1 {
		t.Fatalf("stats %+v", stats)
	}
}

// TestResponseParameters: the response mapping of the status the
// integration returned overwrites the status and adds, replaces or
// removes headers, selecting from the response and the request.
func TestResponseParameters(t *testing.T) {
	f := newFixture(t)
	f.fn.set(func(context.Context, string, []byte) ([]byte, string, error) {
		return []byte(`{"statusCode":404,"headers":{"X-Internal":"db-3","X-Keep":"k"},"body":"{\"error\":{\"code\":\"E42\"}}"}`), "", nil
	})
	url := f.create(API{Name: "mapped", Routes: []Route{{Key: "GET /thing/{id}", Integration: Integration{Type: Function, Target: "f",
		ResponseParameters: map[string]map[string]string{
			"404": {
				"overwrite:statuscode":     "410",
				"remove:header.X-Internal": "",
				"append:header.X-Code":     "$response.body.error.code",
				"overwrite:header.X-Keep":  "${response.header.X-Keep}-${request.path.id}",
			},
			"200": {"overwrite:statuscode": "299"},
		}}}}})
	r := f.get(url + "/thing/9")
	r.want(t, 410, `{"error":{"code":"E42"}}`)
	if r.header.Get("X-Internal") != "" || r.header.Get("X-Code") != "E42" || r.header.Get("X-Keep") != "k-9" {
		t.Fatalf("mapped headers %v", r.header)
	}
	for _, bad := range []map[string]map[string]string{
		{"abc": {"overwrite:statuscode": "200"}},
		{"200": {"rename:header.X": "y"}},
		{"200": {"append:header.": "y"}},
		{"200": {"overwrite:statuscode": "$nothing.here"}},
	} {
		_, err := f.svc.PutRoute(f.ctx, "mapped", Route{Key: "GET /bad", Integration: Integration{Type: Mock, ResponseParameters: bad}})
		if err == nil || err.(*Error).Code != BadRequest {
			t.Errorf("%v accepted: %v", bad, err)
		}
	}
}

// TestListenerRecovers: an API whose port is taken at start stays defined
// and says why; an update once the port is free brings it up.
func TestListenerRecovers(t *testing.T) {
	f := fileFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if _, err := f.svc.CreateAPI(f.ctx, API{Name: "fixed", Port: port, Routes: []Route{{Key: "GET /", Integration: mock("up")}}}); err != nil {
		t.Fatal(err)
	}
	f.close()
	squatter, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	f.open()
	apis := f.svc.APIs()
	if len(apis) != 1 || apis[0].Listening || !strings.Contains(apis[0].ListenErr, strconv.Itoa(port)) {
		t.Fatalf("with the port taken: %+v", apis)
	}
	squatter.Close()
	info, err := f.svc.UpdateAPI(f.ctx, apis[0].API)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Listening || info.Port != port {
		t.Fatalf("after update: %+v", info)
	}
	f.get(info.URL+"/").want(t, 200, "up")
}

// TestQuotaSurvivesRestart: quota counts are saved at close and loaded at
// open; a plan for one stage covers only that stage.
func TestQuotaSurvivesRestart(t *testing.T) {
	f := fileFixture(t)
	f.create(API{Name: "metered", Stages: []Stage{{Name: "prod"}, {Name: "test"}},
		Routes: []Route{{Key: "GET /x", Integration: mock("x"), APIKeyRequired: true}}})
	if err := f.svc.PutUsagePlan(f.ctx, UsagePlan{Name: "prod-only", APIs: []string{"metered/prod"}, Quota: &Quota{Limit: 2, Period: Month}}); err != nil {
		t.Fatal(err)
	}
	key, err := f.svc.CreateAPIKey(f.ctx, "k", "", []string{"prod-only"})
	if err != nil {
		t.Fatal(err)
	}
	url := f.svc.URL("metered")
	f.get(url+"/test/x", "x-api-key", key.Value).want(t, 403, `{"message":"Forbidden"}`)
	f.get(url+"/prod/x", "x-api-key", key.Value).want(t, 200, "x")
	f.restart()
	url = f.svc.URL("metered")
	if used, left, err := f.svc.Usage("prod-only", key.ID); err != nil || used != 1 || left != 1 {
		t.Fatalf("usage after restart: %d %d %v", used, left, err)
	}
	f.get(url+"/prod/x", "x-api-key", key.Value).want(t, 200, "x")
	f.get(url+"/prod/x", "x-api-key", key.Value).want(t, 429, `{"message":"Limit Exceeded"}`)
	f.clock.Advance(31 * 24 * time.Hour)
	f.get(url+"/prod/x", "x-api-key", key.Value).want(t, 200, "x")
}

// TestCacheCoalescesMisses: concurrent identical GETs on a cold cache
// share one integration call.
func TestCacheCoalescesMisses(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	f.fn.set(func(context.Context, string, []byte) ([]byte, string, error) {
		<-release
		return []byte(`{"statusCode":200,"body":"once"}`), "", nil
	})
	url := f.create(API{Name: "herd", Routes: []Route{{Key: "GET /hot", Integration: Integration{Type: Function, Target: "f"}, Cache: &CacheConfig{TTLSeconds: 30}}}})
	const n = 12
	done := make(chan reply, n)
	for range n {
		go func() { done <- f.get(url + "/hot") }()
	}
	waitFor(t, "the other requests to wait for the first", func() bool {
		f.svc.flightMu.Lock()
		defer f.svc.flightMu.Unlock()
		for _, fl := range f.svc.flights {
			return fl.waiters.Load() == n-1
		}
		return false
	})
	close(release)
	for range n {
		(<-done).want(t, 200, "once")
	}
	if got := f.fn.calls.Load(); got != 1 {
		t.Fatalf("%d concurrent identical GETs invoked the function %d times", n, got)
	}
}
