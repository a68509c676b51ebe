package app

import (
	"context"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core/stream"
)

func openShards(t *testing.T, svc *stream.Service, name string) []stream.ShardInfo {
	t.Helper()
	d, err := svc.Describe(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []stream.ShardInfo
	for _, sh := range d.Shards {
		if sh.Open() {
			out = append(out, sh)
		}
	}
	return out
}

// TestShardViewPlacesKeysAndReshards types partition keys and checks each
// lands where the core puts a record with that key, then splits and merges
// through the buttons and checks the bars follow the core.
func TestShardViewPlacesKeysAndReshards(t *testing.T) {
	test.NewTempApp(t)
	c := openTestCore(t)
	ctx := context.Background()
	svc := c.Streams()
	if err := svc.Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 3}); err != nil {
		t.Fatal(err)
	}
	obj := buildShardSection(sectionContext{core: c, kind: Streams, name: "clicks"})
	w := test.NewTempWindow(t, obj)
	w.Resize(fyne.NewSize(360, 560))
	shardViews.Lock()
	v := shardViews.m[c]
	shardViews.Unlock()
	if len(v.rows.Objects) != 3 || len(v.splits) != 3 || len(v.merges) != 2 {
		t.Fatalf("%d rows, %d split and %d merge buttons for 3 shards", len(v.rows.Objects), len(v.splits), len(v.merges))
	}

	for _, key := range []string{"user-42", "a", "order#9001", "zebra"} {
		v.key.SetText("")
		test.Type(v.key, key)
		put, err := svc.PutRecord(ctx, "clicks", stream.PutInput{PartitionKey: key, Data: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		if v.lands != put.ShardID {
			t.Errorf("key %q: view says %s, the core put it in %s", key, v.lands, put.ShardID)
		}
		want := fraction(stream.PartitionHash(key))
		for id, tl := range v.tracks {
			if id == put.ShardID {
				if math.Abs(float64(tl.marker)-want) > 1e-6 || float64(tl.marker) < tl.start || float64(tl.marker) > tl.end {
					t.Errorf("key %q: marker at %v, hash at %v, bar %v..%v", key, tl.marker, want, tl.start, tl.end)
				}
			} else if tl.marker >= 0 {
				t.Errorf("key %q: marker on %s too", key, id)
			}
		}
		if !strings.Contains(v.landing.Text, put.ShardID) || !strings.Contains(v.landing.Text, stream.PartitionHash(key).String()) {
			t.Errorf("landing text %q", v.landing.Text)
		}
	}

	// Split the first shard at its midpoint.
	first := openShards(t, svc, "clicks")[0]
	test.Tap(v.splits[first.ID])
	open := openShards(t, svc, "clicks")
	if len(open) != 4 || len(v.rows.Objects) != 5 {
		t.Fatalf("after a split: %d open shards, %d rows; status %q", len(open), len(v.rows.Objects), v.status.Text)
	}
	var kids []stream.ShardInfo
	for _, sh := range open {
		if sh.Parent == first.ID {
			kids = append(kids, sh)
		}
	}
	if len(kids) != 2 || kids[0].Range.Start != first.Range.Start || kids[1].Range.End != first.Range.End ||
		kids[0].Range.End.Add1() != kids[1].Range.Start || kids[1].Range.Start.String() != midpoint(first.Range) {
		t.Fatalf("children of the split: %+v", kids)
	}
	mid := (v.tracks[first.ID].start + v.tracks[first.ID].end) / 2
	if lo, hi := v.tracks[kids[0].ID], v.tracks[kids[1].ID]; math.Abs(lo.end-mid) > 1e-6 || math.Abs(hi.start-mid) > 1e-6 {
		t.Errorf("children's bars end/start at %v/%v, want the parent's middle %v", lo.end, hi.start, mid)
	}
	if _, ok := v.splits[first.ID]; ok {
		t.Error("the closed parent still has a split button")
	}
	// The key typed last follows the new shards.
	if put, _ := svc.PutRecord(ctx, "clicks", stream.PutInput{PartitionKey: "zebra", Data: []byte("x")}); v.lands != put.ShardID {
		t.Errorf("after the split zebra shows on %s, lands on %s", v.lands, put.ShardID)
	}
	// It fits the inspector's usual width (about 290 px).
	if mw := w.Content().MinSize().Width; mw > 290 {
		t.Errorf("shard view needs %.0f px, wider than the inspector", mw)
	}
	test.AssertImageMatches(t, "shard_view.png", w.Canvas().Capture())

	// Merge the two children back.
	test.Tap(v.merges[kids[0].ID])
	open = openShards(t, svc, "clicks")
	if len(open) != 3 {
		t.Fatalf("after a merge: %d open shards; status %q", len(open), v.status.Text)
	}
	merged := open[len(open)-1]
	if merged.Parent != kids[0].ID || merged.AdjacentParent != kids[1].ID || merged.Range != first.Range {
		t.Errorf("merged shard %+v", merged)
	}
	if !strings.Contains(textsIn(v.rows), shortShard(merged.ID)+" ← "+shortShard(kids[0].ID)+"+"+shortShard(kids[1].ID)) {
		t.Errorf("lineage not shown: %s", textsIn(v.rows))
	}

	// A core error is shown in words.
	if err := svc.Delete(ctx, "clicks"); err != nil {
		t.Fatal(err)
	}
	test.Tap(v.splits[merged.ID])
	if !v.status.Visible() || !strings.Contains(v.status.Text, "clicks") {
		t.Errorf("status after splitting a deleted stream's shard: %q (visible %v)", v.status.Text, v.status.Visible())
	}
}

func TestShardHelpers(t *testing.T) {
	full := stream.HashRange{Start: stream.HashKey{}, End: stream.HashKey{Hi: math.MaxUint64, Lo: math.MaxUint64}}
	if got, want := midpoint(full), "170141183460469231731687303715884105728"; got != want { // 2^127
		t.Errorf("midpoint of the whole space %s, want %s", got, want)
	}
	if f := fraction(full.End); f != 1 {
		t.Errorf("fraction of the last key %v", f)
	}
	if shortShard("shardId-000000000012") != "0012" || shortShard("other") != "other" {
		t.Error("shortShard")
	}
}
