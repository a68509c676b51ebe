// Package queue implements Amazon SQS semantics: standard, fair and FIFO
// queues with visibility timeouts, long polling, delays, retention,
// dead-letter redrive and message-move tasks, persisted through the store's
// group-commit writer with hot indexes kept in memory.
//
// This file is the contract that the wire protocols (core/wire) and the GUI
// call. Names of attributes and error codes are AWS's.
package queue

import (
	"time"
)

// Code is an SQS error code as the JSON protocol names it in __type
// (without the "com.amazonaws.sqs#" prefix).
type Code string

// Error codes (AWS SQS API reference, "Errors" of each action).
const (
	QueueDoesNotExist            Code = "QueueDoesNotExist"
	QueueNameExists              Code = "QueueNameExists" // query protocol: QueueAlreadyExists
	QueueDeletedRecently         Code = "QueueDeletedRecently"
	InvalidParameterValue        Code = "InvalidParameterValue"
	MissingParameter             Code = "MissingParameter"
	InvalidAttributeName         Code = "InvalidAttributeName"
	InvalidAttributeValue        Code = "InvalidAttributeValue"
	InvalidMessageContents       Code = "InvalidMessageContents"
	ReceiptHandleIsInvalid       Code = "ReceiptHandleIsInvalid"
	MessageNotInflight           Code = "MessageNotInflight"
	BatchEntryIdsNotDistinct     Code = "BatchEntryIdsNotDistinct"
	TooManyEntriesInBatchRequest Code = "TooManyEntriesInBatchRequest"
	EmptyBatchRequest            Code = "EmptyBatchRequest"
	InvalidBatchEntryID          Code = "InvalidBatchEntryId"
	BatchRequestTooLong          Code = "BatchRequestTooLong"
	PurgeQueueInProgress         Code = "PurgeQueueInProgress"
	OverLimit                    Code = "OverLimit"
	UnsupportedOperation         Code = "UnsupportedOperation"
	ResourceNotFound             Code = "ResourceNotFoundException"
	RequestThrottled             Code = "RequestThrottled"
	InvalidAddress               Code = "InvalidAddress"
	InternalError                Code = "InternalError"
	// ServiceUnavailable: the store cannot be written (disk full, device
	// failing); the call changed nothing and may be retried.
	ServiceUnavailable Code = "ServiceUnavailable"
)

// Error is a failed call: the AWS code and a message in AWS's words.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// MessageAttribute is one user message attribute.
type MessageAttribute struct {
	DataType    string // "String", "Number", "Binary", optionally with ".custom" suffix
	StringValue string
	BinaryValue []byte
}

// SendInput is one message to send.
type SendInput struct {
	Body                    string
	DelaySeconds            *int // nil: the queue's DelaySeconds
	MessageAttributes       map[string]MessageAttribute
	MessageSystemAttributes map[string]MessageAttribute // only AWSTraceHeader is allowed
	MessageGroupID          string
	MessageDeduplicationID  string
}

// SendResult is what a send acknowledges.
type SendResult struct {
	MessageID                    string
	MD5OfMessageBody             string
	MD5OfMessageAttributes       string // "" when there are none
	MD5OfMessageSystemAttributes string // "" when there are none
	SequenceNumber               string // FIFO only
}

// ReceiveInput controls one receive (long poll when WaitTimeSeconds > 0).
type ReceiveInput struct {
	MaxNumberOfMessages     int      // 1–10; 0 means 1
	VisibilityTimeout       *int     // nil: the queue's
	WaitTimeSeconds         *int     // nil: the queue's ReceiveMessageWaitTimeSeconds
	AttributeNames          []string // system attributes to return ("All" for all)
	MessageAttributeNames   []string // user attributes to return ("All", ".*" suffixes, exact names)
	ReceiveRequestAttemptID string   // FIFO only
}

// Message is a received (or peeked) message.
type Message struct {
	MessageID              string
	ReceiptHandle          string // empty for peeked messages
	Body                   string
	MD5OfBody              string
	MD5OfMessageAttributes string
	MessageAttributes      map[string]MessageAttribute
	Attributes             map[string]string // system attributes asked for (SentTimestamp, ApproximateReceiveCount, …)
}

// BatchEntryResult is the outcome of one batch entry: Err is nil on success.
type BatchEntryResult[T any] struct {
	ID     string
	Result T
	Err    *Error
	// SenderFault tells whether the failure is the caller's (per AWS's
	// BatchResultErrorEntry.SenderFault).
	SenderFault bool
}

// SendBatchEntry is one entry of SendMessageBatch.
type SendBatchEntry struct {
	ID string
	SendInput
}

// VisibilityBatchEntry is one entry of ChangeMessageVisibilityBatch.
type VisibilityBatchEntry struct {
	ID                string
	ReceiptHandle     string
	VisibilityTimeout int
}

// DeleteBatchEntry is one entry of DeleteMessageBatch.
type DeleteBatchEntry struct {
	ID            string
	ReceiptHandle string
}

// Summary is a queue as the GUI lists it, with live counts.
type Summary struct {
	Name       string
	ARN        string
	FIFO       bool
	Visible    int64 // ApproximateNumberOfMessages
	InFlight   int64 // ApproximateNumberOfMessagesNotVisible
	Delayed    int64 // ApproximateNumberOfMessagesDelayed
	OldestAge  time.Duration
	DeadLetter string // name of the dead-letter queue, if any
}

// MoveTask describes a message-move task (DLQ redrive).
type MoveTask struct {
	TaskHandle                        string
	Status                            string // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
	SourceArn                         string
	DestinationArn                    string // "" means each message's original source queue
	MaxNumberOfMessagesPerSecond      int    // 0: unset
	ApproximateNumberOfMessagesMoved  int64
	ApproximateNumberOfMessagesToMove int64
	FailureReason                     string
	StartedTimestamp                  int64 // epoch milliseconds
}
