package wire

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/machine"
)

// Step Functions is served in the AWS JSON 1.0 protocol:
// X-Amz-Target: AWSStepFunctions.<Action>, Content-Type
// application/x-amz-json-1.0. Members are camelCase, timestamps are epoch
// seconds.
//
// SDKs send StartSyncExecution and TestState to a "sync-" host prefix
// (sync-states.us-east-1.amazonaws.com; with an endpoint of
// http://127.0.0.1:4566, sync-127.0.0.1:4566). The router ignores the Host
// header, so those calls are served as soon as the prefixed name reaches
// the listener (an /etc/hosts entry, wildcard DNS, or a dialer that sends
// every host to the endpoint). Or keep the SDK on the plain endpoint by
// disabling host prefixes: in the Go SDK v2, an Initialize middleware that
// sets smithyhttp.DisableEndpointHostPrefix(ctx, true) (sfn_sdk_test.go
// shows both ways).

// maxSFNBody caps a request: a 1 MiB definition plus JSON escaping.
const maxSFNBody = 4 << 20

type sfnServer struct {
	machines *machine.Service
	chaos    *chaos.Registry // per-machine chaos (sfn_chaos.go)
}

type sfnAction func(s *sfnServer, ctx context.Context, body []byte) (any, error)

var sfnActions = map[string]sfnAction{
	"CreateStateMachine":               (*sfnServer).createStateMachine,
	"DescribeStateMachine":             (*sfnServer).describeStateMachine,
	"UpdateStateMachine":               (*sfnServer).updateStateMachine,
	"DeleteStateMachine":               (*sfnServer).deleteStateMachine,
	"ListStateMachines":                (*sfnServer).listStateMachines,
	"StartExecution":                   (*sfnServer).startExecution,
	"StartSyncExecution":               (*sfnServer).startSyncExecution,
	"DescribeExecution":                (*sfnServer).describeExecution,
	"StopExecution":                    (*sfnServer).stopExecution,
	"ListExecutions":                   (*sfnServer).listExecutions,
	"GetExecutionHistory":              (*sfnServer).getExecutionHistory,
	"DescribeStateMachineForExecution": (*sfnServer).describeForExecution,
	"SendTaskSuccess":                  (*sfnServer).sendTaskSuccess,
	"SendTaskFailure":                  (*sfnServer).sendTaskFailure,
	"SendTaskHeartbeat":                (*sfnServer).sendTaskHeartbeat,
	"ValidateStateMachineDefinition":   (*sfnServer).validateDefinition,
	"TestState":                        (*sfnServer).testState,
	"TagResource":                      (*sfnServer).tagResource,
	"UntagResource":                    (*sfnServer).untagResource,
	"ListTagsForResource":              (*sfnServer).listTags,
}

func (s *sfnServer) serveJSON(w http.ResponseWriter, req *http.Request, action string) {
	run, ok := sfnActions[action]
	if !ok {
		writeJSONError(w, &Error{Code: "UnknownOperationException", Status: http.StatusBadRequest, Message: "The action " + action + " is not valid for this endpoint."})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxSFNBody))
	if err != nil {
		writeJSONError(w, bodyError(err))
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	result, err := run(s, req.Context(), body)
	if err != nil {
		writeJSONError(w, sfnWireError(err))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	if result == nil {
		result = struct{}{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(result)
}

// sfnWireError maps machine errors to Step Functions' codes, all 400
// except internal failures.
func sfnWireError(err error) *Error {
	var me *machine.Error
	var de *machine.DefinitionError
	var pe *paramError
	var we *Error
	switch {
	case errors.As(err, &we):
		return we
	case errors.As(err, &de):
		return &Error{Code: string(machine.InvalidDefinition), Status: http.StatusBadRequest, Message: de.Error()}
	case errors.As(err, &me):
		status := http.StatusBadRequest
		if me.Code == machine.InternalError {
			status = http.StatusInternalServerError
		}
		return &Error{Code: string(me.Code), Status: status, Message: me.Message}
	case errors.As(err, &pe):
		return &Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: pe.msg}
	case errors.Is(err, context.Canceled):
		return &Error{Code: "RequestCanceled", Status: 499, Message: "The client closed the request."}
	}
	return &Error{Code: string(machine.InternalError), Status: http.StatusInternalServerError, Message: err.Error()}
}

func decodeSFN(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return badParam("The request body is not valid for this action: %v", err)
	}
	return nil
}

func sfnRequired(name, value string) error {
	if value == "" {
		return &machine.Error{Code: machine.ValidationException, Message: fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name)}
	}
	return nil
}

// epoch writes a time as epoch seconds with milliseconds.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	tm := time.Time(t)
	return []byte(strconv.FormatFloat(float64(tm.UnixMilli())/1000, 'f', 3, 64)), nil
}

func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

type sfnTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func tagMap(tags []sfnTag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// ---- paging ----

const (
	defaultPage = 100
	maxPage     = 1000
)

// page returns the window [start, end) of n items for a nextToken and
// maxResults, and the token of the next page ("" at the end).
func page(n int, token string, maxResults int) (start, end int, next string, err error) {
	if maxResults < 0 || maxResults > maxPage {
		return 0, 0, "", &machine.Error{Code: machine.ValidationException, Message: fmt.Sprintf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d", maxResults, maxPage)}
	}
	if maxResults == 0 {
		maxResults = defaultPage
	}
	if token != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(token)
		v, perr := strconv.Atoi(strings.TrimPrefix(string(raw), "skyport:"))
		if derr != nil || perr != nil || v < 0 || !strings.HasPrefix(string(raw), "skyport:") {
			return 0, 0, "", &machine.Error{Code: "InvalidToken", Message: "Invalid Token: '" + token + "'"}
		}
		start = min(v, n)
	}
	end = min(start+maxResults, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("skyport:" + strconv.Itoa(end)))
	}
	return start, end, next, nil
}

// ---- state machines ----

func (s *sfnServer) createStateMachine(ctx context.Context, body []byte) (any, error) {
	var in struct {
		Name       string   `json:"name"`
		Definition string   `json:"definition"`
		RoleArn    string   `json:"roleArn"`
		Type       string   `json:"type"`
		Tags       []sfnTag `json:"tags"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := errors.Join(sfnRequired("name", in.Name), sfnRequired("definition", in.Definition), sfnRequired("roleArn", in.RoleArn)); err != nil {
		return nil, firstErr(err)
	}
	m, err := s.machines.CreateStateMachine(ctx, machine.CreateInput{Name: in.Name, Definition: in.Definition, RoleArn: in.RoleArn, Type: in.Type, Tags: tagMap(in.Tags)})
	if err != nil {
		return nil, err
	}
	return struct {
		Arn     string `json:"stateMachineArn"`
		Created epoch  `json:"creationDate"`
	}{m.Arn, epoch(m.Created)}, nil
}

// firstErr unwraps errors.Join to its first error.
func firstErr(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := j.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
	}
	return err
}

type arnInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	ExecutionArn    string `json:"executionArn"`
	ResourceArn     string `json:"resourceArn"`
}

type loggingOut struct {
	Level                string `json:"level"`
	IncludeExecutionData bool   `json:"includeExecutionData"`
}

type tracingOut struct {
	Enabled bool `json:"enabled"`
}

type describeMachineOut struct {
	Arn         string     `json:"stateMachineArn"`
	Name        string     `json:"name"`
	Status      string     `json:"status,omitempty"`
	Definition  string     `json:"definition"`
	RoleArn     string     `json:"roleArn"`
	Type        string     `json:"type,omitempty"`
	Created     *epoch     `json:"creationDate,omitempty"`
	Updated     *epoch     `json:"updateDate,omitempty"`
	Logging     loggingOut `json:"loggingConfiguration"`
	Tracing     tracingOut `json:"tracingConfiguration"`
	RevisionID  string     `json:"revisionId,omitempty"`
	Description string     `json:"description,omitempty"`
}

func describeOut(m machine.StateMachine) describeMachineOut {
	return describeMachineOut{Arn: m.Arn, Name: m.Name, Status: "ACTIVE", Definition: m.Definition, RoleArn: m.RoleArn, Type: m.Type,
		Created: epochPtr(m.Created), Logging: loggingOut{Level: "OFF"}, RevisionID: m.RevisionID, Description: m.Description}
}

func (s *sfnServer) machineArnParam(body []byte) (string, error) {
	var in arnInput
	if err := decodeSFN(body, &in); err != nil {
		return "", err
	}
	return in.StateMachineArn, sfnRequired("stateMachineArn", in.StateMachineArn)
}

func (s *sfnServer) describeStateMachine(_ context.Context, body []byte) (any, error) {
	arn, err := s.machineArnParam(body)
	if err != nil {
		return nil, err
	}
	m, err := s.machines.DescribeStateMachine(arn)
	if err != nil {
		return nil, err
	}
	return describeOut(m), nil
}

func (s *sfnServer) updateStateMachine(ctx context.Context, body []byte) (any, error) {
	var in struct {
		StateMachineArn string  `json:"stateMachineArn"`
		Definition      *string `json:"definition"`
		RoleArn         *string `json:"roleArn"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	m, err := s.machines.UpdateStateMachine(ctx, in.StateMachineArn, machine.UpdateInput{Definition: in.Definition, RoleArn: in.RoleArn})
	if err != nil {
		return nil, err
	}
	return struct {
		Updated    epoch  `json:"updateDate"`
		RevisionID string `json:"revisionId"`
	}{epoch(m.Updated), m.RevisionID}, nil
}

func (s *sfnServer) deleteStateMachine(ctx context.Context, body []byte) (any, error) {
	arn, err := s.machineArnParam(body)
	if err != nil {
		return nil, err
	}
	return nil, s.machines.DeleteStateMachine(ctx, arn)
}

type pageInput struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

func (s *sfnServer) listStateMachines(_ context.Context, body []byte) (any, error) {
	var in pageInput
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	all := s.machines.ListStateMachines()
	start, end, next, err := page(len(all), in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	type item struct {
		Arn     string `json:"stateMachineArn"`
		Name    string `json:"name"`
		Type    string `json:"type"`
		Created epoch  `json:"creationDate"`
	}
	out := struct {
		Machines  []item `json:"stateMachines"`
		NextToken string `json:"nextToken,omitempty"`
	}{Machines: []item{}, NextToken: next}
	for _, m := range all[start:end] {
		out.Machines = append(out.Machines, item{m.Arn, m.Name, m.Type, epoch(m.Created)})
	}
	return out, nil
}

// ---- executions ----

type startInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Input           string `json:"input"`
	TraceHeader     string `json:"traceHeader"`
}

func (s *sfnServer) decodeStart(body []byte) (machine.StartInput, error) {
	var in startInput
	if err := decodeSFN(body, &in); err != nil {
		return machine.StartInput{}, err
	}
	if err := sfnRequired("stateMachineArn", in.StateMachineArn); err != nil {
		return machine.StartInput{}, err
	}
	arn, testCase, _ := strings.Cut(in.StateMachineArn, "#") // Step Functions Local: ARN#TestCase runs a mock test case
	if err := s.sfnChaos(arn); err != nil {
		return machine.StartInput{}, err
	}
	return machine.StartInput{StateMachineArn: arn, Name: in.Name, Input: in.Input, TestCase: testCase}, nil
}

func (s *sfnServer) startExecution(ctx context.Context, body []byte) (any, error) {
	in, err := s.decodeStart(body)
	if err != nil {
		return nil, err
	}
	ex, err := s.machines.StartExecution(ctx, in)
	if err != nil {
		return nil, err
	}
	return struct {
		Arn   string `json:"executionArn"`
		Start epoch  `json:"startDate"`
	}{ex.Arn, epoch(ex.StartDate)}, nil
}

type includedOut struct {
	Included bool `json:"included"`
}

type executionOut struct {
	Arn             string       `json:"executionArn"`
	StateMachineArn string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	Status          string       `json:"status"`
	Start           epoch        `json:"startDate"`
	Stop            *epoch       `json:"stopDate,omitempty"`
	Input           string       `json:"input"`
	InputDetails    includedOut  `json:"inputDetails"`
	Output          *string      `json:"output,omitempty"`
	OutputDetails   *includedOut `json:"outputDetails,omitempty"`
	Error           string       `json:"error,omitempty"`
	Cause           string       `json:"cause,omitempty"`
}

func executionJSON(ex machine.Execution) executionOut {
	out := executionOut{Arn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: ex.Status, Start: epoch(ex.StartDate),
		Stop: epochPtr(ex.StopDate), Input: ex.Input, InputDetails: includedOut{true}, Error: ex.Error, Cause: ex.Cause}
	if ex.Status == machine.StatusSucceeded {
		o := ex.Output
		out.Output, out.OutputDetails = &o, &includedOut{true}
	}
	return out
}

func (s *sfnServer) startSyncExecution(ctx context.Context, body []byte) (any, error) {
	in, err := s.decodeStart(body)
	if err != nil {
		return nil, err
	}
	ex, err := s.machines.StartSyncExecution(ctx, in)
	if err != nil {
		return nil, err
	}
	type billing struct {
		Memory   int64 `json:"billedMemoryUsedInMB"`
		Duration int64 `json:"billedDurationInMilliseconds"`
	}
	return struct {
		executionOut
		Billing billing `json:"billingDetails"`
	}{executionJSON(ex), billing{64, max(100, ex.StopDate.Sub(ex.StartDate).Milliseconds())}}, nil
}

func (s *sfnServer) executionArnParam(body []byte) (string, error) {
	var in arnInput
	if err := decodeSFN(body, &in); err != nil {
		return "", err
	}
	return in.ExecutionArn, sfnRequired("executionArn", in.ExecutionArn)
}

func (s *sfnServer) describeExecution(_ context.Context, body []byte) (any, error) {
	arn, err := s.executionArnParam(body)
	if err != nil {
		return nil, err
	}
	ex, err := s.machines.DescribeExecution(arn)
	if err != nil {
		return nil, err
	}
	return executionJSON(ex), nil
}

func (s *sfnServer) stopExecution(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		Error        string `json:"error"`
		Cause        string `json:"cause"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	stop, err := s.machines.StopExecution(ctx, in.ExecutionArn, in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	return struct {
		Stop epoch `json:"stopDate"`
	}{epoch(stop)}, nil
}

var executionStatuses = map[string]bool{"": true, "RUNNING": true, "SUCCEEDED": true, "FAILED": true, "TIMED_OUT": true, "ABORTED": true, "PENDING_REDRIVE": true}

func (s *sfnServer) listExecutions(_ context.Context, body []byte) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		StatusFilter    string `json:"statusFilter"`
		pageInput
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	if !executionStatuses[in.StatusFilter] {
		return nil, &machine.Error{Code: machine.ValidationException, Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]", in.StatusFilter)}
	}
	all, err := s.machines.ListExecutions(machine.ListFilter{StateMachineArn: in.StateMachineArn, Status: in.StatusFilter})
	if err != nil {
		return nil, err
	}
	start, end, next, err := page(len(all), in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	type item struct {
		Arn             string `json:"executionArn"`
		StateMachineArn string `json:"stateMachineArn"`
		Name            string `json:"name"`
		Status          string `json:"status"`
		Start           epoch  `json:"startDate"`
		Stop            *epoch `json:"stopDate,omitempty"`
	}
	out := struct {
		Executions []item `json:"executions"`
		NextToken  string `json:"nextToken,omitempty"`
	}{Executions: []item{}, NextToken: next}
	for _, ex := range all[start:end] {
		out.Executions = append(out.Executions, item{ex.Arn, ex.StateMachineArn, ex.Name, ex.Status, epoch(ex.StartDate), epochPtr(ex.StopDate)})
	}
	return out, nil
}

func (s *sfnServer) getExecutionHistory(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ExecutionArn         string `json:"executionArn"`
		ReverseOrder         bool   `json:"reverseOrder"`
		IncludeExecutionData *bool  `json:"includeExecutionData"`
		pageInput
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	events, err := s.machines.History(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	start, end, next, err := page(len(events), in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	include := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	out := struct {
		Events    []map[string]any `json:"events"`
		NextToken string           `json:"nextToken,omitempty"`
	}{Events: []map[string]any{}, NextToken: next}
	for _, ev := range events[start:end] {
		out.Events = append(out.Events, historyJSON(ev, include))
	}
	return out, nil
}

// historyJSON writes one event: id, previousEventId, timestamp, type and
// the type's details member.
func historyJSON(ev machine.HistoryEvent, include bool) map[string]any {
	m := map[string]any{"id": ev.ID, "previousEventId": ev.PreviousID, "timestamp": epoch(ev.Time), "type": ev.Type}
	if ev.DetailsKey != "" {
		d := map[string]any{}
		for k, v := range ev.Details {
			if !include && (k == "input" || k == "output" || k == "parameters") {
				continue
			}
			d[k] = v
		}
		m[ev.DetailsKey] = d
	}
	return m
}

func (s *sfnServer) describeForExecution(_ context.Context, body []byte) (any, error) {
	arn, err := s.executionArnParam(body)
	if err != nil {
		return nil, err
	}
	m, err := s.machines.DescribeStateMachineForExecution(arn)
	if err != nil {
		return nil, err
	}
	out := describeOut(m)
	out.Status, out.Type, out.Created, out.Updated = "", "", nil, epochPtr(m.Updated)
	return out, nil
}

// ---- task tokens ----

func (s *sfnServer) sendTaskSuccess(_ context.Context, body []byte) (any, error) {
	var in struct {
		TaskToken string `json:"taskToken"`
		Output    string `json:"output"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := errors.Join(sfnRequired("taskToken", in.TaskToken), sfnRequired("output", in.Output)); err != nil {
		return nil, firstErr(err)
	}
	return nil, s.machines.SendTaskSuccess(in.TaskToken, in.Output)
}

func (s *sfnServer) sendTaskFailure(_ context.Context, body []byte) (any, error) {
	var in struct {
		TaskToken string `json:"taskToken"`
		Error     string `json:"error"`
		Cause     string `json:"cause"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("taskToken", in.TaskToken); err != nil {
		return nil, err
	}
	return nil, s.machines.SendTaskFailure(in.TaskToken, in.Error, in.Cause)
}

func (s *sfnServer) sendTaskHeartbeat(_ context.Context, body []byte) (any, error) {
	var in struct {
		TaskToken string `json:"taskToken"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("taskToken", in.TaskToken); err != nil {
		return nil, err
	}
	return nil, s.machines.SendTaskHeartbeat(in.TaskToken)
}

// ---- validation and TestState ----

func (s *sfnServer) validateDefinition(_ context.Context, body []byte) (any, error) {
	var in struct {
		Definition string `json:"definition"`
		Type       string `json:"type"`
		MaxResults int    `json:"maxResults"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("definition", in.Definition); err != nil {
		return nil, err
	}
	type diagnostic struct {
		Severity string `json:"severity"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		Location string `json:"location,omitempty"`
	}
	problems := s.machines.Validate(in.Definition)
	out := struct {
		Result      string       `json:"result"`
		Diagnostics []diagnostic `json:"diagnostics"`
		Truncated   bool         `json:"truncated"`
	}{Result: "OK", Diagnostics: []diagnostic{}}
	limit := in.MaxResults
	if limit <= 0 {
		limit = 100
	}
	for _, p := range problems {
		out.Result = "FAIL"
		if len(out.Diagnostics) == limit {
			out.Truncated = true
			break
		}
		msg := p.Message
		if p.State != "" {
			msg = fmt.Sprintf("state %q: %s", p.State, msg)
		}
		out.Diagnostics = append(out.Diagnostics, diagnostic{"ERROR", p.Code, msg, p.Location()})
	}
	return out, nil
}

func (s *sfnServer) testState(ctx context.Context, body []byte) (any, error) {
	var in struct {
		Definition string `json:"definition"`
		Input      string `json:"input"`
		StateName  string `json:"stateName"`
		Variables  string `json:"variables"`
		Mock       *struct {
			Result      string `json:"result"`
			ErrorOutput *struct {
				Error string `json:"error"`
				Cause string `json:"cause"`
			} `json:"errorOutput"`
		} `json:"mock"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("definition", in.Definition); err != nil {
		return nil, err
	}
	tin := machine.TestStateInput{Definition: in.Definition, StateName: in.StateName, Input: in.Input, Variables: in.Variables}
	if in.Mock != nil {
		tin.Mock = &machine.TestMock{Result: in.Mock.Result}
		if e := in.Mock.ErrorOutput; e != nil {
			tin.Mock.Error, tin.Mock.Cause = e.Error, e.Cause
		}
	}
	res, err := s.machines.TestState(ctx, tin)
	if err != nil {
		return nil, err
	}
	type inspection struct {
		Input               string `json:"input,omitempty"`
		AfterInputPath      string `json:"afterInputPath,omitempty"`
		AfterParameters     string `json:"afterParameters,omitempty"`
		AfterArguments      string `json:"afterArguments,omitempty"`
		Result              string `json:"result,omitempty"`
		AfterResultSelector string `json:"afterResultSelector,omitempty"`
		AfterResultPath     string `json:"afterResultPath,omitempty"`
		Variables           string `json:"variables,omitempty"`
	}
	i := res.Inspection
	return struct {
		Output     string     `json:"output,omitempty"`
		Error      string     `json:"error,omitempty"`
		Cause      string     `json:"cause,omitempty"`
		NextState  string     `json:"nextState,omitempty"`
		Status     string     `json:"status"`
		Inspection inspection `json:"inspectionData"`
	}{res.Output, res.Error, res.Cause, res.NextState, res.Status,
		inspection{i.Input, i.AfterInputPath, i.AfterParameters, i.AfterArguments, i.Result, i.AfterResultSelector, i.AfterResultPath, i.Variables}}, nil
}

// ---- tags ----

func (s *sfnServer) tagResource(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		Tags        []sfnTag `json:"tags"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("resourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	return nil, s.machines.TagResource(ctx, in.ResourceArn, tagMap(in.Tags))
}

func (s *sfnServer) untagResource(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("resourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	return nil, s.machines.UntagResource(ctx, in.ResourceArn, in.TagKeys)
}

func (s *sfnServer) listTags(_ context.Context, body []byte) (any, error) {
	var in arnInput
	if err := decodeSFN(body, &in); err != nil {
		return nil, err
	}
	if err := sfnRequired("resourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := s.machines.ListTags(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := struct {
		Tags []sfnTag `json:"tags"`
	}{Tags: []sfnTag{}}
	for _, k := range sortedKeys(tags) {
		out.Tags = append(out.Tags, sfnTag{k, tags[k]})
	}
	return out, nil
}
