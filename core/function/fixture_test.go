package function

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// epoch is where the tests' frozen clocks start.
var epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture is a function service on a frozen clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *clock.Clock
	path  string
	st    *store.Store
	svc   *Service
	bus   *event.Bus
	reg   *metrics.Registry
}

func newFixture(t *testing.T) *fixture { return openFixture(t, "") }

func openFixture(t *testing.T, path string) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), clock: clock.NewFrozen(epoch), path: path,
		bus: event.NewBus(), reg: metrics.NewRegistry()}
	f.open()
	t.Cleanup(f.close)
	return f
}

func (f *fixture) open() { f.openWith(Config{}) }

// openWith opens the store and the service with cfg's sources.
func (f *fixture) openWith(cfg Config) {
	f.t.Helper()
	st, err := store.Open(store.Config{Memory: f.path == "", Path: f.path})
	if err != nil {
		f.t.Fatal(err)
	}
	cfg.Store, cfg.Clock, cfg.Events, cfg.Metrics = st, f.clock, f.bus, f.reg
	svc, err := Open(cfg)
	if err != nil {
		st.Close()
		f.t.Fatal(err)
	}
	f.st, f.svc = st, svc
}

func newFixtureClock() *clock.Clock { return clock.NewFrozen(epoch) }

func newBusAndRegistry() (*event.Bus, *metrics.Registry) {
	return event.NewBus(), metrics.NewRegistry()
}

func (f *fixture) close() {
	if f.svc != nil {
		f.svc.Close()
		f.st.Close()
		f.svc, f.st = nil, nil
	}
}

func (f *fixture) create(def Definition) {
	f.t.Helper()
	if err := f.svc.CreateFunction(f.ctx, def); err != nil {
		f.t.Fatalf("create %s: %v", def.Name, err)
	}
}

func (f *fixture) invoke(name, payload string) Result {
	f.t.Helper()
	res, err := f.svc.Invoke(f.ctx, name, []byte(payload))
	if err != nil {
		f.t.Fatalf("invoke %s: %v", name, err)
	}
	return res
}

// running waits until n invocations of name have their timeout armed.
func (f *fixture) running(name string, n int) {
	f.t.Helper()
	fn, err := f.svc.lookup(name)
	if err != nil {
		f.t.Fatal(err)
	}
	eventually(f.t, func() bool { return int(fn.active.Load()) == n }, "%d running invocations of %s", n, name)
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for "+format, args...)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// shell is a per-event function running script with sh.
func shell(name, script string) Definition {
	return Definition{Name: name, Command: []string{"sh", "-c", script}}
}

// errorDoc decodes a failed result's payload.
func errorDoc(t *testing.T, res Result) ErrorDocument {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", res.FunctionError, res.Payload)
	}
	var doc ErrorDocument
	if err := json.Unmarshal(res.Payload, &doc); err != nil {
		t.Fatalf("error payload %s: %v", res.Payload, err)
	}
	return doc
}

// processGone reports whether pid has exited (a zombie counts as gone).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// readPID waits for a pid file and returns its pid.
func readPID(t *testing.T, path string) int {
	t.Helper()
	var pid int
	eventually(t, func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	}, "pid file %s", path)
	return pid
}

var (
	warmOnce sync.Once
	warmBin  string
	warmErr  error
)

// warmHandler builds testdata/warm (an aws-lambda-go handler) once per test
// binary and returns its path.
func warmHandler(t testing.TB) string {
	t.Helper()
	warmOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skyport-warm-")
		if err != nil {
			warmErr = err
			return
		}
		warmBin = filepath.Join(dir, "handler")
		out, err := exec.Command("go", "build", "-o", warmBin, "./testdata/warm").CombinedOutput()
		if err != nil {
			warmErr = err
			warmBin = string(out)
		}
	})
	if warmErr != nil {
		t.Fatalf("go build testdata/warm: %v\n%s", warmErr, warmBin)
	}
	return warmBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if warmBin != "" && warmErr == nil {
		os.RemoveAll(filepath.Dir(warmBin))
	}
	os.Exit(code)
}
