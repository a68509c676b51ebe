package function

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testStreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/orders"

// fakeStream is an in-test StreamSource: shards of records with globally
// unique sequence numbers, closed shards and children, iterators
// "shard/index", and an Appended broadcast.
type fakeStream struct {
	mu        sync.Mutex
	shards    []StreamShard
	records   map[string][]StreamRecord
	closed    map[string]bool
	seq       int
	shardOf   map[string]string
	appended  chan struct{}
	iterators int
}

func newFakeStream(shards ...StreamShard) *fakeStream {
	fs := &fakeStream{shards: shards, records: map[string][]StreamRecord{}, closed: map[string]bool{},
		shardOf: map[string]string{}, appended: make(chan struct{})}
	return fs
}

// put appends a record to a shard and returns its sequence number.
func (fs *fakeStream) put(shard, key, data string) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.seq++
	seq := fmt.Sprintf("4960%016d", fs.seq)
	fs.records[shard] = append(fs.records[shard], StreamRecord{SequenceNumber: seq, PartitionKey: key, Data: []byte(data),
		ArrivalTime: epoch.Add(time.Duration(fs.seq) * time.Second)})
	fs.shardOf[seq] = shard
	close(fs.appended)
	fs.appended = make(chan struct{})
	return seq
}

func (fs *fakeStream) close(shard string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.closed[shard] = true
	close(fs.appended)
	fs.appended = make(chan struct{})
}

func (fs *fakeStream) Appended(string) <-chan struct{} {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.appended
}

func (fs *fakeStream) ListShards(_ context.Context, arn string) ([]StreamShard, error) {
	if arn != testStreamARN {
		return nil, fmt.Errorf("ResourceNotFoundException: Stream %s not found", arn)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return slices.Clone(fs.shards), nil
}

func (fs *fakeStream) ShardIterator(_ context.Context, arn, shard, kind, seq string, at time.Time) (string, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.iterators++
	recs := fs.records[shard]
	i := 0
	switch kind {
	case TrimHorizon:
	case Latest:
		i = len(recs)
	case AtTimestamp:
		for i < len(recs) && recs[i].ArrivalTime.Before(at) {
			i++
		}
	case AfterSequenceNumber, AtSequenceNumber:
		i = slices.IndexFunc(recs, func(r StreamRecord) bool { return r.SequenceNumber == seq })
		if i < 0 {
			return "", fmt.Errorf("InvalidArgumentException: no sequence number %s in %s", seq, shard)
		}
		if kind == AfterSequenceNumber {
			i++
		}
	default:
		return "", fmt.Errorf("InvalidArgumentException: iterator type %s", kind)
	}
	return shard + "/" + strconv.Itoa(i), nil
}

func (fs *fakeStream) GetRecords(_ context.Context, iter string, limit int) ([]StreamRecord, string, error) {
	shard, idx, ok := strings.Cut(iter, "/")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil {
		return nil, "", fmt.Errorf("InvalidArgumentException: bad iterator %q", iter)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	recs := fs.records[shard]
	end := min(i+limit, len(recs))
	out := slices.Clone(recs[i:end])
	if fs.closed[shard] && end == len(recs) {
		return out, "", nil
	}
	return out, shard + "/" + strconv.Itoa(end), nil
}

func (fs *fakeStream) iteratorCalls() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.iterators
}

// fakeDestinations records what was delivered to on-failure destinations.
type fakeDestinations struct {
	mu   sync.Mutex
	docs []failureRecord
	arns []string
}

func (d *fakeDestinations) Deliver(_ context.Context, arn string, body []byte) error {
	var doc failureRecord
	if err := json.Unmarshal(body, &doc); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.docs, d.arns = append(d.docs, doc), append(d.arns, arn)
	return nil
}

func (d *fakeDestinations) delivered() []failureRecord {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.docs)
}

// streamFixture is a function service reading a fake stream.
func newStreamFixture(t *testing.T, path string, fs *fakeStream, dest *fakeDestinations) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), path: path}
	f.clock = newFixtureClock()
	f.bus, f.reg = newBusAndRegistry()
	f.openWith(Config{Streams: fs, Destinations: dest})
	t.Cleanup(f.close)
	return f
}

// recorder is a per-event shell function that logs the sequence numbers
// of each batch and fails a batch holding a record "poison" (base64
// cG9pc29u): with exit 1, or with a batchItemFailures answer naming $POISON.
func recorder(name, onPoison string) Definition {
	fail := "exit 1"
	if onPoison == "item" {
		fail = `printf '{"batchItemFailures":[{"itemIdentifier":"%s"}]}' "$POISON"; exit 0`
	}
	def := shell(name, `in=$(cat); echo "$in" | grep -o '"sequenceNumber":"[0-9]*"' | cut -d'"' -f4 | tr '\n' ' ' >&2
case "$in" in *cG9pc29u*) `+fail+`;; esac
echo null`)
	def.Timeout = 900 * time.Second
	return def
}

var seqPattern = regexp.MustCompile(`[0-9]{20}`)

// batches returns the sequence numbers each finished invocation saw, in order.
func (f *fixture) batches(name string) [][]string {
	f.t.Helper()
	invs, err := f.svc.Invocations(name)
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([][]string, len(invs))
	for i, inv := range invs {
		out[i] = seqPattern.FindAllString(inv.Logs, -1)
	}
	return out
}

// pump advances the frozen clock a second at a time until stop is called,
// driving retry backoffs and idle polls.
func (f *fixture) pump() (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
				f.clock.Advance(time.Second)
			}
		}
	}()
	return func() { close(done); <-finished }
}

func TestStreamToFunctionOrderPerShard(t *testing.T) {
	fs := newFakeStream(StreamShard{ShardID: "shardId-000000000000"}, StreamShard{ShardID: "shardId-000000000001"})
	want := map[string][]string{}
	for i := range 10 {
		for _, sh := range []string{"shardId-000000000000", "shardId-000000000001"} {
			want[sh] = append(want[sh], fs.put(sh, "key-"+sh, fmt.Sprintf("record %d", i)))
		}
	}
	f := newStreamFixture(t, "", fs, nil)
	f.create(recorder("rec", "exit"))
	if _, err := f.svc.CreateEventSourceMapping(f.ctx, MappingConfig{FunctionName: "rec", EventSourceArn: testStreamARN,
		StartingPosition: TrimHorizon, BatchSize: 3}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return len(f.batches("rec")) == 8 }, "8 batches (4 per shard)")
	got := map[string][]string{}
	for _, batch := range f.batches("rec") {
		if len(batch) == 0 || len(batch) > 3 {
			t.Fatalf("batch %v: want 1–3 records", batch)
		}
		shard := fs.shardOf[batch[0]]
		for _, seq := range batch {
			if fs.shardOf[seq] != shard {
				t.Fatalf("batch %v mixes shards", batch)
			}
		}
		got[shard] = append(got[shard], batch...)
	}
	for sh, seqs := range want {
		if !slices.Equal(got[sh], seqs) {
			t.Errorf("%s delivered %v, want %v in order", sh, got[sh], seqs)
		}
	}
}

func TestStreamBisectRetryAndOnFailureDestination(t *testing.T) {
	shard := "shardId-000000000000"
	fs := newFakeStream(StreamShard{ShardID: shard})
	r1, r2 := fs.put(shard, "k", "one"), fs.put(shard, "k", "two")
	poison := fs.put(shard, "k", "poison")
	r4 := fs.put(shard, "k", "four")
	dest := &fakeDestinations{}
	f := newStreamFixture(t, "", fs, dest)
	f.create(recorder("rec", "exit"))
	one := 1
	uuid, err := f.svc.CreateEventSourceMapping(f.ctx, MappingConfig{FunctionName: "rec", EventSourceArn: testStreamARN,
		StartingPosition: TrimHorizon, BatchSize: 4, BisectBatchOnFunctionError: true, MaximumRetryAttempts: &one,
		OnFailureDestination: "arn:aws:sqs:us-east-1:000000000000:failures"})
	if err != nil {
		t.Fatal(err)
	}
	stop := f.pump()
	eventually(t, func() bool { return len(dest.delivered()) == 1 }, "the poison record at the on-failure destination")
	eventually(t, func() bool {
		m, _ := f.svc.GetEventSourceMapping(uuid)
		return m.Processed == 3
	}, "the three good records processed")
	stop()
	// [1 2 P 4] fails → halves: [1 2] ok; [P 4] fails → [P] fails twice → given up; [4] ok.
	wantBatches := [][]string{{r1, r2, poison, r4}, {r1, r2}, {poison, r4}, {poison}, {poison}, {r4}}
	if got := f.batches("rec"); !slices.EqualFunc(got, wantBatches, slices.Equal) {
		t.Fatalf("batches %v, want %v", got, wantBatches)
	}
	doc := dest.delivered()[0]
	info := doc.KinesisBatchInfo
	if info.StartSequenceNumber != poison || info.EndSequenceNumber != poison || info.BatchSize != 1 || info.ShardID != shard ||
		info.StreamArn != testStreamARN || doc.RequestContext.Condition != "RetryAttemptsExhausted" ||
		doc.RequestContext.ApproximateInvokeCount != 2 || doc.ResponseContext.FunctionError != "Unhandled" {
		t.Fatalf("on-failure record %+v", doc)
	}
	if cp, err := f.svc.mapping(uuid).checkpoint(shard); err != nil || cp != r4 {
		t.Fatalf("checkpoint %q, %v; want %s", cp, err, r4)
	}
}

func TestStreamBatchItemFailuresResumeFromFailedRecord(t *testing.T) {
	shard := "shardId-000000000000"
	fs := newFakeStream(StreamShard{ShardID: shard})
	r1, r2 := fs.put(shard, "k", "one"), fs.put(shard, "k", "two")
	poison := fs.put(shard, "k", "poison")
	r4 := fs.put(shard, "k", "four")
	dest := &fakeDestinations{}
	f := newStreamFixture(t, "", fs, dest)
	def := recorder("rec", "item")
	def.Env = map[string]string{"POISON": poison}
	f.create(def)
	zero := 0
	uuid, err := f.svc.CreateEventSourceMapping(f.ctx, MappingConfig{FunctionName: "rec", EventSourceArn: testStreamARN,
		StartingPosition: TrimHorizon, BatchSize: 10, MaximumRetryAttempts: &zero, FunctionResponseTypes: []string{ReportBatchItemFailures},
		OnFailureDestination: "arn:aws:sqs:us-east-1:000000000000:failures"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return len(dest.delivered()) == 1 }, "the failed tail at the on-failure destination")
	if got := f.batches("rec"); !slices.EqualFunc(got, [][]string{{r1, r2, poison, r4}}, slices.Equal) {
		t.Fatalf("batches %v", got)
	}
	if info := dest.delivered()[0].KinesisBatchInfo; info.StartSequenceNumber != poison || info.EndSequenceNumber != r4 || info.BatchSize != 2 {
		t.Fatalf("on-failure batch %+v, want %s…%s", info, poison, r4)
	}
	eventually(t, func() bool {
		m, _ := f.svc.GetEventSourceMapping(uuid)
		return m.Processed == 2 && m.Failed == 2
	}, "two processed, two failed")
}

func TestStreamChildShardsWaitForParents(t *testing.T) {
	parent, child := "shardId-000000000000", "shardId-000000000001"
	fs := newFakeStream(StreamShard{ShardID: parent}, StreamShard{ShardID: child, ParentShardID: parent})
	var want []string
	for i := range 5 {
		want = append(want, fs.put(parent, "k", fmt.Sprint("old ", i)))
	}
	for i := range 5 {
		want = append(want, fs.put(child, "k", fmt.Sprint("new ", i)))
	}
	fs.close(parent)
	f := newStreamFixture(t, "", fs, nil)
	f.create(recorder("rec", "exit"))
	if _, err := f.svc.CreateEventSourceMapping(f.ctx, MappingConfig{FunctionName: "rec", EventSourceArn: testStreamARN,
		StartingPosition: TrimHorizon, BatchSize: 2}); err != nil {
		t.Fatal(err)
	}
	var got []string
	eventually(t, func() bool {
		got = slices.Concat(f.batches("rec")...)
		return len(got) == len(want)
	}, "every record of the parent and the child")
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v (parent before child)", got, want)
	}
}

func TestStreamLatestAndCheckpointAcrossRestart(t *testing.T) {
	shard := "shardId-000000000000"
	fs := newFakeStream(StreamShard{ShardID: shard})
	fs.put(shard, "k", "before the mapping")
	f := newStreamFixture(t, filepath.Join(t.TempDir(), "skyport.db"), fs, nil)
	f.create(recorder("rec", "exit"))
	if _, err := f.svc.CreateEventSourceMapping(f.ctx, MappingConfig{FunctionName: "rec", EventSourceArn: testStreamARN,
		StartingPosition: Latest, BatchSize: 10}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return fs.iteratorCalls() == 1 }, "the poller to take a LATEST iterator")
	a := fs.put(shard, "k", "after")
	eventually(t, func() bool { return len(f.batches("rec")) == 1 }, "the new record")
	if got := f.batches("rec")[0]; !slices.Equal(got, []string{a}) {
		t.Fatalf("delivered %v, want only %s", got, a)
	}
	f.close()
	b := fs.put(shard, "k", "while stopped")
	f.openWith(Config{Streams: fs})
	eventually(t, func() bool { return len(f.batches("rec")) == 1 }, "the record put while stopped")
	if got := f.batches("rec")[0]; !slices.Equal(got, []string{b}) {
		t.Fatalf("after restart delivered %v, want only %s (from the checkpoint)", got, b)
	}
}

func TestStreamSkipsRecordsPastMaximumAge(t *testing.T) {
	shard := "shardId-000000000000"
	fs := newFakeStream(StreamShard{ShardID: shard})
	r1, r2, r3, r4 := fs.put(shard, "k", "1"), fs.put(shard, "k", "2"), fs.put(shard, "k", "3"), fs.put(shard, "k", "4")
	dest := &fakeDestinations{}
	f := newStreamFixture(t, "", fs, dest)
	f.create(recorder("rec", "exit"))
	f.clock.Advance(63 * time.Second) // records arrived at +1…+4 s: r1 and r2 are now older than 60 s
	uuid, err := f.svc.CreateEventSourceMapping(f.ctx, MappingConfig{FunctionName: "rec", EventSourceArn: testStreamARN,
		StartingPosition: TrimHorizon, MaximumRecordAge: 60 * time.Second, OnFailureDestination: "arn:aws:sqs:us-east-1:000000000000:old"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return len(f.batches("rec")) == 1 }, "one batch of the young records")
	if got := f.batches("rec")[0]; !slices.Equal(got, []string{r3, r4}) {
		t.Fatalf("delivered %v, want %s %s", got, r3, r4)
	}
	docs := dest.delivered()
	if len(docs) != 1 || docs[0].RequestContext.Condition != "RecordAgeExceeded" ||
		docs[0].KinesisBatchInfo.StartSequenceNumber != r1 || docs[0].KinesisBatchInfo.EndSequenceNumber != r2 {
		t.Fatalf("on-failure records %+v", docs)
	}
	eventually(t, func() bool { m, _ := f.svc.GetEventSourceMapping(uuid); return m.Processed == 2 && m.Failed == 2 }, "counts")
	bad := MappingConfig{FunctionName: "rec", EventSourceArn: testStreamARN, StartingPosition: Latest, MaximumRecordAge: 59 * time.Second}
	if _, err := f.svc.CreateEventSourceMapping(f.ctx, bad); !isCode(err, InvalidParameterValue) {
		t.Fatalf("a 59 s maximum age: %v", err)
	}
}
