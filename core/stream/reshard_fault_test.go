package stream

import (
	"reflect"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// A reshard whose commit fails (disk full) leaves the shard map as it was:
// the same shards, open, records still routed to them; once the disk is
// back the same reshard works.
func TestReshardRolledBackOnDiskFull(t *testing.T) {
	faults := &store.Faults{}
	st, err := store.Open(store.Config{Path: t.TempDir() + "/stream.db", Durability: store.Relaxed, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clk: clock.NewFrozen(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), rec: &recorder{}, reg: metrics.NewRegistry(), ctx: t.Context()}
	f.s, err = Open(Config{Store: st, Clock: f.clk, Events: f.rec, Metrics: f.reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.s.Close(); st.Close() })
	f.create(t, "s", 2)
	before, err := f.s.Describe("s")
	if err != nil {
		t.Fatal(err)
	}

	faults.Fail(nil)
	if err := f.s.SplitShard(f.ctx, "s", "shardId-000000000000", "1000"); err == nil {
		t.Fatal("split committed on a full disk")
	}
	if _, err := f.s.UpdateShardCount(f.ctx, "s", 4); err == nil {
		t.Fatal("scaling committed on a full disk")
	}
	faults.Heal()

	after, err := f.s.Describe("s")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before.Shards, after.Shards) || after.OpenShards != 2 || after.Status != StatusActive {
		t.Fatalf("shard map changed by failed reshards:\nbefore %+v\nafter  %+v", before, after)
	}
	res, err := f.s.PutRecords(f.ctx, "s", []PutInput{{PartitionKey: "k", ExplicitHashKey: "10", Data: []byte("x")}})
	if err != nil || res[0].ShardID != "shardId-000000000000" {
		t.Fatalf("put after failed reshards: %+v %v", res, err)
	}
	if err := f.s.SplitShard(f.ctx, "s", "shardId-000000000000", "1000"); err != nil {
		t.Fatalf("split once the disk is back: %v", err)
	}
	d, _ := f.s.Describe("s")
	ids := []string{}
	for _, sh := range d.Shards {
		ids = append(ids, sh.ID)
	}
	// The children take the next free indexes: the failed attempts used none.
	if !reflect.DeepEqual(ids, []string{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003"}) {
		t.Fatalf("shards after the split: %v", ids)
	}
}
