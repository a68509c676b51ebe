package flow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestDocumentOpenFailureKeepsWhatWasOpen(t *testing.T) {
	c := openCore(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	w := &Workspace{Version: FormatVersion, Name: "small", Queues: []Queue{{Name: "jobs"}},
		Layout: map[string]Position{"queue/jobs": {X: 10, Y: 20}}}
	if err := w.Save(good); err != nil {
		t.Fatal(err)
	}
	d := NewDocument()
	if _, err := d.Open(context.Background(), c, good); err != nil {
		t.Fatal(err)
	}
	if d.Path != good || d.Title() != "good.yaml" || !c.Queues().QueueExists("jobs") {
		t.Fatalf("after open: %+v", d)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nqueues: [\n"), 0o644)
	before := *d
	if _, err := d.Open(context.Background(), c, bad); err == nil {
		t.Fatal("opening a broken file succeeded")
	}
	if d.Path != before.Path || d.Workspace != before.Workspace {
		t.Fatal("a failed open replaced the open document")
	}
}

func TestDocumentSaveSnapshotsCoreAndKeepsLayout(t *testing.T) {
	c := openCore(t)
	ctx := context.Background()
	d := NewDocument()
	d.Workspace.Layout = map[string]Position{"queue/made-in-gui": {X: 1, Y: 2}}
	d.Workspace.Samples = []Sample{{Name: "hello", Target: "queue/made-in-gui", Body: "hi"}}
	if err := c.Queues().CreateQueue(ctx, "made-in-gui", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Save(c); !errors.Is(err, ErrNoPath) {
		t.Fatalf("save of an untitled document: %v", err)
	}
	path := filepath.Join(t.TempDir(), "w.yaml")
	if err := d.SaveAs(c, path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &Workspace{Version: FormatVersion, Queues: []Queue{{Name: "made-in-gui"}},
		Layout:  map[string]Position{"queue/made-in-gui": {X: 1, Y: 2}},
		Samples: []Sample{{Name: "hello", Target: "queue/made-in-gui", Body: "hi"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("saved %+v, want %+v", got, want)
	}
	if d.Path != path || d.Save(c) != nil {
		t.Fatalf("document after save as: %+v", d)
	}
}

func TestAddRecent(t *testing.T) {
	var list []string
	for _, p := range []string{"a", "b", "c", "a"} {
		list = AddRecent(list, p)
	}
	if !reflect.DeepEqual(list, []string{"a", "c", "b"}) {
		t.Fatalf("recent %v", list)
	}
	for i := 0; i < 20; i++ {
		list = AddRecent(list, string(rune('d'+i)))
	}
	if len(list) != MaxRecent {
		t.Fatalf("recent has %d entries", len(list))
	}
}
