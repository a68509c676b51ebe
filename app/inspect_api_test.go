package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/gateway"
)

// apiCall is one request to an API's listener.
type apiCall struct {
	status int
	header http.Header
	body   string
}

func callAPI(t *testing.T, method, url string, headers ...string) apiCall {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	mustNil(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	mustNil(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	mustNil(t, err)
	return apiCall{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func mockRoute(key, body string) gateway.Route {
	return gateway.Route{Key: key, Integration: gateway.Integration{Type: gateway.Mock, Mock: &gateway.MockResponse{Status: 200, Body: body}}}
}

// tapCheck sets a check box as a click on it would.
func tapCheck(f *formField, on bool) {
	c := f.input.(*widget.Check)
	if c.Checked != on {
		test.Tap(c)
	}
}

// TestAPIInspectorCORSAndThrottle types a CORS configuration and API and
// route throttles, saves them, and checks both the definition the core
// holds and what the API's listener then answers.
func TestAPIInspectorCORSAndThrottle(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	gw := f.c.Gateway()
	_, err := gw.CreateAPI(ctx, gateway.API{Name: "shop", Routes: []gateway.Route{mockRoute("GET /ping", "pong"), mockRoute("GET /slow", "slow")},
		Tags: map[string]string{"team": "web"}})
	mustNil(t, err)
	v := f.selectRes(t, APIs, "shop").(*apiView)
	cors := v.settings.cors

	typeInto(cors.field("allowOrigins"), "https://app.example, https://admin.example")
	typeInto(cors.field("allowMethods"), "GET, FETCH")
	if m := cors.field("allowMethods").msg; !m.Visible() || !strings.Contains(m.Text, `"FETCH" is not one of`) || !cors.save.Disabled() {
		t.Fatalf("an unknown CORS method is not flagged (%q) or Save is enabled", m.Text)
	}
	typeInto(cors.field("allowMethods"), "GET, post")
	typeInto(cors.field("allowHeaders"), "content-type, x-token")
	typeInto(cors.field("exposeHeaders"), "x-total")
	typeInto(cors.field("maxAge"), "90000")
	if m := cors.field("maxAge").msg; !m.Visible() || m.Text != "must be between 0 and 86400 seconds" || !cors.save.Disabled() {
		t.Fatalf("a max age past a day: message %q, Save disabled %v", m.Text, cors.save.Disabled())
	}
	typeInto(cors.field("maxAge"), "600")
	tapCheck(cors.field("allowCredentials"), true)
	typeInto(cors.field("allowOrigins"), "*")
	if !cors.field("allowOrigins").msg.Visible() || !cors.save.Disabled() {
		t.Fatal(`credentials with the origin "*" are not flagged`)
	}
	typeInto(cors.field("allowOrigins"), "https://app.example, https://admin.example")
	if cors.save.Disabled() {
		t.Fatalf("Save stays disabled for a valid CORS configuration: %s", f.texts())
	}

	// A core event while the user types (another client adds a route)
	// leaves the typed text and the other forms alone.
	th := v.settings.throttle
	typeInto(th.field("rateLimit"), "-1")
	if m := th.field("rateLimit").msg; !m.Visible() || m.Text != "cannot be negative" || !th.save.Disabled() {
		t.Fatalf("a negative rate: message %q, Save disabled %v", m.Text, th.save.Disabled())
	}
	typeInto(th.field("rateLimit"), "1")
	if m := th.field("rateLimit").msg; !m.Visible() || m.Text != "set a burst limit too" || !th.save.Disabled() {
		t.Fatalf("a rate without a burst: message %q", m.Text)
	}
	_, err = gw.PutRoute(ctx, "shop", mockRoute("GET /other", "other"))
	mustNil(t, err)
	f.in.refresh()
	if got := cors.field("allowOrigins").get(); got != "https://app.example, https://admin.example" || th.field("rateLimit").get() != "1" {
		t.Fatalf("a core event replaced typed text: origins %q, rate %q", got, th.field("rateLimit").get())
	}

	test.Tap(cors.save)
	api, err := gw.API("shop")
	mustNil(t, err)
	want := &gateway.CORS{AllowOrigins: []string{"https://app.example", "https://admin.example"}, AllowMethods: []string{"GET", "post"},
		AllowHeaders: []string{"content-type", "x-token"}, ExposeHeaders: []string{"x-total"}, MaxAge: 600, AllowCredentials: true}
	if !reflect.DeepEqual(api.CORS, want) {
		t.Fatalf("CORS after save: %+v", api.CORS)
	}
	if !reflect.DeepEqual(api.Tags, map[string]string{"team": "web"}) {
		t.Fatalf("saving CORS changed the tags: %v", api.Tags)
	}
	if !cors.save.Disabled() || cors.status.Visible() {
		t.Fatal("the saved CORS form still has something to save or a message")
	}

	typeInto(th.field("burstLimit"), "2")
	test.Tap(th.save)
	rf := v.rforms["GET /slow"]
	typeInto(rf.field("rateLimit"), "0")
	typeInto(rf.field("burstLimit"), "1")
	test.Tap(rf.save)
	api, _ = gw.API("shop")
	if !reflect.DeepEqual(api.Throttle, &gateway.Throttle{RateLimit: 1, BurstLimit: 2}) {
		t.Fatalf("API throttle after save: %+v", api.Throttle)
	}
	for _, r := range api.Routes {
		if r.Key == "GET /slow" && !reflect.DeepEqual(r.Throttle, &gateway.Throttle{RateLimit: 0, BurstLimit: 1}) {
			t.Fatalf("route throttle after save: %+v", r.Throttle)
		}
	}

	base := gw.URL("shop")
	pre := callAPI(t, http.MethodOptions, base+"/ping", "Origin", "https://admin.example",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "X-Token")
	for k, want := range map[string]string{"Access-Control-Allow-Origin": "https://admin.example",
		"Access-Control-Allow-Methods": "GET,POST", "Access-Control-Allow-Headers": "content-type,x-token",
		"Access-Control-Max-Age": "600", "Access-Control-Allow-Credentials": "true"} {
		if got := pre.header.Get(k); pre.status != http.StatusNoContent || got != want {
			t.Errorf("preflight: %d, %s = %q, want %q", pre.status, k, got, want)
		}
	}
	if other := callAPI(t, http.MethodOptions, base+"/ping", "Origin", "https://evil.example",
		"Access-Control-Request-Method", "GET"); other.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a preflight from an origin not allowed got %q", other.header.Get("Access-Control-Allow-Origin"))
	}
	// The core clock is frozen: the API's bucket of 2 does not refill
	// until the test advances it by a second (rate 1).
	for i, want := range []int{200, 200, 429} {
		got := callAPI(t, http.MethodGet, base+"/ping", "Origin", "https://app.example")
		if got.status != want {
			t.Fatalf("GET /ping #%d: %d %s, want %d", i+1, got.status, got.body, want)
		}
		if got.header.Get("Access-Control-Allow-Origin") != "https://app.example" || got.header.Get("Access-Control-Expose-Headers") != "x-total" {
			t.Fatalf("GET /ping #%d CORS headers: %v", i+1, got.header)
		}
	}
	f.c.Clock().Advance(time.Second)
	if got := callAPI(t, http.MethodGet, base+"/ping"); got.status != 200 || got.body != "pong" {
		t.Fatalf("GET /ping a second later: %d %s", got.status, got.body)
	}
	for i, want := range []int{200, 429} {
		if got := callAPI(t, http.MethodGet, base+"/slow"); got.status != want {
			t.Fatalf("GET /slow #%d under its own throttle: %d %s, want %d", i+1, got.status, got.body, want)
		}
	}

	// Emptying every CORS field removes the configuration.
	for _, k := range []string{"allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge"} {
		typeInto(cors.field(k), "")
	}
	tapCheck(cors.field("allowCredentials"), false)
	test.Tap(cors.save)
	if api, _ := gw.API("shop"); api.CORS != nil {
		t.Fatalf("CORS after clearing the form: %+v", api.CORS)
	}

	// A core error is shown in words under the form.
	mustNil(t, gw.DeleteAPI(ctx, "shop"))
	typeInto(th.field("rateLimit"), "5")
	test.Tap(th.save)
	if !th.status.Visible() || !strings.HasPrefix(th.status.Text, "Not found: ") {
		t.Fatalf("core error under the throttle form: %q (visible %v)", th.status.Text, th.status.Visible())
	}
}

// TestAPIInspectorStages adds a stage with a throttle and variables in the
// inspector, calls it under its path prefix, copies its URL and removes it.
func TestAPIInspectorStages(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	gw := f.c.Gateway()
	_, err := gw.CreateAPI(ctx, gateway.API{Name: "shop", Routes: []gateway.Route{mockRoute("GET /env", "${context.stage}:${stageVariables.env}")}})
	mustNil(t, err)
	v := f.selectRes(t, APIs, "shop").(*apiView)
	s := v.settings
	base := gw.URL("shop")
	if !slices.Equal(s.shown, []string{"$default"}) || !s.implicit || !strings.Contains(f.texts(), base+"/|") {
		t.Fatalf("the implicit $default stage is not listed with its URL: %v %s", s.shown, f.texts())
	}

	name := s.adder.field("name")
	for bad, msg := range map[string]string{"pro d": `must be "$default" or 1–128 letters, digits, '.', '_' or '-'`,
		"$default": "the API already has a stage $default"} {
		typeInto(name, bad)
		if !name.msg.Visible() || name.msg.Text != msg || !s.adder.save.Disabled() {
			t.Fatalf("stage name %q: message %q, Add disabled %v", bad, name.msg.Text, s.adder.save.Disabled())
		}
	}
	typeInto(name, "prod")
	typeInto(s.adder.field("variables"), "env production")
	if m := s.adder.field("variables").msg; !m.Visible() || m.Text != "line 1: write NAME=value" || !s.adder.save.Disabled() {
		t.Fatalf("a variable line without '=': message %q", m.Text)
	}
	typeInto(s.adder.field("variables"), "env=production\nregion=eu")
	typeInto(s.adder.field("rateLimit"), "0")
	typeInto(s.adder.field("burstLimit"), "1")
	test.Tap(s.adder.save)
	api, err := gw.API("shop")
	mustNil(t, err)
	want := []gateway.Stage{{Name: "$default"}, {Name: "prod", Variables: map[string]string{"env": "production", "region": "eu"},
		Throttle: &gateway.Throttle{RateLimit: 0, BurstLimit: 1}}}
	if !reflect.DeepEqual(api.Stages, want) {
		t.Fatalf("stages after Add stage: %+v", api.Stages)
	}
	if name.get() != "" || name.msg.Visible() || !s.adder.save.Disabled() {
		t.Fatalf("the new-stage form was not emptied: %q, message %q", name.get(), name.msg.Text)
	}
	if !slices.Equal(s.shown, []string{"$default", "prod"}) || !strings.Contains(f.texts(), base+"/prod/|") {
		t.Fatalf("stages listed %v: %s", s.shown, f.texts())
	}

	// The stage serves under its prefix with its variables and throttle;
	// the root stays $default's.
	if got := callAPI(t, http.MethodGet, base+"/prod/env"); got.status != 200 || got.body != "prod:production" {
		t.Fatalf("GET /prod/env: %d %q", got.status, got.body)
	}
	if got := callAPI(t, http.MethodGet, base+"/prod/env"); got.status != 429 {
		t.Fatalf("a second GET /prod/env past the stage's burst of 1: %d %q", got.status, got.body)
	}
	if got := callAPI(t, http.MethodGet, base+"/env"); got.status != 200 || got.body != "$default:" {
		t.Fatalf("GET /env at the root: %d %q", got.status, got.body)
	}

	// Copy the stage's URL.
	for _, o := range test.LaidOutObjects(s.stages) {
		if row, ok := o.(*fyne.Container); ok && len(row.Objects) == 2 {
			if l, ok := row.Objects[0].(*widget.Label); ok && l.Text == base+"/prod/" {
				test.Tap(row.Objects[1].(*widget.Button))
			}
		}
	}
	if !slices.Contains(f.copied, base+"/prod/") {
		t.Fatalf("copied %v", f.copied)
	}

	// Edit the stage: typed text survives a core event, then saves.
	sf := s.sforms["prod"]
	typeInto(sf.field("variables"), "env=staging")
	_, err = gw.PutRoute(ctx, "shop", mockRoute("GET /other", "other"))
	mustNil(t, err)
	f.in.refresh()
	if sf != s.sforms["prod"] || sf.field("variables").get() != "env=staging" {
		t.Fatal("a core event replaced the stage form being edited")
	}
	typeInto(sf.field("rateLimit"), "")
	typeInto(sf.field("burstLimit"), "")
	test.Tap(sf.save)
	api, _ = gw.API("shop")
	if st := api.Stages[1]; st.Name != "prod" || st.Throttle != nil || !reflect.DeepEqual(st.Variables, map[string]string{"env": "staging"}) {
		t.Fatalf("prod after save: %+v", st)
	}
	if got := callAPI(t, http.MethodGet, base+"/prod/env"); got.status != 200 || got.body != "prod:staging" {
		t.Fatalf("GET /prod/env after the edit: %d %q", got.status, got.body)
	}

	// Remove it, confirming in the dialog.
	test.Tap(stageRemoveButton(t, s, "prod"))
	tapOverlayButton(t, f.win, "Yes")
	api, _ = gw.API("shop")
	if !reflect.DeepEqual(api.Stages, []gateway.Stage{{Name: "$default"}}) || !slices.Equal(s.shown, []string{"$default"}) {
		t.Fatalf("stages after Remove: %+v, listed %v", api.Stages, s.shown)
	}
	if got := callAPI(t, http.MethodGet, base+"/prod/env"); got.status != 404 {
		t.Fatalf("GET /prod/env after removing the stage: %d %q", got.status, got.body)
	}

	// A new port moves the stage URLs.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	mustNil(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	mustNil(t, l.Close())
	typeInto(v.form.field("Port"), strconv.Itoa(port))
	test.Tap(v.form.save)
	moved := fmt.Sprintf("http://127.0.0.1:%d", port)
	var urls []string
	for _, o := range test.LaidOutObjects(s.stages) {
		if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "http://") {
			urls = append(urls, l.Text)
		}
	}
	if gw.URL("shop") != moved || !slices.Equal(urls, []string{moved + "/"}) {
		t.Fatalf("stage URLs after moving to %s: %v", moved, urls)
	}
	if texts := f.texts(); strings.Contains(texts, base) || !strings.HasPrefix(texts, moved+"|") ||
		!strings.Contains(texts, "curl -i "+moved+"/|") {
		t.Fatalf("the API's URL and curl after moving to %s: %s", moved, texts)
	}
}

// stageRemoveButton is the delete button on the row of stage name.
func stageRemoveButton(t *testing.T, s *apiSettings, name string) *widget.Button {
	t.Helper()
	for _, row := range s.stages.Objects {
		var head bool
		var del *widget.Button
		for _, o := range test.LaidOutObjects(row) {
			switch w := o.(type) {
			case *widget.Label:
				head = head || w.Text == name && w.TextStyle.Monospace
			case *widget.Button:
				if w.Text == "" && w.Icon != nil && w.Icon.Name() == theme.DeleteIcon().Name() {
					del = w
				}
			}
		}
		if head && del != nil {
			return del
		}
	}
	t.Fatalf("stage %s has no remove button", name)
	return nil
}

// TestAPIInspectorLooks keeps a golden image of the API inspector with a
// throttle, CORS and two stages, as wide as the main window's inspector.
func TestAPIInspectorLooks(t *testing.T) {
	pinVersion(t)
	saved := inspectorSections
	inspectorSections = nil
	t.Cleanup(func() { inspectorSections = saved })
	f := newInspectorFixture(t)
	_, err := f.c.Gateway().CreateAPI(context.Background(), gateway.API{Name: "shop", Tags: map[string]string{"team": "web"},
		Routes:   []gateway.Route{{Key: "GET /pets", Integration: gateway.Integration{Type: gateway.Mock}, Throttle: &gateway.Throttle{RateLimit: 50, BurstLimit: 20}}},
		Throttle: &gateway.Throttle{RateLimit: 100, BurstLimit: 200},
		CORS:     &gateway.CORS{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET", "POST"}, MaxAge: 600},
		Stages: []gateway.Stage{{Name: "$default"}, {Name: "prod", Variables: map[string]string{"env": "production"},
			Throttle: &gateway.Throttle{RateLimit: 10, BurstLimit: 5}}}})
	mustNil(t, err)
	v := f.selectRes(t, APIs, "shop").(*apiView)
	typeInto(v.settings.cors.field("maxAge"), "100000") // an inline message in the picture
	// The API listens on whatever port was free: show one port in the image.
	// The API listens on whatever port was free and has a random ID: show
	// one port and one ID in the image.
	api, err := f.c.Gateway().API("shop")
	mustNil(t, err)
	pin := strings.NewReplacer(f.c.Gateway().URL("shop"), "http://127.0.0.1:8080", api.ID, "a1b2c3d4e5")
	for _, o := range test.LaidOutObjects(v.box) {
		switch w := o.(type) {
		case *widget.Label:
			w.SetText(pin.Replace(w.Text))
		case *widget.Entry:
			w.SetText(pin.Replace(w.Text))
		}
	}
	v.form.load(map[string]string{"Port": "8080"})
	// As wide as the main window's inspector panel, as tall as it needs
	// (no scroll bar over the right edge).
	f.win.Resize(fyne.NewSize(320, 1000))
	f.win.Resize(fyne.NewSize(320, f.in.content.MinSize().Height+2*theme.Padding()))
	test.AssertImageMatches(t, "inspector_api.png", f.win.Canvas().Capture())
}
