package machine

import (
	"context"
)

// startChild runs arn:aws:states:::states:startExecution: it starts an
// execution of another state machine; with .sync or .sync:2 it waits for
// the child to end and returns its description (Output as a string for
// .sync, as JSON for .sync:2).
func (r *run) startChild(ctx context.Context, call taskCall) (any, error) {
	m, _ := call.input.(map[string]any)
	arn := strParam(m, "StateMachineArn")
	if arn == "" {
		return nil, fail(ErrRuntime, "states:startExecution needs the parameter StateMachineArn")
	}
	input := "{}"
	switch v := m["Input"].(type) {
	case string:
		input = v
	case nil:
	default:
		input = encodeJSON(v)
	}
	e, err := r.svc.start(ctx, StartInput{StateMachineArn: arn, Name: strParam(m, "Name"), Input: input})
	if err != nil {
		if ae, ok := err.(*Error); ok {
			return nil, &Failure{Name: "StepFunctions." + string(ae.Code) + "Exception", Cause: ae.Message}
		}
		return nil, fail(ErrTaskFailed, "%v", err)
	}
	info := e.snapshot()
	if call.res.pattern != "sync" && call.res.pattern != "sync:2" {
		return map[string]any{"ExecutionArn": info.Arn, "StartDate": formatTime(info.StartDate)}, nil
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		_, _ = r.svc.StopExecution(context.Background(), info.Arn, "States.Aborted", "The parent execution stopped")
		return nil, errAborted
	}
	info = e.snapshot()
	out := map[string]any{
		"ExecutionArn": info.Arn, "StateMachineArn": info.StateMachineArn, "Name": info.Name, "Status": info.Status,
		"StartDate": formatTime(info.StartDate), "StopDate": formatTime(info.StopDate), "Input": info.Input,
	}
	if call.res.pattern == "sync:2" {
		out["Input"] = info.input
	}
	if info.Status != StatusSucceeded {
		out["Error"], out["Cause"] = info.Error, info.Cause
		return nil, &Failure{Name: "States.TaskFailed", Cause: encodeJSON(out)}
	}
	out["Output"] = info.Output
	if call.res.pattern == "sync:2" {
		out["Output"], _ = decodeJSON(info.Output)
	}
	return out, nil
}
