package machine

import (
	"context"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of an execution.
const (
	maxPayload           = 256 << 10 // bytes of any state input or output
	maxExpressTransition = 1_000_000 // state transitions of one Express execution
)

// errAborted ends an execution that StopExecution (or a parent's failure)
// stopped; it is never caught.
var errAborted = errors.New("execution aborted")

// run is one execution in progress: its definition, its cancellation, its
// history (Standard only) and the mocks of its test case.
type run struct {
	svc     *Service
	ex      *Execution
	def     *Definition
	ctx     context.Context
	cancel  context.CancelCauseFunc
	hist    *history // nil for Express executions
	vars    *varScope
	mocks   *mockRun // the test case's mocked task results, or nil
	steps   atomic.Int64
	resume  *checkpoint // where a resumed execution restarts
	inspect *Inspection // TestState only
}

// frame is where a state runs: at the top level, in a branch, or in a Map
// iteration (whose item the context object shows).
type frame struct {
	top     bool
	inMap   bool
	index   int
	value   any
	taskTok string
}

// contextObject builds $$ for a state.
func (r *run) contextObject(st *State, entered time.Time, retry int, fr *frame) map[string]any {
	ex := r.ex
	c := map[string]any{
		"Execution": map[string]any{
			"Id": ex.Arn, "Name": ex.Name, "Input": ex.input, "RoleArn": ex.RoleArn,
			"StartTime": formatTime(ex.StartDate), "RedriveCount": float64(0),
		},
		"State":        map[string]any{"Name": st.Name, "EnteredTime": formatTime(entered), "RetryCount": float64(retry)},
		"StateMachine": map[string]any{"Id": ex.StateMachineArn, "Name": ex.machineName},
	}
	if fr.taskTok != "" {
		c["Task"] = map[string]any{"Token": fr.taskTok}
	}
	if fr.inMap {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": float64(fr.index), "Value": fr.value}}
	}
	return c
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// stateRun is the evaluation environment of one state.
type stateRun struct {
	r       *run
	st      *State
	fr      *frame
	vars    *varScope
	raw     any // the state's raw input
	entered time.Time
	retry   int
	ctxObj  map[string]any
}

func (s *stateRun) context() any {
	if s.ctxObj == nil {
		s.ctxObj = s.r.contextObject(s.st, s.entered, s.retry, s.fr)
	}
	return s.ctxObj
}

// env returns an evaluation environment whose input is in; result and
// errorOutput feed JSONata's $states.
func (s *stateRun) env(in any, result any, hasResult bool, errOut any) *evalEnv {
	e := &evalEnv{scope: scope{input: in, context: s.context, vars: s.vars}}
	if s.st.jsonata() {
		e.now = s.r.now
		e.states = func() map[string]any {
			m := map[string]any{"input": s.raw, "context": s.context()}
			if hasResult {
				m["result"] = result
			}
			if errOut != nil {
				m["errorOutput"] = errOut
			}
			return m
		}
	}
	return e
}

func (r *run) now() time.Time { return r.svc.clock.Now() }

// runMachine runs a definition (the top level, a branch or an iteration)
// from its StartAt, or from the resume point at the top level.
func (r *run) runMachine(def *Definition, input any, vars *varScope, fr *frame) (any, error) {
	name := def.StartAt
	if fr.top && r.resume != nil {
		name, input = r.resume.State, r.resume.Input
	}
	for {
		st := def.States[name]
		out, next, err := r.runState(st, input, vars, fr)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// runState runs one state and returns its output and the next state ("" at
// the end).
func (r *run) runState(st *State, input any, vars *varScope, fr *frame) (any, string, error) {
	if err := r.ctx.Err(); err != nil {
		return nil, "", errAborted
	}
	n := r.steps.Add(1)
	if limit := r.svc.cfg.MaxExpressTransitions; r.hist == nil && n > limit {
		return nil, "", fail(ErrRuntime, "the execution exceeded %d state transitions", limit)
	}
	s := &stateRun{r: r, st: st, fr: fr, vars: vars, raw: input, entered: r.now()}
	resumed := fr.top && r.resume != nil && r.resume.State == st.Name
	if !resumed {
		if r.recording() {
			r.record(st.Type+"StateEntered", map[string]any{"name": st.Name, "input": encodeJSON(input)})
		}
		if fr.top && r.hist != nil && durableStep(st.Type) {
			if err := r.checkpoint(st, input, vars, time.Time{}); err != nil {
				return nil, "", err
			}
		}
	}
	r.svc.step(r.ex, st.Name, st.Type, true)
	out, next, err := s.exec()
	if fr.top && r.resume != nil {
		r.resume = nil
	}
	if err != nil {
		return nil, "", err
	}
	if r.hist != nil && r.hist.full() {
		return nil, "", fail(ErrRuntime, "the execution history reached the limit of %d events", r.svc.cfg.MaxHistoryEvents)
	}
	if st.Type != TypeFail {
		if jsonSize(out, maxPayload) > maxPayload && len(encodeJSON(out)) > maxPayload {
			return nil, "", fail(ErrDataLimitExceeded, "The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.Name)
		}
		if r.recording() {
			r.record(st.Type+"StateExited", map[string]any{"name": st.Name, "output": encodeJSON(out)})
		}
	}
	r.svc.step(r.ex, st.Name, st.Type, false)
	if st.Type == TypeSucceed {
		next = ""
	}
	return out, next, nil
}

// recording reports whether events are kept (Standard executions and
// TestState), so callers skip building their details otherwise.
func (r *run) recording() bool { return r.hist != nil || r.inspect != nil }

// durableStep tells the states that wait on something outside the
// interpreter: a Standard execution checkpoints when it enters them (Wait
// checkpoints with its deadline). The instant states between two
// checkpoints (Pass, Choice, Succeed, Fail) are replayed from the last one
// after a crash, so they cost no disk write of their own.
func durableStep(typ string) bool {
	return typ == TypeTask || typ == TypeParallel || typ == TypeMap
}

// record appends a history event (Standard executions only).
func (r *run) record(typ string, details map[string]any) {
	if r.hist != nil {
		r.hist.add(r.now(), typ, details)
	}
	if r.inspect != nil {
		r.inspect.Events = append(r.inspect.Events, typ)
	}
}

// recordEnc is record with one already-encoded JSON member.
func (r *run) recordEnc(typ string, details map[string]any, key, enc string) {
	if r.hist == nil && r.inspect == nil {
		return
	}
	details[key] = enc
	r.record(typ, details)
}

// exec dispatches on the state type.
func (s *stateRun) exec() (any, string, error) {
	switch s.st.Type {
	case TypePass:
		return s.pass()
	case TypeTask:
		return s.withRetry(s.task)
	case TypeChoice:
		return s.choice()
	case TypeWait:
		return s.wait()
	case TypeSucceed:
		out, err := s.simpleOutput()
		return out, "", err
	case TypeFail:
		return nil, "", s.fail()
	case TypeParallel:
		return s.withRetry(s.parallel)
	case TypeMap:
		return s.withRetry(s.mapState)
	}
	return nil, "", fail(ErrRuntime, "unknown state type %q", s.st.Type)
}

// inputPath applies InputPath.
func (s *stateRun) inputPath() (any, error) {
	p := s.st.InputPath
	switch {
	case !p.set:
		return s.raw, nil
	case p.null:
		return map[string]any{}, nil
	}
	v, ok := p.path.Get(scope{input: s.raw, context: s.context, vars: s.vars})
	if !ok {
		return nil, fail(ErrRuntime, "Invalid path '%s' : No results for path: $['%s']", p.path.src, strings.TrimPrefix(p.path.src, "$."))
	}
	if s.r.inspect != nil {
		s.r.inspectStep(&s.r.inspect.AfterInputPath, v)
	}
	return v, nil
}

// parameters applies Parameters (JSONPath) or Arguments (JSONata) to in.
func (s *stateRun) parameters(in any) (any, error) {
	t := s.st.Parameters
	if s.st.jsonata() {
		t = s.st.Arguments
	}
	if t == nil {
		return in, nil
	}
	v, err := t.eval(s.env(in, nil, false, nil))
	if err == nil && s.r.inspect != nil {
		if s.st.jsonata() {
			s.r.inspectStep(&s.r.inspect.AfterArguments, v)
		} else {
			s.r.inspectStep(&s.r.inspect.AfterParameters, v)
		}
	}
	return v, err
}

// finish turns a state's result into its output: ResultSelector,
// ResultPath and OutputPath in JSONPath; Output in JSONata. Assign is
// evaluated with the same data, and applied afterwards.
func (s *stateRun) finish(result any) (any, error) {
	st := s.st
	if st.jsonata() {
		env := s.env(s.raw, result, true, nil)
		assigned, err := s.assign(st.Assign, env)
		if err != nil {
			return nil, err
		}
		out := result
		if st.Output != nil {
			if out, err = st.Output.eval(env); err != nil {
				return nil, err
			}
		}
		s.vars.set(assigned)
		return out, nil
	}
	if s.r.inspect != nil {
		s.r.inspectStep(&s.r.inspect.Result, result)
	}
	if st.ResultSelector != nil {
		sel, err := st.ResultSelector.eval(s.env(result, nil, false, nil))
		if err != nil {
			return nil, err
		}
		result = sel
		if s.r.inspect != nil {
			s.r.inspectStep(&s.r.inspect.AfterResultSelector, sel)
		}
	}
	assigned, err := s.assign(st.Assign, s.env(result, nil, false, nil))
	if err != nil {
		return nil, err
	}
	out, err := s.resultPath(st.ResultPath, result)
	if err != nil {
		return nil, err
	}
	if s.r.inspect != nil {
		s.r.inspectStep(&s.r.inspect.AfterResultPath, out)
	}
	out, err = s.outputPath(out)
	if err != nil {
		return nil, err
	}
	s.vars.set(assigned)
	return out, nil
}

func (s *stateRun) assign(t *template, env *evalEnv) (map[string]any, error) {
	if t == nil {
		return nil, nil
	}
	v, err := t.eval(env)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

func (s *stateRun) resultPath(p optPath, result any) (any, error) {
	switch {
	case !p.set:
		return result, nil
	case p.null:
		return s.raw, nil
	}
	out, err := p.path.Set(s.raw, result)
	if err != nil {
		return nil, fail(ErrResultPathMatchFailure, "Unable to apply ResultPath '%s' to input '%s': %v", p.path.src, truncate(encodeJSON(s.raw), 256), err)
	}
	return out, nil
}

func (s *stateRun) outputPath(v any) (any, error) {
	p := s.st.OutputPath
	switch {
	case !p.set:
		return v, nil
	case p.null:
		return map[string]any{}, nil
	}
	out, ok := p.path.Get(scope{input: v, context: s.context, vars: s.vars})
	if !ok {
		return nil, fail(ErrRuntime, "Invalid path '%s' : No results for path: $['%s']", p.path.src, strings.TrimPrefix(p.path.src, "$."))
	}
	return out, nil
}

func (s *stateRun) pass() (any, string, error) {
	st := s.st
	if st.jsonata() {
		out, err := s.finish(s.raw)
		return out, st.Next, err
	}
	in, err := s.inputPath()
	if err != nil {
		return nil, "", err
	}
	result, err := s.parameters(in)
	if err != nil {
		return nil, "", err
	}
	if st.HasResult {
		result = st.Result
	}
	out, err := s.finish(result)
	return out, st.Next, err
}

// simpleOutput is the output of Succeed (and Wait): InputPath then
// OutputPath, or Output in JSONata.
func (s *stateRun) simpleOutput() (any, error) {
	if s.st.jsonata() {
		return s.finish(s.raw)
	}
	in, err := s.inputPath()
	if err != nil {
		return nil, err
	}
	assigned, err := s.assign(s.st.Assign, s.env(in, nil, false, nil))
	if err != nil {
		return nil, err
	}
	out, err := s.outputPath(in)
	if err == nil {
		s.vars.set(assigned)
	}
	return out, err
}

func (s *stateRun) choice() (any, string, error) {
	st := s.st
	in := s.raw
	if !st.jsonata() {
		var err error
		if in, err = s.inputPath(); err != nil {
			return nil, "", err
		}
	}
	env := s.env(in, nil, false, nil)
	for _, rule := range st.Choices {
		ok, err := rule.matches(env)
		if err != nil {
			return nil, "", err
		}
		if ok {
			return s.choiceOutput(in, rule.Assign, rule.Output, rule.Next)
		}
	}
	if st.Default != "" {
		return s.choiceOutput(in, nil, nil, st.Default)
	}
	return nil, "", fail(ErrNoChoiceMatched, "No Choice Rules matched and no Default was specified")
}

func (s *stateRun) choiceOutput(in any, assign, output *template, next string) (any, string, error) {
	env := s.env(in, nil, false, nil)
	if s.st.jsonata() {
		env = s.env(s.raw, nil, false, nil)
	}
	assigned, err := s.assign(assign, env)
	if err != nil {
		return nil, "", err
	}
	var out any
	switch {
	case output != nil:
		out, err = output.eval(env)
	case s.st.jsonata() && s.st.Output != nil:
		out, err = s.st.Output.eval(env)
	case s.st.jsonata():
		out = s.raw
	default:
		out, err = s.outputPath(in)
	}
	if err != nil {
		return nil, "", err
	}
	if s.st.Assign != nil {
		more, err := s.assign(s.st.Assign, env)
		if err != nil {
			return nil, "", err
		}
		s.vars.set(more)
	}
	s.vars.set(assigned)
	return out, next, nil
}

func (s *stateRun) fail() error {
	st := s.st
	env := s.env(s.raw, nil, false, nil)
	text := func(d *dynString, p *Path, what string) (string, error) {
		switch {
		case p != nil:
			v, ok := p.Get(env.scope)
			if !ok {
				return "", fail(ErrRuntime, "Invalid path '%s' for %s", p.src, what)
			}
			str, isStr := v.(string)
			if !isStr {
				return "", fail(ErrRuntime, "The %s path '%s' must point to a string, not %s", what, p.src, typeName(v))
			}
			return str, nil
		case d == nil:
			return "", nil
		case d.tmpl != nil:
			v, err := d.tmpl.eval(env)
			if err != nil {
				return "", err
			}
			str, isStr := v.(string)
			if !isStr {
				return "", fail(ErrQueryEvaluationError, "The %s expression must return a string, not %s", what, typeName(v))
			}
			return str, nil
		}
		return d.value, nil
	}
	name, err := text(st.Error, st.ErrorPath, "Error")
	if err != nil {
		return err
	}
	cause, err := text(st.Cause, st.CausePath, "Cause")
	if err != nil {
		return err
	}
	return &Failure{Name: name, Cause: cause}
}

// intValue resolves a dynInt.
func (s *stateRun) intValue(d *dynInt, in any, what string) (int, bool, error) {
	if d == nil {
		return 0, false, nil
	}
	switch {
	case d.path != nil:
		v, ok := d.path.Get(scope{input: in, context: s.context, vars: s.vars})
		f, isNum := v.(float64)
		if !ok || !isNum || f < 0 || f != math.Trunc(f) {
			return 0, false, fail(ErrRuntime, "The %s path '%s' must point to a non-negative integer", what, d.path.src)
		}
		return int(f), true, nil
	case d.tmpl != nil:
		v, err := d.tmpl.eval(s.env(in, nil, false, nil))
		if err != nil {
			return 0, false, err
		}
		f, isNum := v.(float64)
		if !isNum || f < 0 || f != math.Trunc(f) {
			return 0, false, fail(ErrQueryEvaluationError, "%s must evaluate to a non-negative integer, got %s", what, encodeJSON(v))
		}
		return int(f), true, nil
	}
	return d.value, true, nil
}

func (s *stateRun) wait() (any, string, error) {
	st := s.st
	in := s.raw
	if !st.jsonata() {
		var err error
		if in, err = s.inputPath(); err != nil {
			return nil, "", err
		}
	}
	deadline, err := s.waitDeadline(in)
	if err != nil {
		return nil, "", err
	}
	if s.fr.top && s.r.hist != nil {
		if err := s.r.checkpoint(st, s.raw, s.vars, deadline); err != nil {
			return nil, "", err
		}
	}
	if err := s.r.sleepUntil(deadline); err != nil {
		return nil, "", err
	}
	out, err := s.simpleOutput()
	return out, st.Next, err
}

func (s *stateRun) waitDeadline(in any) (time.Time, error) {
	st := s.st
	if r := s.r.resume; s.fr.top && r != nil && r.State == st.Name && !r.Deadline.IsZero() {
		return r.Deadline, nil
	}
	switch {
	case st.Seconds != nil:
		n, _, err := s.intValue(st.Seconds, in, "Seconds")
		return s.entered.Add(time.Duration(n) * time.Second), err
	case st.SecondsPath != nil:
		n, _, err := s.intValue(&dynInt{path: st.SecondsPath}, in, "SecondsPath")
		return s.entered.Add(time.Duration(n) * time.Second), err
	case st.Timestamp != nil && st.Timestamp.tmpl != nil:
		v, err := st.Timestamp.tmpl.eval(s.env(in, nil, false, nil))
		if err != nil {
			return time.Time{}, err
		}
		str, _ := v.(string)
		t, perr := parseTimestamp(str)
		if perr != nil {
			return time.Time{}, fail(ErrQueryEvaluationError, "Timestamp must evaluate to an RFC 3339 timestamp, got %s", encodeJSON(v))
		}
		return t, nil
	case st.Timestamp != nil:
		return st.Timestamp.value, nil
	case st.TimestampPath != nil:
		v, ok := st.TimestampPath.Get(scope{input: in, context: s.context, vars: s.vars})
		str, _ := v.(string)
		t, err := parseTimestamp(str)
		if !ok || err != nil {
			return time.Time{}, fail(ErrRuntime, "The TimestampPath '%s' must point to an RFC 3339 timestamp", st.TimestampPath.src)
		}
		return t, nil
	}
	return s.entered, nil
}

// sleepUntil waits on the core clock until t, or until the execution ends.
func (r *run) sleepUntil(t time.Time) error {
	d := t.Sub(r.now())
	if d <= 0 {
		return nil
	}
	timer := r.svc.clock.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-r.ctx.Done():
		return errAborted
	}
}

// withRetry runs a Task, Parallel or Map body with its Retry and Catch.
func (s *stateRun) withRetry(body func() (any, error)) (any, string, error) {
	st := s.st
	counts := make([]int, len(st.Retry))
	for {
		result, err := body()
		if err == nil {
			out, ferr := s.finish(result)
			if ferr == nil {
				return out, st.Next, nil
			}
			err = ferr
		}
		var f *Failure
		if !errors.As(err, &f) || terminal(f.Name) {
			return nil, "", err
		}
		if i := matchRetrier(st.Retry, f.Name); i >= 0 && counts[i] < st.Retry[i].MaxAttempts {
			if s.r.inspect != nil { // TestState reports a retry instead of waiting for it
				s.r.inspect.retriable = true
				return nil, "", f
			}
			delay := backoff(st.Retry[i], counts[i])
			counts[i]++
			s.retry++
			s.ctxObj = nil
			if err := s.r.sleepUntil(s.r.now().Add(delay)); err != nil {
				return nil, "", err
			}
			continue
		}
		return s.catch(f)
	}
}

func matchRetrier(rs []*Retrier, name string) int {
	for i, r := range rs {
		if errorMatches(r.ErrorEquals, name) {
			return i
		}
	}
	return -1
}

// errorMatches reports whether an ErrorEquals list matches name. States.ALL
// matches everything but the terminal errors; States.TaskFailed is a
// wildcard too, except for States.Timeout.
func errorMatches(list []string, name string) bool {
	for _, e := range list {
		switch {
		case e == name:
			return true
		case terminal(name):
		case e == ErrAll:
			return true
		case e == ErrTaskFailed && name != ErrTimeout:
			return true
		}
	}
	return false
}

// backoff is the wait before retry attempt n (0-based): IntervalSeconds ×
// BackoffRate^n, capped by MaxDelaySeconds, drawn uniformly from [0, d)
// with full jitter.
func backoff(r *Retrier, n int) time.Duration {
	d := r.IntervalSeconds * math.Pow(r.BackoffRate, float64(n))
	if r.MaxDelaySeconds > 0 && d > r.MaxDelaySeconds {
		d = r.MaxDelaySeconds
	}
	if r.JitterFull {
		d = mrand.Float64() * d
	}
	return time.Duration(d * float64(time.Second))
}

// catch applies the first matching catcher, or returns the failure.
func (s *stateRun) catch(f *Failure) (any, string, error) {
	st := s.st
	for _, c := range st.Catch {
		if !errorMatches(c.ErrorEquals, f.Name) {
			continue
		}
		errOut := map[string]any{"Error": f.Name, "Cause": f.Cause}
		if st.jsonata() {
			env := s.env(s.raw, nil, false, errOut)
			assigned, err := s.assign(c.Assign, env)
			if err != nil {
				return nil, "", err
			}
			var out any = errOut
			if c.Output != nil {
				if out, err = c.Output.eval(env); err != nil {
					return nil, "", err
				}
			}
			s.vars.set(assigned)
			return out, c.Next, nil
		}
		assigned, err := s.assign(c.Assign, s.env(errOut, nil, false, nil))
		if err != nil {
			return nil, "", err
		}
		out, err := s.resultPath(c.ResultPath, errOut)
		if err != nil {
			return nil, "", err
		}
		s.vars.set(assigned)
		return out, c.Next, nil
	}
	return nil, "", f
}

// clockContext returns a context that ends with cause when d passes on the
// core clock.
func (r *run) clockContext(parent context.Context, d time.Duration, cause error) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	if d <= 0 {
		return ctx, func() { cancel(nil) }
	}
	t := r.svc.clock.AfterFunc(d, func() { cancel(cause) })
	return ctx, func() { t.Stop(); cancel(nil) }
}

func (s *stateRun) parallel() (any, error) {
	in, err := s.effectiveInput()
	if err != nil {
		return nil, err
	}
	s.r.record("ParallelStateStarted", nil)
	results := make([]any, len(s.st.Branches))
	errs := make([]error, len(s.st.Branches))
	ctx, cancel := context.WithCancelCause(s.r.ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for i, b := range s.st.Branches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.r.branch(ctx, b, in, newVarScope(s.vars), &frame{})
			if errs[i] != nil {
				cancel(errs[i])
			}
		}()
	}
	wg.Wait()
	if err := firstError(errs, s.r.ctx); err != nil {
		s.r.record("ParallelStateFailed", nil)
		return nil, err
	}
	s.r.record("ParallelStateSucceeded", nil)
	return results, nil
}

// firstError returns the error that ended a Parallel or Map: a real failure
// wins over the aborts it caused in sibling branches.
func firstError(errs []error, parent context.Context) error {
	var aborted error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, errAborted):
			aborted = err
		default:
			return err
		}
	}
	if aborted != nil && parent.Err() == nil {
		return nil
	}
	return aborted
}

// branch runs a nested definition under ctx (cancelled when a sibling
// fails).
func (r *run) branch(ctx context.Context, def *Definition, input any, vars *varScope, fr *frame) (any, error) {
	sub := &run{svc: r.svc, ex: r.ex, def: r.def, ctx: ctx, cancel: r.cancel, hist: r.hist, vars: vars, mocks: r.mocks, inspect: r.inspect}
	out, err := sub.runMachine(def, input, vars, fr)
	r.steps.Add(sub.steps.Load())
	return out, err
}

// effectiveInput is InputPath then Parameters/Arguments.
func (s *stateRun) effectiveInput() (any, error) {
	in := s.raw
	if !s.st.jsonata() {
		var err error
		if in, err = s.inputPath(); err != nil {
			return nil, err
		}
	}
	return s.parameters(in)
}

func (s *stateRun) mapState() (any, error) {
	st := s.st
	in := s.raw
	var err error
	if !st.jsonata() {
		if in, err = s.inputPath(); err != nil {
			return nil, err
		}
	}
	items, err := s.mapItems(in)
	if err != nil {
		return nil, err
	}
	limit, _, err := s.intValue(st.MaxConcurrency, in, "MaxConcurrency")
	if err != nil {
		return nil, err
	}
	tolerance, err := s.tolerance(in, len(items))
	if err != nil {
		return nil, err
	}
	s.r.record("MapStateStarted", map[string]any{"length": float64(len(items))})
	results := make([]any, len(items))
	errs := make([]error, len(items))
	ctx, cancel := context.WithCancelCause(s.r.ctx)
	defer cancel(nil)
	var failed atomic.Int64
	if limit <= 0 || limit > len(items) {
		limit = len(items)
	}
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i, item := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = s.iteration(ctx, in, i, item)
			if errs[i] != nil && !errors.Is(errs[i], errAborted) {
				if int(failed.Add(1)) > tolerance {
					cancel(errs[i])
				}
			}
		}()
	}
	wg.Wait()
	if s.r.ctx.Err() != nil {
		return nil, errAborted
	}
	if int(failed.Load()) > tolerance {
		s.r.record("MapStateFailed", nil)
		if st.ToleratedCount != nil || st.ToleratedPct != nil {
			return nil, fail(ErrExceedToleratedFailure, "The specified tolerated failure threshold was exceeded")
		}
		return nil, firstError(errs, s.r.ctx)
	}
	for i, err := range errs {
		var f *Failure
		if errors.As(err, &f) {
			results[i] = map[string]any{"Error": f.Name, "Cause": f.Cause}
		}
	}
	s.r.record("MapStateSucceeded", nil)
	return results, nil
}

func (s *stateRun) mapItems(in any) ([]any, error) {
	st := s.st
	var v any = in
	switch {
	case st.jsonata() && st.Items != nil:
		var err error
		if v, err = st.Items.eval(s.env(in, nil, false, nil)); err != nil {
			return nil, err
		}
	case st.ItemsPath.set && !st.ItemsPath.null:
		got, ok := st.ItemsPath.path.Get(scope{input: in, context: s.context, vars: s.vars})
		if !ok {
			return nil, fail(ErrRuntime, "Invalid path '%s': The ItemsPath does not point to a value", st.ItemsPath.path.src)
		}
		v = got
	}
	items, ok := v.([]any)
	if !ok {
		if st.jsonata() {
			return nil, fail(ErrQueryEvaluationError, "The Items of a Map state must be an array, got %s", typeName(v))
		}
		return nil, fail(ErrRuntime, "Invalid path: The ItemsPath of a Map state must point to an array, got %s", typeName(v))
	}
	return items, nil
}

func (s *stateRun) tolerance(in any, n int) (int, error) {
	st := s.st
	tol := 0
	if c, set, err := s.intValue(st.ToleratedCount, in, "ToleratedFailureCount"); err != nil {
		return 0, err
	} else if set {
		tol = c
	}
	if st.ToleratedPct != nil {
		pct := st.ToleratedPct.value
		switch {
		case st.ToleratedPct.path != nil:
			v, _ := st.ToleratedPct.path.Get(scope{input: in, context: s.context, vars: s.vars})
			f, ok := v.(float64)
			if !ok || f < 0 || f > 100 {
				return 0, fail(ErrRuntime, "ToleratedFailurePercentagePath must point to a number from 0 to 100")
			}
			pct = f
		case st.ToleratedPct.tmpl != nil:
			v, err := st.ToleratedPct.tmpl.eval(s.env(in, nil, false, nil))
			f, ok := v.(float64)
			if err != nil || !ok || f < 0 || f > 100 {
				return 0, fail(ErrQueryEvaluationError, "ToleratedFailurePercentage must evaluate to a number from 0 to 100")
			}
			pct = f
		}
		byPct := int(math.Floor(pct / 100 * float64(n)))
		if st.ToleratedCount == nil || byPct > tol {
			tol = byPct
		}
	}
	return tol, nil
}

// iteration runs the item processor on item i.
func (s *stateRun) iteration(ctx context.Context, in any, i int, item any) (any, error) {
	st := s.st
	fr := &frame{inMap: true, index: i, value: item}
	input := item
	if st.ItemSelector != nil {
		is := &stateRun{r: s.r, st: st, fr: fr, vars: s.vars, raw: s.raw, entered: s.entered}
		env := is.env(in, nil, false, nil)
		v, err := st.ItemSelector.eval(env)
		if err != nil {
			return nil, err
		}
		input = v
	}
	name := st.Name
	s.r.record("MapIterationStarted", map[string]any{"name": name, "index": float64(i)})
	out, err := s.r.branch(ctx, st.Processor, input, newVarScope(s.vars), &frame{})
	switch {
	case errors.Is(err, errAborted):
		s.r.record("MapIterationAborted", map[string]any{"name": name, "index": float64(i)})
	case err != nil:
		s.r.record("MapIterationFailed", map[string]any{"name": name, "index": float64(i)})
	default:
		s.r.record("MapIterationSucceeded", map[string]any{"name": name, "index": float64(i)})
	}
	return out, err
}

// describeFailure renders an error that ended an execution.
func describeFailure(err error) (name, cause string) {
	var f *Failure
	if errors.As(err, &f) {
		return f.Name, f.Cause
	}
	return ErrRuntime, fmt.Sprint(err)
}
