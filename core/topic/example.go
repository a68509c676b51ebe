package topic

import (
	"encoding/json"
	"math"
	"strconv"
)

// ExampleMessage returns a message that a filter policy's first alternative
// matches, as a starting point in the GUI's filter-policy playground: the
// attributes for a MessageAttributes policy, the JSON body for a
// MessageBody one. Keys whose conditions no single value can meet are left
// out, so the example may still fail on them (the explanation says why).
func (s *Service) ExampleMessage(policy, scope string) (map[string]MessageAttribute, string, error) {
	sc, ok := ParseScope(scope)
	if !ok {
		return nil, "", invalidf("FilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", scope)
	}
	p, err := s.policies.compile(policy, sc, false)
	if err != nil {
		return nil, "", err
	}
	if len(p.alts) == 0 {
		return nil, "", nil
	}
	attrs := map[string]MessageAttribute{}
	doc := map[string]any{}
	for _, l := range p.alts[0] {
		v, ok := l.example(sc == ScopeBody)
		if !ok {
			continue
		}
		if sc == ScopeBody {
			putPath(doc, l.path, v)
			continue
		}
		switch x := v.(type) {
		case float64:
			attrs[l.path[0]] = MessageAttribute{DataType: "Number", StringValue: strconv.FormatFloat(x, 'f', -1, 64)}
		case string:
			attrs[l.path[0]] = MessageAttribute{DataType: "String", StringValue: x}
		}
	}
	if sc == ScopeBody {
		b, _ := json.Marshal(doc)
		return nil, string(b), nil
	}
	return attrs, "", nil
}

// example is a value that meets one of the leaf's conditions; false when
// the key is best left out (exists: false) or no condition can be met by
// a value of this scope.
func (l leaf) example(body bool) (any, bool) {
	for i := range l.conds {
		if v, ok := l.conds[i].example(body); ok {
			return v, true
		}
		if l.conds[i].kind == condExists && !l.conds[i].b {
			return nil, false
		}
	}
	return nil, false
}

func (cd *cond) example(body bool) (any, bool) {
	switch cd.kind {
	case condString, condPrefix, condSuffix, condIgnoreCase:
		return cd.s, true
	case condNumber:
		return cd.f, true
	case condBool:
		return cd.b, body
	case condNull:
		return nil, body
	case condExists:
		return "present", cd.b
	case condCIDR:
		return cd.prefix.Addr().String(), true
	case condNumeric:
		lo, hi := cd.lo, cd.hi
		switch {
		case !math.IsInf(lo, -1) && cd.loIncl:
			return lo, true
		case !math.IsInf(lo, -1) && !math.IsInf(hi, 1):
			return lo + (hi-lo)/2, true
		case !math.IsInf(lo, -1):
			return lo + 1, true
		case !math.IsInf(hi, 1) && cd.hiIncl:
			return hi, true
		case !math.IsInf(hi, 1):
			return hi - 1, true
		}
		return 0.0, true
	case condAnythingBut:
		if len(cd.butNumbers) > 0 && len(cd.butStrings) == 0 {
			m := cd.butNumbers[0]
			for _, f := range cd.butNumbers {
				m = math.Max(m, f)
			}
			return m + 1, true
		}
		v := "something-else"
		for {
			if !cd.matchAnythingBut(value{kind: valString, s: v}) {
				v = "x" + v + "x"
				continue
			}
			return v, true
		}
	}
	return nil, false
}

// putPath sets doc[path[0]][path[1]]… = v, making the objects on the way.
func putPath(doc map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := doc[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[k] = next
		}
		doc = next
	}
	doc[path[len(path)-1]] = v
}
