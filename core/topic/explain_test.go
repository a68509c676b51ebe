package topic

import (
	"testing"
)

func TestExplainGivesReasonsPerKey(t *testing.T) {
	f := newFixture(t, Config{})
	attrs := map[string]MessageAttribute{
		"color": {DataType: "String", StringValue: "blue"},
		"size":  {DataType: "Number", StringValue: "7"},
		"tags":  {DataType: "String.Array", StringValue: `["a","b"]`},
	}
	ex, err := f.svc.ExplainFilter(`{"color":["red","green"],"size":[{"numeric":[">=",5,"<",10]}],"region":[{"exists":false}],
		"tags":[{"anything-but":["b","c"]}],"id":[{"prefix":"ord-"}]}`, "MessageAttributes", attrs, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]KeyResult{}
	for _, r := range ex.Alternatives[0] {
		got[r.Key] = r
	}
	want := map[string]struct {
		matched bool
		reason  string
	}{
		"color":  {false, `"blue" matches none of "red", "green"`},
		"size":   {true, `7 matches numeric >= 5 < 10`},
		"region": {true, "the message has no attribute region, as exists: false asks"},
		"tags":   {true, `"a" matches anything-but ["b", "c"]`},
		"id":     {false, `the message has no attribute id; the policy wants prefix "ord-"`},
	}
	for k, w := range want {
		r, ok := got[k]
		if !ok || r.Matched != w.matched || r.Reason != w.reason {
			t.Errorf("%s: got %v %q, want %v %q", k, r.Matched, r.Reason, w.matched, w.reason)
		}
	}
	if c := got["color"].Conditions; len(c) != 2 || c[0] != `"red"` || c[1] != `"green"` {
		t.Errorf("color conditions %q", c)
	}
	body, err := f.svc.ExplainFilter(`{"order":{"total":[{"numeric":["=",3]}]}}`, "MessageBody", nil, `{"order":{"total":4}}`)
	if err != nil {
		t.Fatal(err)
	}
	if r := body.Alternatives[0][0]; r.Matched || r.Reason != "4 does not match numeric = 3" {
		t.Errorf("body: %+v", r)
	}
}
