package machine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/skyport-dev/skyport/core/event"
)

// StartInput starts an execution.
type StartInput struct {
	StateMachineArn string
	Name            string // "" for a generated UUID
	Input           string // JSON; "" means {}
	TestCase        string // run against this mock test case (MockConfigFile)
}

// StartExecution starts an execution and returns once it is recorded (for
// Standard machines: durably, with its ExecutionStarted event).
func (s *Service) StartExecution(ctx context.Context, in StartInput) (Execution, error) {
	e, err := s.start(ctx, in)
	if err != nil {
		return Execution{}, err
	}
	return e.snapshot(), nil
}

// StartSyncExecution runs an Express execution to its end and returns it.
func (s *Service) StartSyncExecution(ctx context.Context, in StartInput) (Execution, error) {
	m, err := s.machine(in.StateMachineArn)
	if err != nil {
		return Execution{}, err
	}
	if m.Type != Express {
		return Execution{}, apiErr(StateMachineTypeUnsupported, "This operation is not supported by this type of state machine")
	}
	e, err := s.start(ctx, in)
	if err != nil {
		return Execution{}, err
	}
	select {
	case <-e.done:
		return e.snapshot(), nil
	case <-ctx.Done():
		return Execution{}, ctx.Err()
	}
}

func (s *Service) start(ctx context.Context, in StartInput) (*execution, error) {
	m, err := s.machine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.Name == "" {
		in.Name = newUUID()
	} else if err := checkName("execution", in.Name); err != nil {
		return nil, err
	}
	if in.Input == "" {
		in.Input = "{}"
	}
	if len(in.Input) > maxPayload {
		return nil, apiErr(InvalidExecutionInput, "The input is larger than the limit of %d bytes", maxPayload)
	}
	input, err := decodeJSON(in.Input)
	if err != nil {
		return nil, apiErr(InvalidExecutionInput, "Invalid State Machine Execution Input: '%v'", err)
	}
	var mocks *mockRun
	if in.TestCase != "" {
		if mocks, err = s.mockRun(m.Name, in.TestCase); err != nil {
			return nil, err
		}
	}
	s.mu.RLock()
	def, machineDef := m.def, m.Definition
	s.mu.RUnlock()
	now := s.clock.Now()
	e := &execution{done: make(chan struct{}), info: Execution{
		Arn: s.executionArn(m, in.Name), Name: in.Name, StateMachineArn: m.Arn, Type: m.Type, Status: StatusRunning,
		Input: in.Input, StartDate: now, RoleArn: m.RoleArn, Definition: machineDef, TestCase: in.TestCase,
		machineName: m.Name, input: input,
	}}
	r := s.newRun(e, def, mocks)
	if m.Type == Standard {
		r.hist = &history{limit: s.cfg.MaxHistoryEvents}
		r.record("ExecutionStarted", map[string]any{"input": in.Input, "inputDetails": map[string]any{"truncated": false}, "roleArn": m.RoleArn})
	}
	s.mu.Lock()
	if old, ok := s.execs[e.info.Arn]; ok {
		s.mu.Unlock()
		snap := old.snapshot()
		if snap.Status == StatusRunning && snap.Input == in.Input && m.Type == Standard {
			return old, nil
		}
		return nil, apiErr(ExecutionAlreadyExists, "Execution Already Exists: '%s'", e.info.Arn)
	}
	s.seq++
	e.order = s.seq
	s.execs[e.info.Arn] = e
	s.mu.Unlock()
	if m.Type == Standard {
		if err := s.persistStart(ctx, e); err != nil {
			s.mu.Lock()
			delete(s.execs, e.info.Arn)
			s.mu.Unlock()
			return nil, err
		}
	}
	s.launch(e, r)
	return e, nil
}

func (s *Service) newRun(e *execution, def *Definition, mocks *mockRun) *run {
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &run{svc: s, ex: &e.info, def: def, ctx: ctx, cancel: cancel, vars: newVarScope(nil), mocks: mocks}
	e.run = r
	return r
}

// launch runs the execution in its own goroutine; fresh executions count
// as started, resumed ones do not again.
func (s *Service) launch(e *execution, r *run) {
	if r.resume == nil && (r.hist == nil || len(r.hist.events) <= 1) {
		s.started.Inc()
		s.machineCounter(metricMachineStarted, e.info.StateMachineArn).Inc()
		s.emit(event.ExecutionStep, event.Info, e.info.Arn, fmt.Sprintf("ExecutionStarted %s", e.info.Name))
	}
	s.notify(Step{ExecutionArn: e.info.Arn, Status: StatusRunning, Time: s.clock.Now()})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.execute(e, r)
	}()
}

func (s *Service) execute(e *execution, r *run) {
	timeout := time.Duration(r.def.TimeoutSeconds) * time.Second
	if timeout == 0 && e.info.Type == Express {
		timeout = 5 * time.Minute // the longest an Express execution may run
	}
	if timeout > 0 {
		left := max(e.info.StartDate.Add(timeout).Sub(s.clock.Now()), time.Nanosecond)
		ctx, stop := r.clockContext(r.ctx, left, errExecutionTimeout)
		defer stop()
		r.ctx = ctx
	}
	out, err := r.runMachine(r.def, e.info.input, r.vars, &frame{top: true})
	cause := context.Cause(r.ctx)
	if errors.Is(cause, errClosing) {
		return // the core is closing: a Standard execution resumes at the next Open
	}
	s.finish(e, r, out, err, cause)
}

var errExecutionTimeout = errors.New("execution timed out")

// finish records how an execution ended.
func (s *Service) finish(e *execution, r *run, out any, err error, cause error) {
	now := s.clock.Now()
	e.mu.Lock()
	if e.info.Status != StatusRunning { // stopped by StopExecution meanwhile
		e.mu.Unlock()
		return
	}
	switch {
	case err == nil:
		e.info.Status, e.info.Output = StatusSucceeded, encodeJSON(out)
		r.recordEnc("ExecutionSucceeded", map[string]any{}, "output", e.info.Output)
	case errors.Is(cause, errExecutionTimeout):
		e.info.Status, e.info.Error, e.info.Cause = StatusTimedOut, ErrTimeout, "The execution timed out"
		r.record("ExecutionTimedOut", map[string]any{"error": ErrTimeout, "cause": e.info.Cause})
	case errors.Is(err, errAborted):
		e.info.Status, e.info.Error, e.info.Cause = StatusAborted, "States.Aborted", fmt.Sprint(cause)
		r.record("ExecutionAborted", map[string]any{"error": e.info.Error, "cause": e.info.Cause})
	default:
		name, c := describeFailure(err)
		e.info.Status, e.info.Error, e.info.Cause = StatusFailed, name, c
		r.record("ExecutionFailed", map[string]any{"error": name, "cause": c})
	}
	e.info.StopDate = now
	info := e.info
	e.mu.Unlock()
	s.ended(e, r, info)
}

// ended persists the end, updates metrics and events, and releases waiters.
func (s *Service) ended(e *execution, r *run, info Execution) {
	if r.hist != nil {
		if err := s.persistEnd(context.Background(), e, r); err != nil {
			s.emit(event.ExecutionStep, event.Error, info.Arn, "could not persist the end of the execution: "+err.Error())
		}
	}
	r.cancel(nil)
	level := event.Info
	switch info.Status {
	case StatusSucceeded:
		s.succeeded.Inc()
		s.machineCounter(metricMachineSucceeded, info.StateMachineArn).Inc()
	case StatusFailed:
		s.failed.Inc()
		s.machineCounter(metricMachineFailed, info.StateMachineArn).Inc()
		level = event.Warn
	case StatusAborted:
		s.aborted.Inc()
		s.machineCounter(metricMachineAborted, info.StateMachineArn).Inc()
	case StatusTimedOut:
		s.timedOut.Inc()
		s.machineCounter(metricMachineTimedOut, info.StateMachineArn).Inc()
		level = event.Warn
	}
	s.emit(event.ExecutionStep, level, info.Arn, fmt.Sprintf("Execution%s %s", statusWord(info.Status), info.Name))
	s.notify(Step{ExecutionArn: info.Arn, Status: info.Status, Time: info.StopDate})
	e.mu.Lock()
	e.run = nil
	e.mu.Unlock()
	if info.Type == Express {
		s.mu.Lock()
		s.express = append(s.express, info.Arn)
		for len(s.express) > maxExpressKept {
			delete(s.execs, s.express[0])
			s.express = s.express[1:]
		}
		s.mu.Unlock()
	}
	if info.Type == Standard {
		s.maybeExpire() // before done: whoever awaits this execution sees the sweep finished
	}
	close(e.done)
}

func statusWord(status string) string {
	switch status {
	case StatusSucceeded:
		return "Succeeded"
	case StatusFailed:
		return "Failed"
	case StatusAborted:
		return "Aborted"
	case StatusTimedOut:
		return "TimedOut"
	}
	return status
}

func (s *Service) execution(arn string) (*execution, error) {
	if err := checkArn(arn, "execution"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	e, ok := s.execs[arn]
	s.mu.RUnlock()
	if !ok {
		return nil, apiErr(ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	return e, nil
}

// DescribeExecution returns an execution.
func (s *Service) DescribeExecution(arn string) (Execution, error) {
	e, err := s.execution(arn)
	if err != nil {
		return Execution{}, err
	}
	return e.snapshot(), nil
}

// AwaitExecution waits until the execution ends (or ctx does).
func (s *Service) AwaitExecution(ctx context.Context, arn string) (Execution, error) {
	e, err := s.execution(arn)
	if err != nil {
		return Execution{}, err
	}
	select {
	case <-e.done:
		return e.snapshot(), nil
	case <-ctx.Done():
		return e.snapshot(), ctx.Err()
	}
}

// StopExecution aborts a running execution.
func (s *Service) StopExecution(ctx context.Context, arn, errName, cause string) (time.Time, error) {
	e, err := s.execution(arn)
	if err != nil {
		return time.Time{}, err
	}
	if e.info.Type == Express {
		return time.Time{}, apiErr(StateMachineTypeUnsupported, "This operation is not supported by this type of state machine")
	}
	now := s.clock.Now()
	e.mu.Lock()
	if e.info.Status != StatusRunning || e.run == nil {
		stop := e.info.StopDate
		e.mu.Unlock()
		return stop, nil
	}
	r := e.run
	e.info.Status, e.info.Error, e.info.Cause, e.info.StopDate = StatusAborted, errName, cause, now
	r.record("ExecutionAborted", map[string]any{"error": errName, "cause": cause})
	info := e.info
	e.mu.Unlock()
	r.cancel(errors.New("stopped by StopExecution"))
	s.ended(e, r, info)
	return now, nil
}

// ListFilter selects executions.
type ListFilter struct {
	StateMachineArn string
	Status          string // "" for all
}

// ListExecutions returns a machine's executions, newest first.
func (s *Service) ListExecutions(f ListFilter) ([]Execution, error) {
	m, err := s.machine(f.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if m.Type == Express {
		return nil, apiErr(StateMachineTypeUnsupported, "This operation is not supported by this type of state machine")
	}
	s.mu.RLock()
	var es []*execution
	for _, e := range s.execs {
		if e.info.StateMachineArn == f.StateMachineArn {
			es = append(es, e)
		}
	}
	s.mu.RUnlock()
	sort.Slice(es, func(i, j int) bool { return es[i].order > es[j].order })
	out := make([]Execution, 0, len(es))
	for _, e := range es {
		snap := e.snapshot()
		if f.Status == "" || snap.Status == f.Status {
			out = append(out, snap)
		}
	}
	return out, nil
}

// History returns an execution's events, oldest first.
func (s *Service) History(ctx context.Context, arn string) ([]HistoryEvent, error) {
	e, err := s.execution(arn)
	if err != nil {
		return nil, err
	}
	if e.info.Type == Express {
		return nil, apiErr(StateMachineTypeUnsupported, "This operation is not supported by this type of state machine")
	}
	e.mu.Lock()
	r := e.run
	e.mu.Unlock()
	if r != nil && r.hist != nil {
		return r.hist.snapshot(), nil
	}
	return s.loadHistory(ctx, arn)
}

// DescribeStateMachineForExecution returns the machine as the execution
// saw it (the definition it started with).
func (s *Service) DescribeStateMachineForExecution(arn string) (StateMachine, error) {
	e, err := s.execution(arn)
	if err != nil {
		return StateMachine{}, err
	}
	info := e.snapshot()
	s.mu.RLock()
	m, ok := s.machines[info.StateMachineArn]
	s.mu.RUnlock()
	out := StateMachine{Arn: info.StateMachineArn, Name: info.machineName, Definition: info.Definition, RoleArn: info.RoleArn, Type: info.Type}
	if ok {
		s.mu.RLock()
		out.Updated, out.RevisionID, out.Description = m.Updated, m.RevisionID, m.Description
		s.mu.RUnlock()
	}
	return out, nil
}

// ---- live steps for the GUI ----

// Step is one live transition of an execution: a state entered or exited,
// or (State empty) the execution started (Status RUNNING, also after a
// restart) or ended with Status.
type Step struct {
	ExecutionArn string
	State        string
	StateType    string
	Entered      bool
	Status       string
	Time         time.Time
}

// StepWatch receives the steps of every execution (or one, if filtered).
type StepWatch struct {
	C       <-chan Step
	c       chan Step
	arn     string
	svc     *Service
	dropped atomic.Int64
}

// Dropped reports how many steps did not fit in the buffer.
func (w *StepWatch) Dropped() int64 { return w.dropped.Load() }

// WatchSteps subscribes to live steps; arn "" watches every execution.
// Steps are dropped (and counted) when the buffer is full.
func (s *Service) WatchSteps(arn string, buffer int) *StepWatch {
	ch := make(chan Step, max(buffer, 1))
	w := &StepWatch{C: ch, c: ch, arn: arn, svc: s}
	s.watchMu.Lock()
	s.watchers[w] = struct{}{}
	s.watchMu.Unlock()
	return w
}

// Close ends the watch.
func (w *StepWatch) Close() {
	w.svc.watchMu.Lock()
	if _, ok := w.svc.watchers[w]; ok {
		delete(w.svc.watchers, w)
		close(w.c)
	}
	w.svc.watchMu.Unlock()
}

func (s *Service) notify(st Step) {
	s.watchMu.RLock()
	defer s.watchMu.RUnlock()
	for w := range s.watchers {
		if w.arn != "" && w.arn != st.ExecutionArn {
			continue
		}
		select {
		case w.c <- st:
		default:
			w.dropped.Add(1)
		}
	}
}

// step reports a state entered or exited.
func (s *Service) step(ex *Execution, state, typ string, entered bool) {
	if entered {
		s.transitions.Inc()
	}
	if ex == nil || ex.Arn == "" {
		return
	}
	s.watchMu.RLock()
	n := len(s.watchers)
	s.watchMu.RUnlock()
	if n > 0 {
		s.notify(Step{ExecutionArn: ex.Arn, State: state, StateType: typ, Entered: entered, Time: s.clock.Now()})
	}
	if s.cfg.Events != nil {
		what := "Exited"
		if entered {
			what = "Entered"
		}
		s.emit(event.ExecutionStep, event.Debug, ex.Arn, fmt.Sprintf("%sState%s %s", typ, what, state))
	}
}
