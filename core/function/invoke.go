package function

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
)

// outcome is what running one event produced: a payload, or an error
// document when the function failed.
type outcome struct {
	payload []byte
	fail    *ErrorDocument
}

// Invoke runs one event through the named function and waits for its
// answer. See the package documentation for what the result means.
func (s *Service) Invoke(ctx context.Context, name string, payload []byte) (Result, error) {
	return s.invoke(ctx, name, payload, false, "")
}

// InvokeWhenFree is Invoke, except that a function at its concurrency limit
// is waited for (until ctx ends) instead of throttled. Event source
// mappings use it.
func (s *Service) InvokeWhenFree(ctx context.Context, name string, payload []byte) (Result, error) {
	return s.invoke(ctx, name, payload, true, "")
}

// invoke runs one event; id is the request id ("": a new one).
func (s *Service) invoke(ctx context.Context, name string, payload []byte, wait bool, id string) (Result, error) {
	if s.closed() {
		return Result{}, errorf(ServiceError, "the function service is closed")
	}
	f, err := s.lookup(name)
	if err != nil {
		return Result{}, err
	}
	payload, err = checkRequest(payload)
	if err != nil {
		return Result{}, err
	}
	slots, def, err := f.acquire(ctx, wait)
	if err != nil {
		if fe, ok := err.(*Error); ok && fe.Code == TooManyRequests {
			f.throttles.Add(1)
			s.counter("skyport_function_throttles_total", "Invocations throttled at the concurrency limit (Throttles).", name).Inc()
		}
		return Result{}, err
	}
	defer func() { <-slots }()
	if id == "" {
		id = newID()
	}
	logs := newLogSink(s, name, id)
	start := s.clock.Now()
	var out outcome
	if def.Mode == Warm {
		out, err = s.runWarm(ctx, f, def, id, payload, logs)
	} else {
		out, err = s.runOnce(ctx, f, def, id, payload, logs)
	}
	if err != nil {
		return Result{}, err
	}
	res := Result{Payload: out.payload, Logs: logs.String(), Duration: s.clock.Since(start), RequestID: id}
	if out.fail != nil {
		res.FunctionError = "Unhandled"
		res.Payload, _ = json.Marshal(out.fail)
	}
	s.finished(f, res, out.fail, start)
	return res, nil
}

// acquire takes one of f's concurrency slots, waiting for one if wait is
// set, and returns the slot channel (to release into) with the definition
// the invocation runs under.
func (f *function) acquire(ctx context.Context, wait bool) (chan struct{}, Definition, error) {
	for {
		f.mu.Lock()
		slots, def, deleted := f.slots, f.def, f.deleted
		f.mu.Unlock()
		if deleted {
			return nil, def, errNotFound(f.name)
		}
		select {
		case slots <- struct{}{}:
			return slots, def, nil
		default:
		}
		if !wait {
			return nil, def, errorf(TooManyRequests, "Rate Exceeded. (Reason: ReservedFunctionConcurrentInvocationLimitExceeded; function %s allows %d concurrent invocations)", f.name, cap(slots))
		}
		select {
		case slots <- struct{}{}:
			return slots, def, nil
		case <-ctx.Done():
			return nil, def, ctx.Err()
		}
	}
}

// checkRequest validates an invocation payload; an empty one is "{}".
func checkRequest(payload []byte) ([]byte, error) {
	if len(bytes.TrimSpace(payload)) == 0 {
		return []byte("{}"), nil
	}
	if len(payload) > MaxPayloadBytes {
		return nil, errorf(RequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayloadBytes)
	}
	if !json.Valid(payload) {
		return nil, errorf(InvalidRequestContent, "Could not parse request body into json: the payload is not valid JSON")
	}
	return payload, nil
}

// checkResponse turns a handler's raw answer into a result payload or an
// error document: the answer must be JSON (empty means null) within the
// response size limit.
func checkResponse(out []byte) outcome {
	if len(out) > MaxPayloadBytes {
		return outcome{fail: &ErrorDocument{ErrorType: "Function.ResponseSizeTooLarge",
			ErrorMessage: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxPayloadBytes)}}
	}
	trimmed := bytes.TrimSpace(out)
	if len(trimmed) == 0 {
		return outcome{payload: []byte("null")}
	}
	if !json.Valid(trimmed) {
		return outcome{fail: &ErrorDocument{ErrorType: ErrTypeInvalidResponse,
			ErrorMessage: "The function's response is not valid JSON: " + quoteStart(trimmed)}}
	}
	return outcome{payload: trimmed}
}

// parseErrorDocument reads an error a runtime posted; anything that is not
// Lambda's error document becomes its message.
func parseErrorDocument(body []byte, errType string) *ErrorDocument {
	var doc ErrorDocument
	if err := json.Unmarshal(body, &doc); err != nil || (doc.ErrorMessage == "" && doc.ErrorType == "") {
		doc = ErrorDocument{ErrorMessage: quoteStart(body)}
	}
	if doc.ErrorType == "" {
		doc.ErrorType = errType
	}
	if doc.ErrorType == "" {
		doc.ErrorType = "Unhandled"
	}
	if len(doc.ErrorMessage) > MaxFunctionErrLen {
		doc.ErrorMessage = doc.ErrorMessage[:MaxFunctionErrLen]
	}
	return &doc
}

// quoteStart returns the first bytes of b as a quoted string for messages.
func quoteStart(b []byte) string {
	if len(b) > 200 {
		return strconv.Quote(string(b[:200])) + "…"
	}
	return strconv.Quote(string(b))
}

func timedOut(id string, timeout time.Duration) *ErrorDocument {
	return &ErrorDocument{ErrorType: ErrTypeTimeout,
		ErrorMessage: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", id, timeout.Seconds())}
}

func exited(id string, err error) *ErrorDocument {
	msg := "Runtime exited without providing a reason"
	if err != nil {
		msg = "Runtime exited with error: " + err.Error()
	}
	return &ErrorDocument{ErrorType: ErrTypeExit, ErrorMessage: "RequestId: " + id + " Error: " + msg}
}

func startFailed(err error) *ErrorDocument {
	return &ErrorDocument{ErrorType: ErrTypeStart, ErrorMessage: "could not start the function's command: " + err.Error()}
}

// environ is the process environment of a function: Skyport's own, the
// variables Lambda sets, then the definition's.
func (s *Service) environ(def Definition, extra ...string) []string {
	env := make([]string, 0, len(os.Environ())+len(def.Env)+12)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_LAMBDA_RUNTIME_API=") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AWS_REGION="+s.cfg.Region,
		"AWS_DEFAULT_REGION="+s.cfg.Region,
		"AWS_EXECUTION_ENV=skyport",
		"AWS_LAMBDA_FUNCTION_NAME="+def.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(def.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(def.Timeout.Seconds())),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+def.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME=skyport/"+def.Name,
	)
	env = append(env, extra...)
	for k, v := range def.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// finished records an invocation for the GUI, the metrics and the events.
func (s *Service) finished(f *function, res Result, fail *ErrorDocument, start time.Time) {
	inv := Invocation{RequestID: res.RequestID, Function: f.name, Started: start, Duration: res.Duration,
		FunctionError: res.FunctionError, Logs: res.Logs}
	f.invocations.Add(1)
	s.counter("skyport_function_invocations_total", "Invocations that ran (Invocations).", f.name).Inc()
	level, msg := event.Info, fmt.Sprintf("%s invoked (%s) in %s", f.name, res.RequestID, res.Duration.Round(time.Microsecond))
	if fail != nil {
		inv.ErrorType = fail.ErrorType
		f.errors.Add(1)
		s.counter("skyport_function_errors_total", "Invocations that failed (Errors).", f.name).Inc()
		level, msg = event.Warn, fmt.Sprintf("%s failed (%s): %s: %s", f.name, res.RequestID, fail.ErrorType, fail.ErrorMessage)
	}
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.Histogram("skyport_function_duration_seconds", "Invocation duration (Duration).", nil,
			metrics.Label{Name: "function", Value: f.name}).ObserveDuration(res.Duration)
	}
	f.mu.Lock()
	f.history = append(f.history, inv)
	if len(f.history) > historySize {
		f.history = append(f.history[:0:0], f.history[len(f.history)-historySize:]...)
	}
	f.mu.Unlock()
	s.emit(Invoked, level, f.name, msg)
}

// counter returns a per-function counter (a throwaway one without a registry).
func (s *Service) counter(name, help, fn string) *metrics.Counter {
	if s.cfg.Metrics == nil {
		return &metrics.Counter{}
	}
	return s.cfg.Metrics.Counter(name, help, metrics.Label{Name: "function", Value: fn})
}
