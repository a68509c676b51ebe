package topic

import (
	"strings"
	"testing"
)

// docAttrs is the example message of the Amazon SNS developer guide
// ("Example filter policies"), as message attributes.
var docAttrs = map[string]MessageAttribute{
	"customer_interests": {DataType: "String.Array", StringValue: `["soccer", "rugby", "hockey"]`},
	"store":              {DataType: "String", StringValue: "example_corp"},
	"event":              {DataType: "String", StringValue: "order_placed"},
	"price_usd":          {DataType: "Number", StringValue: "210.75"},
}

// docBody is the same message as a JSON body (payload-based filtering).
const docBody = `{"customer_interests":["soccer","rugby","hockey"],"store":"example_corp","event":"order_placed","price_usd":210.75,
"order":{"source":{"ip":"10.0.0.17"},"items":[{"sku":"A-1"},{"sku":"B-2"}]},"coupon":null,"gift":false}`

func str(v string) MessageAttribute { return MessageAttribute{DataType: "String", StringValue: v} }
func num(v string) MessageAttribute { return MessageAttribute{DataType: "Number", StringValue: v} }

func TestFilterPolicyMatches(t *testing.T) {
	cases := []struct {
		name   string
		policy string
		attrs  map[string]MessageAttribute
		want   bool
	}{
		// "Example filter policies": a policy that accepts the example message…
		{"doc accepts", `{"store":["example_corp"],"event":[{"anything-but":"order_cancelled"}],"customer_interests":["rugby","football","baseball"],"price_usd":[{"numeric":[">=",100]}]}`, docAttrs, true},
		// …and one that rejects it (encrypted is absent, event and interests differ).
		{"doc rejects", `{"store":["example_corp"],"event":["order_cancelled"],"encrypted":[false],"customer_interests":["basketball","baseball"]}`, docAttrs, false},
		// String value matching.
		{"exact string", `{"customer_interests":["rugby","tennis"]}`, map[string]MessageAttribute{"customer_interests": str("rugby")}, true},
		{"exact string other", `{"customer_interests":["rugby","tennis"]}`, map[string]MessageAttribute{"customer_interests": str("baseball")}, false},
		{"exact string array", `{"customer_interests":["rugby","tennis"]}`, map[string]MessageAttribute{"customer_interests": {DataType: "String.Array", StringValue: `["rugby","tennis"]`}}, true},
		{"string does not match number", `{"price":["10"]}`, map[string]MessageAttribute{"price": num("10")}, false},
		{"anything-but list", `{"customer_interests":[{"anything-but":["rugby","tennis"]}]}`, map[string]MessageAttribute{"customer_interests": str("baseball")}, true},
		{"anything-but list hit", `{"customer_interests":[{"anything-but":["rugby","tennis"]}]}`, map[string]MessageAttribute{"customer_interests": str("rugby")}, false},
		{"anything-but absent key", `{"customer_interests":[{"anything-but":["rugby"]}]}`, map[string]MessageAttribute{}, false},
		{"anything-but prefix", `{"customer_interests":[{"anything-but":{"prefix":"bas"}}]}`, map[string]MessageAttribute{"customer_interests": str("rugby")}, true},
		{"anything-but prefix hit", `{"customer_interests":[{"anything-but":{"prefix":"bas"}}]}`, map[string]MessageAttribute{"customer_interests": str("baseball")}, false},
		{"anything-but suffix", `{"customer_interests":[{"anything-but":{"suffix":"ball"}}]}`, map[string]MessageAttribute{"customer_interests": str("baseball")}, false},
		{"equals-ignore-case", `{"customer_interests":[{"equals-ignore-case":"tennis"}]}`, map[string]MessageAttribute{"customer_interests": str("TeNnIs")}, true},
		{"equals-ignore-case miss", `{"customer_interests":[{"equals-ignore-case":"tennis"}]}`, map[string]MessageAttribute{"customer_interests": str("tennis!")}, false},
		{"prefix", `{"customer_interests":[{"prefix":"bas"}]}`, map[string]MessageAttribute{"customer_interests": str("basketball")}, true},
		{"prefix miss", `{"customer_interests":[{"prefix":"bas"}]}`, map[string]MessageAttribute{"customer_interests": str("rugby")}, false},
		{"suffix", `{"customer_interests":[{"suffix":"ball"}]}`, map[string]MessageAttribute{"customer_interests": str("baseball")}, true},
		{"suffix miss", `{"customer_interests":[{"suffix":"ball"}]}`, map[string]MessageAttribute{"customer_interests": str("rugby")}, false},
		{"cidr in", `{"source_ip":[{"cidr":"10.0.0.0/24"}]}`, map[string]MessageAttribute{"source_ip": str("10.0.0.255")}, true},
		{"cidr out", `{"source_ip":[{"cidr":"10.0.0.0/24"}]}`, map[string]MessageAttribute{"source_ip": str("10.1.1.0")}, false},
		{"cidr ipv6", `{"source_ip":[{"cidr":"2001:db8::/32"}]}`, map[string]MessageAttribute{"source_ip": str("2001:db8::1")}, true},
		{"cidr not an ip", `{"source_ip":[{"cidr":"10.0.0.0/24"}]}`, map[string]MessageAttribute{"source_ip": str("localhost")}, false},
		// Numeric value matching.
		{"numeric equals", `{"price_usd":[{"numeric":["=",301.5]}]}`, map[string]MessageAttribute{"price_usd": num("3.015e2")}, true},
		{"exact number", `{"price_usd":[301.5]}`, map[string]MessageAttribute{"price_usd": num("301.50")}, true},
		{"number does not match string", `{"price_usd":[301.5]}`, map[string]MessageAttribute{"price_usd": str("301.5")}, false},
		{"anything-but numbers", `{"price_usd":[{"anything-but":[100,500]}]}`, map[string]MessageAttribute{"price_usd": num("499.9")}, true},
		{"anything-but numbers hit", `{"price_usd":[{"anything-but":[100,500]}]}`, map[string]MessageAttribute{"price_usd": num("100")}, false},
		{"range inside", `{"price_usd":[{"numeric":[">",0,"<=",150]}]}`, map[string]MessageAttribute{"price_usd": num("150")}, true},
		{"range low bound open", `{"price_usd":[{"numeric":[">",0,"<=",150]}]}`, map[string]MessageAttribute{"price_usd": num("0")}, false},
		{"range above", `{"price_usd":[{"numeric":[">",0,"<=",150]}]}`, map[string]MessageAttribute{"price_usd": num("150.01")}, false},
		{"less than", `{"price_usd":[{"numeric":["<",0]}]}`, map[string]MessageAttribute{"price_usd": num("-1")}, true},
		{"numeric on a bad number", `{"price_usd":[{"numeric":["<",0]}]}`, map[string]MessageAttribute{"price_usd": {DataType: "String", StringValue: "-1"}}, false},
		{"numeric on array", `{"n":[{"numeric":[">",5]}]}`, map[string]MessageAttribute{"n": {DataType: "String.Array", StringValue: `[1, 7]`}}, true},
		// Attribute key matching.
		{"exists true", `{"store":[{"exists":true}]}`, docAttrs, true},
		{"exists true absent", `{"encrypted":[{"exists":true}]}`, docAttrs, false},
		{"exists false", `{"encrypted":[{"exists":false}]}`, docAttrs, true},
		{"exists false present", `{"store":[{"exists":false}]}`, docAttrs, false},
		{"absent key", `{"color":["red"]}`, docAttrs, false},
		// AND/OR logic.
		{"and", `{"customer_interests":["rugby"],"price_usd":[{"numeric":[">",100]}]}`, docAttrs, true},
		{"and fails", `{"customer_interests":["rugby"],"price_usd":[{"numeric":[">",1000]}]}`, docAttrs, false},
		{"or of values", `{"customer_interests":["rugby","football","baseball"]}`, docAttrs, true},
		{"$or first", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`,
			map[string]MessageAttribute{"source": str("aws.cloudwatch"), "metricName": str("CPUUtilization")}, true},
		{"$or second", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`,
			map[string]MessageAttribute{"source": str("aws.cloudwatch"), "namespace": str("AWS/EC2")}, true},
		{"$or neither", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`,
			map[string]MessageAttribute{"source": str("aws.cloudwatch"), "namespace": str("AWS/S3")}, false},
		{"$or outer fails", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`,
			map[string]MessageAttribute{"source": str("aws.events"), "metricName": str("CPUUtilization")}, false},
		{"binary attribute exists only", `{"b":[{"exists":true}]}`, map[string]MessageAttribute{"b": {DataType: "Binary", BinaryValue: []byte{1}}}, true},
		{"empty policy", `{}`, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := CompilePolicy(c.policy, ScopeAttributes, false)
			if err != nil {
				t.Fatalf("compile %s: %v", c.policy, err)
			}
			if got := p.Match(c.attrs, "ignored"); got != c.want {
				t.Fatalf("policy %s on %v: match %v, want %v", c.policy, c.attrs, got, c.want)
			}
		})
	}
}

func TestFilterPolicyOnBody(t *testing.T) {
	cases := []struct {
		name, policy string
		body         string
		want         bool
	}{
		{"doc accepts", `{"store":["example_corp"],"event":[{"anything-but":"order_cancelled"}],"customer_interests":["rugby","football","baseball"],"price_usd":[{"numeric":[">=",100]}]}`, docBody, true},
		{"doc rejects", `{"store":["example_corp"],"event":["order_cancelled"],"encrypted":[false],"customer_interests":["basketball","baseball"]}`, docBody, false},
		{"nested key", `{"order":{"source":{"ip":[{"cidr":"10.0.0.0/24"}]}}}`, docBody, true},
		{"nested key miss", `{"order":{"source":{"ip":[{"cidr":"192.168.0.0/16"}]}}}`, docBody, false},
		{"through arrays", `{"order":{"items":{"sku":[{"prefix":"B-"}]}}}`, docBody, true},
		{"null", `{"coupon":[null]}`, docBody, true},
		{"boolean", `{"gift":[false]}`, docBody, true},
		{"boolean miss", `{"gift":[true]}`, docBody, false},
		{"number", `{"price_usd":[210.75]}`, docBody, true},
		{"exists nested", `{"order":{"source":{"port":[{"exists":false}]}}}`, docBody, true},
		{"not json", `{"store":["example_corp"]}`, "plain text", false},
		{"not json exists false", `{"store":[{"exists":false}]}`, "plain text", true},
		{"$or nested", `{"$or":[{"order":{"items":{"sku":["Z-9"]}}},{"store":["example_corp"]}]}`, docBody, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := CompilePolicy(c.policy, ScopeBody, false)
			if err != nil {
				t.Fatalf("compile %s: %v", c.policy, err)
			}
			if got := p.Match(nil, c.body); got != c.want {
				t.Fatalf("policy %s on %s: match %v, want %v", c.policy, c.body, got, c.want)
			}
		})
	}
}

func TestFilterPolicyInvalid(t *testing.T) {
	six := `{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}`
	// 151 combinations: 151 values on one key.
	var vals []string
	for i := 0; i < 151; i++ {
		vals = append(vals, `"v`+strings.Repeat("x", i%3)+string(rune('a'+i%26))+`"`)
	}
	tooComplex := `{"k":[` + strings.Join(vals, ",") + `]}`
	cases := []struct {
		policy string
		scope  Scope
		want   string
	}{
		{six, ScopeAttributes, "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"},
		{tooComplex, ScopeAttributes, "Invalid parameter: FilterPolicy: Filter policy is too complex"},
		{`{"a":"b"}`, ScopeAttributes, `Invalid parameter: FilterPolicy: "a" must be an object or an array`},
		{`{"a":[]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Empty arrays are not allowed"},
		{`{"a":{"b":["c"]}}`, ScopeAttributes, "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"},
		{`{"a":[["x"]]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Match value must be String, number, true, false, or null"},
		{`{"a":[{"prefix":1}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: prefix match pattern must be a string"},
		{`{"a":[{"suffix":true}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: suffix match pattern must be a string"},
		{`{"a":[{"equals-ignore-case":[]}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: equals-ignore-case match pattern must be a string"},
		{`{"a":[{"exists":"yes"}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: exists match pattern must be either true or false."},
		{`{"a":[{"wildcard":"x*"}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Unrecognized match type wildcard"},
		{`{"a":[{"prefix":"x","suffix":"y"}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Only one key allowed in match expression"},
		{`{"a":[{"anything-but":{"contains":"x"}}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Unsupported anything-but pattern: contains"},
		{`{"a":[{"numeric":["<>",1]}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Unrecognized numeric range operator: <>"},
		{`{"a":[{"numeric":["<","x"]}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Value of < must be numeric"},
		{`{"a":[{"numeric":["=","x"]}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Value of equals must be numeric"},
		{`{"a":[{"numeric":["<",1,">",0]}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Too many elements in numeric expression"},
		{`{"a":[{"numeric":[">",1,">",2]}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Bad numeric range operator: >"},
		{`{"a":[{"numeric":[">",5,"<",1]}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Bottom must be less than top"},
		{`{"a":[{"numeric":[">",0,"<",5,"<",6]}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Too many terms in numeric range expression"},
		{`{"a":[{"cidr":"10.0.0.0"}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Malformed CIDR, one '/' required"},
		{`{"a":[{"cidr":"10.0.0.0/x"}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Malformed CIDR, mask bits must be an integer"},
		{`{"a":[{"cidr":"10.0.0.300/24"}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Nonstandard IP address: 10.0.0.300"},
		{`{"a":[{"cidr":5}]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: prefix match pattern must be a string"},
		{`{"a":[5e10]}`, ScopeAttributes, "Invalid parameter: FilterPolicy: Numeric values must be within the range -1,000,000,000 to 1,000,000,000, got 5e10"},
		{`{"a":`, ScopeAttributes, "Invalid parameter: FilterPolicy: failed to parse JSON. unexpected EOF"},
		{`["a"]`, ScopeAttributes, "Invalid parameter: FilterPolicy: Filter policy must be a JSON object"},
	}
	for _, c := range cases {
		_, err := CompilePolicy(c.policy, c.scope, false)
		if err == nil || err.Code != InvalidParameter || err.Message != c.want {
			t.Errorf("policy %.60s: got %v, want %q", c.policy, err, c.want)
		}
	}
	// Subscribe words it "Attributes Reason:".
	_, err := CompilePolicy(six, ScopeAttributes, true)
	if err == nil || err.Message != "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more than 5 keys" {
		t.Errorf("subscribe wording: %v", err)
	}
}

// TestFilterPolicyCombinations checks AWS's documented complexity examples.
func TestFilterPolicyCombinations(t *testing.T) {
	c := policyCompiler{scope: ScopeBody}
	for _, tc := range []struct {
		policy string
		want   int
	}{
		// 3 x 4 x 2 x 3 = 72 (nested keys count their depth).
		{`{"key_a":{"key_b":{"key_c":["value_one","value_two","value_three","value_four"]}},"key_d":{"key_e":["value_one","value_two","value_three"]}}`, 72},
		// $or branches add up: 4 x 2 + 4 x 1 x 2 + 4 x 1 x 3 = 28.
		{`{"source":["aws.cloudwatch","aws.events","aws.test","aws.test2"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"metricType":["MetricType"],"$or":[{"metricId":[1234,4321]},{"spaceId":[1000,2000,3000]}]}]}`, 28},
	} {
		p, err := CompilePolicy(tc.policy, ScopeBody, false)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if jsonErr := decodeUseNumber(tc.policy, &raw); jsonErr != nil {
			t.Fatal(jsonErr)
		}
		n, cerr := c.combinations(raw, 1)
		if cerr != nil || n != tc.want {
			t.Errorf("%s: %d combinations (%v), want %d", tc.policy, n, cerr, tc.want)
		}
		if len(p.alts) != 3 && strings.Contains(tc.policy, "$or") {
			t.Errorf("$or policy compiled to %d alternatives, want 3", len(p.alts))
		}
	}
}

func TestPolicyCacheSharesCompilations(t *testing.T) {
	var c policyCache
	a, err := c.compile(`{"a":["x"]}`, ScopeAttributes, false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.compile(`{"a":["x"]}`, ScopeAttributes, false)
	body, _ := c.compile(`{"a":["x"]}`, ScopeBody, false)
	if a != b || a == body {
		t.Fatalf("cache: same text gave %p and %p; other scope %p", a, b, body)
	}
}

// BenchmarkFilterMatch5Keys measures one match of a 5-key policy against
// a message with 6 attributes.
func BenchmarkFilterMatch5Keys(b *testing.B) {
	p, err := CompilePolicy(`{"store":["example_corp","other"],"event":[{"anything-but":"order_cancelled"}],`+
		`"customer_interests":["rugby","football"],"price_usd":[{"numeric":[">=",100,"<",1000]}],"region":[{"prefix":"eu-"}]}`, ScopeAttributes, false)
	if err != nil {
		b.Fatal(err)
	}
	attrs := map[string]MessageAttribute{
		"store": str("example_corp"), "event": str("order_placed"), "customer_interests": str("rugby"),
		"price_usd": num("210.75"), "region": str("eu-west-1"), "extra": str("x"),
	}
	b.ReportAllocs()
	for b.Loop() {
		if !p.Match(attrs, "") {
			b.Fatal("no match")
		}
	}
}

func TestExplainFilterKeyByKey(t *testing.T) {
	f := newFixture(t, Config{})
	ex, err := f.svc.ExplainFilter(`{"store":["example_corp"],"price_usd":[{"numeric":[">",500]}],"$or":[{"event":["order_placed"]},{"encrypted":[{"exists":true}]}]}`,
		"MessageAttributes", docAttrs, "")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Matched || len(ex.Alternatives) != 2 {
		t.Fatalf("explanation: %+v", ex)
	}
	byKey := map[string]KeyResult{}
	for _, r := range ex.Alternatives[0] {
		byKey[r.Key] = r
	}
	if !byKey["store"].Matched || byKey["price_usd"].Matched || byKey["price_usd"].Values[0] != "210.75" || !byKey["event"].Matched {
		t.Fatalf("first alternative: %+v", ex.Alternatives[0])
	}
	for _, r := range ex.Alternatives[1] {
		if r.Key == "encrypted" && (r.Present || r.Matched) {
			t.Fatalf("encrypted: %+v", r)
		}
	}
	body, err := f.svc.ExplainFilter(`{"order":{"source":{"ip":[{"cidr":"10.0.0.0/8"}]}}}`, "MessageBody", nil, docBody)
	if err != nil || !body.Matched || body.Alternatives[0][0].Key != "order.source.ip" || body.Alternatives[0][0].Values[0] != `"10.0.0.17"` {
		t.Fatalf("body explanation: %+v %v", body, err)
	}
	if _, err := f.svc.ExplainFilter(`{"a":"b"}`, "MessageAttributes", nil, ""); err == nil {
		t.Fatal("a bad policy explained")
	}
}
