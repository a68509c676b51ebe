package machine

import (
	"strings"
)

// ChoiceRule is one rule of a Choice state: a comparison of Variable with
// a value (or another path), a boolean combination (And, Or, Not), or in
// JSONata a Condition expression. Top-level rules have Next.
type ChoiceRule struct {
	Next      string
	Assign    *template
	Output    *template
	Variable  *Path
	Op        string
	Value     any
	ValuePath *Path
	Children  []*ChoiceRule
	Condition *template
}

// comparison operators and the type of value they take.
var choiceOps = map[string]string{
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "boolean",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "boolean", "IsPresent": "boolean", "IsNumeric": "boolean", "IsString": "boolean",
	"IsBoolean": "boolean", "IsTimestamp": "boolean",
}

func (v *validator) choice(st *State, obj map[string]any, at string) {
	list, ok := obj["Choices"].([]any)
	if !ok || len(list) == 0 {
		v.schema(fieldPath(at, "Choices"), "a Choice state needs a non-empty Choices array")
	}
	for i, raw := range list {
		st.Choices = append(st.Choices, v.rule(st, raw, fieldPath(at, "Choices")+"["+itoa(i)+"]", true))
	}
	if d, ok := obj["Default"]; ok {
		s, isStr := d.(string)
		if !isStr || s == "" {
			v.schema(fieldPath(at, "Default"), "Default must be a state name")
		}
		st.Default = s
	}
}

func (v *validator) rule(st *State, raw any, at string, top bool) *ChoiceRule {
	r := &ChoiceRule{}
	obj, ok := raw.(map[string]any)
	if !ok {
		v.schema(at, "a choice rule must be an object")
		return r
	}
	if next, has := obj["Next"]; has {
		if !top {
			v.schema(fieldPath(at, "Next"), "Next is allowed only in top-level choice rules")
		}
		r.Next, _ = next.(string)
	}
	if top && r.Next == "" {
		v.schema(fieldPath(at, "Next"), "a choice rule needs Next")
	}
	if raw, has := obj["Assign"]; has {
		if !top {
			v.schema(fieldPath(at, "Assign"), "Assign is allowed only in top-level choice rules")
		}
		r.Assign = compileTemplate(raw, st.jsonata(), fieldPath(at, "Assign"), v.report)
	}
	if st.jsonata() {
		v.jsonataRule(r, obj, at)
		return r
	}
	ops := 0
	for _, k := range sortedKeys(obj) {
		switch k {
		case "Next", "Assign", "Comment", "Variable":
			continue
		case "And", "Or":
			ops++
			r.Op = k
			list, isList := obj[k].([]any)
			if !isList || len(list) == 0 {
				v.schema(fieldPath(at, k), "%s must be a non-empty array of rules", k)
			}
			for i, c := range list {
				r.Children = append(r.Children, v.rule(st, c, fieldPath(at, k)+"["+itoa(i)+"]", false))
			}
		case "Not":
			ops++
			r.Op = k
			r.Children = []*ChoiceRule{v.rule(st, obj[k], fieldPath(at, k), false)}
		default:
			ops++
			v.comparison(r, k, obj[k], at)
		}
	}
	if ops != 1 {
		v.schema(at, "a choice rule needs exactly one comparison operator, And, Or or Not (found %d)", ops)
	}
	isBool := r.Op == "And" || r.Op == "Or" || r.Op == "Not"
	varRaw, hasVar := obj["Variable"]
	switch {
	case isBool && hasVar:
		v.schema(fieldPath(at, "Variable"), "Variable is not allowed with %s", r.Op)
	case !isBool && r.Op != "" && !hasVar:
		v.schema(fieldPath(at, "Variable"), "a comparison needs Variable")
	case hasVar:
		r.Variable = v.rulePath(varRaw, fieldPath(at, "Variable"))
	}
	return r
}

func (v *validator) comparison(r *ChoiceRule, k string, val any, at string) {
	op, isPath := k, false
	if _, known := choiceOps[k]; !known && strings.HasSuffix(k, "Path") {
		op, isPath = strings.TrimSuffix(k, "Path"), true
	}
	typ, known := choiceOps[op]
	if !known || (isPath && strings.HasPrefix(op, "Is")) || (isPath && op == "StringMatches") {
		v.schema(fieldPath(at, k), "%q is not a choice rule operator", k)
		return
	}
	r.Op = op
	if isPath {
		r.ValuePath = v.rulePath(val, fieldPath(at, k))
		return
	}
	ok := false
	switch typ {
	case "string":
		_, ok = val.(string)
	case "number":
		_, ok = val.(float64)
	case "boolean":
		_, ok = val.(bool)
	case "timestamp":
		s, isStr := val.(string)
		if isStr {
			_, err := parseTimestamp(s)
			ok = err == nil
		}
	}
	if !ok {
		v.schema(fieldPath(at, k), "%s takes a %s value", k, typ)
	}
	r.Value = val
}

func (v *validator) rulePath(raw any, at string) *Path {
	s, ok := raw.(string)
	if !ok {
		v.schema(at, "must be a JSONPath string")
		return nil
	}
	p, err := ParsePath(s)
	if err != nil {
		v.schema(at, "%v", err)
		return nil
	}
	return p
}

func (v *validator) jsonataRule(r *ChoiceRule, obj map[string]any, at string) {
	for _, k := range sortedKeys(obj) {
		switch k {
		case "Next", "Assign", "Comment", "Condition", "Output":
		default:
			v.schema(fieldPath(at, k), "the field %q is not supported in a JSONata choice rule (use Condition)", k)
		}
	}
	cond, ok := obj["Condition"]
	if !ok {
		v.schema(fieldPath(at, "Condition"), "a JSONata choice rule needs Condition")
		return
	}
	r.Condition = compileTemplate(cond, true, fieldPath(at, "Condition"), v.report)
	if raw, has := obj["Output"]; has {
		r.Output = compileTemplate(raw, true, fieldPath(at, "Output"), v.report)
	}
}

// matches evaluates the rule.
func (r *ChoiceRule) matches(env *evalEnv) (bool, error) {
	if r.Condition != nil {
		v, err := r.Condition.eval(env)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, fail(ErrQueryEvaluationError, "the Condition must evaluate to a boolean, got %s", typeName(v))
		}
		return b, nil
	}
	switch r.Op {
	case "And", "Or":
		for _, c := range r.Children {
			m, err := c.matches(env)
			if err != nil {
				return false, err
			}
			if r.Op == "Or" && m {
				return true, nil
			}
			if r.Op == "And" && !m {
				return false, nil
			}
		}
		return r.Op == "And", nil
	case "Not":
		m, err := r.Children[0].matches(env)
		return !m, err
	}
	got, present := r.Variable.Get(env.scope)
	if r.Op == "IsPresent" {
		return present == r.Value.(bool), nil
	}
	if !present {
		return false, fail(ErrRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable.src)
	}
	want := r.Value
	if r.ValuePath != nil {
		w, ok := r.ValuePath.Get(env.scope)
		if !ok {
			return false, fail(ErrRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.ValuePath.src)
		}
		want = w
	}
	return compareRule(r.Op, got, want), nil
}

func compareRule(op string, got, want any) bool {
	switch op {
	case "IsNull":
		return (got == nil) == want.(bool)
	case "IsNumeric":
		_, ok := got.(float64)
		return ok == want.(bool)
	case "IsString":
		_, ok := got.(string)
		return ok == want.(bool)
	case "IsBoolean":
		_, ok := got.(bool)
		return ok == want.(bool)
	case "IsTimestamp":
		s, ok := got.(string)
		if ok {
			_, err := parseTimestamp(s)
			ok = err == nil
		}
		return ok == want.(bool)
	case "BooleanEquals":
		g, ok1 := got.(bool)
		w, ok2 := want.(bool)
		return ok1 && ok2 && g == w
	case "StringMatches":
		g, ok1 := got.(string)
		w, ok2 := want.(string)
		return ok1 && ok2 && wildcardMatch(w, g)
	}
	var c int
	switch {
	case strings.HasPrefix(op, "String"):
		g, ok1 := got.(string)
		w, ok2 := want.(string)
		if !ok1 || !ok2 {
			return false
		}
		c = strings.Compare(g, w)
	case strings.HasPrefix(op, "Numeric"):
		g, ok1 := got.(float64)
		w, ok2 := want.(float64)
		if !ok1 || !ok2 {
			return false
		}
		c = cmpFloat(g, w)
	case strings.HasPrefix(op, "Timestamp"):
		gs, ok1 := got.(string)
		ws, ok2 := want.(string)
		if !ok1 || !ok2 {
			return false
		}
		g, err1 := parseTimestamp(gs)
		w, err2 := parseTimestamp(ws)
		if err1 != nil || err2 != nil {
			return false
		}
		c = g.Compare(w)
	default:
		return false
	}
	switch {
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	}
	return c == 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// wildcardMatch matches s against a StringMatches pattern: '*' matches any
// run of characters; '\*' and '\\' are a literal star and backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		c    byte
	}
	var toks []tok
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\\' && i+1 < len(pattern) {
			toks = append(toks, tok{c: pattern[i+1]})
			i++
			continue
		}
		toks = append(toks, tok{star: c == '*', c: c})
	}
	// Iterative matching with backtracking to the last star.
	p, i, starP, starI := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(toks) && !toks[p].star && toks[p].c == s[i]:
			p++
			i++
		case p < len(toks) && toks[p].star:
			starP, starI = p, i
			p++
		case starP >= 0:
			p = starP + 1
			starI++
			i = starI
		default:
			return false
		}
	}
	for p < len(toks) && toks[p].star {
		p++
	}
	return p == len(toks)
}
