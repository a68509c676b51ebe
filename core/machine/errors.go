package machine

import "fmt"

// Code is a Step Functions API error code as the JSON protocol names it in
// __type.
type Code string

// API error codes (AWS Step Functions API reference, "Errors" of each action).
const (
	InvalidDefinition           Code = "InvalidDefinition"
	InvalidName                 Code = "InvalidName"
	InvalidArn                  Code = "InvalidArn"
	InvalidExecutionInput       Code = "InvalidExecutionInput"
	InvalidOutput               Code = "InvalidOutput"
	InvalidToken                Code = "InvalidToken"
	StateMachineDoesNotExist    Code = "StateMachineDoesNotExist"
	StateMachineAlreadyExists   Code = "StateMachineAlreadyExists"
	StateMachineTypeUnsupported Code = "StateMachineTypeNotSupported"
	ExecutionDoesNotExist       Code = "ExecutionDoesNotExist"
	ExecutionAlreadyExists      Code = "ExecutionAlreadyExists"
	ExecutionLimitExceeded      Code = "ExecutionLimitExceeded"
	TaskDoesNotExist            Code = "TaskDoesNotExist"
	TaskTimedOut                Code = "TaskTimedOut"
	ResourceNotFound            Code = "ResourceNotFound"
	TooManyTags                 Code = "TooManyTags"
	ValidationException         Code = "ValidationException"
	MissingRequiredParameter    Code = "MissingRequiredParameter"
	InvalidLoggingConfiguration Code = "InvalidLoggingConfiguration"
	InternalError               Code = "InternalError"
)

// Error is a failed API call: the AWS code and a message in AWS's words.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

func apiErr(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// Error names of the States Language (Amazon States Language spec, "Errors").
const (
	ErrAll                    = "States.ALL"
	ErrHeartbeatTimeout       = "States.HeartbeatTimeout"
	ErrTimeout                = "States.Timeout"
	ErrTaskFailed             = "States.TaskFailed"
	ErrPermissions            = "States.Permissions"
	ErrResultPathMatchFailure = "States.ResultPathMatchFailure"
	ErrParameterPathFailure   = "States.ParameterPathFailure"
	ErrQueryEvaluationError   = "States.QueryEvaluationError"
	ErrBranchFailed           = "States.BranchFailed"
	ErrNoChoiceMatched        = "States.NoChoiceMatched"
	ErrIntrinsicFailure       = "States.IntrinsicFailure"
	ErrExceedToleratedFailure = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed       = "States.ItemReaderFailed"
	ErrResultWriterFailed     = "States.ResultWriterFailed"
	ErrRuntime                = "States.Runtime"
	ErrDataLimitExceeded      = "States.DataLimitExceeded"
)

// Failure is an error raised inside an execution: a States Language error
// name (States.* or one a task chose) and a cause. Retry and Catch match on
// Name.
type Failure struct {
	Name  string
	Cause string
}

func (f *Failure) Error() string {
	if f.Cause == "" {
		return f.Name
	}
	return f.Name + ": " + f.Cause
}

func fail(name, format string, a ...any) *Failure {
	return &Failure{Name: name, Cause: fmt.Sprintf(format, a...)}
}

// terminal reports errors that Retry and Catch never handle: States.Runtime
// and States.DataLimitExceeded end the execution (the spec says no retrier
// or catcher matches them, not even States.ALL).
func terminal(name string) bool {
	return name == ErrRuntime || name == ErrDataLimitExceeded
}
