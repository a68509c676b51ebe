package topic

import (
	"strconv"
	"strings"
)

// KeyResult says how one key of a filter policy fared against a message,
// for the GUI's filter-policy playground.
type KeyResult struct {
	Key     string   // dotted path for nested MessageBody keys
	Present bool     // the message has the key
	Values  []string // the message's values of the key, as text
	Matched bool     // some condition of the key holds
}

// Explanation is a filter policy checked key by key: the message matches
// when every key of some alternative (one per combination of $or
// branches) matches.
type Explanation struct {
	Matched      bool
	Alternatives [][]KeyResult
}

// ExplainFilter compiles a policy in a scope ("MessageAttributes" or
// "MessageBody") and checks a message against it key by key.
func (s *Service) ExplainFilter(policy, scope string, attrs map[string]MessageAttribute, body string) (Explanation, error) {
	sc, ok := ParseScope(scope)
	if !ok {
		return Explanation{}, invalidf("FilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", scope)
	}
	p, err := s.policies.compile(policy, sc, false)
	if err != nil {
		return Explanation{}, err
	}
	return p.Explain(attrs, body), nil
}

// Explain checks a message against the policy key by key.
func (p *Policy) Explain(attrs map[string]MessageAttribute, body string) Explanation {
	var doc map[string]any
	if p.scope == ScopeBody {
		doc = parseBody(body)
	}
	var out Explanation
	for _, alt := range p.alts {
		results := make([]KeyResult, 0, len(alt))
		all := true
		for _, l := range alt {
			var vals []value
			var present bool
			if p.scope == ScopeBody {
				vals, present = bodyValues(doc, l.path)
			} else {
				vals, present = attrValues(attrs, l.path[0], nil)
			}
			r := KeyResult{Key: strings.Join(l.path, "."), Present: present, Matched: l.match(vals, present)}
			for _, v := range vals {
				r.Values = append(r.Values, v.String())
			}
			all = all && r.Matched
			results = append(results, r)
		}
		out.Alternatives = append(out.Alternatives, results)
		out.Matched = out.Matched || all
	}
	return out
}

// String renders a message value for people.
func (v value) String() string {
	switch v.kind {
	case valString:
		return strconv.Quote(v.s)
	case valNumber:
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	case valBool:
		return strconv.FormatBool(v.b)
	case valNull:
		return "null"
	}
	return "(not comparable)"
}
