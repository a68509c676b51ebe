package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// epoch is where the tests' frozen clocks start (a Monday).
var epoch = time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)

// fixture is a gateway on a frozen clock over a memory or file store, with
// fake targets the tests program.
type fixture struct {
	t       testing.TB
	ctx     context.Context
	clock   *clock.Clock
	path    string
	st      *store.Store
	svc     *Service
	bus     *event.Bus
	reg     *metrics.Registry
	fn      *fakeFunctions
	client  *http.Client
	targets Targets
}

func newFixture(t *testing.T) *fixture { return openFixture(t, "", nil) }

func openFixture(t testing.TB, path string, targets *Targets) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), clock: clock.NewFrozen(epoch), path: path,
		bus: event.NewBus(), reg: metrics.NewRegistry(), fn: &fakeFunctions{},
		client: &http.Client{Timeout: 30 * time.Second}}
	if targets == nil {
		f.targets = Targets{Functions: f.fn}
	} else {
		f.targets = *targets
	}
	f.open()
	t.Cleanup(f.close)
	return f
}

func (f *fixture) open() {
	f.t.Helper()
	st, err := store.Open(store.Config{Memory: f.path == "", Path: f.path})
	if err != nil {
		f.t.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: f.clock, Events: f.bus, Metrics: f.reg, AnyPort: true, Targets: f.targets})
	if err != nil {
		st.Close()
		f.t.Fatal(err)
	}
	f.st, f.svc = st, svc
}

func (f *fixture) close() {
	if f.svc != nil {
		f.svc.Close()
		f.st.Close()
		f.svc, f.st = nil, nil
	}
}

func (f *fixture) restart() {
	f.t.Helper()
	f.close()
	f.open()
}

// create defines an API and returns its base URL.
func (f *fixture) create(a API) string {
	f.t.Helper()
	info, err := f.svc.CreateAPI(f.ctx, a)
	if err != nil {
		f.t.Fatalf("CreateAPI %s: %v", a.Name, err)
	}
	if !info.Listening || info.URL == "" {
		f.t.Fatalf("API %s is not listening: %s", a.Name, info.ListenErr)
	}
	return info.URL
}

// reply is a response read whole.
type reply struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(method, url string, body []byte, headers ...string) reply {
	f.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := f.client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (f *fixture) get(url string, headers ...string) reply {
	return f.do(http.MethodGet, url, nil, headers...)
}

func (r reply) want(t *testing.T, status int, body string) {
	t.Helper()
	if r.status != status || (body != "" && r.body != body) {
		t.Fatalf("got %d %q (%s), want %d %q", r.status, r.body, r.header.Get(errorHeader), status, body)
	}
}

func mock(body string) Integration {
	return Integration{Type: Mock, Mock: &MockResponse{Body: body}}
}

// fakeFunctions is an in-test function service: it records each payload
// and answers with the output its handler gives.
type fakeFunctions struct {
	mu       sync.Mutex
	calls    atomic.Int64
	payloads [][]byte
	handler  func(ctx context.Context, name string, payload []byte) ([]byte, string, error)
}

func (ff *fakeFunctions) Invoke(ctx context.Context, name string, payload []byte) ([]byte, string, error) {
	ff.calls.Add(1)
	ff.mu.Lock()
	ff.payloads = append(ff.payloads, append([]byte(nil), payload...))
	h := ff.handler
	ff.mu.Unlock()
	if h == nil {
		return []byte(`{"statusCode":200,"body":"ok"}`), "", nil
	}
	return h(ctx, name, payload)
}

func (ff *fakeFunctions) set(h func(ctx context.Context, name string, payload []byte) ([]byte, string, error)) {
	ff.mu.Lock()
	ff.handler = h
	ff.mu.Unlock()
}

func (ff *fakeFunctions) last(t *testing.T) []byte {
	t.Helper()
	ff.mu.Lock()
	defer ff.mu.Unlock()
	if len(ff.payloads) == 0 {
		t.Fatal("the function was not invoked")
	}
	return ff.payloads[len(ff.payloads)-1]
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func fileFixture(t *testing.T) *fixture {
	return openFixture(t, filepath.Join(t.TempDir(), "skyport.db"), nil)
}

func hasAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
