package wire_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// benchEnv is a durable core (a database file, full durability) served on
// 127.0.0.1, for benchmarks.
func snsBenchEnv(b *testing.B) *env {
	b.Helper()
	c, err := core.Open(core.Config{DataPath: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := wire.Listen(c, "127.0.0.1:0")
	if err != nil {
		c.Close()
		b.Fatal(err)
	}
	e := &env{core: c, srv: srv, ctx: context.Background()}
	e.sqs = sqs.New(sqs.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	b.Cleanup(e.stop)
	return e
}

// waitDelivered waits until the topic service has nothing pending.
func waitDelivered(b *testing.B, e *env) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		var pending int64
		for _, s := range e.core.Topics().Topics() {
			pending += s.Pending
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d deliveries pending", pending)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkSNSPublish16Clients publishes through the SDK from 16 clients at
// once to a topic with one sqs subscription; each publish is committed
// before it is acknowledged. Enveloped delivery signs every message
// (RSA-2048, SignatureVersion 1); raw delivery does not.
func BenchmarkSNSPublish16Clients(b *testing.B) {
	for _, raw := range []string{"false", "true"} {
		b.Run("raw="+raw, func(b *testing.B) { benchmarkPublish(b, raw) })
	}
}

func benchmarkPublish(b *testing.B, raw string) {
	e := snsBenchEnv(b)
	c := e.snsClient()
	out, err := c.CreateTopic(e.ctx, &sns.CreateTopicInput{Name: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("bench-q")}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: out.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("bench-q")),
		Attributes: map[string]string{"RawMessageDelivery": raw}}); err != nil {
		b.Fatal(err)
	}
	clients := make(chan *sns.Client, 16)
	for i := 0; i < 16; i++ {
		clients <- e.snsClient()
	}
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0))) // 16 goroutines in all
	var n atomic.Int64
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		cl := <-clients
		for pb.Next() {
			if _, err := cl.Publish(e.ctx, &sns.PublishInput{TopicArn: out.TopicArn, Message: aws.String(fmt.Sprintf("m%d", n.Add(1)))}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "publishes/s")
	waitDelivered(b, e)
}

// BenchmarkSNSFanOut100 publishes one message at a time to a topic with
// 100 sqs subscriptions and waits until all 100 queues have it.
func BenchmarkSNSFanOut100(b *testing.B) {
	e := snsBenchEnv(b)
	c := e.snsClient()
	out, err := c.CreateTopic(e.ctx, &sns.CreateTopicInput{Name: aws.String("fan")})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("fan-%03d", i)
		if _, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: &name}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: out.TopicArn, Protocol: aws.String("sqs"),
			Endpoint: aws.String(queueARN(name)), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: out.TopicArn, Message: aws.String("fan")}); err != nil {
			b.Fatal(err)
		}
		waitDelivered(b, e)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(100*b.N)/elapsed.Seconds(), "deliveries/s")
}
