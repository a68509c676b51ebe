package machine

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
)

const passMachine = `{"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}}`

const longWaitMachine = `{"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 8640000, "End": true}}}`

// finish runs a Pass-only execution to its end without touching the clock
// (fixture.run would fast-forward it to the long Wait's timer).
func finish(t *testing.T, f *fixture, machine, input string) Execution {
	t.Helper()
	ex, err := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: machine, Input: input})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	got, err := f.svc.AwaitExecution(ctx, ex.Arn)
	if err != nil || got.Status != StatusSucceeded {
		t.Fatalf("execution %s: %+v %v", ex.Arn, got, err)
	}
	return got
}

func wantGone(t *testing.T, f *fixture, arn string) {
	t.Helper()
	_, err := f.svc.DescribeExecution(arn)
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != ExecutionDoesNotExist {
		t.Fatalf("DescribeExecution %s after its retention: %v, want ExecutionDoesNotExist", arn, err)
	}
	if h, err := f.svc.History(f.ctx, arn); err == nil {
		t.Fatalf("history of %s after its retention: %d events", arn, len(h))
	}
}

// A closed Standard execution goes 90 days after it closed — from memory,
// from the store (a restart does not bring it back) — while younger ones
// and running ones stay.
func TestClosedExecutionsExpireAfter90Days(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skyport.db")
	clk := clock.NewFrozen(epoch)
	f := openFixture(t, path, clk, Integrations{})
	pass := f.create("quick", passMachine, Standard)
	old1, old2 := finish(t, f, pass, `{}`), finish(t, f, pass, `{"n": 2}`)
	long, err := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: f.create("long", longWaitMachine, Standard), Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	waitForTimer(t, clk)

	clk.Advance(89 * 24 * time.Hour)
	young := finish(t, f, pass, `{"n": 3}`) // closes, and sweeps: nothing is old enough yet
	for _, x := range []Execution{old1, old2, young} {
		if d, err := f.svc.DescribeExecution(x.Arn); err != nil || d.Status != StatusSucceeded {
			t.Fatalf("%s at 89 days: %+v %v", x.Name, d, err)
		}
	}

	clk.Advance(2 * 24 * time.Hour)
	trigger := finish(t, f, pass, `{"n": 4}`) // 91 days after the first two closed
	wantGone(t, f, old1.Arn)
	wantGone(t, f, old2.Arn)
	for _, arn := range []string{young.Arn, trigger.Arn, long.Arn} {
		if _, err := f.svc.DescribeExecution(arn); err != nil {
			t.Fatalf("%s went before its time: %v", arn, err)
		}
	}
	if d, _ := f.svc.DescribeExecution(long.Arn); d.Status != StatusRunning {
		t.Fatalf("the running execution is %s", d.Status)
	}
	f.close()

	g := openFixture(t, path, clk, Integrations{})
	wantGone(t, g, old1.Arn)
	wantGone(t, g, old2.Arn)
	if d, err := g.svc.DescribeExecution(young.Arn); err != nil || d.Status != StatusSucceeded {
		t.Fatalf("young execution after the restart: %+v %v", d, err)
	}
	var rows int
	if err := g.st.DB().QueryRow(`SELECT COUNT(*) FROM machine_history WHERE execution_arn IN (?, ?)`, old1.Arn, old2.Arn).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d history rows of expired executions left (%v)", rows, err)
	}

	// Stopped while the core was down past their retention: Open sweeps.
	g.close()
	clk.Advance(90 * 24 * time.Hour)
	h := openFixture(t, path, clk, Integrations{})
	wantGone(t, h, young.Arn)
	wantGone(t, h, trigger.Arn)
	if _, err := h.svc.DescribeExecution(long.Arn); err != nil {
		t.Fatalf("the long execution went: %v", err)
	}
}
