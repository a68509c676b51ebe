package topic

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// KeyResult says how one key of a filter policy fared against a message,
// for the GUI's filter-policy playground.
type KeyResult struct {
	Key        string   // dotted path for nested MessageBody keys
	Present    bool     // the message has the key
	Values     []string // the message's values of the key, as text
	Matched    bool     // some condition of the key holds
	Conditions []string // the key's conditions as the policy states them, e.g. `prefix "ord-"`
	Reason     string   // why the key matches or not, in words
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
			for i := range l.conds {
				r.Conditions = append(r.Conditions, l.conds[i].String())
			}
			r.Reason = l.reason(vals, present, r.Matched, p.scope)
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

// reason says in words why a leaf matched the message's values or not.
func (l leaf) reason(vals []value, present, matched bool, scope Scope) string {
	where := "attribute"
	if scope == ScopeBody {
		where = "key"
	}
	key := strings.Join(l.path, ".")
	if matched {
		for i := range l.conds {
			cd := &l.conds[i]
			if cd.kind == condExists {
				if cd.b == present {
					if present {
						return "the message has " + where + " " + key + ", as exists: true asks"
					}
					return "the message has no " + where + " " + key + ", as exists: false asks"
				}
				continue
			}
			for _, v := range vals {
				if cd.match(v) {
					return v.String() + " matches " + cd.String()
				}
			}
		}
		return "matches"
	}
	conds := make([]string, len(l.conds))
	for i := range l.conds {
		conds[i] = l.conds[i].String()
	}
	want := strings.Join(conds, " or ")
	if !present {
		return "the message has no " + where + " " + key + "; the policy wants " + want
	}
	if len(vals) == 0 {
		return "the " + where + " " + key + " has no value a filter can compare; the policy wants " + want
	}
	shown := make([]string, len(vals))
	for i, v := range vals {
		shown[i] = v.String()
	}
	if len(l.conds) == 1 {
		return strings.Join(shown, ", ") + " does not match " + want
	}
	return strings.Join(shown, ", ") + " matches none of " + strings.Join(conds, ", ")
}

// String renders a condition as a policy would state it.
func (cd *cond) String() string {
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	switch cd.kind {
	case condString:
		return strconv.Quote(cd.s)
	case condNumber:
		return num(cd.f)
	case condBool:
		return strconv.FormatBool(cd.b)
	case condNull:
		return "null"
	case condPrefix:
		return "prefix " + strconv.Quote(cd.s)
	case condSuffix:
		return "suffix " + strconv.Quote(cd.s)
	case condIgnoreCase:
		return "equals-ignore-case " + strconv.Quote(cd.s)
	case condExists:
		return "exists: " + strconv.FormatBool(cd.b)
	case condCIDR:
		return "cidr " + cd.prefix.String()
	case condNumeric:
		var parts []string
		if !math.IsInf(cd.lo, -1) {
			op := ">"
			if cd.loIncl {
				op = ">="
			}
			parts = append(parts, op+" "+num(cd.lo))
		}
		if !math.IsInf(cd.hi, 1) {
			op := "<"
			if cd.hiIncl {
				op = "<="
			}
			parts = append(parts, op+" "+num(cd.hi))
		}
		if len(parts) == 2 && cd.lo == cd.hi {
			return "numeric = " + num(cd.lo)
		}
		return "numeric " + strings.Join(parts, " ")
	case condAnythingBut:
		switch {
		case cd.butPrefix != "":
			return "anything-but prefix " + strconv.Quote(cd.butPrefix)
		case cd.butSuffix != "":
			return "anything-but suffix " + strconv.Quote(cd.butSuffix)
		}
		var but []string
		for v := range cd.butStrings {
			but = append(but, strconv.Quote(v))
		}
		sort.Strings(but)
		for _, f := range cd.butNumbers {
			but = append(but, num(f))
		}
		return "anything-but [" + strings.Join(but, ", ") + "]"
	}
	return "?"
}
