package wire_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/skyport-dev/skyport/core"
)

// nextEvent waits for the next SubscribeToShardEvent; ok is false when the
// stream ended.
func nextEvent(t *testing.T, s *kinesis.SubscribeToShardEventStream) (types.SubscribeToShardEvent, bool) {
	t.Helper()
	select {
	case ev, ok := <-s.Events():
		if !ok {
			t.Logf("event stream closed: %v", s.Err())
			return types.SubscribeToShardEvent{}, false
		}
		v, isEvent := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !isEvent {
			t.Fatalf("unexpected event %T", ev)
		}
		return v.Value, true
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return types.SubscribeToShardEvent{}, false
}

func TestKinesisEnhancedFanOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "efo.db")
	e := start(t, core.Config{DataPath: path})
	k := kinesisClient(e)
	createStream(t, e, k, "fan", 1)
	arn := aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/fan")
	reg, err := k.RegisterStreamConsumer(e.ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	consumer := reg.Consumer.ConsumerARN
	_, err = k.RegisterStreamConsumer(e.ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("app")})
	wantCode(t, err, "ResourceInUseException")
	d, err := k.DescribeStreamConsumer(e.ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: consumer})
	if err != nil || d.ConsumerDescription.ConsumerStatus != types.ConsumerStatusActive || *d.ConsumerDescription.StreamARN != *arn {
		t.Fatalf("DescribeStreamConsumer: %v %+v", err, d)
	}
	if _, err := k.RegisterStreamConsumer(e.ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("audit")}); err != nil {
		t.Fatal(err)
	}
	l, err := k.ListStreamConsumers(e.ctx, &kinesis.ListStreamConsumersInput{StreamARN: arn, MaxResults: aws.Int32(1)})
	if err != nil || len(l.Consumers) != 1 || *l.Consumers[0].ConsumerName != "app" || l.NextToken == nil {
		t.Fatalf("ListStreamConsumers: %v %+v", err, l)
	}
	l2, err := k.ListStreamConsumers(e.ctx, &kinesis.ListStreamConsumersInput{StreamARN: arn, NextToken: l.NextToken})
	if err != nil || len(l2.Consumers) != 1 || *l2.Consumers[0].ConsumerName != "audit" {
		t.Fatalf("ListStreamConsumers page 2: %v", err)
	}

	for i := 0; i < 5; i++ {
		if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("fan"), PartitionKey: aws.String("k"), Data: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := k.SubscribeToShard(e.ctx, &kinesis.SubscribeToShardInput{ConsumerARN: consumer, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	if err != nil {
		t.Fatal(err)
	}
	s := sub.GetStream()
	ev, ok := nextEvent(t, s)
	if !ok || len(ev.Records) != 5 || string(ev.Records[0].Data) != "0" || *ev.ContinuationSequenceNumber != *ev.Records[4].SequenceNumber {
		t.Fatalf("first event: %v %+v", ok, ev)
	}
	// One subscription per consumer and shard.
	_, err = k.SubscribeToShard(e.ctx, &kinesis.SubscribeToShardInput{ConsumerARN: consumer, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
	wantCode(t, err, "ResourceInUseException")
	// New records are pushed as they are committed.
	if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("fan"), PartitionKey: aws.String("k"), Data: []byte("live")}); err != nil {
		t.Fatal(err)
	}
	ev, ok = nextEvent(t, s)
	if !ok || len(ev.Records) != 1 || string(ev.Records[0].Data) != "live" {
		t.Fatalf("pushed event: %v %+v", ok, ev)
	}
	// A split ends the parent's subscription with its children.
	if _, err := k.SplitShard(e.ctx, &kinesis.SplitShardInput{StreamName: aws.String("fan"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("12345")}); err != nil {
		t.Fatal(err)
	}
	ev, ok = nextEvent(t, s)
	if !ok || ev.ContinuationSequenceNumber != nil || len(ev.ChildShards) != 2 {
		t.Fatalf("closing event: %v %+v", ok, ev)
	}
	if _, ok := nextEvent(t, s); ok {
		t.Fatal("stream goes on after the shard ended")
	}
	s.Close()

	// Consumers survive a restart; deregistering removes them.
	e.stop()
	e = start(t, core.Config{DataPath: path})
	k = kinesisClient(e)
	sum, err := k.DescribeStreamSummary(e.ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: arn})
	if err != nil || *sum.StreamDescriptionSummary.ConsumerCount != 2 {
		t.Fatalf("consumers after restart: %v", err)
	}
	// Resume after the continuation number on a child shard.
	sub, err = k.SubscribeToShard(e.ctx, &kinesis.SubscribeToShardInput{ConsumerARN: consumer, ShardId: aws.String("shardId-000000000002"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	if err != nil {
		t.Fatal(err)
	}
	s = sub.GetStream()
	out, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("fan"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("99999"), Data: []byte("child")})
	if err != nil || *out.ShardId != "shardId-000000000002" {
		t.Fatalf("put to child: %v %v", err, out)
	}
	// The stream must carry the record without a resubscription (SDK
	// clients use internal/sdkhttp, which keeps smithy-go's request-body
	// race from closing long-lived event streams).
	for {
		ev, ok := nextEvent(t, s)
		if !ok {
			t.Fatal("child stream ended")
		}
		if len(ev.Records) == 1 && string(ev.Records[0].Data) == "child" {
			break
		}
	}
	s.Close()
	if _, err := k.DeregisterStreamConsumer(e.ctx, &kinesis.DeregisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("audit")}); err != nil {
		t.Fatal(err)
	}
	_, err = k.DescribeStreamConsumer(e.ctx, &kinesis.DescribeStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("audit")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = k.SubscribeToShard(e.ctx, &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(*arn + "/consumer/nope:1"), ShardId: aws.String("shardId-000000000001"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
	wantCode(t, err, "ResourceNotFoundException")
}
