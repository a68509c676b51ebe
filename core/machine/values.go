package machine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Values inside an execution are what encoding/json decodes into an any:
// nil, bool, float64, string, []any and map[string]any. They are treated as
// immutable once produced; every transformation builds new containers.

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// decodeJSON parses one JSON document.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// encodeJSON writes v compactly without HTML escaping.
func encodeJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}

func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// normalize turns any Go value (as JSONata returns them) into a JSON value.
func normalize(v any) any {
	switch t := v.(type) {
	case nil, bool, float64, string:
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalize(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = normalize(x)
		}
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// varScope holds the variables of one scope: the execution's top level, or a
// Parallel branch or Map iteration, which read their parent's variables
// and assign only their own.
type varScope struct {
	mu     sync.RWMutex
	vals   map[string]any
	parent *varScope
}

func newVarScope(parent *varScope) *varScope { return &varScope{parent: parent} }

func (v *varScope) get(name string) (any, bool) {
	for s := v; s != nil; s = s.parent {
		s.mu.RLock()
		x, ok := s.vals[name]
		s.mu.RUnlock()
		if ok {
			return x, true
		}
	}
	return nil, false
}

func (v *varScope) set(vals map[string]any) {
	if len(vals) == 0 {
		return
	}
	v.mu.Lock()
	if v.vals == nil {
		v.vals = make(map[string]any, len(vals))
	}
	for k, x := range vals {
		v.vals[k] = x
	}
	v.mu.Unlock()
}

// all returns every visible variable (inner scopes win).
func (v *varScope) all() map[string]any {
	out := map[string]any{}
	var chain []*varScope
	for s := v; s != nil; s = s.parent {
		chain = append(chain, s)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		chain[i].mu.RLock()
		for k, x := range chain[i].vals {
			out[k] = x
		}
		chain[i].mu.RUnlock()
	}
	return out
}

// own returns a copy of this scope's variables only.
func (v *varScope) own() map[string]any {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make(map[string]any, len(v.vals))
	for k, x := range v.vals {
		out[k] = x
	}
	return out
}

// jsonSize returns the length of v's compact JSON encoding, stopping early
// once it passes limit (it then returns a number above limit). It does not
// allocate, so every state's output can be checked against the payload
// quota cheaply.
func jsonSize(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch t := v.(type) {
		case nil:
			n += 4
		case bool:
			n += 5
		case float64:
			n += 24 // an upper bound of a float's text
		case string:
			n += quotedLen(t)
		case []any:
			n += 2 + max(len(t)-1, 0)
			for _, x := range t {
				walk(x)
			}
		case map[string]any:
			n += 2 + max(len(t)-1, 0)
			for k, x := range t {
				n += quotedLen(k) + 1
				walk(x)
			}
		default:
			n += len(encodeJSON(t))
		}
	}
	walk(v)
	return n
}

// quotedLen is the length of s as a JSON string.
func quotedLen(s string) int {
	n := 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n += 2
		case c < 0x20:
			n += 6
		default:
			n++
		}
	}
	return n
}
