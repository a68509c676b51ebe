package app

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/stream"
)

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m["k"+strconv.Itoa(i)] = "v"
	}
	return m
}

// listedTags is what the tag editor's rows show: "key|value|key|value".
func listedTags(te *tagEditor) string {
	var out []string
	for _, o := range te.rows.Objects {
		if rt, ok := o.(*widget.RichText); ok {
			out = append(out, rt.String())
			continue
		}
		for _, in := range test.LaidOutObjects(o) {
			if l, ok := in.(*widget.Label); ok {
				out = append(out, l.Text)
			}
		}
	}
	return strings.Join(out, "|")
}

// addTag types a key and value into te and taps Add.
func addTag(te *tagEditor, k, v string) {
	te.key.SetText("")
	te.value.SetText("")
	test.Type(te.key, k)
	test.Type(te.value, v)
	test.Tap(te.addBtn)
}

func TestFunctionInspectorTags(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	fs := f.c.Functions()
	mustNil(t, fs.CreateFunction(ctx, function.Definition{Name: "worker", Command: []string{"cat"}, Tags: map[string]string{"team": "media"}}))
	v := f.selectRes(t, Functions, "worker").(*functionView)
	if got := listedTags(v.tags); got != "team|media" {
		t.Fatalf("the created tag is not listed: %s", got)
	}

	addTag(v.tags, "cost-center", "42")
	if tags, _ := fs.ListTags("worker"); !maps.Equal(tags, map[string]string{"team": "media", "cost-center": "42"}) {
		t.Fatalf("tags after add: %v", tags)
	}
	if got := listedTags(v.tags); got != "cost-center|42|team|media" || v.tags.key.Text != "" {
		t.Fatalf("added tag not listed or the key not cleared: %s", got)
	}
	addTag(v.tags, "aws:owner", "me")
	if !v.tags.msg.Visible() || v.tags.msg.Text != "tag keys starting with aws: are reserved" {
		t.Fatalf("reserved key: message %q", v.tags.msg.Text)
	}
	if tags, _ := fs.ListTags("worker"); len(tags) != 2 {
		t.Fatalf("a reserved key reached the core: %v", tags)
	}

	// Saving the function's attributes keeps its tags.
	typeInto(v.form.field("Timeout"), "9")
	test.Tap(v.form.save)
	if def, _ := fs.GetFunction("worker"); len(def.Tags) != 2 || def.Timeout.Seconds() != 9 {
		t.Fatalf("after saving the form: tags %v timeout %v", def.Tags, def.Timeout)
	}

	removeTag(t, v.tags, "team")
	if tags, _ := fs.ListTags("worker"); !maps.Equal(tags, map[string]string{"cost-center": "42"}) {
		t.Fatalf("tags after remove: %v", tags)
	}
	if got := listedTags(v.tags); got != "cost-center|42" {
		t.Fatalf("after remove the editor lists %s", got)
	}

	// The core's own limit comes back in words.
	mustNil(t, fs.TagResource(ctx, "worker", manyTags(49))) // 50 with cost-center
	addTag(v.tags, "one-more", "x")
	if want := "Invalid parameter value: Number of tags exceeds resource tag limit: a function has at most 50 tags."; v.tags.msg.Text != want || !v.tags.msg.Visible() {
		t.Fatalf("51st tag: message %q, want %q", v.tags.msg.Text, want)
	}
	if v.tags.key.Text != "one-more" {
		t.Fatal("a refused tag cleared what the user typed")
	}
}

func TestAPIInspectorTags(t *testing.T) {
	f := newInspectorFixture(t)
	ctx := context.Background()
	gw := f.c.Gateway()
	_, err := gw.CreateAPI(ctx, gateway.API{Name: "shop"})
	mustNil(t, err)
	v := f.selectRes(t, APIs, "shop").(*apiView)
	if got := listedTags(v.tags); got != "Tags|none" {
		t.Fatalf("an untagged API does not say so: %s", got)
	}

	addTag(v.tags, "team", "web")
	if tags, _ := gw.GetTags("shop"); !maps.Equal(tags, map[string]string{"team": "web"}) {
		t.Fatalf("tags after add: %v", tags)
	}
	if got := listedTags(v.tags); got != "team|web" {
		t.Fatalf("added tag not listed: %s", got)
	}
	addTag(v.tags, "team", "shop") // same key: a new value
	if tags, _ := gw.GetTags("shop"); tags["team"] != "shop" || len(tags) != 1 {
		t.Fatalf("tags after re-adding a key: %v", tags)
	}
	addTag(v.tags, strings.Repeat("k", 129), "x")
	if v.tags.msg.Text != "a tag key has at most 128 characters" {
		t.Fatalf("long key: message %q", v.tags.msg.Text)
	}

	// Adding a route (an UpdateAPI) keeps the tags.
	typeInto(v.adder.field("key"), "GET /ping")
	test.Tap(v.adder.save)
	if api, _ := gw.API("shop"); len(api.Routes) != 1 || api.Tags["team"] != "shop" {
		t.Fatalf("after adding a route: %+v", api)
	}

	removeTag(t, v.tags, "team")
	if tags, _ := gw.GetTags("shop"); len(tags) != 0 {
		t.Fatalf("tags after remove: %v", tags)
	}
	if got := listedTags(v.tags); got != "Tags|none" {
		t.Fatalf("no 'none' after removing the last tag: %s", got)
	}
	mustNil(t, gw.TagResource(ctx, "shop", manyTags(50)))
	addTag(v.tags, "one-more", "x")
	if want := "Bad request: Too many tags: a resource can have at most 50 tags"; v.tags.msg.Text != want {
		t.Fatalf("51st tag: message %q, want %q", v.tags.msg.Text, want)
	}
}

// TestFunctionInspectorLooks keeps a golden image of a tagged function's
// inspector as wide as the main window's inspector panel.
func TestFunctionInspectorLooks(t *testing.T) {
	pinVersion(t)
	saved := inspectorSections // only the function's own form
	inspectorSections = nil
	t.Cleanup(func() { inspectorSections = saved })
	f := newInspectorFixture(t)
	mustNil(t, f.c.Functions().CreateFunction(context.Background(), function.Definition{Name: "resize",
		Command: []string{"python3", "resize.py"}, Tags: map[string]string{"team": "media", "cost-center": "42"}}))
	f.selectRes(t, Functions, "resize")
	f.win.Resize(fyne.NewSize(320, 1260))
	test.AssertImageMatches(t, "inspector_function.png", f.win.Canvas().Capture())
}

// TestUndoingADeleteRestoresFunctionAndAPITags deletes a tagged function
// and API from the canvas and undoes it: they come back with their tags.
func TestUndoingADeleteRestoresFunctionAndAPITags(t *testing.T) {
	c, m, q := flowWindow(t)
	ctx := context.Background()
	tags := map[string]string{"team": "media"}
	mustNil(t, c.Functions().CreateFunction(ctx, function.Definition{Name: "resize", Command: []string{"cat"}, Tags: tags}))
	_, err := c.Gateway().CreateAPI(ctx, gateway.API{Name: "shop", Tags: tags})
	mustNil(t, err)
	for _, id := range []string{"function/resize", "api/shop"} {
		deleteOnCanvas(t, c, m, q, id)
	}
	if _, err := c.Functions().GetFunction("resize"); err == nil {
		t.Fatal("the function survived its delete")
	}
	if _, err := c.Gateway().API("shop"); err == nil {
		t.Fatal("the API survived its delete")
	}
	m.flow.canvas.Undo()
	m.flow.canvas.Undo()
	if got, err := c.Functions().ListTags("resize"); err != nil || !maps.Equal(got, tags) {
		t.Fatalf("function tags after undo: %v, %v", got, err)
	}
	if got, err := c.Gateway().GetTags("shop"); err != nil || !maps.Equal(got, tags) {
		t.Fatalf("API tags after undo: %v, %v", got, err)
	}
}

// Undoing the delete of a queue, topic, stream or state machine brings it
// back with its tags, and a topic with its display name.
func TestUndoingADeleteRestoresTagsOfEveryKind(t *testing.T) {
	c, m, q := flowWindow(t)
	ctx := context.Background()
	tags := map[string]string{"team": "media"}
	mustNil(t, c.Queues().CreateQueue(ctx, "jobs", nil, tags))
	_, err := c.Topics().CreateTopic(ctx, "news", map[string]string{"DisplayName": "News"}, tags)
	mustNil(t, err)
	mustNil(t, c.Streams().Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 1, Tags: tags}))
	_, err = c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "flow",
		Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, Tags: tags})
	mustNil(t, err)
	ids := []string{"queue/jobs", "topic/news", "stream/clicks", "state-machine/flow"}
	for _, id := range ids {
		deleteOnCanvas(t, c, m, q, id)
	}
	for range ids {
		m.flow.canvas.Undo()
	}
	if got, err := c.Queues().ListQueueTags("jobs"); err != nil || !maps.Equal(got, tags) {
		t.Fatalf("queue tags after undo: %v, %v", got, err)
	}
	arn := c.Topics().ARN("news")
	if got, err := c.Topics().ListTagsForResource(arn); err != nil || !maps.Equal(got, tags) {
		t.Fatalf("topic tags after undo: %v, %v", got, err)
	}
	if attrs, err := c.Topics().GetTopicAttributes(arn); err != nil || attrs["DisplayName"] != "News" {
		t.Fatalf("topic display name after undo: %q, %v", attrs["DisplayName"], err)
	}
	if got, err := c.Streams().Tags("clicks"); err != nil || !maps.Equal(got, tags) {
		t.Fatalf("stream tags after undo: %v, %v", got, err)
	}
	sm, ok := findMachine(c, "flow")
	if !ok || !maps.Equal(sm.Tags, tags) {
		t.Fatalf("state machine tags after undo: %v (found %v)", sm.Tags, ok)
	}
}

// deleteOnCanvas selects a node, presses Delete, confirms, and waits until
// its resource is gone from the core.
func deleteOnCanvas(t *testing.T, c *core.Core, m *MainWindow, q uiQueue, id string) {
	t.Helper()
	q.runUntil(t, id+" on the canvas", func() bool { _, ok := m.flow.canvas.Node(id); return ok })
	m.flow.canvas.Select([]string{id}, nil)
	m.flow.canvas.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if m.flow.confirm == nil {
		t.Fatalf("deleting %s did not ask", id)
	}
	m.flow.confirm.Confirm()
	q.runUntil(t, id+" gone", func() bool { return !resourceExists(c, id) })
}
