package machine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
)

func TestRunawayDefinitionsAreBounded(t *testing.T) {
	f := newFixtureWith(t, Config{MaxExpressTransitions: 5000, MaxHistoryEvents: 2000})
	loop := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "End"}], "Default": "A"}, "End": {"Type": "Succeed"}}}`
	got := f.run(f.create("loop", loop, Standard), `{}`)
	if got.Status != StatusFailed || got.Error != ErrRuntime || !strings.Contains(got.Cause, "2000 events") {
		t.Fatalf("infinite Standard loop: %s %s %s", got.Status, got.Error, got.Cause)
	}
	if types := f.eventTypes(got.Arn); len(types) != 2001 || types[2000] != "ExecutionFailed" {
		t.Fatalf("the quota-limited history has %d events ending %v", len(types), types[len(types)-1])
	}
	express := f.create("loop-express", loop, Express)
	ex, err := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: express})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.AwaitExecution(context.Background(), ex.Arn) // the clock stays put: no Express timeout
	if got.Status != StatusFailed || got.Error != ErrRuntime || !strings.Contains(got.Cause, "state transitions") {
		t.Fatalf("infinite Express loop: %s %s %s", got.Status, got.Error, got.Cause)
	}
	big := `{"StartAt": "Grow", "States": {"Grow": {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$", "c.$": "$", "d.$": "$"}, "Next": "Grow"}}}`
	if _, err := Parse(big); err == nil {
		t.Fatal("a machine without an end parsed")
	}
	grow := `{"StartAt": "Grow", "States": {"Grow": {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$", "c.$": "$", "d.$": "$"}, "Next": "Check"},
	  "Check": {"Type": "Choice", "Choices": [{"Variable": "$.never", "IsPresent": true, "Next": "Done"}], "Default": "Grow"}, "Done": {"Type": "Succeed"}}}`
	ex, err = f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: f.create("grow", grow, Express), Input: `{"x": "0123456789"}`})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.AwaitExecution(context.Background(), ex.Arn)
	if got.Error != ErrDataLimitExceeded {
		t.Fatalf("growing payload: %s %s", got.Error, got.Cause)
	}
	items := `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}`
	_, err = f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: f.create("items", items, Standard), Input: `{"xs": [` + strings.Repeat("1,", 1<<20) + `1]}`})
	if ae, ok := err.(*Error); !ok || ae.Code != InvalidExecutionInput {
		t.Fatalf("a million Map items: %v", err)
	}
}

func TestEventsMetricsAndSteps(t *testing.T) {
	var mu chanPublisher = make(chanPublisher, 1024)
	reg := metrics.NewRegistry()
	f := newFixture(t, "", Integrations{})
	f.close()
	f = newFixtureWith(t, Config{Events: mu, Metrics: reg})
	arn := f.create("steps", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Fail", "Error": "E"}}}`, Standard)
	ok := f.create("ok", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`, Standard)
	w := f.svc.WatchSteps("", 64)
	defer w.Close()
	failed := f.run(arn, `{}`)
	f.run(ok, `{}`)
	var steps []string
	deadline := time.After(5 * time.Second)
	for len(steps) < 5 {
		select {
		case s := <-w.C:
			if s.ExecutionArn != failed.Arn {
				continue
			}
			switch {
			case s.State == "" && s.Status == StatusRunning:
				steps = append(steps, "start")
			case s.State == "":
				steps = append(steps, "end:"+s.Status)
			case s.Entered:
				steps = append(steps, "enter:"+s.State)
			default:
				steps = append(steps, "exit:"+s.State)
			}
		case <-deadline:
			t.Fatalf("steps so far: %v", steps)
		}
	}
	if strings.Join(steps, ",") != "start,enter:A,exit:A,enter:B,end:FAILED" {
		t.Fatalf("steps %v", steps)
	}
	var text strings.Builder
	_ = reg.WritePrometheus(&text)
	for _, want := range []string{"skyport_sfn_executions_started_total 2", "skyport_sfn_executions_succeeded_total 1", "skyport_sfn_executions_failed_total 1",
		`skyport_sfn_machine_executions_started_total{state_machine="steps"} 1`, `skyport_sfn_machine_executions_failed_total{state_machine="steps"} 1`,
		`skyport_sfn_machine_executions_started_total{state_machine="ok"} 1`, `skyport_sfn_machine_executions_succeeded_total{state_machine="ok"} 1`} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	kinds := map[string]bool{}
	for len(mu) > 0 {
		e := <-mu
		if e.Kind == event.ExecutionStep {
			kinds[strings.Fields(e.Message)[0]] = true
		}
	}
	for _, want := range []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "FailStateEntered", "ExecutionFailed", "ExecutionSucceeded"} {
		if !kinds[want] {
			t.Errorf("no %s event (got %v)", want, kinds)
		}
	}
}

type chanPublisher chan event.Event

func (c chanPublisher) Publish(e event.Event) {
	select {
	case c <- e:
	default:
	}
}

func newFixtureWith(t *testing.T, cfg Config) *fixture {
	t.Helper()
	f := newFixture(t, "", Integrations{})
	f.svc.Close()
	cfg.Store, cfg.Clock = f.st, f.clock
	svc, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

func TestStopAndExecutionTimeout(t *testing.T) {
	f := newFixture(t, "", Integrations{})
	waits := f.create("waits", `{"TimeoutSeconds": 60, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}`, Standard)
	got := f.run(waits, `{}`)
	if got.Status != StatusTimedOut || got.Error != ErrTimeout {
		t.Fatalf("execution timeout: %+v", got)
	}
	if types := f.eventTypes(got.Arn); types[len(types)-1] != "ExecutionTimedOut" {
		t.Fatalf("history %v", types)
	}
	forever := f.create("forever", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}`, Standard)
	ex, _ := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: forever})
	if _, err := f.svc.StopExecution(context.Background(), ex.Arn, "Stop", "by test"); err != nil {
		t.Fatal(err)
	}
	got = f.await(ex.Arn)
	if got.Status != StatusAborted || got.Error != "Stop" {
		t.Fatalf("stopped: %+v", got)
	}
	if types := f.eventTypes(ex.Arn); types[len(types)-1] != "ExecutionAborted" {
		t.Fatalf("history %v", types)
	}
}

func TestJSONSizeBoundsEncoding(t *testing.T) {
	for _, src := range []string{`null`, `true`, `"a\"b\\c\u0001"`, `[1,2.5,-3e10]`, `{"k":{"n":[null,false,"x"]},"":[]}`, `[]`, `{}`} {
		v, err := decodeJSON(src)
		if err != nil {
			t.Fatal(err)
		}
		if got, enc := jsonSize(v, 1<<20), len(encodeJSON(v)); got < enc {
			t.Errorf("%s: size %d below the encoding's %d", src, got, enc)
		}
	}
}

func TestDefaultQuotas(t *testing.T) {
	f := newFixture(t, "", Integrations{})
	if f.svc.cfg.MaxHistoryEvents != 25000 || f.svc.cfg.MaxExpressTransitions != 1_000_000 {
		t.Fatalf("quotas %d events, %d transitions", f.svc.cfg.MaxHistoryEvents, f.svc.cfg.MaxExpressTransitions)
	}
	h := &history{limit: 3}
	for i := 0; i < 5; i++ {
		h.add(epoch, "PassStateEntered", nil)
	}
	if len(h.snapshot()) != 3 || !h.full() {
		t.Fatalf("history kept %d events past its quota", len(h.snapshot()))
	}
}
