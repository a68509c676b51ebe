package flow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core"
)

// openCore opens an in-memory core whose APIs listen on any free port.
func openCore(t *testing.T) *core.Core {
	t.Helper()
	c, err := core.Open(core.Config{Memory: true, GatewayAnyPort: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestWorkspaceYAMLRoundTrip(t *testing.T) {
	w := Demo()
	data, err := w.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("again.yaml", data)
	if err != nil {
		t.Fatalf("parse of marshalled demo: %v\n%s", err, data)
	}
	if !reflect.DeepEqual(w, back) {
		t.Fatalf("round trip changed the workspace:\nbefore %+v\nafter  %+v", w, back)
	}
	again, err := back.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Fatalf("second marshal differs:\n%s\n---\n%s", data, again)
	}
}

func TestWorkspaceSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.skyport.yaml")
	w := Demo()
	if err := w.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w, got) {
		t.Fatalf("loaded workspace differs:\n%+v\n%+v", w, got)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("save left temporary files: %v", entries)
	}
}

func TestSaveKeepsOldFileWhenWriteFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.yaml")
	if err := Demo().Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if os.Getuid() == 0 {
		t.Log("running as root: directory permissions do not stop the write; checking content only")
	}
	w := Demo()
	w.Name = "changed"
	err := w.Save(path)
	after, _ := os.ReadFile(path)
	if err == nil && os.Getuid() != 0 {
		t.Fatal("save into a read-only directory succeeded")
	}
	if err != nil && string(after) != string(before) {
		t.Fatal("a failed save changed the file")
	}
}

func TestParseErrorsNameFileLineAndReason(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		reason    string
	}{
		{"syntax", "version: 1\nname: x\nqueues: a: b\n", 3, "mapping values"},
		{"unknown field", "version: 1\nqueues:\n  - name: a\n    colour: red\n", 4, "colour"},
		{"wrong type", "version: 1\nstreams:\n  - name: s\n    shards: many\n", 4, "many"},
		{"no version", "queues: []\n", 1, "no version"},
		{"dangling dlq", "version: 1\nqueues:\n  - name: a\n    deadLetter: {queue: b, maxReceiveCount: 3}\n", 0, "queue/b is not defined"},
		{"duplicate", "version: 1\nqueues:\n  - name: a\n  - name: a\n", 0, "defined twice"},
		{"newer", "version: 99\n", 0, "newer"},
		{"empty", "", 0, "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tc.src))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("want a *FileError, got %v", err)
			}
			if fe.File != "bad.yaml" || fe.Line != tc.line || !strings.Contains(fe.Reason, tc.reason) {
				t.Fatalf("got file %q line %d reason %q; want line %d with %q", fe.File, fe.Line, fe.Reason, tc.line, tc.reason)
			}
		})
	}
}

func TestDemoConnections(t *testing.T) {
	got := map[string]bool{}
	for _, c := range Demo().Connections() {
		got[c.Kind+" "+c.From+" "+c.To] = true
	}
	for _, want := range []string{
		"integration api/shop topic/orders",
		"integration api/shop state-machine/fulfil-order",
		"subscription topic/orders queue/orders-priority",
		"subscription topic/orders queue/orders-standard",
		"redrive queue/orders-priority queue/orders-dlq",
		"redrive queue/orders-standard queue/orders-dlq",
		"event-source queue/orders-priority function/process-order",
		"event-source stream/clicks function/count-clicks",
		"task state-machine/fulfil-order queue/shipments",
	} {
		if !got[want] {
			t.Errorf("missing connection %s (have %v)", want, got)
		}
	}
}

func TestDemoAppliesToFreshCoreAndSnapshotsBack(t *testing.T) {
	c := openCore(t)
	ctx := context.Background()
	demo := Demo()
	rep, err := Apply(ctx, c, demo)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Kept) != 0 || len(rep.Created) == 0 {
		t.Fatalf("fresh core: created %v kept %v", rep.Created, rep.Kept)
	}
	snap, err := Snapshot(c)
	if err != nil {
		t.Fatal(err)
	}
	snap.Merge(demo)
	want := Demo()
	want.Normalize()
	for i := range snap.APIs {
		snap.APIs[i].Port = 0 // assigned by the core
	}
	if !reflect.DeepEqual(snap, want) {
		a, _ := snap.Marshal()
		b, _ := want.Marshal()
		t.Fatalf("snapshot after apply differs from the demo:\n%s\n--- want\n%s", a, b)
	}
	rep, err = Apply(ctx, c, demo)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Created) != 0 {
		t.Fatalf("second apply created %v", rep.Created)
	}
}

// TestDemoTrafficFlows sends the demo's samples through its routes: an
// order fans out by priority to the filtered queues, a fulfilment reaches
// the shipping queue through the state machine.
func TestDemoTrafficFlows(t *testing.T) {
	c := openCore(t)
	ctx := context.Background()
	w := Demo()
	w.EventSources = nil // keep the messages in the queues to look at them
	if _, err := Apply(ctx, c, w); err != nil {
		t.Fatal(err)
	}
	res, err := c.Gateway().Call(ctx, "shop", gatewayCall("POST", "/fulfil", `{"orderId":"7"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 {
		t.Fatalf("POST /fulfil: %d %s", res.Status, res.Body)
	}
	msgs := pollQueue(t, c, "shipments")
	if !strings.Contains(msgs[0].Body, `"orderId":"7"`) {
		t.Fatalf("shipments got %q", msgs[0].Body)
	}
	for _, order := range []string{`{"orderId":"8","priority":"high"}`, `{"orderId":"9","priority":"low"}`} {
		res, err := c.Gateway().Call(ctx, "shop", gatewayCall("POST", "/orders", order))
		if err != nil || res.Status != 200 {
			t.Fatalf("POST /orders %s: %v %d %s", order, err, res.Status, res.Body)
		}
	}
	high := pollQueue(t, c, "orders-priority")
	if len(high) != 1 || high[0].Body != `{"orderId":"8","priority":"high"}` {
		t.Fatalf("orders-priority (raw delivery) got %+v", high)
	}
	low := pollQueue(t, c, "orders-standard")
	if len(low) != 1 || !strings.Contains(low[0].Body, `"Type" : "Notification"`) && !strings.Contains(low[0].Body, `"Type":"Notification"`) ||
		!strings.Contains(low[0].Body, `orderId`) || !strings.Contains(low[0].Body, `\"9\"`) {
		t.Fatalf("orders-standard (SNS envelope) got %+v", low)
	}
}
