package machine

import (
	"context"
	"errors"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
)

// task runs a Task state's body once: parameters, the resource (or its
// mock), the wait for a task token, under TimeoutSeconds and
// HeartbeatSeconds.
func (s *stateRun) task() (any, error) {
	st := s.st
	res, err := parseResource(st.Resource)
	if err != nil {
		return nil, fail(ErrRuntime, "%v", err)
	}
	in := s.raw
	if !st.jsonata() {
		if in, err = s.inputPath(); err != nil {
			return nil, err
		}
	}
	timeout, hasTimeout, err := s.intValue(st.TimeoutSeconds, in, "TimeoutSeconds")
	if err != nil {
		return nil, err
	}
	heartbeat, hasHeartbeat, err := s.intValue(st.HeartbeatSeconds, in, "HeartbeatSeconds")
	if err != nil {
		return nil, err
	}
	var token string
	if res.pattern == "waitForTaskToken" {
		token = s.r.svc.newTaskToken()
		s.fr = &frame{top: s.fr.top, inMap: s.fr.inMap, index: s.fr.index, value: s.fr.value, taskTok: token}
		s.ctxObj = nil
	}
	params, err := s.parameters(in)
	if err != nil {
		return nil, err
	}
	ev := taskEvents(res)
	if s.r.recording() {
		scheduled := map[string]any{"resourceType": res.resourceType(), "resource": res.name(), "region": s.r.svc.cfg.Region, "parameters": encodeJSON(params)}
		if res.kind == "lambda" { // a Lambda ARN as the resource: the legacy LambdaFunction* events
			scheduled = map[string]any{"resource": res.arn, "input": encodeJSON(params)}
		}
		if hasTimeout {
			scheduled["timeoutInSeconds"] = float64(timeout)
		}
		if hasHeartbeat && res.kind != "lambda" {
			scheduled["heartbeatInSeconds"] = float64(heartbeat)
		}
		s.r.record(ev.scheduled, scheduled)
		s.r.record(ev.started, ev.details(res, nil))
	}

	ctx, stop := s.r.clockContext(s.r.ctx, time.Duration(timeout)*time.Second, errTaskTimeout)
	defer stop()
	result, err := s.callResource(ctx, res, params, token, time.Duration(heartbeat)*time.Second)
	if err == nil {
		if s.r.recording() {
			s.r.record(ev.succeeded, ev.details(res, map[string]any{"output": encodeJSON(result)}))
		}
		return result, nil
	}
	if s.r.ctx.Err() != nil {
		return nil, errAborted
	}
	if errors.Is(context.Cause(ctx), errTaskTimeout) {
		err = fail(ErrTimeout, "The task did not finish within %d seconds", timeout)
	}
	name, cause := describeFailure(err)
	if name == ErrTimeout || name == ErrHeartbeatTimeout {
		s.r.record(ev.timedOut, ev.details(res, map[string]any{"error": name, "cause": cause}))
	} else {
		s.r.record(ev.failed, ev.details(res, map[string]any{"error": name, "cause": cause}))
	}
	var f *Failure
	if !errors.As(err, &f) {
		err = &Failure{Name: name, Cause: cause}
	}
	return nil, err
}

var errTaskTimeout = errors.New("task timed out")

// callResource invokes the resource (or returns the mocked response) and,
// for .waitForTaskToken, waits for the token's outcome.
func (s *stateRun) callResource(ctx context.Context, res resource, params any, token string, heartbeat time.Duration) (any, error) {
	if s.r.mocks != nil {
		if resp, ok := s.r.mocks.next(s.st.Name); ok {
			return resp.result()
		}
	}
	if s.r.inspect != nil && s.r.inspect.mock != nil {
		return s.r.inspect.mock.result()
	}
	if err := s.r.chaosTask(ctx, s.st.Name); err != nil {
		return nil, err
	}
	var pending *pendingTask
	var hb *heartbeatTimer
	if token != "" {
		pending = s.r.svc.registerToken(token, s.r.ex.Arn)
		defer s.r.svc.dropToken(token)
		// The heartbeat clock runs from the task's start, not from the
		// moment the call that carries the token returns: a worker can
		// receive the token (and the clock can move) before it does.
		hb = s.startHeartbeat(heartbeat)
		defer hb.stop()
	}
	result, err := s.r.invoke(ctx, taskCall{res: res, input: params, token: token})
	if err != nil || pending == nil {
		if err != nil && ctx.Err() != nil && s.r.ctx.Err() == nil && errors.Is(context.Cause(ctx), errTaskTimeout) {
			return nil, fail(ErrTimeout, "The task timed out")
		}
		return result, err
	}
	if s.r.recording() {
		s.r.record("TaskSubmitted", map[string]any{"resourceType": res.resourceType(), "resource": res.name(), "output": encodeJSON(result)})
	}
	return s.awaitToken(ctx, pending, hb)
}

// heartbeatTimer is a task's HeartbeatSeconds timer on the service clock;
// with no HeartbeatSeconds its channel is nil and never fires.
type heartbeatTimer struct {
	every time.Duration
	timer *clock.Timer
	C     <-chan time.Time
}

func (s *stateRun) startHeartbeat(every time.Duration) *heartbeatTimer {
	h := &heartbeatTimer{every: every}
	if every > 0 {
		h.timer = s.r.svc.clock.NewTimer(every)
		h.C = h.timer.C
	}
	return h
}

// reset restarts the timer after a SendTaskHeartbeat.
func (h *heartbeatTimer) reset(s *stateRun) {
	if h.every <= 0 {
		return
	}
	h.timer.Stop()
	h.timer = s.r.svc.clock.NewTimer(h.every)
	h.C = h.timer.C
}

func (h *heartbeatTimer) stop() {
	if h.timer != nil {
		h.timer.Stop()
	}
}

// awaitToken waits for SendTaskSuccess/Failure, resetting the heartbeat
// timer on every SendTaskHeartbeat.
func (s *stateRun) awaitToken(ctx context.Context, p *pendingTask, hb *heartbeatTimer) (any, error) {
	for {
		select {
		case out := <-p.done:
			if out.failure != nil {
				return nil, out.failure
			}
			return out.output, nil
		case <-p.beat:
			hb.reset(s)
		case <-hb.C:
			return nil, fail(ErrHeartbeatTimeout, "No heartbeat was received within %s", hb.every)
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), errTaskTimeout) {
				return nil, fail(ErrTimeout, "The task did not report success within its TimeoutSeconds")
			}
			return nil, errAborted
		}
	}
}

// pendingTask is a task waiting for its token.
type pendingTask struct {
	execArn string
	done    chan tokenOutcome
	beat    chan struct{}
}

type tokenOutcome struct {
	output  any
	failure *Failure
}

// taskEventNames are the history event types of a task: Task* for
// service integrations, LambdaFunction* when the resource is a Lambda ARN.
type taskEventNames struct {
	scheduled, started, succeeded, failed, timedOut string
	lambda                                          bool
}

func taskEvents(res resource) taskEventNames {
	if res.kind == "lambda" {
		return taskEventNames{"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "LambdaFunctionFailed", "LambdaFunctionTimedOut", true}
	}
	return taskEventNames{"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskFailed", "TaskTimedOut", false}
}

// details adds the resource members Task* events carry (LambdaFunction*
// events carry none).
func (n taskEventNames) details(res resource, m map[string]any) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	if !n.lambda {
		m["resourceType"], m["resource"] = res.resourceType(), res.name()
	}
	return m
}
