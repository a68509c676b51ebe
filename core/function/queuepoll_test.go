package function

import (
	"maps"
	"slices"
	"testing"
)

func TestHoldBackGroups(t *testing.T) {
	msg := func(id, group string) QueueMessage {
		return QueueMessage{MessageID: id, Attributes: map[string]string{"MessageGroupId": group}}
	}
	batch := []QueueMessage{msg("a1", "a"), msg("b1", "b"), msg("a2", "a"), msg("b2", "b"), msg("a3", "a"), msg("c1", "c")}
	failed := map[string]bool{"a2": true}
	holdBackGroups(batch, failed)
	got := slices.Sorted(maps.Keys(failed))
	if !slices.Equal(got, []string{"a2", "a3"}) {
		t.Fatalf("failed %v, want a2 and the a3 behind it", got)
	}
}

func TestSQSEventShape(t *testing.T) {
	ev := sqsEvent("arn:aws:sqs:us-east-1:000000000000:q", "us-east-1", []QueueMessage{{
		MessageID: "m1", ReceiptHandle: "h1", Body: "hello", MD5OfBody: "5d41402abc4b2a76b9719d911017c592",
		Attributes:        map[string]string{"ApproximateReceiveCount": "1"},
		MessageAttributes: map[string]QueueMessageAttribute{"s": {DataType: "String", StringValue: "v"}, "b": {DataType: "Binary", BinaryValue: []byte{1}}},
	}})
	r := ev.Records[0]
	if r.EventSource != "aws:sqs" || r.EventSourceARN != "arn:aws:sqs:us-east-1:000000000000:q" || r.AWSRegion != "us-east-1" ||
		r.MessageId != "m1" || r.ReceiptHandle != "h1" || r.Body != "hello" || r.Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("record %+v", r)
	}
	if s := r.MessageAttributes["s"]; s.StringValue == nil || *s.StringValue != "v" || s.DataType != "String" {
		t.Fatalf("string attribute %+v", s)
	}
	if b := r.MessageAttributes["b"]; b.StringValue != nil || len(b.BinaryValue) != 1 || b.DataType != "Binary" {
		t.Fatalf("binary attribute %+v", b)
	}
}
