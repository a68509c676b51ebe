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

func TestExampleMessageMatchesThePolicy(t *testing.T) {
	f := newFixture(t, Config{})
	for _, c := range []struct{ policy, scope string }{
		{`{"color":["red"],"size":[{"numeric":[">",5,"<=",9]}],"id":[{"prefix":"ord-"}],"gone":[{"exists":false}],"tier":[{"anything-but":["gold","something-else"]}]}`, "MessageAttributes"},
		{`{"n":[{"numeric":["<",3]}],"ip":[{"cidr":"10.1.0.0/16"}],"e":[{"exists":true}],"s":[{"suffix":".png"}],"k":[{"equals-ignore-case":"AbC"}]}`, "MessageAttributes"},
		{`{"order":{"total":[{"numeric":[">=",10]}],"paid":[true],"note":[null]},"kind":[{"anything-but":[1,2]}]}`, "MessageBody"},
	} {
		attrs, body, err := f.svc.ExampleMessage(c.policy, c.scope)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := f.svc.ExplainFilter(c.policy, c.scope, attrs, body)
		if err != nil || !ex.Matched {
			t.Errorf("%s: example %v %q does not match: %+v %v", c.policy, attrs, body, ex, err)
		}
	}
	if _, _, err := f.svc.ExampleMessage(`{"a":"b"}`, "MessageAttributes"); err == nil {
		t.Error("a bad policy gave an example")
	}
}

// TestSubscribeWithBodyScopeAndNestedPolicy: Subscribe given a nested
// MessageBody policy and its scope together takes them in that scope,
// whatever order the attribute map yields them in.
func TestSubscribeWithBodyScopeAndNestedPolicy(t *testing.T) {
	f := newFixture(t, Config{})
	arn, err := f.svc.CreateTopic(f.ctx, "scoped", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		_, err := f.svc.Subscribe(f.ctx, arn, "sqs", "arn:aws:sqs:us-east-1:000000000000:q", map[string]string{
			"FilterPolicy": `{"order":{"total":[{"numeric":[">",100]}]}}`, "FilterPolicyScope": "MessageBody", "RawMessageDelivery": "true"}, true)
		if err != nil {
			t.Fatalf("try %d: %v", i, err)
		}
	}
}
