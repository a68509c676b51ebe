package machine

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
)

const resumableMachine = `{"StartAt": "Prepare", "States": {
  "Prepare": {"Type": "Pass", "Parameters": {"order.$": "$.order", "at.$": "$$.State.EnteredTime"}, "Assign": {"customer.$": "$$.Execution.Input.customer"}, "Next": "Cool off"},
  "Cool off": {"Type": "Wait", "Seconds": 3600, "Next": "Ship"},
  "Ship": {"Type": "Pass", "Parameters": {"order.$": "$.order", "customer.$": "$customer", "shipped.$": "$$.State.EnteredTime"}, "Next": "Done"},
  "Done": {"Type": "Succeed"}}}`

// waitForTimer waits until the execution sets a timer on the frozen clock.
func waitForTimer(t *testing.T, clk *clock.Clock) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for clk.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the execution never started waiting")
		}
		time.Sleep(time.Millisecond) // polling with a deadline, not a timed wait
	}
}

func TestRestartResumesStandardExecution(t *testing.T) {
	// The same execution, uninterrupted, gives the reference result.
	ref := newFixture(t, "", Integrations{})
	want := ref.run(ref.create("orders", resumableMachine, Standard), `{"order": 7, "customer": "ana"}`)
	if want.Status != StatusSucceeded {
		t.Fatalf("reference run: %+v", want)
	}

	path := filepath.Join(t.TempDir(), "skyport.db")
	clk := clock.NewFrozen(epoch)
	f := openFixture(t, path, clk, Integrations{})
	arn := f.create("orders", resumableMachine, Standard)
	ex, err := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: arn, Name: "o-7", Input: `{"order": 7, "customer": "ana"}`})
	if err != nil {
		t.Fatal(err)
	}
	waitForTimer(t, clk)
	clk.Advance(20 * time.Minute) // part of the wait passes before the restart
	f.close()

	g := openFixture(t, path, clk, Integrations{})
	if d, _ := g.svc.DescribeExecution(ex.Arn); d.Status != StatusRunning {
		t.Fatalf("after the restart the execution is %s", d.Status)
	}
	waitForTimer(t, clk)
	if next, _ := clk.NextDeadline(); !next.Equal(epoch.Add(time.Hour)) {
		t.Fatalf("the resumed Wait ends at %v, want %v", next, epoch.Add(time.Hour))
	}
	got := g.await(ex.Arn)
	if got.Status != StatusSucceeded || got.Output != want.Output {
		t.Fatalf("resumed: %s %s, want %s", got.Status, got.Output, want.Output)
	}
	types := g.eventTypes(ex.Arn)
	wantTypes := "ExecutionStarted,PassStateEntered,PassStateExited,WaitStateEntered,WaitStateExited,PassStateEntered,PassStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"
	if strings.Join(types, ",") != wantTypes {
		t.Fatalf("history after resume:\n got %v\nwant %s", types, wantTypes)
	}
	h, _ := g.svc.History(context.Background(), ex.Arn)
	for i, e := range h {
		if e.ID != int64(i+1) {
			t.Fatalf("event %d has id %d", i, e.ID)
		}
	}
	// Finished executions and machines are still there after another restart.
	g.close()
	k := openFixture(t, path, clk, Integrations{})
	if d, err := k.svc.DescribeExecution(ex.Arn); err != nil || d.Output != want.Output {
		t.Fatalf("after a second restart: %+v %v", d, err)
	}
	if h2, _ := k.svc.History(context.Background(), ex.Arn); len(h2) != len(h) {
		t.Fatalf("history has %d events after a second restart, want %d", len(h2), len(h))
	}
}

// sentMessages is a queue that keeps what state machines send to it.
type sentMessages struct{ c chan OutgoingMessage }

func (q sentMessages) SendMessage(_ context.Context, _ string, m OutgoingMessage) (SentMessage, error) {
	q.c <- m
	return SentMessage{MessageID: "m"}, nil
}

func TestRestartRerunsWaitingTask(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skyport.db")
	clk := clock.NewFrozen(epoch)
	q := sentMessages{make(chan OutgoingMessage, 4)}
	f := openFixture(t, path, clk, Integrations{Queues: q})
	arn := f.create("approve", `{"StartAt": "Prep", "States": {
	  "Prep": {"Type": "Pass", "Result": {"id": 7}, "Next": "Ask"},
	  "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"}, "ResultPath": "$.answer", "End": true}}}`, Standard)
	ex, err := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	first := <-q.c
	f.close()

	g := openFixture(t, path, clk, Integrations{Queues: q})
	second := <-q.c // the task runs again after the restart, with a new token
	if second.Body == first.Body {
		t.Fatal("the resumed task reused the old token")
	}
	if err := g.svc.SendTaskSuccess(first.Body, `{}`); err == nil {
		t.Fatal("the token of the interrupted attempt was accepted")
	}
	if err := g.svc.SendTaskSuccess(second.Body, `"yes"`); err != nil {
		t.Fatal(err)
	}
	got := g.await(ex.Arn)
	if got.Status != StatusSucceeded || got.Output != `{"answer":"yes","id":7}` {
		t.Fatalf("%+v", got)
	}
	want := "ExecutionStarted,PassStateEntered,PassStateExited,TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded,TaskStateExited,ExecutionSucceeded"
	if types := strings.Join(g.eventTypes(ex.Arn), ","); types != want {
		t.Fatalf("history\n got %s\nwant %s", types, want)
	}
}
