package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// params reads one request's parameters, whichever protocol carried them:
// a JSON object (the JSON protocols) or form fields (the query protocols).
// Each accessor takes the member's JSON name and its query name, which
// differ for lists and maps (e.g. "AttributeNames" vs "AttributeName.N").
type params interface {
	// str returns a string member; ok is false when it is absent.
	str(name string) (v string, ok bool, err error)
	// num returns an integer member, nil when absent.
	num(name string) (*int, error)
	// boolean returns a boolean member, nil when absent.
	boolean(name string) (*bool, error)
	// list returns a list of strings.
	list(jsonName, queryName string) ([]string, error)
	// strMap returns a map of strings; keyTag/valueTag name the query fields
	// ("Name"/"Value" for attributes, "Key"/"Value" for tags).
	strMap(jsonName, queryName, keyTag, valueTag string) (map[string]string, error)
	// attrMap returns a map of typed message attribute values.
	attrMap(jsonName, queryName string) (map[string]attrValue, error)
	// entries returns the members of a list of structures.
	entries(jsonName, queryName string) ([]params, error)
}

// attrValue is a typed message attribute value as both protocols carry it.
type attrValue struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// paramError is a malformed parameter: the protocol's own error follows.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badParam(format string, a ...any) error { return &paramError{fmt.Sprintf(format, a...)} }

// ---- JSON ----

type jsonParams map[string]json.RawMessage

func decodeJSONParams(body []byte) (jsonParams, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return jsonParams{}, nil
	}
	if json.Valid(body) {
		if p, ok := splitValidObject(body); ok {
			return p, nil
		}
	}
	var p jsonParams
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, badParam("the request body is not a JSON object: %v", err)
	}
	if p == nil {
		p = jsonParams{}
	}
	return p, nil
}

func (p jsonParams) raw(name string) (json.RawMessage, bool) {
	v, ok := p[name]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

func (p jsonParams) str(name string) (string, bool, error) {
	v, ok := p.raw(name)
	if !ok {
		return "", false, nil
	}
	if s, ok := plainString(v); ok {
		return s, true, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false, badParam("%s must be a string", name)
	}
	return s, true, nil
}

func (p jsonParams) num(name string) (*int, error) {
	v, ok := p.raw(name)
	if !ok {
		return nil, nil
	}
	if i, ok := plainInt(v); ok {
		return &i, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return nil, badParam("%s must be a number", name)
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		return nil, badParam("%s must be an integer", name)
	}
	return &i, nil
}

func (p jsonParams) boolean(name string) (*bool, error) {
	v, ok := p.raw(name)
	if !ok {
		return nil, nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		return nil, badParam("%s must be a boolean", name)
	}
	return &b, nil
}

func (p jsonParams) list(name, _ string) ([]string, error) {
	v, ok := p.raw(name)
	if !ok {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal(v, &l); err != nil {
		return nil, badParam("%s must be a list of strings", name)
	}
	return l, nil
}

func (p jsonParams) strMap(name, _, _, _ string) (map[string]string, error) {
	v, ok := p.raw(name)
	if !ok {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, badParam("%s must be a map of strings", name)
	}
	return m, nil
}

func (p jsonParams) attrMap(name, _ string) (map[string]attrValue, error) {
	v, ok := p.raw(name)
	if !ok {
		return nil, nil
	}
	var m map[string]struct {
		DataType    string `json:"DataType"`
		StringValue string `json:"StringValue"`
		BinaryValue []byte `json:"BinaryValue"` // base64 in JSON
	}
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, badParam("%s must be a map of message attribute values", name)
	}
	out := make(map[string]attrValue, len(m))
	for k, a := range m {
		out[k] = attrValue{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out, nil
}

func (p jsonParams) entries(name, _ string) ([]params, error) {
	v, ok := p.raw(name)
	if !ok {
		return nil, nil
	}
	if out, ok := splitEntries(v); ok {
		return out, nil
	}
	var l []jsonParams
	if err := json.Unmarshal(v, &l); err != nil {
		return nil, badParam("%s must be a list of objects", name)
	}
	out := make([]params, len(l))
	for i, e := range l {
		if e == nil {
			e = jsonParams{}
		}
		out[i] = e
	}
	return out, nil
}

// splitEntries is entries' fast path: v (valid JSON, from a split body) as
// a list of objects or nulls, each split by hand.
func splitEntries(v []byte) ([]params, bool) {
	elems, ok := splitValidArray(v)
	if !ok {
		return nil, false
	}
	out := make([]params, len(elems))
	for i, e := range elems {
		if string(e) == "null" {
			out[i] = jsonParams{}
			continue
		}
		p, ok := splitValidObject(e)
		if !ok {
			return nil, false
		}
		out[i] = p
	}
	return out, true
}

// ---- query (form) ----

// formParams reads query-protocol fields below a prefix ("" at the top,
// "SendMessageBatchRequestEntry.3." inside a list entry).
type formParams struct {
	form   url.Values
	prefix string
}

func (p formParams) str(name string) (string, bool, error) {
	vs, ok := p.form[p.prefix+name]
	if !ok || len(vs) == 0 {
		return "", false, nil
	}
	return vs[0], true, nil
}

func (p formParams) num(name string) (*int, error) {
	s, ok, _ := p.str(name)
	if !ok {
		return nil, nil
	}
	i, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return nil, badParam("Value %s for parameter %s is invalid. Reason: must be an integer.", s, name)
	}
	return &i, nil
}

func (p formParams) boolean(name string) (*bool, error) {
	s, ok, _ := p.str(name)
	if !ok {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, badParam("Value %s for parameter %s is invalid. Reason: must be a boolean.", s, name)
	}
	return &b, nil
}

// indexes returns the sorted N of every field "PREFIX.N" or "PREFIX.N.…".
func (p formParams) indexes(name string) []int {
	head := p.prefix + name + "."
	seen := map[int]bool{}
	for k := range p.form {
		rest, ok := strings.CutPrefix(k, head)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.Atoi(num); err == nil && n > 0 {
			seen[n] = true
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

func (p formParams) sub(name string, n int) formParams {
	return formParams{form: p.form, prefix: p.prefix + name + "." + strconv.Itoa(n) + "."}
}

func (p formParams) list(_, name string) ([]string, error) {
	idx := p.indexes(name)
	if len(idx) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(idx))
	for _, n := range idx {
		out = append(out, p.form.Get(p.prefix+name+"."+strconv.Itoa(n)))
	}
	return out, nil
}

func (p formParams) strMap(_, name, keyTag, valueTag string) (map[string]string, error) {
	idx := p.indexes(name)
	if len(idx) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(idx))
	for _, n := range idx {
		e := p.sub(name, n)
		k, ok, _ := e.str(keyTag)
		if !ok {
			return nil, badParam("%s.%d.%s is missing", name, n, keyTag)
		}
		v, _, _ := e.str(valueTag)
		out[k] = v
	}
	return out, nil
}

func (p formParams) attrMap(_, name string) (map[string]attrValue, error) {
	idx := p.indexes(name)
	if len(idx) == 0 {
		return nil, nil
	}
	out := make(map[string]attrValue, len(idx))
	for _, n := range idx {
		e := p.sub(name, n)
		k, ok, _ := e.str("Name")
		if !ok {
			return nil, badParam("%s.%d.Name is missing", name, n)
		}
		dt, _, _ := e.str("Value.DataType")
		sv, _, _ := e.str("Value.StringValue")
		a := attrValue{DataType: dt, StringValue: sv}
		if bv, ok, _ := e.str("Value.BinaryValue"); ok {
			b, err := base64.StdEncoding.DecodeString(bv)
			if err != nil {
				return nil, badParam("%s.%d.Value.BinaryValue is not valid base64", name, n)
			}
			a.BinaryValue = b
		}
		out[k] = a
	}
	return out, nil
}

func (p formParams) entries(_, name string) ([]params, error) {
	idx := p.indexes(name)
	out := make([]params, 0, len(idx))
	for _, n := range idx {
		out = append(out, p.sub(name, n))
	}
	return out, nil
}
