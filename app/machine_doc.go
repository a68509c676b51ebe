package app

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/skyport-dev/skyport/widgets"
)

// aslDoc is the state machine being edited, as the generic JSON value of
// its ASL document: the editor's forms, the diagram and the JSON view all
// change it and read it back. Scopes (the top level, Parallel branches, Map
// item processors) are found by state name, which ASL keeps unique across
// the whole machine.
type aslDoc map[string]any

// parseDoc reads an ASL document; it must at least be a JSON object.
func parseDoc(src string) (aslDoc, error) {
	var v any
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		return nil, fmt.Errorf("the definition is not valid JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the definition must be a JSON object")
	}
	return aslDoc(m), nil
}

// text is the document as indented JSON.
func (d aslDoc) text() string {
	b, err := json.MarshalIndent(map[string]any(d), "", "  ")
	if err != nil {
		return "{}"
	}
	return string(b)
}

func (d aslDoc) clone() aslDoc {
	c, err := parseDoc(d.text())
	if err != nil {
		return aslDoc{}
	}
	return c
}

// states returns a scope's States object, creating it.
func states(scope map[string]any) map[string]any {
	s, ok := scope["States"].(map[string]any)
	if !ok {
		s = map[string]any{}
		scope["States"] = s
	}
	return s
}

// childScopes returns a state's nested graphs: Parallel branches or the Map
// item processor (ItemProcessor, or the older Iterator).
func childScopes(st map[string]any) []map[string]any {
	var out []map[string]any
	if bs, ok := st["Branches"].([]any); ok {
		for _, b := range bs {
			if m, ok := b.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	for _, k := range []string{"ItemProcessor", "Iterator"} {
		if m, ok := st[k].(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// scopeOf returns the scope holding the named state and the state.
func (d aslDoc) scopeOf(name string) (map[string]any, map[string]any) {
	var find func(scope map[string]any) (map[string]any, map[string]any)
	find = func(scope map[string]any) (map[string]any, map[string]any) {
		sts, _ := scope["States"].(map[string]any)
		if st, ok := sts[name].(map[string]any); ok {
			return scope, st
		}
		for _, raw := range sts {
			if st, ok := raw.(map[string]any); ok {
				for _, c := range childScopes(st) {
					if s, found := find(c); found != nil {
						return s, found
					}
				}
			}
		}
		return nil, nil
	}
	return find(map[string]any(d))
}

// state returns the named state's object, or nil.
func (d aslDoc) state(name string) map[string]any {
	_, st := d.scopeOf(name)
	return st
}

// names returns every state name in the machine.
func (d aslDoc) names() []string {
	var out []string
	var walk func(scope map[string]any)
	walk = func(scope map[string]any) {
		sts, _ := scope["States"].(map[string]any)
		for name, raw := range sts {
			out = append(out, name)
			if st, ok := raw.(map[string]any); ok {
				for _, c := range childScopes(st) {
					walk(c)
				}
			}
		}
	}
	walk(map[string]any(d))
	sort.Strings(out)
	return out
}

// scopeNames returns the names of the states in the same scope as name
// (the top level for "").
func (d aslDoc) scopeNames(name string) []string {
	scope := map[string]any(d)
	if name != "" {
		if s, _ := d.scopeOf(name); s != nil {
			scope = s
		}
	}
	sts, _ := scope["States"].(map[string]any)
	out := make([]string, 0, len(sts))
	for n := range sts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// freshName returns typ1, typ2, … — the first not used in the machine.
func (d aslDoc) freshName(typ string) string {
	used := map[string]bool{}
	for _, n := range d.names() {
		used[n] = true
	}
	for i := 1; ; i++ {
		if n := typ + strconv.Itoa(i); !used[n] {
			return n
		}
	}
}

// newState returns a fresh state object of a type, ready to be linked.
func newState(typ string) map[string]any {
	st := map[string]any{"Type": typ}
	switch typ {
	case "Task":
		st["Resource"] = "arn:aws:states:::lambda:invoke"
		st["Arguments"] = map[string]any{"FunctionName": "my-function", "Payload": "{% $states.input %}"}
		st["QueryLanguage"] = "JSONata"
	case "Wait":
		st["Seconds"] = float64(5)
	case "Choice":
		st["Choices"] = []any{}
	case "Fail":
		st["Error"] = "Failed"
	case "Parallel":
		st["Branches"] = []any{map[string]any{"StartAt": "", "States": map[string]any{}}}
	case "Map":
		st["ItemProcessor"] = map[string]any{"StartAt": "", "States": map[string]any{}}
	}
	return st
}

func terminalType(typ string) bool { return typ == "Succeed" || typ == "Fail" }

// setNext makes st go to next, or end when next is "".
func setNext(st map[string]any, next string) {
	typ, _ := st["Type"].(string)
	if typ == "Choice" || terminalType(typ) {
		return
	}
	if next == "" {
		delete(st, "Next")
		st["End"] = true
		return
	}
	delete(st, "End")
	st["Next"] = next
}

// addState adds a state of typ to the top level, unlinked unless the
// machine is empty (it becomes StartAt); it returns the new name.
func (d aslDoc) addState(typ string) string {
	name := d.freshName(typ)
	st := newState(typ)
	sts := states(map[string]any(d))
	if len(sts) == 0 || d["StartAt"] == nil || d["StartAt"] == "" {
		d["StartAt"] = name
	}
	setNext(st, "")
	sts[name] = st
	return name
}

// insertOnEdge adds a state of typ on the edge e: e's source goes to the
// new state, which goes where the edge went. Start and End edges (from the
// diagram's markers) insert at the start or the end of the scope.
func (d aslDoc) insertOnEdge(typ string, e widgets.DiagramEdge) (string, error) {
	name := d.freshName(typ)
	st := newState(typ)
	switch {
	case strings.HasPrefix(e.From, "^start:"):
		scope := map[string]any(d)
		if inner := strings.TrimPrefix(e.From, "^start:"); inner != "" {
			scope = d.childScopeStarting(inner, e.To)
		}
		if scope == nil {
			return "", fmt.Errorf("no scope starts at %q", e.To)
		}
		setNext(st, e.To)
		states(scope)[name] = st
		scope["StartAt"] = name
		return name, nil
	case strings.HasPrefix(e.To, "^end:"):
		scope, from := d.scopeOf(e.From)
		if from == nil {
			return "", fmt.Errorf("no state %q", e.From)
		}
		setNext(st, "")
		states(scope)[name] = st
		setNext(from, name)
		return name, nil
	}
	scope, from := d.scopeOf(e.From)
	if from == nil {
		return "", fmt.Errorf("no state %q", e.From)
	}
	setNext(st, e.To)
	if !redirect(from, e, name) {
		return "", fmt.Errorf("state %q has no %s edge to %q", e.From, e.Kind, e.To)
	}
	states(scope)[name] = st
	return name, nil
}

// childScopeStarting finds the nested scope of container whose StartAt is
// start.
func (d aslDoc) childScopeStarting(container, start string) map[string]any {
	st := d.state(container)
	for _, c := range childScopes(st) {
		if c["StartAt"] == start {
			return c
		}
	}
	return nil
}

// redirect points the field of st holding edge e at to.
func redirect(st map[string]any, e widgets.DiagramEdge, to string) bool {
	switch e.Kind {
	case widgets.EdgeNext:
		if st["Next"] == e.To {
			st["Next"] = to
			return true
		}
	case widgets.EdgeDefault:
		if st["Default"] == e.To {
			st["Default"] = to
			return true
		}
	case widgets.EdgeChoice, widgets.EdgeCatch:
		key := "Choices"
		if e.Kind == widgets.EdgeCatch {
			key = "Catch"
		}
		list, _ := st[key].([]any)
		done := false
		for _, raw := range list {
			if m, ok := raw.(map[string]any); ok && m["Next"] == e.To {
				m["Next"] = to
				done = true
			}
		}
		return done
	}
	return false
}

// connect makes from go to to: its Next (a Choice state's Default).
func (d aslDoc) connect(from, to string) error {
	fs, f := d.scopeOf(from)
	ts, _ := d.scopeOf(to)
	if f == nil || ts == nil {
		return fmt.Errorf("no state %q or %q", from, to)
	}
	if fmt.Sprintf("%p", fs) != fmt.Sprintf("%p", ts) {
		return fmt.Errorf("%q and %q are in different branches; a transition stays within its branch", from, to)
	}
	switch typ, _ := f["Type"].(string); {
	case typ == "Choice":
		f["Default"] = to
	case terminalType(typ):
		return fmt.Errorf("a %s state ends the machine; it has no next state", typ)
	default:
		setNext(f, to)
	}
	return nil
}

// rename renames a state and every transition to it.
func (d aslDoc) rename(old, name string) error {
	if name == "" || name == old {
		return nil
	}
	if d.state(name) != nil {
		return fmt.Errorf("a state named %q exists", name)
	}
	scope, st := d.scopeOf(old)
	if st == nil {
		return fmt.Errorf("no state %q", old)
	}
	sts := states(scope)
	delete(sts, old)
	sts[name] = st
	if scope["StartAt"] == old {
		scope["StartAt"] = name
	}
	for _, raw := range sts {
		if s, ok := raw.(map[string]any); ok {
			retarget(s, old, name)
		}
	}
	return nil
}

// retarget changes every transition of st to old into one to name; name ""
// removes them (Next becomes End, Choice rules and catchers go).
func retarget(st map[string]any, old, name string) {
	if st["Next"] == old {
		if name == "" {
			setNext(st, "")
		} else {
			st["Next"] = name
		}
	}
	if st["Default"] == old {
		if name == "" {
			delete(st, "Default")
		} else {
			st["Default"] = name
		}
	}
	for _, key := range []string{"Choices", "Catch"} {
		list, ok := st[key].([]any)
		if !ok {
			continue
		}
		kept := list[:0]
		for _, raw := range list {
			if m, ok := raw.(map[string]any); ok && m["Next"] == old {
				if name == "" {
					continue
				}
				m["Next"] = name
			}
			kept = append(kept, raw)
		}
		st[key] = kept
	}
}

// remove deletes a state and re-links around it: what went to it goes
// where it went (its Next), or ends.
func (d aslDoc) remove(name string) error {
	scope, st := d.scopeOf(name)
	if st == nil {
		return fmt.Errorf("no state %q", name)
	}
	next, _ := st["Next"].(string)
	sts := states(scope)
	delete(sts, name)
	if scope["StartAt"] == name {
		scope["StartAt"] = next
		if next == "" {
			for _, n := range sortedKeys(sts) {
				scope["StartAt"] = n
				break
			}
		}
	}
	for _, raw := range sts {
		if s, ok := raw.(map[string]any); ok {
			retarget(s, name, next)
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// graph converts the document into the diagram's model, leniently: it
// draws whatever is there, valid or not (the problems list says what is
// wrong).
func (d aslDoc) graph() widgets.DiagramGraph { return scopeGraph(map[string]any(d)) }

func scopeGraph(scope map[string]any) widgets.DiagramGraph {
	g := widgets.DiagramGraph{}
	g.StartAt, _ = scope["StartAt"].(string)
	sts, _ := scope["States"].(map[string]any)
	for _, name := range sortedKeys(sts) {
		st, ok := sts[name].(map[string]any)
		if !ok {
			continue
		}
		typ, _ := st["Type"].(string)
		end, _ := st["End"].(bool)
		ds := widgets.DiagramState{Name: name, Type: typ, End: end || terminalType(typ), Detail: resourceDetail(st)}
		for _, c := range childScopes(st) {
			ds.Children = append(ds.Children, scopeGraph(c))
		}
		g.States = append(g.States, ds)
		g.Edges = append(g.Edges, stateEdges(name, st)...)
	}
	return g
}

func stateEdges(name string, st map[string]any) []widgets.DiagramEdge {
	var out []widgets.DiagramEdge
	if n, ok := st["Next"].(string); ok && n != "" {
		out = append(out, widgets.DiagramEdge{From: name, To: n, Kind: widgets.EdgeNext})
	}
	if list, ok := st["Choices"].([]any); ok {
		for _, raw := range list {
			if m, ok := raw.(map[string]any); ok {
				if n, ok := m["Next"].(string); ok && n != "" {
					out = append(out, widgets.DiagramEdge{From: name, To: n, Kind: widgets.EdgeChoice, Label: ruleLabel(m)})
				}
			}
		}
	}
	if n, ok := st["Default"].(string); ok && n != "" {
		out = append(out, widgets.DiagramEdge{From: name, To: n, Kind: widgets.EdgeDefault})
	}
	if list, ok := st["Catch"].([]any); ok {
		for _, raw := range list {
			if m, ok := raw.(map[string]any); ok {
				if n, ok := m["Next"].(string); ok && n != "" {
					out = append(out, widgets.DiagramEdge{From: name, To: n, Kind: widgets.EdgeCatch, Label: joinStrings(m["ErrorEquals"])})
				}
			}
		}
	}
	return out
}

func joinStrings(v any) string {
	list, _ := v.([]any)
	parts := make([]string, 0, len(list))
	for _, x := range list {
		parts = append(parts, fmt.Sprint(x))
	}
	return strings.Join(parts, ", ")
}

// ruleOps are the comparison operators the rule builder offers, with how
// the diagram writes them.
var ruleOps = []struct{ op, sym string }{
	{"StringEquals", "="}, {"NumericEquals", "="}, {"NumericGreaterThan", ">"}, {"NumericGreaterThanEquals", "≥"},
	{"NumericLessThan", "<"}, {"NumericLessThanEquals", "≤"}, {"BooleanEquals", "="}, {"StringMatches", "~"},
	{"IsPresent", "present"}, {"IsNull", "null"},
}

// ruleLabel describes a simple rule as "$.total ≥ 100"; a condition or a
// combination shows its kind.
func ruleLabel(rule map[string]any) string {
	if c, ok := rule["Condition"].(string); ok {
		return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(c, "{%"), "%}"))
	}
	v, _ := rule["Variable"].(string)
	for _, o := range ruleOps {
		if val, ok := rule[o.op]; ok {
			return strings.TrimSpace(fmt.Sprintf("%s %s %v", v, o.sym, val))
		}
	}
	for _, k := range []string{"And", "Or", "Not"} {
		if _, ok := rule[k]; ok {
			return k
		}
	}
	return v
}

// resourceDetail names a Task's target briefly.
func resourceDetail(st map[string]any) string {
	r, _ := st["Resource"].(string)
	switch {
	case r == "":
		return ""
	case strings.Contains(r, ":function:"):
		return r[strings.LastIndex(r, ":")+1:]
	case strings.HasPrefix(r, "arn:aws:states:::"):
		return strings.TrimPrefix(r, "arn:aws:states:::")
	}
	return r
}
