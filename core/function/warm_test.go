package function

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type warmAnswer struct {
	PID       int    `json:"pid"`
	Count     int64  `json:"count"`
	Echo      any    `json:"echo"`
	RequestID string `json:"requestId"`
	Function  string `json:"function"`
}

func decodeWarm(t *testing.T, res Result) warmAnswer {
	t.Helper()
	if res.Failed() {
		t.Fatalf("failed: %s (logs %q)", res.Payload, res.Logs)
	}
	var a warmAnswer
	if err := json.Unmarshal(res.Payload, &a); err != nil {
		t.Fatalf("payload %s: %v", res.Payload, err)
	}
	return a
}

func warmDef(t *testing.T, name string) Definition {
	return Definition{Name: name, Command: []string{warmHandler(t)}, Mode: Warm, Timeout: 5 * time.Second}
}

func TestWarmHandlerStaysWarm(t *testing.T) {
	f := newFixture(t)
	f.create(warmDef(t, "warm"))
	first := f.invoke("warm", `{"echo":"one"}`)
	second := f.invoke("warm", `{"echo":"two"}`)
	a, b := decodeWarm(t, first), decodeWarm(t, second)
	if a.PID == 0 || a.PID != b.PID {
		t.Fatalf("pids %d and %d: the second invocation did not reuse the warm process", a.PID, b.PID)
	}
	if a.Count != 1 || b.Count != 2 || a.Echo != "one" || b.Echo != "two" || a.Function != "warm" {
		t.Fatalf("answers %+v, %+v", a, b)
	}
	if a.RequestID != first.RequestID || b.RequestID != second.RequestID {
		t.Fatalf("request ids %q/%q, runtime saw %q/%q", first.RequestID, second.RequestID, a.RequestID, b.RequestID)
	}
	if first.Logs != "handling 1\n" || second.Logs != "handling 2\n" {
		t.Fatalf("logs %q, %q: want one line per invocation", first.Logs, second.Logs)
	}
	if sum := f.svc.List()[0]; sum.WarmProcs != 1 || sum.Invocations != 2 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestWarmHandlerErrorKeepsProcess(t *testing.T) {
	f := newFixture(t)
	f.create(warmDef(t, "warm"))
	res := f.invoke("warm", `{"fail":"bad input"}`)
	doc := errorDoc(t, res)
	if doc.ErrorMessage != "bad input" || doc.ErrorType == "" {
		t.Fatalf("error %+v", doc)
	}
	if a := decodeWarm(t, f.invoke("warm", `{}`)); a.Count != 2 {
		t.Fatalf("after a handled error the process was replaced: %+v", a)
	}
}

func TestWarmCrashIsFunctionError(t *testing.T) {
	f := newFixture(t)
	f.create(warmDef(t, "warm"))
	before := decodeWarm(t, f.invoke("warm", `{}`))
	doc := errorDoc(t, f.invoke("warm", `{"crash":true}`))
	if doc.ErrorType != ErrTypeExit || !strings.Contains(doc.ErrorMessage, "exit status 3") {
		t.Fatalf("error %+v", doc)
	}
	after := decodeWarm(t, f.invoke("warm", `{}`))
	if after.PID == before.PID || after.Count != 1 {
		t.Fatalf("after a crash: %+v (before %+v), want a fresh process", after, before)
	}
}

func TestWarmTimeoutKillsForkedChild(t *testing.T) {
	f := newFixture(t)
	f.create(warmDef(t, "warm"))
	before := decodeWarm(t, f.invoke("warm", `{}`))
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	done := make(chan Result, 1)
	go func() { done <- f.invoke("warm", fmt.Sprintf(`{"fork":true,"pidFile":%q}`, pidFile)) }()
	child := readPID(t, pidFile)
	f.running("warm", 1)
	f.clock.Advance(5 * time.Second)
	var res Result
	select {
	case res = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the timeout did not end the invocation")
	}
	if doc := errorDoc(t, res); doc.ErrorType != ErrTypeTimeout {
		t.Fatalf("error %+v", doc)
	}
	eventually(t, func() bool { return processGone(child) && processGone(before.PID) },
		"the handler %d and its child %d to be killed", before.PID, child)
	if after := decodeWarm(t, f.invoke("warm", `{}`)); after.PID == before.PID || after.Count != 1 {
		t.Fatalf("after the timeout: %+v", after)
	}
}

func TestWarmConcurrencyLimitUnder50Invokes(t *testing.T) {
	f := newFixture(t)
	def := warmDef(t, "warm")
	def.Concurrency = 3
	f.create(def)
	const n = 50
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		pids = map[int]int{}
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.svc.InvokeWhenFree(f.ctx, "warm", fmt.Appendf(nil, `{"echo":%d}`, i))
			if err != nil {
				t.Error(err)
				return
			}
			if res.Failed() {
				t.Errorf("invoke %d failed: %s", i, res.Payload)
				return
			}
			var a warmAnswer
			if err := json.Unmarshal(res.Payload, &a); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			pids[a.PID]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	total := 0
	for _, c := range pids {
		total += c
	}
	if len(pids) > 3 || total != n {
		t.Fatalf("%d invocations over %d processes %v, want at most 3 processes", total, len(pids), pids)
	}
	if sum := f.svc.List()[0]; sum.WarmProcs > 3 || sum.Invocations != n {
		t.Fatalf("summary %+v", sum)
	}
}

func TestWarmUpdateReplacesProcess(t *testing.T) {
	f := newFixture(t)
	def := warmDef(t, "warm")
	f.create(def)
	before := decodeWarm(t, f.invoke("warm", `{}`))
	def.Env = map[string]string{"CHANGED": "1"}
	if err := f.svc.UpdateFunction(f.ctx, def); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return processGone(before.PID) }, "the old process %d to be retired", before.PID)
	if after := decodeWarm(t, f.invoke("warm", `{}`)); after.PID == before.PID {
		t.Fatal("update kept the old process")
	}
	if err := f.svc.DeleteFunction(f.ctx, "warm"); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return f.svc.List() == nil || len(f.svc.List()) == 0 }, "the function to be gone")
}

func TestWarmProcessStopsWhenIdle(t *testing.T) {
	f := newFixture(t)
	f.create(warmDef(t, "warm"))
	first := decodeWarm(t, f.invoke("warm", `{}`))
	f.clock.Advance(WarmIdleTimeout - time.Second)
	if again := decodeWarm(t, f.invoke("warm", `{}`)); again.PID != first.PID {
		t.Fatalf("a process idle for less than %s was replaced", WarmIdleTimeout)
	}
	f.clock.Advance(WarmIdleTimeout)
	eventually(t, func() bool { return processGone(first.PID) && f.svc.List()[0].WarmProcs == 0 },
		"the idle process %d to be stopped", first.PID)
	if after := decodeWarm(t, f.invoke("warm", `{}`)); after.PID == first.PID || after.Count != 1 {
		t.Fatalf("after the idle timeout: %+v", after)
	}
}
