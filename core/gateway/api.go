// Package gateway implements Amazon API Gateway (HTTP API) semantics: APIs
// that each listen on their own local port, routes ("GET /pets/{id}",
// "ANY /{proxy+}", "$default") mapped to integrations (a function through
// the Lambda proxy payload v2.0, a queue, a topic, a stream, a state
// machine, an HTTP URL or a mock response), stages, per-route throttling,
// API keys with usage plans, CORS and a TTL response cache. Definitions are
// persisted through the store's group-commit writer.
//
// This file is the contract that the GUI and core.go use.
package gateway

import (
	"context"
	"errors"
	"github.com/skyport-dev/skyport/core/internal/tagcheck"
	"time"
)

// Code is an API Gateway (apigatewayv2) error code for management calls.
type Code string

// Error codes of the management API, as apigatewayv2 names them.
const (
	BadRequest    Code = "BadRequestException"
	NotFound      Code = "NotFoundException"
	Conflict      Code = "ConflictException"
	InternalError Code = "InternalServerException"
)

// Error is a failed management call.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// IntegrationType says where a route sends its requests.
type IntegrationType string

// Integration types.
const (
	Function     IntegrationType = "function"      // Lambda proxy payload v2.0
	Queue        IntegrationType = "queue"         // SQS SendMessage
	Topic        IntegrationType = "topic"         // SNS Publish
	Stream       IntegrationType = "stream"        // Kinesis PutRecord
	StateMachine IntegrationType = "state-machine" // Step Functions StartExecution (Sync: StartSyncExecution)
	HTTPProxy    IntegrationType = "http"          // HTTP_PROXY to Target, a URL
	Mock         IntegrationType = "mock"          // static response
)

// DefaultRoute is the route key that catches requests no other route matches.
const DefaultRoute = "$default"

// DefaultStage is the stage served without a path prefix.
const DefaultStage = "$default"

// Limits and defaults (AWS API Gateway quotas for HTTP APIs).
const (
	MaxBodyBytes           = 10 << 20         // request payload
	DefaultRateLimit       = 10_000           // requests per second
	DefaultBurstLimit      = 5_000            // bucket size
	DefaultTimeout         = 30 * time.Second // integration timeout
	MinTimeout             = 50 * time.Millisecond
	MaxTimeout             = 30 * time.Second
	DefaultBasePort        = 8080                    // first port tried for an API without one
	MaxTags                = tagcheck.MaxTags        // tags per API
	MaxTagKeyLength        = tagcheck.MaxKeyLength   // characters
	MaxTagValueLength      = tagcheck.MaxValueLength // characters
	MaxCORSMaxAge          = 86400                   // seconds a browser may cache a preflight answer
	maxRoutes              = 300
	maxCacheTTL            = 3600 * time.Second
	defaultCacheBytes      = 64 << 20
	maxCachedResponseBytes = 1 << 20
)

// API is one HTTP API: its routes, stages and settings. Name is its key.
type API struct {
	Name     string    `json:"name"`
	ID       string    `json:"id,omitempty"`   // 10 lowercase characters, set when created
	Port     int       `json:"port,omitempty"` // 0: the first free port from the base port (8080)
	Routes   []Route   `json:"routes,omitempty"`
	Stages   []Stage   `json:"stages,omitempty"` // none: one "$default" stage
	Throttle *Throttle `json:"throttle,omitempty"`
	CORS     *CORS     `json:"cors,omitempty"`
	// Tags are set by CreateAPI and changed by TagResource and
	// UntagResource; UpdateAPI keeps them, as apigatewayv2's UpdateApi does.
	Tags map[string]string `json:"tags,omitempty"`
}

// Route maps a route key to an integration.
type Route struct {
	Key            string       `json:"key"` // "GET /pets/{id}", "ANY /{proxy+}", "$default"
	Integration    Integration  `json:"integration"`
	Throttle       *Throttle    `json:"throttle,omitempty"` // nil: the stage's, then the API's
	APIKeyRequired bool         `json:"apiKeyRequired,omitempty"`
	Cache          *CacheConfig `json:"cache,omitempty"`
}

// Integration says what a route calls. Target names a function, queue,
// topic, stream or state machine, or is the URL of an HTTP proxy (with
// {param} placeholders filled from path parameters). Parameters map the
// request onto the target's call (MessageBody, Subject, PartitionKey,
// Input, …); each value is static text, a selection expression such as
// "$request.body.order.id", "$request.header.x-id", "$request.querystring.q",
// "$request.path.id", "$context.requestId", "$stageVariables.env", or text
// with ${…} interpolations of those. An HTTP proxy's Parameters are
// request mappings instead: "overwrite:path", and append|overwrite|remove
// of "header.NAME" or "querystring.NAME".
type Integration struct {
	Type       IntegrationType   `json:"type"`
	Target     string            `json:"target,omitempty"`
	Method     string            `json:"method,omitempty"` // HTTP proxy: method override
	Sync       bool              `json:"sync,omitempty"`   // state machine: wait for the output
	Parameters map[string]string `json:"parameters,omitempty"`
	TimeoutMS  int               `json:"timeoutMs,omitempty"` // 50–30000; 0: 30000
	Mock       *MockResponse     `json:"mock,omitempty"`
	// ResponseParameters change the integration's response, keyed by the
	// status code it returned ("404"): "overwrite:statuscode", or
	// "append:header.NAME", "overwrite:header.NAME", "remove:header.NAME",
	// with values that may also select "$response.header.NAME" and
	// "$response.body.PATH" — HTTP APIs' response parameter mapping.
	ResponseParameters map[string]map[string]string `json:"responseParameters,omitempty"`
}

// MockResponse is a mock integration's answer; Body and header values are
// templates with ${…} interpolations.
type MockResponse struct {
	Status  int               `json:"status,omitempty"` // 0: 200
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// Stage is a named deployment of the API: "$default" is served at the
// root, any other name under its own path prefix ("/prod/…").
type Stage struct {
	Name      string            `json:"name"`
	Variables map[string]string `json:"variables,omitempty"`
	Throttle  *Throttle         `json:"throttle,omitempty"`
}

// Throttle is a token bucket: RateLimit tokens a second, BurstLimit at most.
type Throttle struct {
	RateLimit  float64 `json:"rateLimit"`
	BurstLimit int     `json:"burstLimit"`
}

// CORS is an API's cross-origin configuration, as HTTP APIs have it.
type CORS struct {
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           int      `json:"maxAge,omitempty"` // seconds
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
}

// CacheConfig caches a route's successful GET and HEAD responses for TTL
// seconds, keyed by method, path and the named headers and query parameters.
type CacheConfig struct {
	TTLSeconds int      `json:"ttlSeconds"`
	KeyHeaders []string `json:"keyHeaders,omitempty"`
	KeyQuery   []string `json:"keyQuery,omitempty"`
}

// APIKey is a key clients send in x-api-key; it is valid for the APIs of
// the usage plans it belongs to.
type APIKey struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Value   string    `json:"value"`
	Enabled bool      `json:"enabled"`
	Plans   []string  `json:"plans,omitempty"`
	Created time.Time `json:"created"`
}

// QuotaPeriod is the window a usage plan's quota counts in.
type QuotaPeriod string

// Quota periods (UTC calendar day, week from Monday, month).
const (
	Day   QuotaPeriod = "DAY"
	Week  QuotaPeriod = "WEEK"
	Month QuotaPeriod = "MONTH"
)

// UsagePlan throttles and meters the keys that belong to it on its APIs.
type UsagePlan struct {
	Name     string    `json:"name"`
	APIs     []string  `json:"apis"` // API names, or "api/stage" for one stage
	Throttle *Throttle `json:"throttle,omitempty"`
	Quota    *Quota    `json:"quota,omitempty"`
}

// Quota caps requests per key per period.
type Quota struct {
	Limit  int         `json:"limit"`
	Period QuotaPeriod `json:"period"`
}

// APIInfo is an API as the GUI lists it.
type APIInfo struct {
	API
	URL       string    // http://127.0.0.1:PORT while listening
	Listening bool      // the listener is up
	ListenErr string    // why it is not, if it is not
	Created   time.Time // core clock
	Modified  time.Time
}

// RouteStats are a route's counters since the service opened.
type RouteStats struct {
	Route      string
	Count      uint64
	Errors4XX  uint64
	Errors5XX  uint64
	CacheHits  uint64
	Throttled  uint64
	LatencyP50 time.Duration // bucket upper bounds of the latency histogram
	LatencyP99 time.Duration
}

// CallInput is a request the GUI sends to an API without a network client.
type CallInput struct {
	Method  string
	Path    string // with query string, e.g. "/pets/7?verbose=1"
	Headers map[string]string
	Body    []byte
}

// CallOutput is the response to a Call.
type CallOutput struct {
	Status  int
	Headers map[string][]string
	Body    []byte
	Latency time.Duration
}

// ErrTargetNotFound is wrapped by target errors for a resource that does
// not exist; the gateway answers 502 with the error's text.
var ErrTargetNotFound = errors.New("integration target not found")

// TargetError is a failure of an integration target that the client should
// see with its status (e.g. a queue rejecting a message as 400).
type TargetError struct {
	Status  int
	Code    string
	Message string
}

func (e *TargetError) Error() string { return e.Code + ": " + e.Message }

// FunctionInvoker runs a local function with a payload. functionError is
// the Lambda FunctionError ("Unhandled", …) when the function failed; err
// means it could not be invoked at all.
type FunctionInvoker interface {
	Invoke(ctx context.Context, name string, payload []byte) (out []byte, functionError string, err error)
}

// QueueMessage is what a queue integration sends.
type QueueMessage struct {
	Body            string
	DelaySeconds    *int
	GroupID         string
	DeduplicationID string
	Attributes      map[string]string // String attributes
}

// QueueReceipt is what a queue acknowledges.
type QueueReceipt struct {
	MessageID        string `json:"MessageId"`
	MD5OfMessageBody string `json:"MD5OfMessageBody"`
	SequenceNumber   string `json:"SequenceNumber,omitempty"`
}

// QueueSender sends to a queue by name (core.go adapts core/queue).
type QueueSender interface {
	SendMessage(ctx context.Context, queue string, m QueueMessage) (QueueReceipt, error)
}

// TopicMessage is what a topic integration publishes.
type TopicMessage struct {
	Message         string
	Subject         string
	GroupID         string
	DeduplicationID string
	Attributes      map[string]string
}

// TopicPublisher publishes to a topic by name.
type TopicPublisher interface {
	Publish(ctx context.Context, topic string, m TopicMessage) (messageID string, err error)
}

// StreamRecord is what a stream integration puts.
type StreamRecord struct {
	Data         []byte
	PartitionKey string
}

// StreamPutter puts a record on a stream by name.
type StreamPutter interface {
	PutRecord(ctx context.Context, stream string, r StreamRecord) (shardID, sequenceNumber string, err error)
}

// Execution is a started (async) or finished (sync) state machine execution.
type Execution struct {
	ARN       string    `json:"executionArn"`
	StartDate time.Time `json:"startDate"`
	StopDate  time.Time `json:"stopDate,omitzero"`
	Status    string    `json:"status,omitempty"` // sync: SUCCEEDED, FAILED, TIMED_OUT
	Output    string    `json:"output,omitempty"`
	Error     string    `json:"error,omitempty"`
	Cause     string    `json:"cause,omitempty"`
}

// MachineStarter starts executions of a state machine by name; with sync
// it returns once the execution has finished.
type MachineStarter interface {
	StartExecution(ctx context.Context, machine, name, input string, sync bool) (Execution, error)
}

// Targets are the services integrations deliver to; a nil one answers 502
// "integration target not available".
type Targets struct {
	Functions FunctionInvoker
	Queues    QueueSender
	Topics    TopicPublisher
	Streams   StreamPutter
	Machines  MachineStarter
}
