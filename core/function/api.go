// Package function runs local, AWS Lambda-like functions: a command line in
// any language with its environment, working directory, timeout, memory
// note and concurrency limit, persisted in the store.
//
// # Calling a function (the contract other services code against)
//
//	res, err := functions.Invoke(ctx, "resize", []byte(`{"key":"a.png"}`))
//
// Invoke runs one event synchronously (Lambda's RequestResponse invocation)
// and returns once the function has answered, failed, crashed or timed out:
//
//   - err != nil means the function did not run: it does not exist
//     (*Error with Code ResourceNotFound), its concurrency limit is reached
//     (Code TooManyRequests; retry later), the payload is invalid (Code
//     InvalidRequestContent / RequestTooLarge), or ctx ended before it started.
//   - err == nil means it ran. Result.FunctionError is "" on success, with
//     the handler's JSON answer in Result.Payload. Otherwise FunctionError
//     is "Unhandled" (Lambda's X-Amz-Function-Error header value) and
//     Payload is Lambda's error document
//     {"errorType":"…","errorMessage":"…"}: the handler's own error, a crash
//     (Runtime.ExitError), output that is not JSON
//     (Runtime.InvalidResponsePayload) or a timeout (Sandbox.Timedout).
//   - Result.Logs holds what the function wrote to stderr (per-event mode)
//     or to stdout and stderr (warm mode) during this invocation; the same
//     lines are also emitted as core events of Kind LogLine.
//   - Result.Duration is the time the invocation took on the core clock.
//
// name may be a function name, NAME:$LATEST, a partial ARN
// (ACCOUNT:function:NAME) or a full ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME), as Lambda accepts them.
//
// Services that deliver to functions depend on a one-method interface of
// their own, which core.go wires:
//
//   - Invoker{Service} has Invoke(ctx, name, payload) (out []byte,
//     functionError string, err error) — the shape the gateway and
//     state-machine services declare.
//   - InvokeAsync(name, payload) (requestID, error) is Lambda's "Event"
//     invocation (what SNS lambda subscriptions use): accepted at once,
//     run in the background, retried twice (1 and 2 minutes later on the
//     core clock), then reported with an AsyncFailed event.
//   - InvokeWhenFree is Invoke that waits for a concurrency slot instead of
//     throttling (event source mappings use it).
//
// # Event source mappings
//
// CreateEventSourceMapping(ctx, MappingConfig) polls a queue (through a
// QueueSource, which core.go adapts from the queue service) or a stream
// (through a StreamSource) and invokes a function with Lambda's SQS or
// Kinesis event batches; see mapping.go, queuepoll.go and streampoll.go.
//
// # Modes
//
// PerEvent starts the command once per event: the event JSON on stdin, the
// result JSON on stdout, logs on stderr. Warm starts the command once and
// keeps it running: Skyport serves the Lambda Runtime API
// (/2018-06-01/runtime/invocation/next, …/response, …/error, /init/error)
// on a 127.0.0.1 listener of its own whose address is in
// AWS_LAMBDA_RUNTIME_API, so a handler built with
// github.com/aws/aws-lambda-go runs unchanged and stays warm between events.
// Up to Concurrency processes of one function run side by side.
//
// A timeout or a crash kills the whole process group, so a handler that
// forked children and hung is still cleaned up.
package function

import (
	"encoding/json"
	"github.com/skyport-dev/skyport/core/internal/tagcheck"
	"time"
)

// Mode is how a function's command is run.
type Mode string

// Modes.
const (
	PerEvent Mode = "event" // one process per event: stdin → stdout
	Warm     Mode = "warm"  // a long-lived process speaking the Lambda Runtime API
)

// Limits (AWS Lambda's where it has one).
const (
	DefaultTimeout    = 3 * time.Second   // Lambda's default timeout
	MaxTimeout        = 900 * time.Second // 15 minutes
	DefaultMemoryMB   = 128
	MinMemoryMB       = 128
	MaxMemoryMB       = 10240
	MaxPayloadBytes   = 6 << 20 // synchronous request and response payloads
	MaxLogBytes       = 256 << 10
	MaxConcurrency    = 1000 // account default concurrency
	MaxNameLength     = 64
	MaxFunctionErrLen = 4096
	MaxTags           = tagcheck.MaxTags        // tags per function
	MaxTagKeyLength   = tagcheck.MaxKeyLength   // characters
	MaxTagValueLength = tagcheck.MaxValueLength // characters
)

// Definition is a function as the user defines it.
type Definition struct {
	Name        string            // 1–64 of [A-Za-z0-9_-]
	Command     []string          // argv; Command[0] is looked up in PATH
	Env         map[string]string // added to the process environment
	Dir         string            // working directory; "" = Skyport's
	Mode        Mode              // PerEvent (default) or Warm
	Timeout     time.Duration     // 0 → DefaultTimeout; at most MaxTimeout
	MemoryMB    int               // a note passed as AWS_LAMBDA_FUNCTION_MEMORY_SIZE; 0 → 128
	Concurrency int               // max invocations at once; 0 = MaxConcurrency
	// Tags are set by CreateFunction and changed by TagResource and
	// UntagResource; UpdateFunction keeps them, as Lambda's
	// UpdateFunctionConfiguration does.
	Tags map[string]string
}

// Result is the outcome of an invocation that ran (see Invoke).
type Result struct {
	Payload       json.RawMessage // the answer, or Lambda's error document
	FunctionError string          // "" on success, else "Unhandled"
	Logs          string          // captured output of this invocation
	Duration      time.Duration   // on the core clock
	RequestID     string          // the invocation's request id
}

// Failed reports whether the function ran but failed.
func (r Result) Failed() bool { return r.FunctionError != "" }

// ErrorDocument is Lambda's error payload.
type ErrorDocument struct {
	ErrorMessage string   `json:"errorMessage"`
	ErrorType    string   `json:"errorType,omitempty"`
	StackTrace   []string `json:"stackTrace,omitempty"`
}

// Error types Skyport reports in ErrorDocument.ErrorType.
const (
	ErrTypeTimeout         = "Sandbox.Timedout"
	ErrTypeExit            = "Runtime.ExitError"
	ErrTypeInvalidResponse = "Runtime.InvalidResponsePayload"
	ErrTypeInit            = "Runtime.InitError"
	ErrTypeStart           = "Runtime.StartError"
)

// Code is a Lambda error code.
type Code string

// Error codes (AWS Lambda API reference).
const (
	ResourceNotFound      Code = "ResourceNotFoundException"
	ResourceConflict      Code = "ResourceConflictException"
	InvalidParameterValue Code = "InvalidParameterValueException"
	InvalidRequestContent Code = "InvalidRequestContentException"
	RequestTooLarge       Code = "RequestTooLargeException"
	TooManyRequests       Code = "TooManyRequestsException"
	ServiceError          Code = "ServiceException"
)

// Error is a call that failed before the function ran.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Summary is a function as the GUI lists it.
type Summary struct {
	Definition
	ARN         string
	Running     int // invocations in progress
	WarmProcs   int // live warm processes
	Invocations uint64
	Errors      uint64
	Throttles   uint64
}

// Invocation is one finished invocation, kept for the GUI (most recent last).
type Invocation struct {
	RequestID     string
	Function      string
	Started       time.Time
	Duration      time.Duration
	FunctionError string
	ErrorType     string
	Logs          string
}
