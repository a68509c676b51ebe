package core_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
)

// Message-traffic events say how many messages or records they cover
// (event.Count), so that a watcher can add them up; other events say 0.
func TestTrafficEventsCarryTheirCount(t *testing.T) {
	c, ctx := wired(t)
	sub := c.Events(256)
	defer sub.Close()
	qs := c.Queues()
	if err := qs.CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	var batch []queue.SendBatchEntry
	for i := range 3 {
		batch = append(batch, queue.SendBatchEntry{ID: fmt.Sprint("m", i), SendInput: queue.SendInput{Body: "x"}})
	}
	if _, err := qs.SendMessageBatch(ctx, "orders", batch); err != nil {
		t.Fatal(err)
	}
	got, err := qs.ReceiveMessage(ctx, "orders", queue.ReceiveInput{MaxNumberOfMessages: 2})
	if err != nil || len(got) != 2 {
		t.Fatalf("receive: %d, %v", len(got), err)
	}
	var del []queue.DeleteBatchEntry
	for i, m := range got {
		del = append(del, queue.DeleteBatchEntry{ID: fmt.Sprint("d", i), ReceiptHandle: m.ReceiptHandle})
	}
	if _, err := qs.DeleteMessageBatch(ctx, "orders", del); err != nil {
		t.Fatal(err)
	}
	arn, err := c.Topics().CreateTopic(ctx, "news", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Topics().Subscribe(ctx, arn, "sqs", qs.ARN("orders"), map[string]string{"RawMessageDelivery": "true"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Topics().Publish(ctx, topic.PublishInput{TopicARN: arn, Message: "hello"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Streams().Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Streams().PutRecords(ctx, "clicks", []stream.PutInput{{PartitionKey: "a", Data: []byte("1")}, {PartitionKey: "b", Data: []byte("2")}}); err != nil {
		t.Fatal(err)
	}

	type key struct {
		service string
		kind    event.Kind
	}
	want := map[key]int{
		{"queue", event.MessageSent}:      3,
		{"queue", event.MessageReceived}:  2,
		{"queue", event.MessageDeleted}:   2,
		{"topic", event.MessagePublished}: 1,
		{"topic", event.MessageDelivered}: 1,
		{"stream", event.MessageSent}:     2,
	}
	seen := map[key]int{}
	timeout := time.After(10 * time.Second)
	for len(seen) < len(want) || seen[key{"queue", event.MessageSent}] < 4 { // the batch, then the delivery
		select {
		case e := <-sub.C:
			k := key{e.Service, e.Kind}
			n, traffic := want[k]
			switch {
			case !traffic && e.Count != 0:
				t.Errorf("%s %s %q counts %d", e.Service, e.Kind, e.Message, e.Count)
			case traffic && k == key{"queue", event.MessageSent} && seen[k] == 3:
				if e.Count != 1 {
					t.Errorf("delivery into the queue counts %d", e.Count)
				}
				seen[k]++
			case traffic && e.Count != n:
				t.Errorf("%s %s %q counts %d, want %d", e.Service, e.Kind, e.Message, e.Count, n)
			case traffic:
				seen[k] += e.Count
			}
		case <-timeout:
			t.Fatalf("saw %v, want %v", seen, want)
		}
	}
}
