package function

import (
	"errors"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/event"
)

// wantErr checks an error's Lambda code and exact message.
func wantErr(t *testing.T, what string, err error, code Code, msg string) {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
	if fe.Code != code || fe.Message != msg {
		t.Fatalf("%s:\n got %s: %s\nwant %s: %s", what, fe.Code, fe.Message, code, msg)
	}
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m["k"+strconv.Itoa(i)] = "v"
	}
	return m
}

func TestFunctionTagsValidateLikeLambda(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("é", 129) // characters count, not bytes
	for _, tc := range []struct {
		name string
		tags map[string]string
		msg  string
	}{
		{"too many", manyTags(51), "Number of tags exceeds resource tag limit: a function has at most 50 tags."},
		{"empty key", map[string]string{"": "v"}, "1 validation error detected: Value '' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"},
		{"long key", map[string]string{long: "v"}, "1 validation error detected: Value '" + long + "' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"},
		{"aws: key", map[string]string{"AWS:owner": "me"}, "Invalid tag key AWS:owner: tag keys cannot start with 'aws:' (case insensitive)."},
		{"long value", map[string]string{"team": strings.Repeat("v", 257)}, "1 validation error detected: Value for tag 'team' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256]"},
	} {
		def := shell("bad", "cat")
		def.Tags = tc.tags
		wantErr(t, "create with "+tc.name, f.svc.CreateFunction(f.ctx, def), InvalidParameterValue, tc.msg)
		if _, err := f.svc.GetFunction("bad"); !isCode(err, ResourceNotFound) {
			t.Fatalf("create with %s left a function: %v", tc.name, err)
		}
	}
	// The limits themselves are fine: 50 tags, a 128-character key, a
	// 256-character value, an empty value.
	ok := manyTags(48)
	ok[strings.Repeat("é", 128)] = strings.Repeat("ü", 256)
	ok["empty"] = ""
	def := shell("tagged", "cat")
	def.Tags = ok
	f.create(def)
	got, err := f.svc.ListTags("tagged")
	if err != nil || !maps.Equal(got, ok) {
		t.Fatalf("ListTags = %d tags, %v; want the 50 created", len(got), err)
	}
	wantErr(t, "51st tag", f.svc.TagResource(f.ctx, "tagged", map[string]string{"one-more": "x"}), InvalidParameterValue,
		"Number of tags exceeds resource tag limit: a function has at most 50 tags.")
	wantErr(t, "aws: on TagResource", f.svc.TagResource(f.ctx, "tagged", map[string]string{"aws:x": "1"}), InvalidParameterValue,
		"Invalid tag key aws:x: tag keys cannot start with 'aws:' (case insensitive).")
	if got, _ := f.svc.ListTags("tagged"); len(got) != 50 {
		t.Fatalf("a refused TagResource changed the tags: %d", len(got))
	}
	wantErr(t, "unknown function", f.svc.TagResource(f.ctx, "nope", map[string]string{"a": "b"}), ResourceNotFound, "Function not found: nope")
	wantErr(t, "unknown function", f.svc.UntagResource(f.ctx, "nope", []string{"a"}), ResourceNotFound, "Function not found: nope")
	if _, err := f.svc.ListTags("nope"); !isCode(err, ResourceNotFound) {
		t.Fatalf("ListTags of an unknown function: %v", err)
	}
}

func TestFunctionTagsChangePersistAndSurviveUpdates(t *testing.T) {
	f := openFixture(t, filepath.Join(t.TempDir(), "skyport.db"))
	sub := f.bus.Subscribe(64)
	defer sub.Close()
	def := shell("resize", "cat")
	def.Tags = map[string]string{"team": "media", "tier": "1"}
	f.create(def)
	def.Tags["tier"] = "changed by the caller" // the service keeps its own copy
	arn := f.svc.ARN("resize")
	if err := f.svc.TagResource(f.ctx, arn, map[string]string{"tier": "2", "cost": "42"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.UntagResource(f.ctx, "resize", []string{"team", "never-set"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tier": "2", "cost": "42"}
	if got, _ := f.svc.ListTags("resize"); !maps.Equal(got, want) {
		t.Fatalf("tags = %v, want %v", got, want)
	}
	changed := 0
	for len(sub.C) > 0 {
		if e := <-sub.C; e.Kind == event.ResourceChanged && e.Service == "function" && e.Resource == "resize" {
			changed++
		}
	}
	if changed != 2 {
		t.Fatalf("%d resource-changed events for two tag changes", changed)
	}

	// UpdateFunction keeps the tags, whatever its definition says.
	upd := shell("resize", "cat")
	upd.Timeout = 10 * time.Second
	upd.Tags = map[string]string{"ignored": "yes"}
	if err := f.svc.UpdateFunction(f.ctx, upd); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.GetFunction("resize"); !maps.Equal(got.Tags, want) || got.Timeout != 10*time.Second {
		t.Fatalf("after update: tags %v timeout %v", got.Tags, got.Timeout)
	}
	for _, s := range f.svc.List() {
		if s.Name == "resize" && !maps.Equal(s.Tags, want) {
			t.Fatalf("List shows tags %v", s.Tags)
		}
	}

	f.close()
	f.open()
	if got, err := f.svc.ListTags("resize"); err != nil || !maps.Equal(got, want) {
		t.Fatalf("after restart tags = %v, %v; want %v", got, err, want)
	}
	if got, _ := f.svc.GetFunction("resize"); got.Timeout != 10*time.Second {
		t.Fatalf("after restart timeout %v", got.Timeout)
	}
	// Removing the last tag leaves none, also after a restart.
	if err := f.svc.UntagResource(f.ctx, "resize", []string{"tier", "cost"}); err != nil {
		t.Fatal(err)
	}
	f.close()
	f.open()
	if got, _ := f.svc.GetFunction("resize"); got.Tags != nil {
		t.Fatalf("after untagging all and a restart: %v", got.Tags)
	}
	if got, err := f.svc.ListTags("resize"); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("ListTags of an untagged function = %#v, %v", got, err)
	}
}
