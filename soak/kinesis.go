package soak

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// KinesisOptions size the Kinesis workload; zero fields take the defaults.
type KinesisOptions struct {
	Producers int // PutRecords (and PutRecord) callers; default 3
	Shards    int // shards of the stream; default 4
}

const kinesisStream = "soak-stream"

// kinesisRecord is where the server said it stored a record.
type kinesisRecord struct {
	shard, seq string
}

// kinesisLoad is the Kinesis workload: producers put unique records
// (mostly PutRecords batches of 25, every fifth call a single PutRecord)
// with varied partition keys, and one reader per shard follows the shard
// with GetRecords, picking up after its last sequence number when an
// iterator dies with the server. Nothing is retried: each data blob is put
// once, so no record may be stored twice. The ledger demands that every
// acknowledged record is readable at the end on the shard and under the
// sequence number the server returned, that sequence numbers increase
// along each shard, that a record the server rejected in a batch is not
// stored, and that a record once read does not disappear.
type kinesisLoad struct {
	opt    KinesisOptions
	client *kinesis.Client
	shards []string

	mu        sync.Mutex
	acked     map[string]kinesisRecord // data → acknowledged placement
	maybe     map[string]bool          // data whose call failed: stored or not
	rejected  map[string]bool          // data the server reported failed in a batch
	read      map[string]kinesisRecord // data → seen by a reader during the load
	throttled int
	// storedAtEnd counts the records Verify read, for Retire.
	storedAtEnd int
	bad         mismatches
}

// NewKinesis returns the Kinesis workload.
func NewKinesis(opt KinesisOptions) Workload {
	if opt.Producers <= 0 {
		opt.Producers = 3
	}
	if opt.Shards <= 0 {
		opt.Shards = 4
	}
	return &kinesisLoad{opt: opt, acked: map[string]kinesisRecord{}, maybe: map[string]bool{},
		rejected: map[string]bool{}, read: map[string]kinesisRecord{}}
}

func (l *kinesisLoad) Name() string { return "kinesis" }

func (l *kinesisLoad) Setup(ctx context.Context, t Target) error {
	l.client = kinesis.New(kinesis.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(t.Endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("soak", "soak", "")})
	if _, err := l.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(kinesisStream),
		ShardCount: aws.Int32(int32(l.opt.Shards))}); err != nil {
		return fmt.Errorf("create stream: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := l.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(kinesisStream)})
		if err != nil {
			return fmt.Errorf("describe stream: %w", err)
		}
		if d.StreamDescriptionSummary.StreamStatus == ktypes.StreamStatusActive {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("stream still %s", d.StreamDescriptionSummary.StreamStatus)
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, err := l.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(kinesisStream)})
	if err != nil {
		return fmt.Errorf("list shards: %w", err)
	}
	for _, s := range out.Shards {
		l.shards = append(l.shards, *s.ShardId)
	}
	if len(l.shards) != l.opt.Shards {
		return fmt.Errorf("%d shards listed, want %d", len(l.shards), l.opt.Shards)
	}
	return nil
}

func (l *kinesisLoad) Run(ctx context.Context, t Target, ops *atomic.Int64) {
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	for p := 0; p < l.opt.Producers; p++ {
		run(func() { l.produce(ctx, p, ops) })
	}
	for _, sh := range l.shards {
		run(func() { l.follow(ctx, sh, ops) })
	}
	wg.Wait()
}

// produce puts unique records until ctx ends.
func (l *kinesisLoad) produce(ctx context.Context, p int, ops *atomic.Int64) {
	stream := aws.String(kinesisStream)
	for i := 0; ctx.Err() == nil; i++ {
		if i%5 == 4 {
			data := fmt.Sprintf("k-%d-%d", p, i)
			out, err := l.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: stream, Data: []byte(data),
				PartitionKey: aws.String(fmt.Sprintf("pk-%d", i%97))})
			l.mu.Lock()
			if err != nil {
				l.maybe[data] = true
			} else {
				l.acked[data] = kinesisRecord{*out.ShardId, *out.SequenceNumber}
			}
			l.mu.Unlock()
			if err != nil {
				pause(ctx, backoff)
				continue
			}
			ops.Add(1)
			continue
		}
		entries := make([]ktypes.PutRecordsRequestEntry, 25)
		for j := range entries {
			entries[j] = ktypes.PutRecordsRequestEntry{Data: fmt.Appendf(nil, "k-%d-%d-%d", p, i, j),
				PartitionKey: aws.String(fmt.Sprintf("pk-%d-%d", j, i%13))}
		}
		out, err := l.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: stream, Records: entries})
		l.mu.Lock()
		switch {
		case err != nil:
			for _, e := range entries {
				l.maybe[string(e.Data)] = true
			}
		case len(out.Records) != len(entries):
			l.bad.addf("PutRecords answered %d results for %d records", len(out.Records), len(entries))
			for _, e := range entries {
				l.maybe[string(e.Data)] = true
			}
		default:
			for j, res := range out.Records {
				data := string(entries[j].Data)
				if res.ErrorCode != nil {
					l.rejected[data] = true
					if *res.ErrorCode == "ProvisionedThroughputExceededException" {
						l.throttled++
					}
					continue
				}
				l.acked[data] = kinesisRecord{aws.ToString(res.ShardId), aws.ToString(res.SequenceNumber)}
			}
		}
		l.mu.Unlock()
		if err != nil {
			pause(ctx, backoff)
			continue
		}
		ops.Add(1)
	}
}

// follow reads shard from its start and on, until ctx ends.
func (l *kinesisLoad) follow(ctx context.Context, shard string, ops *atomic.Int64) {
	var iter *string
	var last string
	for ctx.Err() == nil {
		if iter == nil {
			in := &kinesis.GetShardIteratorInput{StreamName: aws.String(kinesisStream), ShardId: aws.String(shard),
				ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon}
			if last != "" {
				in.ShardIteratorType, in.StartingSequenceNumber = ktypes.ShardIteratorTypeAfterSequenceNumber, aws.String(last)
			}
			out, err := l.client.GetShardIterator(ctx, in)
			if err != nil {
				pause(ctx, backoff)
				continue
			}
			ops.Add(1)
			iter = out.ShardIterator
		}
		out, err := l.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		if err != nil {
			iter = nil // expired, or the server restarted: resume after the last record seen
			pause(ctx, backoff)
			continue
		}
		ops.Add(1)
		l.mu.Lock()
		for _, rec := range out.Records {
			data, seq := string(rec.Data), *rec.SequenceNumber
			if last != "" && !seqBefore(last, seq) {
				l.bad.addf("%s: sequence number %s read after %s", shard, seq, last)
			}
			last = seq
			if prev, ok := l.read[data]; ok {
				l.bad.addf("%s: %q read twice (%s/%s and %s/%s)", shard, data, prev.shard, prev.seq, shard, seq)
			}
			l.read[data] = kinesisRecord{shard, seq}
		}
		l.mu.Unlock()
		iter = out.NextShardIterator
		if len(out.Records) == 0 {
			pause(ctx, 200*time.Millisecond) // at the tip: GetRecords allows 5 calls per second per shard
		}
	}
}

// seqBefore reports whether sequence number a sorts before b (they are
// decimal numbers of up to 56 digits).
func seqBefore(a, b string) bool {
	x, okx := new(big.Int).SetString(a, 10)
	y, oky := new(big.Int).SetString(b, 10)
	if !okx || !oky {
		return a < b
	}
	return x.Cmp(y) < 0
}

// readAll reads every shard from TRIM_HORIZON to its tip.
func (l *kinesisLoad) readAll(ctx context.Context) (map[string][]kinesisRecord, map[string][]string, error) {
	stored := map[string][]kinesisRecord{} // data → every placement read
	order := map[string][]string{}         // shard → sequence numbers, as read
	for _, sh := range l.shards {
		it, err := l.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(kinesisStream),
			ShardId: aws.String(sh), ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return nil, nil, err
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := l.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
			if err != nil {
				var throttled *ktypes.ProvisionedThroughputExceededException
				if errors.As(err, &throttled) {
					pause(ctx, 200*time.Millisecond)
					continue
				}
				return nil, nil, err
			}
			for _, rec := range out.Records {
				stored[string(rec.Data)] = append(stored[string(rec.Data)], kinesisRecord{sh, *rec.SequenceNumber})
				order[sh] = append(order[sh], *rec.SequenceNumber)
			}
			if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return stored, order, nil
}

func (l *kinesisLoad) Verify(ctx context.Context, t Target) Report {
	r := Report{Workload: l.Name()}
	stored, order, err := l.readAll(ctx)
	if err != nil {
		r.Mismatches = append(r.Mismatches, "read the stream: "+err.Error())
		return r
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for sh, seqs := range order {
		for i := 1; i < len(seqs); i++ {
			if !seqBefore(seqs[i-1], seqs[i]) {
				l.bad.addf("%s: sequence number %s follows %s", sh, seqs[i], seqs[i-1])
			}
		}
	}
	for data, want := range l.acked {
		got := stored[data]
		switch {
		case len(got) == 0:
			l.bad.addf("acknowledged record %s (%s/%s) lost", data, want.shard, want.seq)
		case got[0] != want:
			l.bad.addf("acknowledged record %s stored at %s/%s, acknowledged as %s/%s", data, got[0].shard, got[0].seq, want.shard, want.seq)
		}
	}
	for data, got := range stored {
		if len(got) > 1 {
			l.bad.addf("record %s stored %d times, put once", data, len(got))
		}
		if l.rejected[data] {
			l.bad.addf("record %s stored though PutRecords reported it failed", data)
		} else if _, ok := l.acked[data]; !ok && !l.maybe[data] {
			l.bad.addf("record %s stored but never put", data)
		}
	}
	for data, at := range l.read {
		if len(stored[data]) == 0 {
			l.bad.addf("record %s read at %s/%s during the load, gone after the restart", data, at.shard, at.seq)
		}
	}
	l.storedAtEnd = len(stored)
	r.Checked = len(l.acked)
	r.Mismatches = l.bad.sorted()
	unanswered := 0
	for data := range l.maybe {
		if len(stored[data]) > 0 {
			unanswered++
		}
	}
	r.Notes = []string{fmt.Sprintf("%d records acknowledged on %d shards (%d in unanswered calls, %d of them stored), %d rejected in batches (%d throttled), %d read by the followers during the load, %d read at the end",
		len(l.acked), len(l.shards), len(l.maybe), unanswered, len(l.rejected), l.throttled, len(l.read), len(stored))}
	return r
}

// Retire moves the clock past the stream's 24-hour retention and waits
// until the trimmer has deleted every record Verify read (reads already
// hide expired records, so the trimmer's counter is the evidence).
func (l *kinesisLoad) Retire(ctx context.Context, t Target) error {
	if err := t.Advance(25 * time.Hour); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := metricSum(t.Endpoint, "skyport_kinesis_trimmed_records_total")
		if err != nil {
			return err
		}
		if int(n) >= l.storedAtEnd {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the trimmer deleted %.0f of %d records past their retention", n, l.storedAtEnd)
		}
		if err := t.Advance(time.Minute); err != nil { // the trimmer runs every minute of clock time
			return err
		}
		pause(ctx, 200*time.Millisecond)
	}
}
