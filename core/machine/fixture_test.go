package machine

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/store"
)

var epoch = time.Date(2026, 3, 14, 1, 59, 26, 0, time.UTC)

type fixture struct {
	t     testing.TB
	svc   *Service
	clock *clock.Clock
	st    *store.Store
	path  string
	ctx   context.Context
}

// newFixture opens a service on a frozen clock, over a store at path (""
// for memory).
func newFixture(t *testing.T, path string, in Integrations) *fixture {
	t.Helper()
	return openFixture(t, path, clock.NewFrozen(epoch), in)
}

func openFixture(t testing.TB, path string, clk *clock.Clock, in Integrations) *fixture {
	t.Helper()
	cfg := store.Config{Memory: path == "", Path: path}
	st, err := store.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: clk, Integrations: in})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	f := &fixture{t: t, svc: svc, clock: clk, st: st, path: path, ctx: context.Background()}
	t.Cleanup(f.close)
	return f
}

func (f *fixture) close() {
	if f.svc != nil {
		f.svc.Close()
		f.st.Close()
		f.svc = nil
	}
}

func (f *fixture) create(name, def, typ string) string {
	f.t.Helper()
	m, err := f.svc.CreateStateMachine(f.ctx, CreateInput{Name: name, Definition: def, Type: typ, RoleArn: "arn:aws:iam::000000000000:role/test"})
	if err != nil {
		f.t.Fatalf("create %s: %v", name, err)
	}
	return m.Arn
}

// run starts an execution and, advancing the clock whenever the execution
// waits on it, returns its end.
func (f *fixture) run(arn, input string) Execution {
	f.t.Helper()
	ex, err := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: arn, Input: input})
	if err != nil {
		f.t.Fatalf("start: %v", err)
	}
	return f.await(ex.Arn)
}

// await waits for the execution's end, fast-forwarding the clock to each
// timer the execution sets.
func (f *fixture) await(arn string) Execution {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(f.ctx, 2*time.Millisecond)
		got, err := f.svc.AwaitExecution(ctx, arn)
		cancel()
		if err == nil {
			return got
		}
		if next, ok := f.clock.NextDeadline(); ok {
			f.clock.Advance(max(next.Sub(f.clock.Now()), time.Millisecond))
		}
	}
	f.t.Fatalf("execution %s did not end", arn)
	return Execution{}
}

func (f *fixture) eventTypes(arn string) []string {
	f.t.Helper()
	h, err := f.svc.History(f.ctx, arn)
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]string, len(h))
	for i, e := range h {
		out[i] = e.Type
	}
	return out
}

// newFixtureF is a memory fixture for fuzz targets and benchmarks.
func newFixtureF(t testing.TB) *fixture {
	t.Helper()
	return openFixture(t, "", clock.NewFrozen(epoch), Integrations{})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
