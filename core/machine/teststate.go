package machine

import (
	"context"
	"fmt"
)

// TestStateInput runs one state outside any execution.
type TestStateInput struct {
	Definition string // the state's JSON, or a whole machine when StateName is set
	StateName  string // test this state of the machine Definition
	Input      string // JSON; "" means {}
	Variables  string // JSON object of variables visible to the state
	Mock       *TestMock
}

// TestMock replaces the Task's resource call: a Result (JSON) or an error.
type TestMock struct {
	Result string
	Error  string
	Cause  string
}

func (m *TestMock) result() (any, error) {
	if m.Error != "" {
		return nil, &Failure{Name: m.Error, Cause: m.Cause}
	}
	v, err := decodeJSON(m.Result)
	if err != nil {
		return nil, fail(ErrRuntime, "the mocked result is not JSON: %v", err)
	}
	return v, nil
}

// Inspection is what TestState reports about the data flow of the state.
type Inspection struct {
	Input               string
	AfterInputPath      string
	AfterParameters     string
	AfterArguments      string // JSONata states
	Result              string
	AfterResultSelector string
	AfterResultPath     string
	Variables           string
	Events              []string // the history event types the state produced
	mock                *TestMock
	retriable           bool
}

// TestStateResult is TestState's answer.
type TestStateResult struct {
	Status     string // SUCCEEDED, FAILED, RETRIABLE, CAUGHT_ERROR
	Output     string
	Error      string
	Cause      string
	NextState  string
	Inspection Inspection
}

// TestState runs a single state with an input and an optional mocked task
// result, without an execution, and reports its output, error, next state
// and the data after each processing step.
func (s *Service) TestState(ctx context.Context, in TestStateInput) (TestStateResult, error) {
	st, err := s.testedState(in)
	if err != nil {
		return TestStateResult{}, err
	}
	if in.Input == "" {
		in.Input = "{}"
	}
	input, err := decodeJSON(in.Input)
	if err != nil {
		return TestStateResult{}, apiErr(InvalidExecutionInput, "Invalid input: %v", err)
	}
	vars := newVarScope(nil)
	if in.Variables != "" {
		v, err := decodeJSON(in.Variables)
		m, ok := v.(map[string]any)
		if err != nil || !ok {
			return TestStateResult{}, apiErr(ValidationException, "variables must be a JSON object")
		}
		vars.set(m)
	}
	insp := &Inspection{Input: in.Input, mock: in.Mock}
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ex := &Execution{Arn: fmt.Sprintf("arn:aws:states:%s:%s:execution:TestState:%s", s.cfg.Region, s.cfg.Account, newUUID()), Name: "TestState", StartDate: s.clock.Now(), input: input, machineName: "TestState"}
	r := &run{svc: s, ex: ex, ctx: rctx, cancel: cancel, vars: vars, inspect: insp}
	out, next, err := r.runState(st, input, vars, &frame{})
	res := TestStateResult{Inspection: *insp}
	res.Inspection.Variables = encodeJSON(vars.all())
	switch {
	case insp.retriable:
		res.Status = "RETRIABLE"
		res.Error, res.Cause = describeFailure(err)
	case err != nil:
		res.Status = "FAILED"
		res.Error, res.Cause = describeFailure(err)
	default:
		res.Status, res.Output, res.NextState = "SUCCEEDED", encodeJSON(out), next
		if insp.caught() {
			res.Status = "CAUGHT_ERROR"
		}
	}
	return res, nil
}

func (i *Inspection) caught() bool {
	for _, e := range i.Events {
		switch e {
		case "TaskFailed", "TaskTimedOut", "LambdaFunctionFailed", "LambdaFunctionTimedOut", "MapStateFailed", "ParallelStateFailed":
			return true
		}
	}
	return false
}

// testedState parses the state TestState runs.
func (s *Service) testedState(in TestStateInput) (*State, error) {
	if in.StateName != "" {
		def, err := parseForAPI(in.Definition)
		if err != nil {
			return nil, err
		}
		st, ok := def.States[in.StateName]
		if !ok {
			return nil, apiErr(ValidationException, "the definition has no state %q", in.StateName)
		}
		return st, nil
	}
	raw, err := decodeJSON(in.Definition)
	if err != nil {
		return nil, &DefinitionError{[]Problem{{Code: "INVALID_JSON_DESCRIPTION", Path: "$", Message: err.Error()}}}
	}
	obj, _ := raw.(map[string]any)
	if _, whole := obj["States"]; whole {
		return nil, apiErr(ValidationException, "give the definition of one state, or a whole machine with stateName")
	}
	v := &validator{state: "TestState"}
	ql := JSONPath
	st := v.stateDef("TestState", raw, "$", ql)
	if len(v.problems) > 0 {
		return nil, &DefinitionError{v.problems}
	}
	return st, nil
}

// inspectStep records a TestState inspection value.
func (r *run) inspectStep(field *string, v any) {
	if r.inspect != nil {
		*field = encodeJSON(v)
	}
}
