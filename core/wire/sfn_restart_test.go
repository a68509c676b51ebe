package wire_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
)

// TestSFNRestartResumesExecution restarts the whole core (store, services,
// listener) while a Standard execution waits, then finishes it.
func TestSFNRestartResumesExecution(t *testing.T) {
	clk := clock.NewFrozen(time.Date(2026, 3, 14, 1, 59, 26, 0, time.UTC))
	cfg := core.Config{DataPath: filepath.Join(t.TempDir(), "skyport.db"), Clock: clk}
	e := start(t, cfg)
	c := sfnClient(e)
	arn := createMachine(t, e, c, "nightly", `{"StartAt": "Count", "States": {
	  "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Sleep"},
	  "Sleep": {"Type": "Wait", "Seconds": 86400, "Next": "Report"},
	  "Report": {"Type": "Pass", "Parameters": {"done.$": "$.n"}, "End": true}}}`, "")
	x, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("night-1"), Input: aws.String(`{"n": 41}`)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for clk.Pending() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling with a deadline for the Wait to start
	}
	e.stop()

	e2 := start(t, cfg)
	c2 := sfnClient(e2)
	if d, err := c2.DescribeExecution(e2.ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn}); err != nil || d.Status != sfntypes.ExecutionStatusRunning {
		t.Fatalf("after restart: %+v %v", d, err)
	}
	for clk.Pending() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := e2.core.AdvanceClock(24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	d := awaitStatus(t, e2, c2, *x.ExecutionArn)
	if d.Status != sfntypes.ExecutionStatusSucceeded || *d.Output != `{"done":42}` {
		t.Fatalf("resumed execution: %+v", d)
	}
}
