package gateway

import (
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core/event"
)

// wantErr checks an error's code and exact message.
func wantErr(t *testing.T, what string, err error, code Code, msg string) {
	t.Helper()
	var ge *Error
	if !errors.As(err, &ge) {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
	if ge.Code != code || ge.Message != msg {
		t.Fatalf("%s:\n got %s: %s\nwant %s: %s", what, ge.Code, ge.Message, code, msg)
	}
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m["k"+strconv.Itoa(i)] = "v"
	}
	return m
}

func TestAPITagsValidateLikeAPIGateway(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("é", 129)
	for _, tc := range []struct {
		name string
		tags map[string]string
		msg  string
	}{
		{"too many", manyTags(51), "Too many tags: a resource can have at most 50 tags"},
		{"empty key", map[string]string{"": "v"}, `Invalid tag key "": a tag key has 1 to 128 characters`},
		{"long key", map[string]string{long: "v"}, `Invalid tag key "` + long + `": a tag key has 1 to 128 characters`},
		{"aws: key", map[string]string{"Aws:team": "x"}, "Invalid tag key. Tag keys cannot start with 'aws:' (case insensitive)"},
		{"long value", map[string]string{"team": strings.Repeat("v", 257)}, `Invalid tag value for key "team": a tag value has at most 256 characters`},
	} {
		_, err := f.svc.CreateAPI(f.ctx, API{Name: "bad", Tags: tc.tags})
		wantErr(t, "create with "+tc.name, err, BadRequest, tc.msg)
		if _, err := f.svc.API("bad"); err == nil {
			t.Fatalf("create with %s left an API", tc.name)
		}
	}
	ok := manyTags(48)
	ok[strings.Repeat("é", 128)] = strings.Repeat("ü", 256)
	ok["empty"] = ""
	f.create(API{Name: "shop", Tags: ok})
	if got, err := f.svc.GetTags("shop"); err != nil || !maps.Equal(got, ok) {
		t.Fatalf("GetTags = %d tags, %v; want the 50 created", len(got), err)
	}
	wantErr(t, "51st tag", f.svc.TagResource(f.ctx, "shop", map[string]string{"one-more": "x"}), BadRequest,
		"Too many tags: a resource can have at most 50 tags")
	wantErr(t, "aws: on TagResource", f.svc.TagResource(f.ctx, "shop", map[string]string{"aws:x": "1"}), BadRequest,
		"Invalid tag key. Tag keys cannot start with 'aws:' (case insensitive)")
	if got, _ := f.svc.GetTags("shop"); len(got) != 50 {
		t.Fatalf("a refused TagResource changed the tags: %d", len(got))
	}
	wantErr(t, "unknown API", f.svc.TagResource(f.ctx, "nope", map[string]string{"a": "b"}), NotFound, `API "nope" does not exist`)
	wantErr(t, "unknown API", f.svc.UntagResource(f.ctx, "nope", []string{"a"}), NotFound, `API "nope" does not exist`)
	if _, err := f.svc.GetTags("nope"); err == nil {
		t.Fatal("GetTags of an unknown API")
	}
}

func TestAPITagsChangePersistAndKeepServing(t *testing.T) {
	f := fileFixture(t)
	sub := f.bus.Subscribe(64)
	defer sub.Close()
	tags := map[string]string{"team": "web", "tier": "1"}
	url := f.create(API{Name: "shop", Tags: tags, Routes: []Route{{Key: "GET /hi", Integration: mock("hello")}}})
	tags["tier"] = "changed by the caller" // the service keeps its own copy
	if err := f.svc.TagResource(f.ctx, "shop", map[string]string{"tier": "2", "cost": "42"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.UntagResource(f.ctx, "shop", []string{"team", "never-set"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tier": "2", "cost": "42"}
	if got, _ := f.svc.GetTags("shop"); !maps.Equal(got, want) {
		t.Fatalf("tags = %v, want %v", got, want)
	}
	changed := 0
	for len(sub.C) > 0 {
		if e := <-sub.C; e.Kind == event.ResourceChanged && e.Service == "gateway" && e.Resource == "shop" {
			changed++
		}
	}
	if changed != 2 {
		t.Fatalf("%d resource-changed events for two tag changes", changed)
	}
	f.get(url+"/hi").want(t, http.StatusOK, "hello") // routes still served

	// UpdateAPI and PutRoute keep the tags, whatever the definition says.
	a, _ := f.svc.API("shop")
	a.Tags = map[string]string{"ignored": "yes"}
	a.Routes = append(a.Routes, Route{Key: "GET /bye", Integration: mock("bye")})
	if _, err := f.svc.UpdateAPI(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PutRoute(f.ctx, "shop", Route{Key: "GET /x", Integration: mock("x")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.API("shop"); !maps.Equal(got.Tags, want) || len(got.Routes) != 3 {
		t.Fatalf("after update: tags %v, %d routes", got.Tags, len(got.Routes))
	}
	for _, in := range f.svc.APIs() {
		if in.Name == "shop" && !maps.Equal(in.Tags, want) {
			t.Fatalf("APIs shows tags %v", in.Tags)
		}
	}

	f.restart()
	if got, err := f.svc.GetTags("shop"); err != nil || !maps.Equal(got, want) {
		t.Fatalf("after restart tags = %v, %v; want %v", got, err, want)
	}
	url = f.svc.URL("shop")
	f.get(url+"/bye").want(t, http.StatusOK, "bye")
	if err := f.svc.UntagResource(f.ctx, "shop", []string{"tier", "cost"}); err != nil {
		t.Fatal(err)
	}
	f.restart()
	if got, _ := f.svc.API("shop"); got.Tags != nil {
		t.Fatalf("after untagging all and a restart: %v", got.Tags)
	}
	if got, err := f.svc.GetTags("shop"); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("GetTags of an untagged API = %#v, %v", got, err)
	}
}
