// Package topic implements Amazon SNS semantics: standard and FIFO topics,
// subscriptions that deliver to local queues, local functions and HTTP(S)
// endpoints, filter policies on message attributes or bodies, raw or
// enveloped delivery, retries with backoff and dead-letter queues. Every
// publish is recorded through the store's group-commit writer before it is
// acknowledged; fan-out runs in the background and resumes after a restart.
//
// This file is the contract that the wire protocol (core/wire) and the GUI
// call. Names of attributes and error codes are AWS's.
package topic

import (
	"context"
	"fmt"
	"time"
)

// Code is an SNS error code as the query protocol names it.
type Code string

// Error codes (Amazon SNS API reference, "Errors" of each action).
const (
	NotFound                     Code = "NotFound"
	InvalidParameter             Code = "InvalidParameter"
	ParameterValueInvalid        Code = "ParameterValueInvalid"
	ResourceNotFound             Code = "ResourceNotFound"
	TagLimitExceeded             Code = "TagLimitExceeded"
	TopicLimitExceeded           Code = "TopicLimitExceeded"
	SubscriptionLimitExceeded    Code = "SubscriptionLimitExceeded"
	FilterPolicyLimitExceeded    Code = "FilterPolicyLimitExceeded"
	BatchEntryIdsNotDistinct     Code = "BatchEntryIdsNotDistinct"
	EmptyBatchRequest            Code = "EmptyBatchRequest"
	TooManyEntriesInBatchRequest Code = "TooManyEntriesInBatchRequest"
	BatchRequestTooLong          Code = "BatchRequestTooLong"
	InvalidBatchEntryID          Code = "InvalidBatchEntryId"
	InternalError                Code = "InternalError"
)

// Error is a failed call: the AWS code and a message in AWS's words.
type Error struct {
	Code    Code
	Message string
}

// Error returns the code and the message.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

func errorf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// invalidf is an InvalidParameter error; AWS prefixes them "Invalid parameter: ".
func invalidf(format string, a ...any) *Error {
	return &Error{Code: InvalidParameter, Message: "Invalid parameter: " + fmt.Sprintf(format, a...)}
}

func errNoTopic() *Error        { return errorf(NotFound, "Topic does not exist") }
func errNoSubscription() *Error { return errorf(NotFound, "Subscription does not exist") }

// Limits AWS documents for SNS.
const (
	MaxMessageBytes   = 256 << 10 // message plus attributes, and a whole PublishBatch
	MaxMessageAttrs   = 10
	MaxBatchEntries   = 10
	MaxTags           = 50
	MaxSubjectChars   = 100
	MaxTopicNameChars = 256
	DedupWindow       = 5 * time.Minute
	MaxTopics         = 100_000 // per account (the AWS default quota)
	MaxFilterPolicies = 200     // subscriptions with a filter policy, per topic
	listPageSize      = 100
)

// MessageAttribute is one user message attribute. DataType is String,
// String.Array, Number or Binary, optionally with a ".custom" suffix.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// PublishInput is one message to publish.
type PublishInput struct {
	TopicARN               string
	Message                string
	Subject                string
	MessageStructure       string // "" or "json"
	MessageAttributes      map[string]MessageAttribute
	MessageGroupID         string
	MessageDeduplicationID string
}

// PublishResult is what a publish acknowledges.
type PublishResult struct {
	MessageID      string
	SequenceNumber string // FIFO topics only
}

// BatchEntry is one entry of PublishBatch.
type BatchEntry struct {
	ID string
	PublishInput
}

// BatchResult is the outcome of one batch entry: Err is nil on success.
type BatchResult struct {
	ID          string
	Result      PublishResult
	Err         *Error
	SenderFault bool
}

// Summary is a topic as the GUI lists it, with live counts.
type Summary struct {
	Name          string
	ARN           string
	FIFO          bool
	Subscriptions []SubscriptionSummary
	Published     uint64
	Delivered     uint64
	Failed        uint64
	Pending       int64 // deliveries waiting or being retried
}

// SubscriptionSummary is one subscription as ListSubscriptions and the GUI
// show it, with its delivery status.
type SubscriptionSummary struct {
	ARN         string // "PendingConfirmation" while unconfirmed, as AWS lists it
	TopicARN    string
	Protocol    string
	Endpoint    string
	Owner       string
	Pending     bool // awaiting confirmation
	Delivered   uint64
	Failed      uint64
	DeadLetters uint64
	Backlog     int64     // deliveries waiting or being retried
	LastError   string    // last failed attempt, "" when none
	LastAt      time.Time // last attempt, zero when none
}

// QueueMessage is a delivery to a queue.
type QueueMessage struct {
	Body              string
	MessageAttributes map[string]MessageAttribute // raw delivery only
	MessageGroupID    string                      // FIFO
	DeduplicationID   string                      // FIFO
	SourceARN         string                      // the topic
}

// QueueSender delivers to the local queue service (wired by core.go).
type QueueSender interface {
	// SendToQueue adds m to the queue with that ARN. It returns a
	// *DeliveryError with Permanent set when retrying cannot help (no such
	// queue, message rejected).
	SendToQueue(ctx context.Context, queueARN string, m QueueMessage) error
}

// FunctionInvoker runs a local function with an SNS event (wired by core.go
// once functions exist).
type FunctionInvoker interface {
	// InvokeFunction runs the function with that ARN asynchronously with the
	// event payload. A missing function is a permanent *DeliveryError.
	InvokeFunction(ctx context.Context, functionARN string, payload []byte) error
}

// DeliveryError is a failed delivery attempt; Permanent ones go to the
// dead-letter queue without retries (AWS's "client-side errors").
type DeliveryError struct {
	Permanent bool
	Reason    string
}

// Error returns the reason.
func (e *DeliveryError) Error() string { return e.Reason }
