package stream

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// recorder keeps the events a service publishes.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) Publish(e event.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) kinds() []event.Kind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.Kind
	for _, e := range r.events {
		out = append(out, e.Kind)
	}
	return out
}

type fixture struct {
	s   *Service
	clk *clock.Clock
	rec *recorder
	reg *metrics.Registry
	ctx context.Context
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	// A file in WAL mode, as the app runs: readers never wait for the writer
	// (the memory store's memdb VFS has no WAL, so a long write burst can
	// keep a reader busy).
	st, err := store.Open(store.Config{Path: t.TempDir() + "/stream.db", Durability: store.Relaxed})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clk: clock.NewFrozen(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), rec: &recorder{}, reg: metrics.NewRegistry(), ctx: context.Background()}
	cfg.Store, cfg.Clock, cfg.Events, cfg.Metrics = st, f.clk, f.rec, f.reg
	f.s, err = Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.s.Close(); st.Close() })
	return f
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func (f *fixture) create(t *testing.T, name string, shards int) {
	t.Helper()
	if err := f.s.Create(f.ctx, CreateInput{Name: name, ShardCount: shards}); err != nil {
		t.Fatal(err)
	}
}

func TestThroughputEmulation(t *testing.T) {
	f := newFixture(t, Config{Throughput: true})
	f.create(t, "slow", 1)
	batch := make([]PutInput, 500)
	for i := range batch {
		batch[i] = PutInput{PartitionKey: "k", Data: []byte("x")}
	}
	for i := 0; i < 2; i++ {
		res, err := f.s.PutRecords(f.ctx, "slow", batch)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.ErrorCode != "" {
				t.Fatalf("batch %d: throttled within 1,000 records/s: %+v", i, r)
			}
		}
	}
	// The 1,001st record in the same second is refused, alone.
	res, err := f.s.PutRecords(f.ctx, "slow", batch[:2])
	if err != nil || res[0].ErrorCode != ThroughputExceeded || res[0].SequenceNumber != "" {
		t.Fatalf("over the record rate: %v %+v", err, res)
	}
	_, err = f.s.PutRecord(f.ctx, "slow", batch[0])
	wantCode(t, err, ThroughputExceeded)
	f.clk.Advance(time.Second)
	if _, err := f.s.PutRecord(f.ctx, "slow", batch[0]); err != nil {
		t.Fatalf("after a second: %v", err)
	}
	// 1 MiB/s of data: a 1 MiB record drains the bucket.
	f.clk.Advance(time.Second)
	big := PutInput{PartitionKey: "k", Data: make([]byte, 1<<20-1)}
	if _, err := f.s.PutRecord(f.ctx, "slow", big); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.PutRecord(f.ctx, "slow", PutInput{PartitionKey: "k", Data: make([]byte, 100)})
	wantCode(t, err, ThroughputExceeded)

	// Reads: 5 GetRecords calls per second per shard.
	it, err := f.s.GetShardIterator(f.ctx, IteratorInput{Stream: "slow", ShardID: "shardId-000000000000", Type: Latest})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := f.s.GetRecords(f.ctx, it, 1); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	_, err = f.s.GetRecords(f.ctx, it, 1)
	wantCode(t, err, ThroughputExceeded)
	f.clk.Advance(time.Second)
	if _, err := f.s.GetRecords(f.ctx, it, 1); err != nil {
		t.Fatal(err)
	}
}

func TestNoThrottleByDefault(t *testing.T) {
	f := newFixture(t, Config{})
	f.create(t, "fast", 1)
	batch := make([]PutInput, 500)
	for i := range batch {
		batch[i] = PutInput{PartitionKey: "k", Data: make([]byte, 4096)}
	}
	for i := 0; i < 4; i++ {
		res, err := f.s.PutRecords(f.ctx, "fast", batch)
		if err != nil || res[499].ErrorCode != "" {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
}

func TestRecordSizeAndReadLimits(t *testing.T) {
	f := newFixture(t, Config{})
	f.create(t, "big", 1)
	six := PutInput{PartitionKey: "k", Data: bytes.Repeat([]byte{7}, 6<<20)}
	_, err := f.s.PutRecord(f.ctx, "big", six)
	wantCode(t, err, InvalidArgument)
	wantCode(t, f.s.UpdateMaxRecordSize(f.ctx, "big", 512), Validation)
	if err := f.s.UpdateMaxRecordSize(f.ctx, "big", 10240); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := f.s.PutRecord(f.ctx, "big", six); err != nil {
			t.Fatalf("6 MiB record after UpdateMaxRecordSize: %v", err)
		}
	}
	// 10 MiB per GetRecords: the two 6 MiB records come one call each.
	g, err := f.s.Read(f.ctx, IteratorInput{Stream: "big", ShardID: "shardId-000000000000", Type: TrimHorizon}, 0)
	if err != nil || len(g.Records) != 1 || len(g.Records[0].Data) != 6<<20 || g.NextIterator == "" {
		t.Fatalf("first read: %v %d", err, len(g.Records))
	}
	g2, err := f.s.GetRecords(f.ctx, g.NextIterator, 0)
	if err != nil || len(g2.Records) != 1 {
		t.Fatalf("second read: %v", err)
	}
	// SequenceNumberForOrdering: a later record's number is larger.
	r1, err := f.s.PutRecord(f.ctx, "big", PutInput{PartitionKey: "a", Data: []byte("1")})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.s.PutRecord(f.ctx, "big", PutInput{PartitionKey: "a", Data: []byte("2"), OrderAfter: r1.SequenceNumber})
	if err != nil || r2.SequenceNumber <= r1.SequenceNumber {
		t.Fatalf("ordering: %v %s %s", err, r1.SequenceNumber, r2.SequenceNumber)
	}
	_, err = f.s.PutRecord(f.ctx, "big", PutInput{PartitionKey: "a", Data: []byte("3"), OrderAfter: "01"})
	wantCode(t, err, InvalidArgument)
}

func TestEventsMetricsAndGUIAPI(t *testing.T) {
	f := newFixture(t, Config{})
	f.create(t, "gui", 2)
	land, err := f.s.ShardFor("gui", "user-1", "")
	if err != nil || !land.Range.Contains(land.Hash) || land.Hash != PartitionHash("user-1") {
		t.Fatalf("ShardFor: %v %+v", err, land)
	}
	res, err := f.s.PutRecords(f.ctx, "gui", []PutInput{{PartitionKey: "user-1", Data: []byte("abc")}, {PartitionKey: "user-1", Data: []byte("de")}})
	if err != nil || res[0].ShardID != land.ShardID {
		t.Fatalf("record went to %s, ShardFor said %s (%v)", res[0].ShardID, land.ShardID, err)
	}
	f.clk.Advance(3 * time.Second)
	g, err := f.s.GetRecords(f.ctx, mustIterator(t, f, land.ShardID), 1)
	if err != nil || string(g.Records[0].Data) != "abc" || g.MillisBehindLatest != 3000 {
		t.Fatalf("read: %v %+v", err, g)
	}
	d, err := f.s.Describe("gui")
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range d.Shards {
		if sh.ID == land.ShardID && (sh.LatestSeq != res[1].SequenceNumber || sh.IteratorAge != 3*time.Second) {
			t.Fatalf("shard info: %+v", sh)
		}
	}
	if d.IteratorAge != 3*time.Second {
		t.Fatalf("stream iterator age %s", d.IteratorAge)
	}
	var buf bytes.Buffer
	_ = f.reg.WritePrometheus(&buf)
	for _, want := range []string{
		`skyport_kinesis_incoming_records_total{stream="gui"} 2`,
		`skyport_kinesis_incoming_bytes_total{stream="gui"} 17`,
		`skyport_kinesis_get_records_iterator_age_milliseconds{stream="gui"} 3000`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Fatalf("metrics lack %s:\n%s", want, buf.String())
		}
	}
	recent, err := f.s.Recent(f.ctx, "gui", land.ShardID, 1)
	if err != nil || len(recent) != 1 || string(recent[0].Data) != "de" {
		t.Fatalf("Recent 1: %v %+v", err, recent)
	}
	recent, err = f.s.Recent(f.ctx, "gui", land.ShardID, 10)
	if err != nil || len(recent) != 2 || string(recent[0].Data) != "abc" || recent[1].SequenceNumber != res[1].SequenceNumber {
		t.Fatalf("Recent 10: %v %+v", err, recent)
	}
	if err := f.s.Delete(f.ctx, "gui"); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.GetRecords(f.ctx, g.NextIterator, 1)
	wantCode(t, err, ResourceNotFound)
	kinds := f.rec.kinds()
	want := []event.Kind{event.ResourceCreated, event.MessageSent, event.ResourceDeleted}
	if len(kinds) != len(want) {
		t.Fatalf("events %v", kinds)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("events %v, want %v", kinds, want)
		}
	}
	if l := f.s.List(); len(l) != 0 {
		t.Fatalf("List after delete: %+v", l)
	}
}

func mustIterator(t *testing.T, f *fixture, shard string) string {
	t.Helper()
	it, err := f.s.GetShardIterator(f.ctx, IteratorInput{Stream: "gui", ShardID: shard, Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func TestClosedShardsExpireWithRetention(t *testing.T) {
	// The background trimmer stays out of the way: this test trims itself.
	f := newFixture(t, Config{TrimInterval: 1000 * time.Hour})
	f.create(t, "old", 1)
	if _, err := f.s.PutRecord(f.ctx, "old", PutInput{PartitionKey: "k", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateShardCount(f.ctx, "old", 2); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(25 * time.Hour)
	if _, err := f.s.Trim(f.ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := f.s.st.DB().QueryRow(`SELECT count(*) FROM stream_records`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d records left after retention (%v)", left, err)
	}
	d, _ := f.s.Describe("old")
	if len(d.Shards) != 2 || d.Shards[0].ID != "shardId-000000000001" {
		t.Fatalf("shards after retention: %+v", d.Shards)
	}
}

func TestDeleteStreamPurgesRecordsInTheBackground(t *testing.T) {
	f := newFixture(t, Config{})
	f.create(t, "gone", 2)
	batch := make([]PutInput, 500)
	for i := range batch {
		batch[i] = PutInput{PartitionKey: strings.Repeat("k", i%7+1), Data: []byte("x")}
	}
	for i := 0; i < 12; i++ { // 6,000 records: more than one purge batch
		if _, err := f.s.PutRecords(f.ctx, "gone", batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.Delete(f.ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.Delete(f.ctx, "gone"), ResourceNotFound)
	f.create(t, "gone", 1) // the name is free at once
	// A safety net, not a speed target: under -race on a loaded machine
	// the dozen purge writes have taken more than 10 s.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var left, pending int
		db := f.s.st.DB()
		if err := db.QueryRow(`SELECT count(*) FROM stream_records`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) FROM stream_purge`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if left == 0 && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d records and %d shards still to purge", left, pending)
		}
		time.Sleep(time.Millisecond)
	}
}
