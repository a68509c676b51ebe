package machine

import (
	"fmt"
	"strings"
	"time"
)

// Query languages of the States Language.
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// State types.
const (
	TypePass     = "Pass"
	TypeTask     = "Task"
	TypeChoice   = "Choice"
	TypeWait     = "Wait"
	TypeSucceed  = "Succeed"
	TypeFail     = "Fail"
	TypeParallel = "Parallel"
	TypeMap      = "Map"
)

// Definition is a parsed and validated Amazon States Language document (or
// one branch or item processor inside it).
type Definition struct {
	Comment        string
	StartAt        string
	States         map[string]*State
	Order          []string // state names, StartAt first, then as reached
	QueryLanguage  string
	TimeoutSeconds int
	Source         string // the JSON text (top level only)
}

// State is one state of any type; fields not used by its Type are zero.
type State struct {
	Name          string
	Type          string
	Comment       string
	QueryLanguage string // effective language of this state
	Next          string
	End           bool

	InputPath, OutputPath, ResultPath optPath
	Parameters, ResultSelector        *template
	Arguments, Output                 *template
	Assign                            *template
	Result                            any
	HasResult                         bool

	// Task
	Resource         string
	TimeoutSeconds   *dynInt
	HeartbeatSeconds *dynInt
	Credentials      any
	Retry            []*Retrier
	Catch            []*Catcher

	// Choice
	Choices []*ChoiceRule
	Default string

	// Wait
	Seconds       *dynInt
	Timestamp     *dynTime
	SecondsPath   *Path
	TimestampPath *Path

	// Fail
	Error, Cause         *dynString
	ErrorPath, CausePath *Path

	// Parallel
	Branches []*Definition

	// Map
	Processor       *Definition
	ItemsPath       optPath
	Items           *template // JSONata
	ItemSelector    *template
	MaxConcurrency  *dynInt
	ToleratedPct    *dynFloat
	ToleratedCount  *dynInt
	ProcessorConfig map[string]any
}

func (s *State) jsonata() bool { return s.QueryLanguage == JSONata }

// optPath is InputPath, OutputPath, ResultPath or ItemsPath: absent (the
// default "$"), null (discard), or a path.
type optPath struct {
	set  bool
	null bool
	path *Path
}

// dynInt is an integer field that may come from a path (…Path fields) or a
// JSONata expression.
type dynInt struct {
	value int
	path  *Path
	tmpl  *template
}

type dynFloat struct {
	value float64
	path  *Path
	tmpl  *template
}

type dynString struct {
	value string
	tmpl  *template
}

type dynTime struct {
	value time.Time
	tmpl  *template
}

// Retrier is one entry of Retry.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds float64 // 0: no cap
	JitterFull      bool
}

// Catcher is one entry of Catch.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  optPath
	Output      *template
	Assign      *template
}

// Problem is one thing wrong with a definition: where (the state and the
// JSON path of the field) and what.
type Problem struct {
	Code    string // SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, …
	State   string // "" for top-level problems
	Path    string // JSONPath of the offending field, e.g. $.States.Fetch.Retry[0].BackoffRate
	Message string
}

func (p Problem) String() string {
	if p.State != "" {
		return fmt.Sprintf("%s at %s (state %q): %s", p.Code, p.Path, p.State, p.Message)
	}
	return fmt.Sprintf("%s at %s: %s", p.Code, p.Path, p.Message)
}

// Location returns the problem's place as a JSON pointer (/States/A/Next),
// the form ValidateStateMachineDefinition reports.
func (p Problem) Location() string {
	s := strings.TrimPrefix(p.Path, "$")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			b.WriteByte('/')
		case '[':
			b.WriteByte('/')
		case ']':
		default:
			b.WriteByte(s[i])
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// ValidationError lists every problem found in a definition.
type ValidationError struct{ Problems []Problem }

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s) in the definition: %s", len(e.Problems), strings.Join(lines, "; "))
}

// Limits of definitions (Step Functions quotas).
const (
	maxDefinitionBytes = 1 << 20
	maxStateNameLen    = 80
)

// Parse parses and validates an ASL document. On failure the error is a
// *ValidationError listing every problem.
func Parse(src string) (*Definition, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &ValidationError{[]Problem{{Code: "MISSING_DESCRIPTION", Path: "$", Message: "the definition is empty"}}}
	}
	if len(src) > maxDefinitionBytes {
		return nil, &ValidationError{[]Problem{{Code: "SCHEMA_VALIDATION_FAILED", Path: "$", Message: fmt.Sprintf("the definition is larger than %d bytes", maxDefinitionBytes)}}}
	}
	raw, err := decodeJSON(src)
	if err != nil {
		return nil, &ValidationError{[]Problem{{Code: "INVALID_JSON_DESCRIPTION", Path: "$", Message: "the definition is not valid JSON: " + err.Error()}}}
	}
	v := &validator{}
	def := v.machine(raw, "$", JSONPath, true)
	if len(v.problems) > 0 {
		return nil, &ValidationError{v.problems}
	}
	def.Source = src
	return def, nil
}

// validator collects problems while it builds the definition.
type validator struct {
	problems []Problem
	state    string // state being checked, for problems
}

func (v *validator) add(code, at, format string, a ...any) {
	v.problems = append(v.problems, Problem{Code: code, State: v.state, Path: at, Message: fmt.Sprintf(format, a...)})
}

func (v *validator) schema(at, format string, a ...any) {
	v.add("SCHEMA_VALIDATION_FAILED", at, format, a...)
}

func fieldPath(at, name string) string {
	for i := 0; i < len(name); i++ {
		if !isIdentPart(name[i]) {
			return at + "['" + strings.ReplaceAll(name, "'", `\'`) + "']"
		}
	}
	if name == "" {
		return at + "['']"
	}
	return at + "." + name
}

// machine checks a top-level document, a Parallel branch or a Map item
// processor.
func (v *validator) machine(raw any, at, inherited string, top bool) *Definition {
	def := &Definition{States: map[string]*State{}, QueryLanguage: inherited}
	obj, ok := raw.(map[string]any)
	if !ok {
		v.schema(at, "must be a JSON object")
		return def
	}
	allowed := map[string]bool{"Comment": true, "StartAt": true, "States": true, "QueryLanguage": true}
	if top {
		allowed["TimeoutSeconds"], allowed["Version"] = true, true
	} else {
		allowed["ProcessorConfig"] = true
	}
	for _, k := range sortedKeys(obj) {
		if !allowed[k] {
			v.schema(fieldPath(at, k), "the field %q is not supported here", k)
		}
	}
	def.Comment, _ = obj["Comment"].(string)
	if ql, ok := obj["QueryLanguage"]; ok {
		s, _ := ql.(string)
		switch {
		case s != JSONPath && s != JSONata:
			v.schema(fieldPath(at, "QueryLanguage"), "QueryLanguage must be %q or %q", JSONPath, JSONata)
		case !top:
			v.schema(fieldPath(at, "QueryLanguage"), "QueryLanguage can be set only at the top level or on a state")
		default:
			def.QueryLanguage = s
		}
	}
	if top {
		if t, ok := obj["TimeoutSeconds"]; ok {
			def.TimeoutSeconds = v.intField(t, fieldPath(at, "TimeoutSeconds"), 1, 99999999)
		}
	}
	start, ok := obj["StartAt"].(string)
	if !ok || start == "" {
		v.schema(fieldPath(at, "StartAt"), "StartAt is required and must be a state name")
	}
	def.StartAt = start
	states, ok := obj["States"].(map[string]any)
	if !ok || len(states) == 0 {
		v.schema(fieldPath(at, "States"), "States is required and must be an object with at least one state")
		return def
	}
	statesAt := fieldPath(at, "States")
	for _, name := range sortedKeys(states) {
		v.state = name
		def.States[name] = v.stateDef(name, states[name], fieldPath(statesAt, name), def.QueryLanguage)
	}
	v.state = ""
	v.graph(def, at)
	return def
}

// graph checks transitions: every target exists, every state is reachable
// from StartAt, and some state ends the machine.
func (v *validator) graph(def *Definition, at string) {
	statesAt := fieldPath(at, "States")
	if def.StartAt != "" {
		if _, ok := def.States[def.StartAt]; !ok {
			v.add("MISSING_TRANSITION_TARGET", fieldPath(at, "StartAt"), "StartAt names the state %q, which does not exist", def.StartAt)
		}
	}
	hasEnd := false
	for _, name := range sortedKeys(def.States) {
		st := def.States[name]
		v.state = name
		for _, e := range st.edges() {
			if _, ok := def.States[e.To]; !ok && e.To != "" {
				v.add("MISSING_TRANSITION_TARGET", fieldPath(statesAt, name)+"."+e.Field, "the transition names the state %q, which does not exist", e.To)
			}
		}
		if st.terminal() {
			hasEnd = true
		}
	}
	v.state = ""
	if !hasEnd {
		v.add("MISSING_END_STATE", statesAt, "no state ends the machine (End, Succeed or Fail)")
	}
	seen := map[string]bool{}
	queue := []string{def.StartAt}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		st, ok := def.States[n]
		if !ok || seen[n] {
			continue
		}
		seen[n] = true
		def.Order = append(def.Order, n)
		for _, e := range st.edges() {
			queue = append(queue, e.To)
		}
	}
	for _, name := range sortedKeys(def.States) {
		if !seen[name] && def.StartAt != "" {
			v.state = name
			v.add("SCHEMA_VALIDATION_FAILED", fieldPath(statesAt, name), "the state %q is not reachable from StartAt", name)
			def.Order = append(def.Order, name)
		}
	}
	v.state = ""
}

func (s *State) terminal() bool {
	return s.End || s.Type == TypeSucceed || s.Type == TypeFail
}

// Edge is one transition of the definition graph.
type Edge struct {
	From, To string
	Kind     string // "next", "choice", "default", "catch"
	Field    string // the field holding it, relative to the state
	Label    string // the errors of a catch, the rule number of a choice
}

func (s *State) edges() []Edge {
	var out []Edge
	if s.Next != "" {
		out = append(out, Edge{From: s.Name, To: s.Next, Kind: "next", Field: "Next"})
	}
	for i, c := range s.Choices {
		out = append(out, Edge{From: s.Name, To: c.Next, Kind: "choice", Field: fmt.Sprintf("Choices[%d].Next", i), Label: fmt.Sprintf("rule %d", i+1)})
	}
	if s.Default != "" {
		out = append(out, Edge{From: s.Name, To: s.Default, Kind: "default", Field: "Default"})
	}
	for i, c := range s.Catch {
		out = append(out, Edge{From: s.Name, To: c.Next, Kind: "catch", Field: fmt.Sprintf("Catch[%d].Next", i), Label: strings.Join(c.ErrorEquals, ", ")})
	}
	return out
}

func (v *validator) report(at, msg string) { v.schema(at, "%s", msg) }
