package function

import (
	"context"
	"time"
)

// QueueSource is what queue → function mappings need from the queue
// service; core.go adapts *queue.Service to it.
type QueueSource interface {
	// QueueInfo describes the named queue, or fails when it does not exist.
	QueueInfo(name string) (QueueInfo, error)
	// Receive takes up to max (1–10) messages, hiding them for the queue's
	// visibility timeout, waiting up to wait (0–20 s) for the first. It
	// receives every system and message attribute. Receiving applies the
	// queue's redrive policy (messages past maxReceiveCount move to its
	// dead-letter queue).
	Receive(ctx context.Context, name string, max int, wait time.Duration) ([]QueueMessage, error)
	// ChangeVisibility sets the visibility timeout of received messages.
	ChangeVisibility(ctx context.Context, name string, receiptHandles []string, timeout time.Duration) error
	// Delete deletes received messages.
	Delete(ctx context.Context, name string, receiptHandles []string) error
}

// QueueInfo is what a mapping needs to know about its queue.
type QueueInfo struct {
	ARN               string
	FIFO              bool
	VisibilityTimeout time.Duration
}

// QueueMessage is a received message.
type QueueMessage struct {
	MessageID              string
	ReceiptHandle          string
	Body                   string
	MD5OfBody              string
	MD5OfMessageAttributes string
	Attributes             map[string]string // SentTimestamp, ApproximateReceiveCount, …
	MessageAttributes      map[string]QueueMessageAttribute
}

// QueueMessageAttribute is one message attribute.
type QueueMessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// StreamSource is what stream → function mappings need from the stream
// service (Kinesis semantics); core.go adapts the stream service to it.
type StreamSource interface {
	// ListShards returns every shard of the stream (open and closed, not
	// yet trimmed), parents before children.
	ListShards(ctx context.Context, streamARN string) ([]StreamShard, error)
	// ShardIterator returns an iterator for a shard: kind is TRIM_HORIZON,
	// LATEST, AT_TIMESTAMP (with at), AT_SEQUENCE_NUMBER or
	// AFTER_SEQUENCE_NUMBER (with sequence).
	ShardIterator(ctx context.Context, streamARN, shardID, kind, sequence string, at time.Time) (string, error)
	// GetRecords reads up to limit records from an iterator. Next is ""
	// once the shard is closed and read to its end. An expired or invalid
	// iterator is an error; the mapping then asks for a new one.
	GetRecords(ctx context.Context, iterator string, limit int) (records []StreamRecord, next string, err error)
}

// StreamNotifier may also be implemented by a StreamSource: Appended
// returns a channel that is signalled (or closed) when records are added
// to the stream, so pollers need not wait for their next poll.
type StreamNotifier interface {
	Appended(streamARN string) <-chan struct{}
}

// StreamShard is one shard of a stream.
type StreamShard struct {
	ShardID               string
	ParentShardID         string
	AdjacentParentShardID string
}

// StreamRecord is one record read from a shard.
type StreamRecord struct {
	SequenceNumber string
	PartitionKey   string
	Data           []byte
	ArrivalTime    time.Time
}

// Destinations delivers the records of a failed stream batch's
// on-failure destination (a queue or topic ARN); core.go wires it to the
// queue and topic services.
type Destinations interface {
	Deliver(ctx context.Context, destinationARN string, body []byte) error
}
