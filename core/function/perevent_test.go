package function

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPerEventShellHandler(t *testing.T) {
	f := newFixture(t)
	sub := f.bus.Subscribe(64)
	defer sub.Close()
	f.create(shell("echo", `in=$(cat); echo "got $in" >&2; printf '{"got":%s,"fn":"%s"}' "$in" "$AWS_LAMBDA_FUNCTION_NAME"`))
	res := f.invoke("echo", `{"a":1}`)
	if res.Failed() {
		t.Fatalf("failed: %s", res.Payload)
	}
	if string(res.Payload) != `{"got":{"a":1},"fn":"echo"}` {
		t.Fatalf("payload = %s", res.Payload)
	}
	if res.Logs != "got {\"a\":1}\n" {
		t.Fatalf("logs = %q", res.Logs)
	}
	if res.RequestID == "" {
		t.Fatal("no request id")
	}
	var sawLog, sawInvoked bool
	for !sawLog || !sawInvoked {
		select {
		case e := <-sub.C:
			sawLog = sawLog || (e.Kind == LogLine && e.Resource == "echo" && strings.HasSuffix(e.Message, "got {\"a\":1}"))
			sawInvoked = sawInvoked || (e.Kind == Invoked && e.Resource == "echo")
		case <-time.After(10 * time.Second):
			t.Fatalf("events: log %v, invoked %v", sawLog, sawInvoked)
		}
	}
	invs, err := f.svc.Invocations("echo")
	if err != nil || len(invs) != 1 || invs[0].RequestID != res.RequestID || invs[0].Logs != res.Logs {
		t.Fatalf("invocations = %+v, %v", invs, err)
	}
}

func TestPerEventFailures(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, script, errType, inMessage string
	}{
		{"not-json", `cat >/dev/null; echo hello`, ErrTypeInvalidResponse, "hello"},
		{"exit", `echo dying >&2; exit 3`, ErrTypeExit, "exit status 3"},
		{"missing", `exec /nonexistent/skyport-handler`, ErrTypeExit, "exit status 127"},
		{"huge", `cat >/dev/null; printf '"'; head -c 7000000 /dev/zero | tr '\0' a; printf '"'`, "Function.ResponseSizeTooLarge", "6291456 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.create(shell(c.name, c.script))
			doc := errorDoc(t, f.invoke(c.name, `{}`))
			if doc.ErrorType != c.errType || !strings.Contains(doc.ErrorMessage, c.inMessage) {
				t.Fatalf("error = %+v, want %s containing %q", doc, c.errType, c.inMessage)
			}
		})
	}
	t.Run("empty-output-is-null", func(t *testing.T) {
		f.create(shell("quiet", `cat >/dev/null`))
		if res := f.invoke("quiet", `{}`); res.Failed() || string(res.Payload) != "null" {
			t.Fatalf("result = %+v", res)
		}
	})
	t.Run("logs-capped", func(t *testing.T) {
		f.create(shell("chatty", `cat >/dev/null; head -c 300000 /dev/zero | tr '\0' x >&2; echo '{}'`))
		res := f.invoke("chatty", `{}`)
		if res.Failed() || len(res.Logs) > MaxLogBytes+100 || !strings.HasSuffix(res.Logs, "[logs truncated]\n") {
			t.Fatalf("%d bytes of logs ending %q", len(res.Logs), res.Logs[max(0, len(res.Logs)-40):])
		}
	})
	t.Run("no-such-command", func(t *testing.T) {
		f.create(Definition{Name: "nocmd", Command: []string{"/nonexistent/skyport-handler"}})
		if doc := errorDoc(t, f.invoke("nocmd", `{}`)); doc.ErrorType != ErrTypeStart {
			t.Fatalf("error = %+v", doc)
		}
	})
}

func TestInvokeBadRequests(t *testing.T) {
	f := newFixture(t)
	f.create(shell("ok", `cat`))
	cases := []struct {
		name, fn string
		payload  []byte
		code     Code
	}{
		{"missing function", "nope", []byte(`{}`), ResourceNotFound},
		{"not json", "ok", []byte(`{oops`), InvalidRequestContent},
		{"too large", "ok", []byte(`"` + strings.Repeat("x", MaxPayloadBytes) + `"`), RequestTooLarge},
	}
	for _, c := range cases {
		_, err := f.svc.Invoke(f.ctx, c.fn, c.payload)
		var fe *Error
		if !errors.As(err, &fe) || fe.Code != c.code {
			t.Errorf("%s: err = %v, want %s", c.name, err, c.code)
		}
	}
	if res := f.invoke("ok", ``); string(res.Payload) != `{}` {
		t.Fatalf("empty payload became %s, want {}", res.Payload)
	}
}

func TestPerEventTimeoutKillsForkedChild(t *testing.T) {
	f := newFixture(t)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	def := shell("hang", `sleep 1000 & echo $! > "$PIDFILE"; wait`)
	def.Env = map[string]string{"PIDFILE": pidFile}
	def.Timeout = 2 * time.Second
	f.create(def)
	done := make(chan Result, 1)
	go func() { done <- f.invoke("hang", `{}`) }()
	child := readPID(t, pidFile)
	f.running("hang", 1)
	f.clock.Advance(2 * time.Second)
	var res Result
	select {
	case res = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the timeout did not end the invocation")
	}
	doc := errorDoc(t, res)
	if doc.ErrorType != ErrTypeTimeout || !strings.Contains(doc.ErrorMessage, "Task timed out after 2.00 seconds") {
		t.Fatalf("error = %+v", doc)
	}
	if res.Duration != 2*time.Second {
		t.Fatalf("duration = %s on the frozen clock, want 2s", res.Duration)
	}
	eventually(t, func() bool { return processGone(child) }, "forked child %d to be killed", child)
}

func TestPerEventExitKillsLeftoverChildren(t *testing.T) {
	f := newFixture(t)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	def := shell("leaver", `sleep 1000 & echo $! > "$PIDFILE"; echo '{"ok":true}'`)
	def.Env = map[string]string{"PIDFILE": pidFile}
	f.create(def)
	if res := f.invoke("leaver", `{}`); res.Failed() || string(res.Payload) != `{"ok":true}` {
		t.Fatalf("result = %+v", res)
	}
	child := readPID(t, pidFile)
	eventually(t, func() bool { return processGone(child) }, "left-over child %d to be killed", child)
}

func TestConcurrencyLimitThrottles(t *testing.T) {
	f := newFixture(t)
	gate := filepath.Join(t.TempDir(), "gate")
	def := shell("gated", `while [ ! -e "$GATE" ]; do sleep 0.01; done; cat`)
	def.Env = map[string]string{"GATE": gate}
	def.Concurrency = 3
	f.create(def)
	const n = 50
	type answer struct {
		res Result
		err error
	}
	answers := make(chan answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.svc.Invoke(f.ctx, "gated", []byte(`{"i":`+string(rune('0'+i%10))+`}`))
			answers <- answer{res, err}
		}()
	}
	throttled := 0
	for throttled < n-3 {
		select {
		case a := <-answers:
			var fe *Error
			if !errors.As(a.err, &fe) || fe.Code != TooManyRequests {
				t.Fatalf("answer before the gate opened: %+v, %v", a.res, a.err)
			}
			throttled++
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d invocations throttled", throttled, n-3)
		}
	}
	f.running("gated", 3)
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(answers)
	ok := 0
	for a := range answers {
		if a.err != nil || a.res.Failed() {
			t.Fatalf("after the gate: %+v, %v", a.res, a.err)
		}
		ok++
	}
	if ok != 3 {
		t.Fatalf("%d succeeded, want 3", ok)
	}
	if sum := f.svc.List()[0]; sum.Throttles != n-3 || sum.Invocations != 3 {
		t.Fatalf("summary = %+v", sum)
	}
}

func TestDefinitionsPersistAndValidate(t *testing.T) {
	f := openFixture(t, filepath.Join(t.TempDir(), "skyport.db"))
	def := Definition{Name: "keep", Command: []string{"cat"}, Env: map[string]string{"A": "1"}, Dir: t.TempDir(),
		Timeout: 30 * time.Second, MemoryMB: 512, Concurrency: 7}
	f.create(def)
	if err := f.svc.CreateFunction(f.ctx, def); !isCode(err, ResourceConflict) {
		t.Fatalf("duplicate create: %v", err)
	}
	def.Env["B"] = "2"
	if err := f.svc.UpdateFunction(f.ctx, def); err != nil {
		t.Fatal(err)
	}
	f.close()
	f.open()
	got, err := f.svc.GetFunction("keep")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(withDefaults(def))
	have, _ := json.Marshal(got)
	if string(want) != string(have) {
		t.Fatalf("after restart %s, want %s", have, want)
	}
	bad := []Definition{
		{Name: "", Command: []string{"cat"}},
		{Name: "has space", Command: []string{"cat"}},
		{Name: strings.Repeat("a", 65), Command: []string{"cat"}},
		{Name: "nocmd"},
		{Name: "mode", Command: []string{"cat"}, Mode: "daemon"},
		{Name: "timeout", Command: []string{"cat"}, Timeout: 901 * time.Second},
		{Name: "memory", Command: []string{"cat"}, MemoryMB: 64},
		{Name: "conc", Command: []string{"cat"}, Concurrency: -1},
		{Name: "env", Command: []string{"cat"}, Env: map[string]string{"A=B": "x"}},
	}
	for _, d := range bad {
		if err := f.svc.CreateFunction(f.ctx, d); !isCode(err, InvalidParameterValue) {
			t.Errorf("%+v: err = %v, want InvalidParameterValue", d, err)
		}
	}
	if err := f.svc.DeleteFunction(f.ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetFunction("keep"); !isCode(err, ResourceNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func isCode(err error, code Code) bool {
	var fe *Error
	return errors.As(err, &fe) && fe.Code == code
}

func TestInvokeByARN(t *testing.T) {
	f := newFixture(t)
	f.create(shell("named", `cat`))
	arn := f.svc.ARN("named")
	for _, ref := range []string{"named", "named:$LATEST", arn, arn + ":$LATEST", "000000000000:function:named"} {
		out, fnErr, err := Invoker{f.svc}.Invoke(f.ctx, ref, []byte(`{"r":1}`))
		if err != nil || fnErr != "" || string(out) != `{"r":1}` {
			t.Errorf("%s: %s %q %v", ref, out, fnErr, err)
		}
	}
	for _, ref := range []string{"named:prod", "arn:aws:lambda:eu-west-1:000000000000:function:named",
		"arn:aws:lambda:us-east-1:111111111111:function:named", "111111111111:function:named", "arn:aws:sqs:us-east-1:000000000000:named"} {
		if _, err := f.svc.Invoke(f.ctx, ref, []byte(`{}`)); !isCode(err, ResourceNotFound) {
			t.Errorf("%s: err = %v, want ResourceNotFound", ref, err)
		}
	}
}

func TestFunctionMetrics(t *testing.T) {
	f := newFixture(t)
	f.create(shell("m", `cat`))
	f.create(shell("bad", `exit 2`))
	f.invoke("m", `{}`)
	f.invoke("bad", `{}`)
	var b strings.Builder
	if err := f.reg.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		`skyport_function_invocations_total{function="m"} 1`,
		`skyport_function_errors_total{function="bad"} 1`,
		`skyport_function_concurrent_executions{function="m"} 0`,
		`skyport_function_duration_seconds_count{function="m"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if err := f.svc.DeleteFunction(f.ctx, "m"); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	_ = f.reg.WritePrometheus(&b)
	if strings.Contains(b.String(), `skyport_function_concurrent_executions{function="m"}`) {
		t.Error("a deleted function keeps its gauge")
	}
}
