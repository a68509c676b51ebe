package wire_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/store"
	"github.com/skyport-dev/skyport/core/stream"
)

// benchEnv starts a durable core on a temporary file with one stream.
func benchEnv(b *testing.B, shards int32) (*env, *kinesis.Client) {
	b.Helper()
	e := start(b, core.Config{DataPath: b.TempDir() + "/bench.db"})
	k := kinesisClient(e)
	if _, err := k.CreateStream(e.ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(shards)}); err != nil {
		b.Fatal(err)
	}
	return e, k
}

// BenchmarkKinesisPutRecords sends PutRecords of 500 × 1 KiB through the
// SDK to a durable core.
func BenchmarkKinesisPutRecords(b *testing.B) {
	e, k := benchEnv(b, 4)
	data := make([]byte, 1024)
	entries := make([]types.PutRecordsRequestEntry, 500)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(i)), Data: data}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := k.PutRecords(e.ctx, &kinesis.PutRecordsInput{StreamName: aws.String("bench"), Records: entries})
		if err != nil || *out.FailedRecordCount != 0 {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*500)/sec, "records/s")
	b.ReportMetric(float64(b.N*500*1024)/sec/(1<<20), "MiB/s")
}

// BenchmarkKinesisPutRecord16Clients sends single 1 KiB PutRecords from 16
// concurrent SDK clients.
func BenchmarkKinesisPutRecord16Clients(b *testing.B) {
	e, k := benchEnv(b, 4)
	data := make([]byte, 1024)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("bench"), PartitionKey: aws.String(fmt.Sprint(i)), Data: data}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkKinesisGetRecords reads 10,000-record pages of 1 KiB records
// through the SDK from a shard holding 1,000,000 records (filled through
// the Go API with relaxed durability, to save time), at its head
// (TRIM_HORIZON) and at its tail (the last 10,000).
func BenchmarkKinesisGetRecords(b *testing.B) {
	const total, page = 1_000_000, 10_000
	e := start(b, core.Config{DataPath: b.TempDir() + "/read.db", Durability: store.Relaxed})
	k := kinesisClient(e)
	svc := e.core.Streams()
	ctx := context.Background()
	if err := svc.Create(ctx, stream.CreateInput{Name: "read", ShardCount: 1}); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 1024)
	batch := make([]stream.PutInput, 500)
	for i := range batch {
		batch[i] = stream.PutInput{PartitionKey: "k", Data: data}
	}
	var seqs []string
	for i := 0; i < total/500; i++ {
		res, err := svc.PutRecords(ctx, "read", batch)
		if err != nil {
			b.Fatal(err)
		}
		seqs = append(seqs, res[0].SequenceNumber)
	}
	tailStart := seqs[len(seqs)-page/500]
	for _, c := range []struct {
		name string
		in   *kinesis.GetShardIteratorInput
	}{
		{"head", &kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeTrimHorizon}},
		{"tail", &kinesis.GetShardIteratorInput{ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(tailStart)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.in.StreamName, c.in.ShardId = aws.String("read"), aws.String("shardId-000000000000")
			bytes := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				it, err := k.GetShardIterator(e.ctx, c.in)
				if err != nil {
					b.Fatal(err)
				}
				out, err := k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(page)})
				if err != nil || len(out.Records) != page {
					b.Fatalf("GetRecords: %v", err)
				}
				bytes += page * 1024
			}
			b.ReportMetric(float64(bytes)/b.Elapsed().Seconds()/(1<<20), "MiB/s")
		})
	}
}
