package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/monitor"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
)

// TestMonitorSamplesEveryKind drives the core's monitor by hand (the core's
// clock is frozen, so it does not tick by itself) and checks each kind's
// series under their CloudWatch names.
func TestMonitorSamplesEveryKind(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c, err := core.Open(core.Config{Memory: true, Clock: clock.NewFrozen(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	topicARN, err := c.Topics().CreateTopic(ctx, "events", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	subARN, err := c.Topics().Subscribe(ctx, topicARN, "sqs", c.Queues().ARN("orders"), map[string]string{"RawMessageDelivery": "true"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Streams().Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 2}); err != nil {
		t.Fatal(err)
	}
	sm, err := c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "flow", Type: "EXPRESS",
		Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`})
	if err != nil {
		t.Fatal(err)
	}

	m := c.Monitor()
	if m != c.Monitor() {
		t.Fatal("Monitor is not one per core")
	}
	m.Tick(t0)
	for range 4 {
		if _, err := c.Queues().SendMessage(ctx, "orders", queue.SendInput{Body: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := c.Topics().Publish(ctx, topic.PublishInput{TopicARN: topicARN, Message: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := c.Streams().PutRecord(ctx, "clicks", stream.PutInput{PartitionKey: "k", Data: []byte("abcd")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Machines().StartExecution(ctx, machine.StartInput{StateMachineArn: sm.Arn}); err != nil {
		t.Fatal(err)
	}
	// Deliveries and the execution finish on their own goroutines.
	eventually(t, "the topic deliveries and the execution", func() bool {
		ts := c.Topics().Topics()
		return len(ts) == 1 && ts[0].Delivered == 2 && len(c.Queues().List()) == 1 && c.Queues().List()[0].Visible == 6
	})
	m.Tick(t0.Add(2 * time.Second))

	want := []struct {
		k    monitor.Key
		want float64
	}{
		{monitor.Key{Kind: monitor.Queue, Resource: "orders", Metric: monitor.NumberOfMessagesSent}, 3}, // 4 sends + 2 deliveries in 2 s
		{monitor.Key{Kind: monitor.Queue, Resource: "orders", Metric: monitor.ApproximateNumberOfMessagesVisible}, 6},
		{monitor.Key{Kind: monitor.Topic, Resource: "events", Metric: monitor.NumberOfMessagesPublished}, 1},
		{monitor.Key{Kind: monitor.Topic, Resource: "events", Metric: monitor.NumberOfNotificationsDelivered}, 1},
		{monitor.Key{Kind: monitor.Topic, Resource: "events", Dimension: subARN, Metric: monitor.NumberOfNotificationsDelivered}, 1},
		{monitor.Key{Kind: monitor.Topic, Resource: "events", Dimension: subARN, Metric: monitor.NumberOfNotificationsFailed}, 0},
		{monitor.Key{Kind: monitor.Stream, Resource: "clicks", Metric: monitor.IncomingRecords}, 1.5},
		{monitor.Key{Kind: monitor.Stream, Resource: "clicks", Metric: monitor.IncomingBytes}, 7.5}, // data and partition key: 3 × 5 bytes in 2 s
		{monitor.Key{Kind: monitor.StateMachine, Resource: "flow", Metric: monitor.ExecutionsStarted}, 0.5},
	}
	for _, w := range want {
		if v, ok := m.Last(w.k); !ok || v != w.want {
			t.Errorf("%+v = %v (%v), want %v", w.k, v, ok, w.want)
		}
	}

	// A deleted queue's history goes with it.
	if err := c.Queues().DeleteQueue(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	m.Tick(t0.Add(3 * time.Second))
	if keys := m.Keys(monitor.Queue, "orders"); len(keys) != 0 {
		t.Errorf("deleted queue still has series %v", keys)
	}
}

// BenchmarkMonitorTick200 is one sampling tick of a core with 200 queues
// (sent to), 200 topics and 200 streams.
func BenchmarkMonitorTick200(b *testing.B) {
	c, err := core.Open(core.Config{Memory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for i := range 200 {
		name := "r" + string(rune('a'+i%26)) + time.Duration(i).String()
		if err := c.Queues().CreateQueue(ctx, name, nil, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Queues().SendMessage(ctx, name, queue.SendInput{Body: "x"}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Topics().CreateTopic(ctx, name, nil, nil); err != nil {
			b.Fatal(err)
		}
		if err := c.Streams().Create(ctx, stream.CreateInput{Name: name, ShardCount: 1}); err != nil {
			b.Fatal(err)
		}
	}
	m := monitor.New(monitor.Config{Sources: c.MonitorSources()})
	now := time.Now()
	m.Tick(now)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now = now.Add(500 * time.Millisecond)
		m.Tick(now)
	}
	b.ReportMetric(float64(m.Len()), "series")
}
