package topic

import (
	"testing"
)

// FuzzFilterPolicy compiles arbitrary policies in both scopes and matches
// the ones that compile against arbitrary messages: the parser must reject
// or accept without panicking, respect the complexity limit, and matching
// must be deterministic.
func FuzzFilterPolicy(f *testing.F) {
	for _, seed := range []struct{ policy, value, body string }{
		{`{"store":["example_corp"],"price_usd":[{"numeric":[">=",100]}]}`, "example_corp", `{"store":"example_corp"}`},
		{`{"a":[{"anything-but":{"prefix":"x"}}],"b":[{"exists":false}]}`, "xy", `{"a":"z"}`},
		{`{"$or":[{"a":[{"cidr":"10.0.0.0/8"}]},{"b":[{"suffix":"z"}]}]}`, "10.1.2.3", `{"b":"zz"}`},
		{`{"k":{"n":[{"numeric":[">",0,"<=",5]}]}}`, "3", `{"k":{"n":[1,9]}}`},
		{`{"a":[{"equals-ignore-case":"X"},null,true,1.5]}`, "x", `{"a":null}`},
		{`{"a":[{"numeric":["=",1e9]}]}`, "[1,2]", `[]`},
		{`{"a":`, "", ""},
	} {
		f.Add(seed.policy, seed.value, seed.body)
	}
	f.Fuzz(func(t *testing.T, policy, value, body string) {
		for _, scope := range []Scope{ScopeAttributes, ScopeBody} {
			p, err := CompilePolicy(policy, scope, false)
			if err != nil {
				if err.Code != InvalidParameter || err.Message == "" {
					t.Fatalf("policy %q: error %v", policy, err)
				}
				continue
			}
			if len(p.alts) > maxPolicyCombinations {
				t.Fatalf("policy %q compiled to %d alternatives", policy, len(p.alts))
			}
			attrs := map[string]MessageAttribute{}
			for _, l := range p.alts {
				for _, leaf := range l {
					attrs[leaf.path[0]] = MessageAttribute{DataType: "String", StringValue: value}
				}
			}
			arr := map[string]MessageAttribute{}
			for k := range attrs {
				arr[k] = MessageAttribute{DataType: "String.Array", StringValue: value}
			}
			for _, a := range []map[string]MessageAttribute{attrs, arr, nil} {
				first := p.Match(a, body)
				if again := p.Match(a, body); again != first {
					t.Fatalf("policy %q: match not deterministic", policy)
				}
			}
		}
	})
}
