package wire_test

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"math/big"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

func kinesisClient(e *env) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		HTTPClient:   sdkhttp.Client(),
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.srv.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// No retries: a throttling code such as LimitExceededException must
		// reach the test at once.
		RetryMaxAttempts: 1,
	})
}

// frozenConfig returns a core config on a frozen clock.
func frozenConfig(path string) (core.Config, *clock.Clock) {
	clk := clock.NewFrozen(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return core.Config{DataPath: path, Clock: clk}, clk
}

func createStream(t *testing.T, e *env, k *kinesis.Client, name string, shards int32) {
	t.Helper()
	if _, err := k.CreateStream(e.ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("CreateStream %s: %v", name, err)
	}
}

func listShards(t *testing.T, e *env, k *kinesis.Client, name string) []types.Shard {
	t.Helper()
	out, err := k.ListShards(e.ctx, &kinesis.ListShardsInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Shards
}

func iterator(t *testing.T, e *env, k *kinesis.Client, name, shard string, typ types.ShardIteratorType, seq string) string {
	t.Helper()
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(shard), ShardIteratorType: typ}
	if seq != "" {
		in.StartingSequenceNumber = aws.String(seq)
	}
	out, err := k.GetShardIterator(e.ctx, in)
	if err != nil {
		t.Fatalf("GetShardIterator %s %s: %v", shard, typ, err)
	}
	return *out.ShardIterator
}

// readAll follows a shard's iterators until no record is left (or the
// shard ends), returning the records and whether the shard ended.
func readAll(t *testing.T, e *env, k *kinesis.Client, it string) ([]types.Record, bool) {
	t.Helper()
	var all []types.Record
	for i := 0; i < 10000; i++ {
		out, err := k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		all = append(all, out.Records...)
		if out.NextShardIterator == nil {
			return all, true
		}
		if len(out.Records) == 0 {
			return all, false
		}
		it = *out.NextShardIterator
	}
	t.Fatal("readAll did not finish")
	return nil, false
}

func bigKey(s string) *big.Int { b, _ := new(big.Int).SetString(s, 10); return b }

func TestKinesisStreamLifecycle(t *testing.T) {
	e := start(t, core.Config{})
	k := kinesisClient(e)
	createStream(t, e, k, "orders", 3)
	_, err := k.CreateStream(e.ctx, &kinesis.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(1)})
	wantCode(t, err, "ResourceInUseException")
	_, err = k.CreateStream(e.ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bad name!"), ShardCount: aws.Int32(1)})
	wantCode(t, err, "ValidationException")
	_, err = k.CreateStream(e.ctx, &kinesis.CreateStreamInput{StreamName: aws.String("huge"), ShardCount: aws.Int32(501)})
	wantCode(t, err, "LimitExceededException")

	d, err := k.DescribeStream(e.ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	sd := d.StreamDescription
	if sd.StreamStatus != types.StreamStatusActive || len(sd.Shards) != 3 || *sd.RetentionPeriodHours != 24 ||
		*sd.StreamARN != "arn:aws:kinesis:us-east-1:000000000000:stream/orders" || sd.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
		t.Fatalf("DescribeStream: %+v", sd)
	}
	// Shards tile the hash-key space exactly.
	next := big.NewInt(0)
	for _, s := range sd.Shards {
		if bigKey(*s.HashKeyRange.StartingHashKey).Cmp(next) != 0 {
			t.Fatalf("shard %s starts at %s, want %s", *s.ShardId, *s.HashKeyRange.StartingHashKey, next)
		}
		next = new(big.Int).Add(bigKey(*s.HashKeyRange.EndingHashKey), big.NewInt(1))
	}
	if want := new(big.Int).Lsh(big.NewInt(1), 128); next.Cmp(want) != 0 {
		t.Fatalf("shards end at %s", next)
	}
	page, err := k.DescribeStream(e.ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("orders"), Limit: aws.Int32(2)})
	if err != nil || len(page.StreamDescription.Shards) != 2 || !*page.StreamDescription.HasMoreShards {
		t.Fatalf("DescribeStream page: %v", err)
	}
	sum, err := k.DescribeStreamSummary(e.ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: sd.StreamARN})
	if err != nil || *sum.StreamDescriptionSummary.OpenShardCount != 3 || *sum.StreamDescriptionSummary.MaxRecordSizeInKiB != 1024 {
		t.Fatalf("DescribeStreamSummary: %v %+v", err, sum)
	}
	if _, err := k.CreateStream(e.ctx, &kinesis.CreateStreamInput{StreamName: aws.String("clicks"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	if n := len(listShards(t, e, k, "clicks")); n != 4 {
		t.Fatalf("on-demand stream has %d shards", n)
	}
	ls, err := k.ListStreams(e.ctx, &kinesis.ListStreamsInput{Limit: aws.Int32(1)})
	if err != nil || len(ls.StreamNames) != 1 || ls.StreamNames[0] != "clicks" || !*ls.HasMoreStreams || ls.NextToken == nil {
		t.Fatalf("ListStreams page 1: %v %+v", err, ls)
	}
	ls2, err := k.ListStreams(e.ctx, &kinesis.ListStreamsInput{NextToken: ls.NextToken})
	if err != nil || len(ls2.StreamNames) != 1 || ls2.StreamNames[0] != "orders" || *ls2.HasMoreStreams {
		t.Fatalf("ListStreams page 2: %v %+v", err, ls2)
	}

	// Tags.
	if _, err := k.AddTagsToStream(e.ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("orders"), Tags: map[string]string{"team": "a", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.RemoveTagsFromStream(e.ctx, &kinesis.RemoveTagsFromStreamInput{StreamName: aws.String("orders"), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.TagResource(e.ctx, &kinesis.TagResourceInput{ResourceARN: sd.StreamARN, Tags: map[string]string{"cost": "x"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := k.ListTagsForStream(e.ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String("orders")})
	if err != nil || len(tags.Tags) != 2 || *tags.Tags[0].Key != "cost" || *tags.Tags[1].Key != "team" || *tags.HasMoreTags {
		t.Fatalf("ListTagsForStream: %v %+v", err, tags)
	}
	rt, err := k.ListTagsForResource(e.ctx, &kinesis.ListTagsForResourceInput{ResourceARN: sd.StreamARN})
	if err != nil || len(rt.Tags) != 2 {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	if _, err := k.UntagResource(e.ctx, &kinesis.UntagResourceInput{ResourceARN: sd.StreamARN, TagKeys: []string{"cost"}}); err != nil {
		t.Fatal(err)
	}

	// Retention, mode and record size.
	_, err = k.DecreaseStreamRetentionPeriod(e.ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("orders"), RetentionPeriodHours: aws.Int32(48)})
	wantCode(t, err, "InvalidArgumentException")
	if _, err := k.IncreaseStreamRetentionPeriod(e.ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("orders"), RetentionPeriodHours: aws.Int32(48)}); err != nil {
		t.Fatal(err)
	}
	_, err = k.IncreaseStreamRetentionPeriod(e.ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("orders"), RetentionPeriodHours: aws.Int32(9000)})
	wantCode(t, err, "InvalidArgumentException")
	if _, err := k.UpdateStreamMode(e.ctx, &kinesis.UpdateStreamModeInput{StreamARN: sd.StreamARN,
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	_, err = k.UpdateMaxRecordSize(e.ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: sd.StreamARN, MaxRecordSizeInKiB: aws.Int32(20000)})
	wantCode(t, err, "ValidationException")
	if _, err := k.UpdateMaxRecordSize(e.ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: sd.StreamARN, MaxRecordSizeInKiB: aws.Int32(2048)}); err != nil {
		t.Fatal(err)
	}
	sum, _ = k.DescribeStreamSummary(e.ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("orders")})
	if *sum.StreamDescriptionSummary.RetentionPeriodHours != 48 || *sum.StreamDescriptionSummary.MaxRecordSizeInKiB != 2048 ||
		sum.StreamDescriptionSummary.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
		t.Fatalf("summary after updates: %+v", sum.StreamDescriptionSummary)
	}
	lim, err := k.DescribeLimits(e.ctx, &kinesis.DescribeLimitsInput{})
	if err != nil || *lim.OpenShardCount != 7 || *lim.ShardLimit != 500 {
		t.Fatalf("DescribeLimits: %v %+v", err, lim)
	}

	if _, err := k.DeleteStream(e.ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	_, err = k.DescribeStream(e.ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("orders")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestKinesisRoutingFollowsMD5(t *testing.T) {
	e := start(t, core.Config{})
	k := kinesisClient(e)
	createStream(t, e, k, "route", 5)
	shards := listShards(t, e, k, "route")
	owner := func(h *big.Int) string {
		for _, s := range shards {
			if h.Cmp(bigKey(*s.HashKeyRange.StartingHashKey)) >= 0 && h.Cmp(bigKey(*s.HashKeyRange.EndingHashKey)) <= 0 {
				return *s.ShardId
			}
		}
		return ""
	}
	for i := 0; i < 200; i++ {
		pk := fmt.Sprintf("user-%d", i)
		sum := md5.Sum([]byte(pk))
		out, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("route"), PartitionKey: aws.String(pk), Data: []byte(pk)})
		if err != nil {
			t.Fatal(err)
		}
		if want := owner(new(big.Int).SetBytes(sum[:])); *out.ShardId != want {
			t.Fatalf("%s went to %s, MD5 says %s", pk, *out.ShardId, want)
		}
	}
	// An explicit hash key wins over the partition key.
	last := *shards[4].HashKeyRange.EndingHashKey
	out, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("route"), PartitionKey: aws.String("user-0"),
		ExplicitHashKey: aws.String(last), Data: []byte("x")})
	if err != nil || *out.ShardId != *shards[4].ShardId {
		t.Fatalf("explicit hash key: %v %v", out, err)
	}
	res, err := k.PutRecords(e.ctx, &kinesis.PutRecordsInput{StreamName: aws.String("route"), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("a"), Data: []byte("1")},
		{PartitionKey: aws.String("b"), Data: []byte("2"), ExplicitHashKey: aws.String("0")},
	}})
	if err != nil || *res.FailedRecordCount != 0 || *res.Records[1].ShardId != *shards[0].ShardId {
		t.Fatalf("PutRecords: %v %+v", err, res)
	}

	// Bad input: the AWS code, nothing stored.
	for _, c := range []struct {
		in   *kinesis.PutRecordInput
		code string
	}{
		{&kinesis.PutRecordInput{StreamName: aws.String("route"), PartitionKey: aws.String("k"), Data: []byte("x"), ExplicitHashKey: aws.String(new(big.Int).Lsh(big.NewInt(1), 128).String())}, "InvalidArgumentException"},
		{&kinesis.PutRecordInput{StreamName: aws.String("route"), PartitionKey: aws.String("k"), Data: []byte("x"), ExplicitHashKey: aws.String("-1")}, "InvalidArgumentException"},
		{&kinesis.PutRecordInput{StreamName: aws.String("route"), PartitionKey: aws.String("k"), Data: make([]byte, 1<<20)}, "InvalidArgumentException"},
		{&kinesis.PutRecordInput{StreamName: aws.String("nope"), PartitionKey: aws.String("k"), Data: []byte("x")}, "ResourceNotFoundException"},
		{&kinesis.PutRecordInput{StreamName: aws.String("route"), PartitionKey: aws.String(string(make([]byte, 257))), Data: []byte("x")}, "ValidationException"},
	} {
		_, err := k.PutRecord(e.ctx, c.in)
		wantCode(t, err, c.code)
	}
	big := make([]types.PutRecordsRequestEntry, 6)
	for i := range big {
		big[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("p"), Data: make([]byte, 1000_000)}
	}
	_, err = k.PutRecords(e.ctx, &kinesis.PutRecordsInput{StreamName: aws.String("route"), Records: big})
	wantCode(t, err, "InvalidArgumentException")
	total := 0
	for _, s := range shards {
		recs, _ := readAll(t, e, k, iterator(t, e, k, "route", *s.ShardId, types.ShardIteratorTypeTrimHorizon, ""))
		total += len(recs)
	}
	if total != 203 {
		t.Fatalf("stored %d records, want 203", total)
	}
}

func TestKinesisIteratorTypes(t *testing.T) {
	cfg, clk := frozenConfig("")
	e := start(t, cfg)
	k := kinesisClient(e)
	createStream(t, e, k, "it", 1)
	var seqs []string
	for i := 0; i < 10; i++ {
		out, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("it"), PartitionKey: aws.String("k"), Data: []byte{byte(i)}})
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && bigKey(*out.SequenceNumber).Cmp(bigKey(seqs[i-1])) <= 0 {
			t.Fatalf("sequence numbers do not increase: %s after %s", *out.SequenceNumber, seqs[i-1])
		}
		seqs = append(seqs, *out.SequenceNumber)
		clk.Advance(time.Second)
	}
	shard := "shardId-000000000000"
	firstData := func(it string) (int, int) {
		recs, _ := readAll(t, e, k, it)
		if len(recs) == 0 {
			return -1, 0
		}
		return int(recs[0].Data[0]), len(recs)
	}
	if d, n := firstData(iterator(t, e, k, "it", shard, types.ShardIteratorTypeTrimHorizon, "")); d != 0 || n != 10 {
		t.Fatalf("TRIM_HORIZON: first %d, %d records", d, n)
	}
	if d, n := firstData(iterator(t, e, k, "it", shard, types.ShardIteratorTypeAtSequenceNumber, seqs[4])); d != 4 || n != 6 {
		t.Fatalf("AT_SEQUENCE_NUMBER: first %d, %d records", d, n)
	}
	if d, n := firstData(iterator(t, e, k, "it", shard, types.ShardIteratorTypeAfterSequenceNumber, seqs[4])); d != 5 || n != 5 {
		t.Fatalf("AFTER_SEQUENCE_NUMBER: first %d, %d records", d, n)
	}
	at, err := k.GetShardIterator(e.ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("it"), ShardId: aws.String(shard),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.Date(2026, 1, 1, 0, 0, 7, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	if d, n := firstData(*at.ShardIterator); d != 7 || n != 3 {
		t.Fatalf("AT_TIMESTAMP: first %d, %d records", d, n)
	}
	latest := iterator(t, e, k, "it", shard, types.ShardIteratorTypeLatest, "")
	if _, n := firstData(latest); n != 0 {
		t.Fatalf("LATEST returned %d old records", n)
	}
	if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("it"), PartitionKey: aws.String("k"), Data: []byte{10}}); err != nil {
		t.Fatal(err)
	}
	if d, n := firstData(latest); d != 10 || n != 1 {
		t.Fatalf("LATEST then put: first %d, %d records", d, n)
	}

	// GetRecords: Limit, NextShardIterator, MillisBehindLatest, arrival time.
	out, err := k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(iterator(t, e, k, "it", shard, types.ShardIteratorTypeTrimHorizon, "")), Limit: aws.Int32(3)})
	if err != nil || len(out.Records) != 3 || out.NextShardIterator == nil {
		t.Fatalf("GetRecords limit 3: %v", err)
	}
	if !out.Records[0].ApproximateArrivalTimestamp.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || *out.Records[0].PartitionKey != "k" {
		t.Fatalf("record 0: %+v", out.Records[0])
	}
	if *out.MillisBehindLatest != 7000 {
		t.Fatalf("MillisBehindLatest %d, want 7000", *out.MillisBehindLatest)
	}
	out2, err := k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: out.NextShardIterator})
	if err != nil || len(out2.Records) != 8 || int(out2.Records[0].Data[0]) != 3 || *out2.MillisBehindLatest != 0 {
		t.Fatalf("GetRecords next: %v %d", err, len(out2.Records))
	}

	// Bad iterators.
	_, err = k.GetShardIterator(e.ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("it"), ShardId: aws.String(shard),
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String("12345")})
	wantCode(t, err, "InvalidArgumentException")
	_, err = k.GetShardIterator(e.ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("it"), ShardId: aws.String("shardId-000000000009"),
		ShardIteratorType: types.ShardIteratorTypeLatest})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String("AAAAforged")})
	wantCode(t, err, "InvalidArgumentException")
	forged := []byte(*out.NextShardIterator)
	forged[10] ^= 1
	_, err = k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(string(forged))})
	wantCode(t, err, "InvalidArgumentException")
	_, err = k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: out.NextShardIterator, Limit: aws.Int32(10001)})
	wantCode(t, err, "ValidationException")
	clk.Advance(5*time.Minute + time.Second)
	_, err = k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: out.NextShardIterator})
	wantCode(t, err, "ExpiredIteratorException")
}

func TestKinesisOrderingUnderConcurrentProducers(t *testing.T) {
	e := start(t, core.Config{})
	k := kinesisClient(e)
	createStream(t, e, k, "order", 2)
	const producers, each = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, producers)
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				data := []byte(fmt.Sprintf("%02d-%03d", p, i))
				if i%2 == 0 {
					if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("order"), PartitionKey: aws.String(fmt.Sprintf("p%d", p)), Data: data}); err != nil {
						errs <- err
						return
					}
					continue
				}
				if _, err := k.PutRecords(e.ctx, &kinesis.PutRecordsInput{StreamName: aws.String("order"),
					Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String(fmt.Sprintf("p%d", p)), Data: data}}}); err != nil {
					errs <- err
					return
				}
			}
		}(p)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := 0
	for _, s := range listShards(t, e, k, "order") {
		recs, _ := readAll(t, e, k, iterator(t, e, k, "order", *s.ShardId, types.ShardIteratorTypeTrimHorizon, ""))
		last := map[string]string{}
		var prev *big.Int
		for _, r := range recs {
			seq := bigKey(*r.SequenceNumber)
			if prev != nil && seq.Cmp(prev) <= 0 {
				t.Fatalf("shard %s: sequence %s after %s", *s.ShardId, seq, prev)
			}
			prev = seq
			producer, n := string(r.Data[:2]), string(r.Data[3:])
			if n <= last[producer] && last[producer] != "" {
				t.Fatalf("producer %s: record %s after %s", producer, n, last[producer])
			}
			last[producer] = n
			seen++
		}
	}
	if seen != producers*each {
		t.Fatalf("read %d records, want %d", seen, producers*each)
	}
}

func TestKinesisReshardingLineage(t *testing.T) {
	e := start(t, core.Config{})
	k := kinesisClient(e)
	createStream(t, e, k, "split", 1)
	put := func(n int, tag string) {
		for i := 0; i < n; i++ {
			if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("split"), PartitionKey: aws.String(fmt.Sprintf("%s-%d", tag, i)), Data: []byte(tag)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(20, "before")
	parent := listShards(t, e, k, "split")[0]
	half := new(big.Int).Lsh(big.NewInt(1), 127).String()
	_, err := k.SplitShard(e.ctx, &kinesis.SplitShardInput{StreamName: aws.String("split"), ShardToSplit: parent.ShardId, NewStartingHashKey: aws.String("0")})
	wantCode(t, err, "InvalidArgumentException")
	if _, err := k.SplitShard(e.ctx, &kinesis.SplitShardInput{StreamName: aws.String("split"), ShardToSplit: parent.ShardId, NewStartingHashKey: aws.String(half)}); err != nil {
		t.Fatal(err)
	}
	_, err = k.SplitShard(e.ctx, &kinesis.SplitShardInput{StreamName: aws.String("split"), ShardToSplit: parent.ShardId, NewStartingHashKey: aws.String(half)})
	wantCode(t, err, "InvalidArgumentException")
	put(20, "after")
	shards := listShards(t, e, k, "split")
	if len(shards) != 3 || shards[0].SequenceNumberRange.EndingSequenceNumber == nil || *shards[1].ParentShardId != *parent.ShardId || *shards[2].ParentShardId != *parent.ShardId {
		t.Fatalf("after split: %+v", shards)
	}
	if *shards[1].HashKeyRange.EndingHashKey != new(big.Int).Sub(bigKey(half), big.NewInt(1)).String() || *shards[2].HashKeyRange.StartingHashKey != half {
		t.Fatal("children do not split the range at NewStartingHashKey")
	}
	// The parent is drained first: its 20 records, then a null iterator and the children.
	recs, ended := readAll(t, e, k, iterator(t, e, k, "split", *parent.ShardId, types.ShardIteratorTypeTrimHorizon, ""))
	if len(recs) != 20 || !ended {
		t.Fatalf("parent: %d records, ended %v", len(recs), ended)
	}
	for _, r := range recs {
		if string(r.Data) != "before" {
			t.Fatalf("parent holds %q", r.Data)
		}
	}
	end := bigKey(*shards[0].SequenceNumberRange.EndingSequenceNumber)
	children := 0
	for _, c := range shards[1:] {
		if bigKey(*c.SequenceNumberRange.StartingSequenceNumber).Cmp(end) <= 0 {
			t.Fatalf("child %s starts before the parent ends", *c.ShardId)
		}
		rs, _ := readAll(t, e, k, iterator(t, e, k, "split", *c.ShardId, types.ShardIteratorTypeTrimHorizon, ""))
		for _, r := range rs {
			if string(r.Data) != "after" || bigKey(*r.SequenceNumber).Cmp(end) <= 0 {
				t.Fatalf("child %s holds %q at %s", *c.ShardId, r.Data, *r.SequenceNumber)
			}
		}
		children += len(rs)
	}
	if children != 20 {
		t.Fatalf("children hold %d records", children)
	}
	it := iterator(t, e, k, "split", *parent.ShardId, types.ShardIteratorTypeLatest, "")
	out, err := k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	if err != nil || out.NextShardIterator != nil || len(out.ChildShards) != 2 || out.ChildShards[0].ParentShards[0] != *parent.ShardId {
		t.Fatalf("closed shard read: %v %+v", err, out)
	}

	// Merge the children back, then scale uniformly.
	_, err = k.MergeShards(e.ctx, &kinesis.MergeShardsInput{StreamName: aws.String("split"), ShardToMerge: shards[1].ShardId, AdjacentShardToMerge: shards[0].ShardId})
	wantCode(t, err, "InvalidArgumentException")
	if _, err := k.MergeShards(e.ctx, &kinesis.MergeShardsInput{StreamName: aws.String("split"), ShardToMerge: shards[1].ShardId, AdjacentShardToMerge: shards[2].ShardId}); err != nil {
		t.Fatal(err)
	}
	shards = listShards(t, e, k, "split")
	merged := shards[3]
	if *merged.ParentShardId != *shards[1].ShardId || *merged.AdjacentParentShardId != *shards[2].ShardId ||
		*merged.HashKeyRange.StartingHashKey != "0" || *merged.HashKeyRange.EndingHashKey != new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1)).String() {
		t.Fatalf("merged shard: %+v", merged)
	}
	_, err = k.UpdateShardCount(e.ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("split"), TargetShardCount: aws.Int32(3), ScalingType: types.ScalingTypeUniformScaling})
	wantCode(t, err, "InvalidArgumentException")
	usc, err := k.UpdateShardCount(e.ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("split"), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling})
	if err != nil || *usc.CurrentShardCount != 1 || *usc.TargetShardCount != 2 {
		t.Fatalf("UpdateShardCount: %v", err)
	}
	open, err := k.ListShards(e.ctx, &kinesis.ListShardsInput{StreamName: aws.String("split"), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
	if err != nil || len(open.Shards) != 2 || *open.Shards[0].ParentShardId != *merged.ShardId {
		t.Fatalf("open shards after scaling: %v %+v", err, open)
	}
	// Paging with NextToken.
	p1, err := k.ListShards(e.ctx, &kinesis.ListShardsInput{StreamName: aws.String("split"), MaxResults: aws.Int32(4)})
	if err != nil || len(p1.Shards) != 4 || p1.NextToken == nil {
		t.Fatalf("ListShards page 1: %v", err)
	}
	p2, err := k.ListShards(e.ctx, &kinesis.ListShardsInput{NextToken: p1.NextToken})
	if err != nil || len(p2.Shards) != 2 || p2.NextToken != nil || *p2.Shards[0].ShardId != "shardId-000000000004" {
		t.Fatalf("ListShards page 2: %v %+v", err, p2)
	}
	_, err = k.ListShards(e.ctx, &kinesis.ListShardsInput{NextToken: p1.NextToken, StreamName: aws.String("split")})
	wantCode(t, err, "InvalidArgumentException")
}

func TestKinesisStatusTransitions(t *testing.T) {
	cfg, clk := frozenConfig("")
	cfg.Streams.TransitionDelay = 2 * time.Second
	e := start(t, cfg)
	k := kinesisClient(e)
	createStream(t, e, k, "slow", 1)
	status := func() types.StreamStatus {
		s, err := k.DescribeStreamSummary(e.ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("slow")})
		if err != nil {
			t.Fatal(err)
		}
		return s.StreamDescriptionSummary.StreamStatus
	}
	waitActive := func() {
		clk.Advance(2 * time.Second)
		deadline := time.Now().Add(5 * time.Second)
		for status() != types.StreamStatusActive {
			if time.Now().After(deadline) {
				t.Fatal("stream never became ACTIVE")
			}
			time.Sleep(time.Millisecond)
		}
	}
	if s := status(); s != types.StreamStatusCreating {
		t.Fatalf("new stream is %s", s)
	}
	_, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("slow"), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantCode(t, err, "ResourceInUseException")
	waitActive()
	if _, err := k.UpdateShardCount(e.ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("slow"), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling}); err != nil {
		t.Fatal(err)
	}
	if s := status(); s != types.StreamStatusUpdating {
		t.Fatalf("resharding stream is %s", s)
	}
	// Writes go on while UPDATING; control-plane changes wait.
	if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("slow"), PartitionKey: aws.String("k"), Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	_, err = k.UpdateShardCount(e.ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("slow"), TargetShardCount: aws.Int32(1), ScalingType: types.ScalingTypeUniformScaling})
	wantCode(t, err, "ResourceInUseException")
	waitActive()
}

func TestKinesisRetentionTrimming(t *testing.T) {
	cfg, clk := frozenConfig("")
	e := start(t, cfg)
	k := kinesisClient(e)
	createStream(t, e, k, "ret", 1)
	for i := 0; i < 5; i++ {
		if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("ret"), PartitionKey: aws.String("k"), Data: []byte("old")}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(23 * time.Hour)
	if _, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("ret"), PartitionKey: aws.String("k"), Data: []byte("new")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour + time.Minute) // old records are now past 24 h
	recs, _ := readAll(t, e, k, iterator(t, e, k, "ret", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, ""))
	if len(recs) != 1 || string(recs[0].Data) != "new" {
		t.Fatalf("after 24 h: %d records", len(recs))
	}
	// The background trimmer, woken by the clock, deletes them for good.
	deadline := time.Now().Add(10 * time.Second)
	for trimmed(e) < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("trimmer removed %v records", trimmed(e))
		}
		time.Sleep(time.Millisecond)
	}
}

// trimmed reads the trimmer's counter from /metrics.
func trimmed(e *env) float64 {
	var buf bytes.Buffer
	_ = e.core.Metrics().WritePrometheus(&buf)
	var v float64
	for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
		if bytes.HasPrefix(line, []byte("skyport_kinesis_trimmed_records_total ")) {
			fmt.Sscan(string(line[len("skyport_kinesis_trimmed_records_total "):]), &v)
		}
	}
	return v
}

func TestKinesisSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	cfg, clk := frozenConfig(path)
	e := start(t, cfg)
	k := kinesisClient(e)
	createStream(t, e, k, "durable", 2)
	var seqs []string
	for i := 0; i < 30; i++ {
		out, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("durable"), PartitionKey: aws.String(fmt.Sprint(i)), Data: []byte(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, *out.SequenceNumber)
	}
	shard0 := listShards(t, e, k, "durable")[0]
	if _, err := k.SplitShard(e.ctx, &kinesis.SplitShardInput{StreamName: aws.String("durable"), ShardToSplit: shard0.ShardId,
		NewStartingHashKey: aws.String(new(big.Int).Add(bigKey(*shard0.HashKeyRange.StartingHashKey), big.NewInt(1000)).String())}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.AddTagsToStream(e.ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("durable"), Tags: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.IncreaseStreamRetentionPeriod(e.ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("durable"), RetentionPeriodHours: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.UpdateMaxRecordSize(e.ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/durable"), MaxRecordSizeInKiB: aws.Int32(4096)}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.UpdateStreamMode(e.ctx, &kinesis.UpdateStreamModeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/durable"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	it := iterator(t, e, k, "durable", "shardId-000000000001", types.ShardIteratorTypeTrimHorizon, "")
	e.stop()

	cfg2 := core.Config{DataPath: path, Clock: clk}
	e = start(t, cfg2)
	k = kinesisClient(e)
	shards := listShards(t, e, k, "durable")
	if len(shards) != 4 || shards[0].SequenceNumberRange.EndingSequenceNumber == nil || *shards[2].ParentShardId != "shardId-000000000000" {
		t.Fatalf("shards after restart: %+v", shards)
	}
	// An iterator issued before the restart still reads.
	recs, _ := readAll(t, e, k, it)
	total := len(recs)
	recs, ended := readAll(t, e, k, iterator(t, e, k, "durable", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, ""))
	if !ended {
		t.Fatal("closed parent did not end after restart")
	}
	total += len(recs)
	if total != 30 {
		t.Fatalf("read %d records after restart", total)
	}
	out, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("durable"), PartitionKey: aws.String("x"), Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	sorted := append([]string(nil), seqs...)
	sort.Slice(sorted, func(i, j int) bool { return bigKey(sorted[i]).Cmp(bigKey(sorted[j])) < 0 })
	if bigKey(*out.SequenceNumber).Cmp(bigKey(sorted[len(sorted)-1])) <= 0 {
		t.Fatalf("sequence number went back after restart: %s", *out.SequenceNumber)
	}
	tags, err := k.ListTagsForStream(e.ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String("durable")})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("tags after restart: %v", err)
	}
	sum, err := k.DescribeStreamSummary(e.ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("durable")})
	if err != nil || *sum.StreamDescriptionSummary.RetentionPeriodHours != 30 || *sum.StreamDescriptionSummary.MaxRecordSizeInKiB != 4096 ||
		sum.StreamDescriptionSummary.StreamModeDetails.StreamMode != types.StreamModeOnDemand || *sum.StreamDescriptionSummary.OpenShardCount != 3 {
		t.Fatalf("settings after restart: %v %+v", err, sum)
	}
	// Retention trimming after the restart (30 h now).
	clk.Advance(25 * time.Hour)
	recs, _ = readAll(t, e, k, iterator(t, e, k, "durable", "shardId-000000000001", types.ShardIteratorTypeTrimHorizon, ""))
	if len(recs) == 0 {
		t.Fatal("records trimmed before their 30 h retention")
	}
	clk.Advance(6 * time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for trimmed(e) < 31 {
		if time.Now().After(deadline) {
			t.Fatalf("trimmer removed %v records after restart", trimmed(e))
		}
		time.Sleep(time.Millisecond)
	}
}

// TestKinesisCBOR drives the CBOR form (the Java SDK's and KPL's default)
// with raw requests: blobs as byte strings, timestamps as tagged epochs.
func TestKinesisCBOR(t *testing.T) {
	e := start(t, core.Config{})
	call := func(action string, body cbor.Map) (int, cbor.Map) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL()+"/", bytes.NewReader(cbor.Encode(body)))
		req.Header.Set("X-Amz-Target", "Kinesis_20131202."+action)
		req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-cbor-1.1" {
			t.Fatalf("%s answered %s", action, ct)
		}
		v, err := cbor.Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("%s: reply is not CBOR: %v", action, err)
		}
		return resp.StatusCode, v.(cbor.Map)
	}
	if code, _ := call("CreateStream", cbor.Map{"StreamName": cbor.String("c"), "ShardCount": cbor.Uint(1)}); code != 200 {
		t.Fatalf("CreateStream: %d", code)
	}
	code, out := call("PutRecord", cbor.Map{"StreamName": cbor.String("c"), "PartitionKey": cbor.String("k"), "Data": cbor.Slice{0, 1, 2, 255}})
	if code != 200 || out["ShardId"] != cbor.String("shardId-000000000000") {
		t.Fatalf("PutRecord: %d %v", code, out)
	}
	_, out = call("GetShardIterator", cbor.Map{"StreamName": cbor.String("c"), "ShardId": cbor.String("shardId-000000000000"),
		"ShardIteratorType": cbor.String("AT_TIMESTAMP"), "Timestamp": &cbor.Tag{ID: 1, Value: cbor.Float64(0)}})
	it, ok := out["ShardIterator"].(cbor.String)
	if !ok {
		t.Fatalf("GetShardIterator: %v", out)
	}
	_, out = call("GetRecords", cbor.Map{"ShardIterator": it})
	recs := out["Records"].(cbor.List)
	rec := recs[0].(cbor.Map)
	if !bytes.Equal(rec["Data"].(cbor.Slice), []byte{0, 1, 2, 255}) {
		t.Fatalf("record data %v", rec["Data"])
	}
	if tag, ok := rec["ApproximateArrivalTimestamp"].(*cbor.Tag); !ok || tag.ID != 1 {
		t.Fatalf("arrival timestamp %T", rec["ApproximateArrivalTimestamp"])
	}
	// The same actions as JSON: a batch, shard listing with a tagged
	// timestamp filter, timestamps in the summary.
	code, out = call("PutRecords", cbor.Map{"StreamName": cbor.String("c"), "Records": cbor.List{
		cbor.Map{"PartitionKey": cbor.String("a"), "Data": cbor.Slice("one")},
		cbor.Map{"PartitionKey": cbor.String("b"), "Data": cbor.Slice("two"), "ExplicitHashKey": cbor.String("7")},
	}})
	if code != 200 || out["FailedRecordCount"] != cbor.Uint(0) || len(out["Records"].(cbor.List)) != 2 {
		t.Fatalf("PutRecords: %d %v", code, out)
	}
	code, out = call("ListShards", cbor.Map{"StreamName": cbor.String("c"),
		"ShardFilter": cbor.Map{"Type": cbor.String("FROM_TIMESTAMP"), "Timestamp": &cbor.Tag{ID: 1, Value: cbor.Uint(0)}}})
	if code != 200 || len(out["Shards"].(cbor.List)) != 1 {
		t.Fatalf("ListShards: %d %v", code, out)
	}
	code, out = call("DescribeStreamSummary", cbor.Map{"StreamName": cbor.String("c")})
	summary, _ := out["StreamDescriptionSummary"].(cbor.Map)
	if created, ok := summary["StreamCreationTimestamp"].(*cbor.Tag); code != 200 || !ok || created.ID != 1 || summary["OpenShardCount"] != cbor.Uint(1) {
		t.Fatalf("DescribeStreamSummary: %d %v", code, out)
	}
	code, out = call("DescribeStream", cbor.Map{"StreamName": cbor.String("missing")})
	if code != 400 || out["__type"] != cbor.String("ResourceNotFoundException") {
		t.Fatalf("error: %d %v", code, out)
	}
	if code, out = call("PutRecord", cbor.Map{"StreamName": cbor.String("c"), "PartitionKey": cbor.Uint(5), "Data": cbor.Slice{1}}); code != 400 || out["__type"] != cbor.String("SerializationException") {
		t.Fatalf("wrong type: %d %v", code, out)
	}
}

func TestKinesisErrorsAreJSON11(t *testing.T) {
	e := start(t, core.Config{})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL()+"/", bytes.NewReader([]byte(`{"StreamName":`)))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.DescribeStream")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" || !bytes.Contains(buf.Bytes(), []byte(`"__type":"SerializationException"`)) {
		t.Fatalf("malformed JSON: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), buf.String())
	}
}

func TestKinesisListShardsFilters(t *testing.T) {
	cfg, clk := frozenConfig("")
	e := start(t, cfg)
	k := kinesisClient(e)
	t0 := clk.Now()
	createStream(t, e, k, "f", 1)
	clk.Advance(time.Hour)
	if _, err := k.SplitShard(e.ctx, &kinesis.SplitShardInput{StreamName: aws.String("f"), ShardToSplit: aws.String("shardId-000000000000"),
		NewStartingHashKey: aws.String("1000")}); err != nil {
		t.Fatal(err)
	}
	ids := func(in *kinesis.ListShardsInput) string {
		t.Helper()
		in.StreamName = aws.String("f")
		out, err := k.ListShards(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, sh := range out.Shards {
			s = append(s, (*sh.ShardId)[len(*sh.ShardId)-1:])
		}
		return fmt.Sprint(s)
	}
	filter := func(typ types.ShardFilterType, at time.Time, shard string) *kinesis.ListShardsInput {
		f := &types.ShardFilter{Type: typ}
		if !at.IsZero() {
			f.Timestamp = aws.Time(at)
		}
		if shard != "" {
			f.ShardId = aws.String(shard)
		}
		return &kinesis.ListShardsInput{ShardFilter: f}
	}
	for _, c := range []struct {
		in   *kinesis.ListShardsInput
		want string
	}{
		{&kinesis.ListShardsInput{}, "[0 1 2]"},
		{&kinesis.ListShardsInput{ExclusiveStartShardId: aws.String("shardId-000000000000")}, "[1 2]"},
		{filter(types.ShardFilterTypeAtLatest, time.Time{}, ""), "[1 2]"},
		{filter(types.ShardFilterTypeAfterShardId, time.Time{}, "shardId-000000000001"), "[2]"},
		{filter(types.ShardFilterTypeFromTrimHorizon, time.Time{}, ""), "[0 1 2]"},
		{filter(types.ShardFilterTypeAtTrimHorizon, time.Time{}, ""), "[0]"},
		{filter(types.ShardFilterTypeAtTimestamp, t0.Add(30*time.Minute), ""), "[0]"},
		{filter(types.ShardFilterTypeAtTimestamp, t0.Add(2*time.Hour), ""), "[1 2]"},
		{filter(types.ShardFilterTypeFromTimestamp, t0.Add(30*time.Minute), ""), "[0 1 2]"},
		{filter(types.ShardFilterTypeFromTimestamp, t0.Add(2*time.Hour), ""), "[1 2]"},
	} {
		if got := ids(c.in); got != c.want {
			t.Fatalf("ListShards %+v: %s, want %s", c.in.ShardFilter, got, c.want)
		}
	}
	_, err := k.ListShards(e.ctx, &kinesis.ListShardsInput{StreamName: aws.String("f"), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId}})
	wantCode(t, err, "InvalidArgumentException")
	_, err = k.ListShards(e.ctx, &kinesis.ListShardsInput{StreamName: aws.String("nope")})
	wantCode(t, err, "ResourceNotFoundException")
	p1, err := k.ListShards(e.ctx, &kinesis.ListShardsInput{StreamName: aws.String("f"), MaxResults: aws.Int32(1)})
	if err != nil || p1.NextToken == nil {
		t.Fatal(err)
	}
	clk.Advance(6 * time.Minute)
	_, err = k.ListShards(e.ctx, &kinesis.ListShardsInput{NextToken: p1.NextToken})
	wantCode(t, err, "ExpiredNextTokenException")
	_, err = k.ListShards(e.ctx, &kinesis.ListShardsInput{NextToken: aws.String("not-a-token")})
	wantCode(t, err, "InvalidArgumentException")
}
