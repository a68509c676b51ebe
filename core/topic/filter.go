package topic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Scope says what a filter policy looks at (FilterPolicyScope).
type Scope int

// Filter policy scopes.
const (
	ScopeAttributes Scope = iota // "MessageAttributes", the default
	ScopeBody                    // "MessageBody": the message must be a JSON object
)

// String returns the AWS name of the scope.
func (s Scope) String() string {
	if s == ScopeBody {
		return "MessageBody"
	}
	return "MessageAttributes"
}

// ParseScope parses a FilterPolicyScope value.
func ParseScope(s string) (Scope, bool) {
	switch s {
	case "MessageAttributes", "":
		return ScopeAttributes, true
	case "MessageBody":
		return ScopeBody, true
	}
	return 0, false
}

// Filter policy limits (Amazon SNS developer guide, "Filter policy constraints").
const (
	maxPolicyKeys         = 5
	maxPolicyCombinations = 150
	maxPolicyBytes        = 256 << 10
)

// Policy is a compiled filter policy: a disjunction of alternatives (one per
// combination of $or branches), each a conjunction of keys.
type Policy struct {
	scope Scope
	alts  [][]leaf
}

// leaf is one key of a policy: the path to it and the conditions, any of
// which may match.
type leaf struct {
	path  []string
	conds []cond
}

// condKind tells the conditions apart.
type condKind uint8

const (
	condString condKind = iota
	condNumber
	condBool
	condNull
	condPrefix
	condSuffix
	condIgnoreCase
	condAnythingBut
	condNumeric
	condExists
	condCIDR
)

// cond is one condition of a leaf.
type cond struct {
	kind condKind
	s    string
	f    float64
	b    bool
	// anything-but
	butStrings map[string]bool
	butNumbers []float64
	butPrefix  string
	butSuffix  string
	// numeric range
	lo, hi         float64
	loIncl, hiIncl bool
	// cidr
	prefix netip.Prefix
}

// valueKind is the type of one value taken from a message.
type valueKind uint8

const (
	valString valueKind = iota
	valNumber
	valBool
	valNull
	valOther // objects, binary attributes: present but matching nothing
)

// value is one value a key has in a message.
type value struct {
	kind valueKind
	s    string
	f    float64
	b    bool
}

// policyError builds the InvalidParameter error AWS returns for a bad
// policy; Subscribe reports it under "Attributes Reason:".
type policyCompiler struct {
	scope     Scope
	subscribe bool
}

func (c policyCompiler) errf(format string, a ...any) *Error {
	prefix := "Invalid parameter: "
	if c.subscribe {
		prefix += "Attributes Reason: "
	}
	return &Error{Code: InvalidParameter, Message: prefix + "FilterPolicy: " + fmt.Sprintf(format, a...)}
}

// CompilePolicy validates a filter policy and compiles it. subscribe says
// the policy came with Subscribe (AWS words the errors differently there).
func CompilePolicy(text string, scope Scope, subscribe bool) (*Policy, *Error) {
	c := policyCompiler{scope: scope, subscribe: subscribe}
	if len(text) > maxPolicyBytes {
		return nil, c.errf("Filter policy is too long")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, c.errf("failed to parse JSON. %v", err)
	}
	if dec.More() {
		return nil, c.errf("failed to parse JSON. Unexpected content after the policy")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, c.errf("Filter policy must be a JSON object")
	}
	if len(obj) > maxPolicyKeys {
		return nil, c.errf("Filter policy can not have more than %d keys", maxPolicyKeys)
	}
	combos, err := c.combinations(obj, 1)
	if err != nil {
		return nil, err
	}
	if combos > maxPolicyCombinations {
		return nil, c.errf("Filter policy is too complex")
	}
	alts, err := c.object(obj, nil)
	if err != nil {
		return nil, err
	}
	return &Policy{scope: scope, alts: alts}, nil
}

// sortedKeys returns the keys of m in order, so errors are deterministic.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// combinations counts a policy's complexity the way AWS documents it: the
// product over keys of (number of values × nesting depth), $or branches
// added up.
func (c policyCompiler) combinations(obj map[string]any, depth int) (int, *Error) {
	total := 1
	for _, k := range sortedKeys(obj) {
		switch v := obj[k].(type) {
		case map[string]any:
			if c.scope == ScopeAttributes {
				return 0, c.nestedErr()
			}
			n, err := c.combinations(v, depth+1)
			if err != nil {
				return 0, err
			}
			total = saturatingMul(total, n)
		case []any:
			if len(v) == 0 {
				return 0, c.errf("Empty arrays are not allowed")
			}
			if k == "$or" {
				sum := 0
				for _, b := range v {
					bo, ok := b.(map[string]any)
					if !ok {
						return 0, c.errf("\"$or\" must contain objects")
					}
					n, err := c.combinations(bo, depth)
					if err != nil {
						return 0, err
					}
					sum += n
				}
				total = saturatingMul(total, sum)
				continue
			}
			total = saturatingMul(total, len(v)*depth)
		default:
			return 0, c.errf("%q must be an object or an array", k)
		}
	}
	return total, nil
}

func saturatingMul(a, b int) int {
	if a > 0 && b > math.MaxInt32/a {
		return math.MaxInt32
	}
	return a * b
}

func (c policyCompiler) nestedErr() *Error {
	prefix := "Invalid parameter: "
	if c.subscribe {
		prefix += "Attributes Reason: "
	}
	return &Error{Code: InvalidParameter, Message: prefix + "Filter policy scope MessageAttributes does not support nested filter policy"}
}

// object compiles one object of a policy into its alternatives.
func (c policyCompiler) object(obj map[string]any, path []string) ([][]leaf, *Error) {
	alts := [][]leaf{{}}
	for _, k := range sortedKeys(obj) {
		var branch [][]leaf
		switch v := obj[k].(type) {
		case map[string]any:
			sub, err := c.object(v, appendPath(path, k))
			if err != nil {
				return nil, err
			}
			branch = sub
		case []any:
			if k == "$or" {
				for _, b := range v {
					sub, err := c.object(b.(map[string]any), path)
					if err != nil {
						return nil, err
					}
					branch = append(branch, sub...)
				}
				break
			}
			conds, err := c.conditions(v)
			if err != nil {
				return nil, err
			}
			branch = [][]leaf{{{path: appendPath(path, k), conds: conds}}}
		}
		alts = cross(alts, branch)
	}
	return alts, nil
}

func appendPath(path []string, k string) []string {
	out := make([]string, len(path), len(path)+1)
	copy(out, path)
	return append(out, k)
}

// cross returns every alternative of a joined with every one of b.
func cross(a, b [][]leaf) [][]leaf {
	out := make([][]leaf, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			alt := make([]leaf, 0, len(x)+len(y))
			alt = append(append(alt, x...), y...)
			out = append(out, alt)
		}
	}
	return out
}

// conditions compiles the array of match values of one key.
func (c policyCompiler) conditions(list []any) ([]cond, *Error) {
	out := make([]cond, 0, len(list))
	for _, v := range list {
		cd, err := c.condition(v)
		if err != nil {
			return nil, err
		}
		out = append(out, cd)
	}
	return out, nil
}

func (c policyCompiler) condition(v any) (cond, *Error) {
	switch x := v.(type) {
	case string:
		return cond{kind: condString, s: x}, nil
	case json.Number:
		f, err := c.number(x)
		return cond{kind: condNumber, f: f}, err
	case bool:
		return cond{kind: condBool, b: x}, nil
	case nil:
		return cond{kind: condNull}, nil
	case map[string]any:
		return c.operator(x)
	}
	return cond{}, c.errf("Match value must be String, number, true, false, or null")
}

func (c policyCompiler) number(n json.Number) (float64, *Error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || f < -1e9 || f > 1e9 {
		return 0, c.errf("Numeric values must be within the range -1,000,000,000 to 1,000,000,000, got %s", n)
	}
	return f, nil
}

// operator compiles a {"operator": value} match expression.
func (c policyCompiler) operator(m map[string]any) (cond, *Error) {
	if len(m) != 1 {
		return cond{}, c.errf("Only one key allowed in match expression")
	}
	var op string
	var arg any
	for k, v := range m {
		op, arg = k, v
	}
	switch op {
	case "prefix", "suffix", "equals-ignore-case":
		s, ok := arg.(string)
		if !ok {
			return cond{}, c.errf("%s match pattern must be a string", op)
		}
		kinds := map[string]condKind{"prefix": condPrefix, "suffix": condSuffix, "equals-ignore-case": condIgnoreCase}
		return cond{kind: kinds[op], s: s}, nil
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return cond{}, c.errf("exists match pattern must be either true or false.")
		}
		return cond{kind: condExists, b: b}, nil
	case "anything-but":
		return c.anythingBut(arg)
	case "numeric":
		return c.numeric(arg)
	case "cidr":
		return c.cidr(arg)
	}
	return cond{}, c.errf("Unrecognized match type %s", op)
}

func (c policyCompiler) anythingBut(arg any) (cond, *Error) {
	cd := cond{kind: condAnythingBut, butStrings: map[string]bool{}}
	add := func(v any) *Error {
		switch x := v.(type) {
		case string:
			cd.butStrings[x] = true
		case json.Number:
			f, err := c.number(x)
			if err != nil {
				return err
			}
			cd.butNumbers = append(cd.butNumbers, f)
		default:
			return c.errf("Inside anything but list, start|null|boolean is not supported.")
		}
		return nil
	}
	switch x := arg.(type) {
	case []any:
		if len(x) == 0 {
			return cond{}, c.errf("Empty arrays are not allowed")
		}
		for _, v := range x {
			if err := add(v); err != nil {
				return cond{}, err
			}
		}
	case map[string]any:
		if len(x) != 1 {
			return cond{}, c.errf("Only one key allowed in match expression")
		}
		for k, v := range x {
			s, ok := v.(string)
			switch {
			case k != "prefix" && k != "suffix":
				return cond{}, c.errf("Unsupported anything-but pattern: %s", k)
			case !ok:
				return cond{}, c.errf("%s match pattern must be a string", k)
			case k == "prefix":
				cd.butPrefix = s
			default:
				cd.butSuffix = s
			}
		}
	default:
		if err := add(arg); err != nil {
			return cond{}, err
		}
	}
	return cd, nil
}

// numeric compiles ["op", n] or [">"|">=", lo, "<"|"<=", hi].
func (c policyCompiler) numeric(arg any) (cond, *Error) {
	list, ok := arg.([]any)
	if !ok || len(list) == 0 {
		return cond{}, c.errf("Value of numeric must be an array.")
	}
	cd := cond{kind: condNumeric, lo: math.Inf(-1), hi: math.Inf(1)}
	op, ok := list[0].(string)
	if !ok {
		return cond{}, c.errf("Invalid member in numeric match: %v", list[0])
	}
	first, err := c.numericOperand(op, list[1:])
	if err != nil {
		return cond{}, err
	}
	switch op {
	case "=":
		cd.lo, cd.hi, cd.loIncl, cd.hiIncl = first, first, true, true
	case "<", "<=":
		cd.hi, cd.hiIncl = first, op == "<="
	case ">", ">=":
		cd.lo, cd.loIncl = first, op == ">="
	default:
		return cond{}, c.errf("Unrecognized numeric range operator: %s", op)
	}
	if len(list) == 2 {
		return cd, nil
	}
	if op != ">" && op != ">=" {
		return cond{}, c.errf("Too many elements in numeric expression")
	}
	op2, ok := list[2].(string)
	if !ok {
		return cond{}, c.errf("Bad value in numeric range: %v", list[2])
	}
	if op2 != "<" && op2 != "<=" {
		return cond{}, c.errf("Bad numeric range operator: %s", op2)
	}
	second, err := c.numericOperand(op2, list[3:])
	if err != nil {
		return cond{}, err
	}
	if second <= first {
		return cond{}, c.errf("Bottom must be less than top")
	}
	if len(list) > 4 {
		return cond{}, c.errf("Too many terms in numeric range expression")
	}
	cd.hi, cd.hiIncl = second, op2 == "<="
	return cd, nil
}

func (c policyCompiler) numericOperand(op string, rest []any) (float64, *Error) {
	name := op
	if op == "=" {
		name = "equals"
	}
	if !isNumericOp(op) {
		return 0, c.errf("Unrecognized numeric range operator: %s", op)
	}
	if len(rest) == 0 {
		return 0, c.errf("Value of %s must be numeric", name)
	}
	n, ok := rest[0].(json.Number)
	if !ok {
		return 0, c.errf("Value of %s must be numeric", name)
	}
	return c.number(n)
}

func isNumericOp(op string) bool {
	switch op {
	case "<", "<=", "=", ">", ">=":
		return true
	}
	return false
}

func (c policyCompiler) cidr(arg any) (cond, *Error) {
	s, ok := arg.(string)
	if !ok {
		return cond{}, c.errf("prefix match pattern must be a string")
	}
	addr, bits, found := strings.Cut(s, "/")
	if !found || strings.Contains(bits, "/") {
		return cond{}, c.errf("Malformed CIDR, one '/' required")
	}
	if _, err := strconv.Atoi(bits); err != nil {
		return cond{}, c.errf("Malformed CIDR, mask bits must be an integer")
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return cond{}, c.errf("Nonstandard IP address: %s", addr)
	}
	return cond{kind: condCIDR, prefix: p.Masked()}, nil
}

// Scope returns what the policy looks at.
func (p *Policy) Scope() Scope { return p.scope }

// Match reports whether a message with these attributes and body passes
// the policy.
func (p *Policy) Match(attrs map[string]MessageAttribute, body string) bool {
	if p.scope == ScopeBody {
		return p.matchDoc(parseBody(body))
	}
	return p.matchAttrs(attrs)
}

// matchMessage matches a published message as protocol receives it; docs
// caches parsed bodies across the subscriptions of one publish.
func (p *Policy) matchMessage(m *message, protocol string, docs map[string]map[string]any) bool {
	if p.scope != ScopeBody {
		return p.matchAttrs(m.attrs)
	}
	body := m.bodyFor(protocol)
	doc, ok := docs[body]
	if !ok {
		doc = parseBody(body)
		docs[body] = doc
	}
	return p.matchDoc(doc)
}

func (p *Policy) matchAttrs(attrs map[string]MessageAttribute) bool {
	var buf [4]value
	for _, alt := range p.alts {
		ok := true
		for i := range alt {
			vals, present := attrValues(attrs, alt[i].path[0], buf[:0])
			if !alt[i].match(vals, present) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (p *Policy) matchDoc(doc map[string]any) bool {
	for _, alt := range p.alts {
		ok := true
		for i := range alt {
			vals, present := bodyValues(doc, alt[i].path)
			if !alt[i].match(vals, present) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// match reports whether any condition of the leaf holds.
func (l leaf) match(vals []value, present bool) bool {
	for i := range l.conds {
		cd := &l.conds[i]
		if cd.kind == condExists {
			if cd.b == present {
				return true
			}
			continue
		}
		for _, v := range vals {
			if cd.match(v) {
				return true
			}
		}
	}
	return false
}

func (cd *cond) match(v value) bool {
	switch cd.kind {
	case condString:
		return v.kind == valString && v.s == cd.s
	case condNumber:
		return v.kind == valNumber && v.f == cd.f
	case condBool:
		return v.kind == valBool && v.b == cd.b
	case condNull:
		return v.kind == valNull
	case condPrefix:
		return v.kind == valString && strings.HasPrefix(v.s, cd.s)
	case condSuffix:
		return v.kind == valString && strings.HasSuffix(v.s, cd.s)
	case condIgnoreCase:
		return v.kind == valString && strings.EqualFold(v.s, cd.s)
	case condAnythingBut:
		return cd.matchAnythingBut(v)
	case condNumeric:
		return v.kind == valNumber && cd.inRange(v.f)
	case condCIDR:
		if v.kind != valString {
			return false
		}
		a, err := netip.ParseAddr(v.s)
		return err == nil && cd.prefix.Contains(a.Unmap())
	}
	return false
}

func (cd *cond) matchAnythingBut(v value) bool {
	switch {
	case cd.butPrefix != "":
		return v.kind == valString && !strings.HasPrefix(v.s, cd.butPrefix)
	case cd.butSuffix != "":
		return v.kind == valString && !strings.HasSuffix(v.s, cd.butSuffix)
	}
	switch v.kind {
	case valString:
		return !cd.butStrings[v.s]
	case valNumber:
		for _, f := range cd.butNumbers {
			if f == v.f {
				return false
			}
		}
		return true
	}
	return false
}

func (cd *cond) inRange(f float64) bool {
	if f < cd.lo || (f == cd.lo && !cd.loIncl) {
		return false
	}
	return f < cd.hi || (f == cd.hi && cd.hiIncl)
}

// attrValues returns the values of a message attribute: one for String and
// Number, the elements of a String.Array.
func attrValues(attrs map[string]MessageAttribute, name string, buf []value) ([]value, bool) {
	a, ok := attrs[name]
	if !ok {
		return nil, false
	}
	base, _, _ := strings.Cut(a.DataType, ".")
	switch {
	case strings.HasPrefix(a.DataType, "String.Array"):
		var list []any
		dec := json.NewDecoder(strings.NewReader(a.StringValue))
		dec.UseNumber()
		if dec.Decode(&list) != nil {
			return nil, true
		}
		out := buf
		for _, e := range list {
			out = appendJSONValue(out, e)
		}
		return out, true
	case base == "String":
		return append(buf, value{kind: valString, s: a.StringValue}), true
	case base == "Number":
		f, err := strconv.ParseFloat(strings.TrimSpace(a.StringValue), 64)
		if err != nil {
			return nil, true
		}
		return append(buf, value{kind: valNumber, f: f}), true
	}
	return append(buf, value{kind: valOther}), true
}

// parseBody decodes a message body for MessageBody-scoped policies; a body
// that is not a JSON object has no keys.
func parseBody(body string) map[string]any {
	b := []byte(body)
	if len(bytes.TrimSpace(b)) == 0 || bytes.TrimSpace(b)[0] != '{' {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if dec.Decode(&doc) != nil {
		return nil
	}
	return doc
}

// bodyValues follows path through doc, descending into arrays, and returns
// every value found at its end (array elements flattened).
func bodyValues(doc map[string]any, path []string) ([]value, bool) {
	cur := []any{doc}
	for _, k := range path {
		var next []any
		for _, c := range cur {
			next = appendChild(next, c, k)
		}
		if len(next) == 0 {
			return nil, false
		}
		cur = next
	}
	var out []value
	for _, c := range cur {
		if list, ok := c.([]any); ok {
			for _, e := range list {
				out = appendJSONValue(out, e)
			}
			continue
		}
		out = appendJSONValue(out, c)
	}
	return out, true
}

func appendChild(out []any, c any, k string) []any {
	switch x := c.(type) {
	case map[string]any:
		if v, ok := x[k]; ok {
			out = append(out, v)
		}
	case []any:
		for _, e := range x {
			out = appendChild(out, e, k)
		}
	}
	return out
}

func appendJSONValue(out []value, v any) []value {
	switch x := v.(type) {
	case string:
		return append(out, value{kind: valString, s: x})
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return append(out, value{kind: valOther})
		}
		return append(out, value{kind: valNumber, f: f})
	case bool:
		return append(out, value{kind: valBool, b: x})
	case nil:
		return append(out, value{kind: valNull})
	}
	return append(out, value{kind: valOther})
}

// policyCache keeps compiled policies by scope and text, so subscriptions
// with the same policy share one compilation and a policy is never
// compiled twice. It is bounded: when full it starts over.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*Policy
}

const policyCacheSize = 4096

func (c *policyCache) compile(text string, scope Scope, subscribe bool) (*Policy, *Error) {
	key := scope.String() + "\x00" + text
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := CompilePolicy(text, scope, subscribe)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= policyCacheSize {
		c.m = map[string]*Policy{}
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}

// decodeUseNumber decodes JSON keeping numbers as json.Number.
func decodeUseNumber(text string, v any) error {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	return dec.Decode(v)
}
