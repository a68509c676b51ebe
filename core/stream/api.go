// Package stream implements Amazon Kinesis Data Streams semantics: streams
// of shards that partition the 128-bit MD5 hash-key space, records with
// increasing decimal sequence numbers appended through the store's
// group-commit writer and read by sequence range through an index, opaque
// expiring shard iterators, retention enforced by a background trimmer on
// the core clock, resharding with parent/child lineage, stream modes, tags,
// enhanced fan-out consumers with SubscribeToShard subscriptions, and
// optional per-shard throughput emulation.
//
// This file is the contract that the wire protocol (core/wire) and the GUI
// call. Names of fields and error codes are AWS's.
package stream

import (
	"fmt"
	"time"
)

// Code is a Kinesis error code as it appears in __type.
type Code string

// Error codes (Amazon Kinesis Data Streams API reference, "Errors").
const (
	ResourceNotFound   Code = "ResourceNotFoundException"
	ResourceInUse      Code = "ResourceInUseException"
	InvalidArgument    Code = "InvalidArgumentException"
	LimitExceeded      Code = "LimitExceededException"
	ExpiredIterator    Code = "ExpiredIteratorException"
	ExpiredNextToken   Code = "ExpiredNextTokenException"
	ThroughputExceeded Code = "ProvisionedThroughputExceededException"
	Validation         Code = "ValidationException"
	InternalFailure    Code = "InternalFailure"
)

// Retention and record-size bounds.
const (
	DefaultRetentionHours = 24
	MaxRetentionHours     = 8760
	DefaultMaxRecordKiB   = 1024
	MaxMaxRecordKiB       = 10240
)

// Error is a failed call: the AWS code and a message in AWS's words.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Stream statuses.
const (
	StatusCreating = "CREATING"
	StatusDeleting = "DELETING"
	StatusActive   = "ACTIVE"
	StatusUpdating = "UPDATING"
)

// Stream modes.
const (
	ModeProvisioned = "PROVISIONED"
	ModeOnDemand    = "ON_DEMAND"
)

// Shard iterator types.
const (
	TrimHorizon         = "TRIM_HORIZON"
	Latest              = "LATEST"
	AtSequenceNumber    = "AT_SEQUENCE_NUMBER"
	AfterSequenceNumber = "AFTER_SEQUENCE_NUMBER"
	AtTimestamp         = "AT_TIMESTAMP"
)

// Limits.
const (
	// IteratorTTL is how long a shard iterator stays valid.
	IteratorTTL = 5 * time.Minute
	// MaxGetRecords is the largest Limit of GetRecords.
	MaxGetRecords = 10000
	// MaxGetRecordsBytes is the most data one GetRecords returns.
	MaxGetRecordsBytes = 10 << 20
	// MaxPutRecords is the most entries in one PutRecords call.
	MaxPutRecords = 500
	// MaxPutRecordsBytes bounds data plus partition keys of one PutRecords.
	MaxPutRecordsBytes = 5 << 20
	// OnDemandShards is the shard count of a new on-demand stream.
	OnDemandShards = 4
)

// CreateInput describes a new stream.
type CreateInput struct {
	Name        string
	ShardCount  int    // required for PROVISIONED; 0 for ON_DEMAND
	Mode        string // ModeProvisioned (default) or ModeOnDemand
	MaxRecordKB int    // 0 means 1024
	Tags        map[string]string
}

// HashRange is a shard's inclusive range of hash keys.
type HashRange struct {
	Start, End HashKey
}

// ShardInfo describes one shard.
type ShardInfo struct {
	ID             string // shardId-000000000000
	Parent         string // "" when none
	AdjacentParent string
	Range          HashRange
	StartSeq       string
	EndSeq         string        // "" while the shard is open
	LatestSeq      string        // last record appended, "" when none
	IteratorAge    time.Duration // how far the last GetRecords on it was behind the tip
	Created        time.Time
	Closed         time.Time // zero while open
}

// Open reports whether the shard still takes records.
func (s ShardInfo) Open() bool { return s.EndSeq == "" }

// Description is a stream's state.
type Description struct {
	Name           string
	ARN            string
	Status         string
	Mode           string
	RetentionHours int
	MaxRecordKB    int
	Created        time.Time
	Shards         []ShardInfo // every shard still within retention, by id
	OpenShards     int
	Tags           map[string]string
	IteratorAge    time.Duration // GetRecords.IteratorAgeMilliseconds, last seen
	Consumers      int           // registered enhanced fan-out consumers
}

// Summary is one entry of ListStreams.
type Summary struct {
	Name       string
	ARN        string
	Status     string
	Mode       string
	Created    time.Time
	OpenShards int
}

// PutInput is one record to append.
type PutInput struct {
	PartitionKey    string
	ExplicitHashKey string // decimal, optional
	Data            []byte
	OrderAfter      string // SequenceNumberForOrdering, optional
}

// PutResult says where a record went, or (in PutRecords) why it failed.
type PutResult struct {
	ShardID        string
	SequenceNumber string
	ErrorCode      Code // PutRecords only: per-record failure
	ErrorMessage   string
}

// Record is one stored record.
type Record struct {
	SequenceNumber string
	PartitionKey   string
	Data           []byte
	Arrival        time.Time
}

// IteratorInput asks for a shard iterator.
type IteratorInput struct {
	Stream   string
	ShardID  string
	Type     string
	Sequence string    // AT_/AFTER_SEQUENCE_NUMBER
	At       time.Time // AT_TIMESTAMP
}

// ChildShard names a shard that follows a closed one.
type ChildShard struct {
	ShardID string
	Parents []string
	Range   HashRange
}

// GetResult is what GetRecords returns.
type GetResult struct {
	Records            []Record
	NextIterator       string // "" once a closed shard has been read to its end
	MillisBehindLatest int64
	ChildShards        []ChildShard
}
