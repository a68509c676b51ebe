package machine

import (
	"fmt"
	"strconv"
	"strings"
)

// A Path is a parsed JSONPath as the States Language uses it: rooted at
// "$" (the state's input), "$$" (the context object) or "$name" (a
// variable). Steps are fields (.a, ['a']), indexes ([0], [-1]), wildcards
// (.*, [*]), slices ([1:3], [::2]), unions ([0,1], ['a','b']), recursive
// descent (..a) and filters ([?(@.price < 10)], [?(@.isbn)]).
type Path struct {
	src     string
	root    rootKind
	varName string
	steps   []pathStep
}

type rootKind uint8

const (
	rootInput rootKind = iota
	rootContext
	rootVariable
)

type stepKind uint8

const (
	stepField stepKind = iota
	stepIndex
	stepWildcard
	stepSlice
	stepUnion
	stepRecursive // ..name or ..*
	stepFilter
)

type pathStep struct {
	kind   stepKind
	name   string   // field, or recursive target ("*" for any)
	index  int      // index
	names  []string // union of fields
	idxs   []int    // union of indexes
	slice  [3]*int  // start, end, step
	filter *filterExpr
}

type filterExpr struct {
	left  *Path // relative to @, root ignored
	op    string
	right any // literal; nil with op "" means existence test
}

// String returns the path as written.
func (p *Path) String() string { return p.src }

// Definite reports whether the path names at most one value (a reference
// path): only fields and single indexes.
func (p *Path) Definite() bool {
	for _, s := range p.steps {
		if s.kind != stepField && s.kind != stepIndex {
			return false
		}
	}
	return true
}

// ParsePath parses a JSONPath.
func ParsePath(src string) (*Path, error) {
	if !strings.HasPrefix(src, "$") {
		return nil, fmt.Errorf("the path %q must begin with '$'", src)
	}
	p := &Path{src: src}
	rest := src[1:]
	switch {
	case strings.HasPrefix(rest, "$"):
		p.root = rootContext
		rest = rest[1:]
	case len(rest) > 0 && isIdentStart(rest[0]):
		p.root = rootVariable
		i := 0
		for i < len(rest) && isIdentPart(rest[i]) {
			i++
		}
		p.varName, rest = rest[:i], rest[i:]
	}
	steps, err := parseSteps(rest)
	if err != nil {
		return nil, fmt.Errorf("the path %q is invalid: %v", src, err)
	}
	p.steps = steps
	return p, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// fieldChar reports characters allowed in a dotted field name.
func fieldChar(c byte) bool {
	return c != '.' && c != '[' && c != ']' && c != ' ' && c != '(' && c != ')' && c != ',' && c != '\'' && c != '"'
}

func parseSteps(s string) ([]pathStep, error) {
	var steps []pathStep
	for len(s) > 0 {
		var st pathStep
		var err error
		switch {
		case strings.HasPrefix(s, ".."):
			s = s[2:]
			name, n := dotName(s)
			if n == 0 {
				return nil, fmt.Errorf("'..' must be followed by a name or '*'")
			}
			st, s = pathStep{kind: stepRecursive, name: name}, s[n:]
		case s[0] == '.':
			s = s[1:]
			name, n := dotName(s)
			if n == 0 {
				return nil, fmt.Errorf("'.' must be followed by a name")
			}
			if name == "*" {
				st = pathStep{kind: stepWildcard}
			} else {
				st = pathStep{kind: stepField, name: name}
			}
			s = s[n:]
		case s[0] == '[':
			st, s, err = parseBracket(s)
			if err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unexpected %q", s)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

func dotName(s string) (string, int) {
	if strings.HasPrefix(s, "*") {
		return "*", 1
	}
	i := 0
	for i < len(s) && fieldChar(s[i]) {
		i++
	}
	return s[:i], i
}

// parseBracket parses one [...] step at the start of s.
func parseBracket(s string) (pathStep, string, error) {
	if strings.HasPrefix(s, "[?(") {
		end := strings.Index(s, ")]")
		if end < 0 {
			return pathStep{}, "", fmt.Errorf("unterminated filter")
		}
		f, err := parseFilter(s[3:end])
		if err != nil {
			return pathStep{}, "", err
		}
		return pathStep{kind: stepFilter, filter: f}, s[end+2:], nil
	}
	end, err := bracketEnd(s)
	if err != nil {
		return pathStep{}, "", err
	}
	inner, rest := strings.TrimSpace(s[1:end]), s[end+1:]
	if inner == "*" {
		return pathStep{kind: stepWildcard}, rest, nil
	}
	parts := splitTop(inner)
	if len(parts) == 0 {
		return pathStep{}, "", fmt.Errorf("empty brackets")
	}
	if q := parts[0]; len(q) > 0 && (q[0] == '\'' || q[0] == '"') {
		names := make([]string, len(parts))
		for i, part := range parts {
			n, err := unquote(part)
			if err != nil {
				return pathStep{}, "", err
			}
			names[i] = n
		}
		if len(names) == 1 {
			return pathStep{kind: stepField, name: names[0]}, rest, nil
		}
		return pathStep{kind: stepUnion, names: names}, rest, nil
	}
	if len(parts) == 1 && strings.Contains(inner, ":") {
		st, err := parseSlice(inner)
		return st, rest, err
	}
	idxs := make([]int, len(parts))
	for i, part := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return pathStep{}, "", fmt.Errorf("bad index %q", part)
		}
		idxs[i] = n
	}
	if len(idxs) == 1 {
		return pathStep{kind: stepIndex, index: idxs[0]}, rest, nil
	}
	return pathStep{kind: stepUnion, idxs: idxs}, rest, nil
}

// bracketEnd finds the ']' closing the bracket at s[0], skipping quotes.
func bracketEnd(s string) (int, error) {
	var quote byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == 0 && c == ']':
			return i, nil
		}
	}
	return 0, fmt.Errorf("unterminated '['")
}

func splitTop(s string) []string {
	var parts []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == 0 && c == ',':
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" || len(parts) > 0 {
		parts = append(parts, t)
	}
	return parts
}

func unquote(s string) (string, error) {
	if len(s) < 2 || s[0] != s[len(s)-1] || (s[0] != '\'' && s[0] != '"') {
		return "", fmt.Errorf("bad quoted name %s", s)
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

func parseSlice(s string) (pathStep, error) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return pathStep{}, fmt.Errorf("bad slice %q", s)
	}
	st := pathStep{kind: stepSlice}
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			return pathStep{}, fmt.Errorf("bad slice %q", s)
		}
		st.slice[i] = &n
	}
	if st.slice[2] != nil && *st.slice[2] == 0 {
		return pathStep{}, fmt.Errorf("slice step cannot be zero")
	}
	return st, nil
}

var filterOps = []string{"==", "!=", "<=", ">=", "<", ">"}

func parseFilter(s string) (*filterExpr, error) {
	s = strings.TrimSpace(s)
	f := &filterExpr{}
	left := s
	for _, op := range filterOps {
		if i := strings.Index(s, op); i > 0 {
			left, f.op = strings.TrimSpace(s[:i]), op
			lit, err := parseLiteral(strings.TrimSpace(s[i+len(op):]))
			if err != nil {
				return nil, err
			}
			f.right = lit
			break
		}
	}
	if !strings.HasPrefix(left, "@") {
		return nil, fmt.Errorf("a filter must test '@', got %q", left)
	}
	steps, err := parseSteps(left[1:])
	if err != nil {
		return nil, err
	}
	f.left = &Path{src: left, steps: steps}
	return f, nil
}

func parseLiteral(s string) (any, error) {
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') {
		return unquote(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("bad literal %q", s)
	}
	return f, nil
}

// scope is what a path can read: the input, the context object (built only
// when a path asks for it) and the variables.
type scope struct {
	input   any
	context func() any
	vars    *varScope
}

// Get evaluates p. A definite path returns its one value (ok false when it
// names nothing); an indefinite path returns the list of matches.
func (p *Path) Get(sc scope) (any, bool) {
	var root any
	switch p.root {
	case rootInput:
		root = sc.input
	case rootContext:
		if sc.context == nil {
			return nil, false
		}
		root = sc.context()
	case rootVariable:
		v, ok := sc.vars.get(p.varName)
		if !ok {
			return nil, false
		}
		root = v
	}
	if p.Definite() {
		return getDefinite(root, p.steps)
	}
	return collect([]any{root}, p.steps), true
}

func getDefinite(v any, steps []pathStep) (any, bool) {
	for _, s := range steps {
		switch s.kind {
		case stepField:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[s.name]; !ok {
				return nil, false
			}
		case stepIndex:
			a, ok := v.([]any)
			if !ok {
				return nil, false
			}
			i := s.index
			if i < 0 {
				i += len(a)
			}
			if i < 0 || i >= len(a) {
				return nil, false
			}
			v = a[i]
		}
	}
	return v, true
}

func collect(cur []any, steps []pathStep) []any {
	for _, s := range steps {
		next := []any{}
		for _, v := range cur {
			next = s.apply(v, next)
		}
		cur = next
	}
	return cur
}

func (s *pathStep) apply(v any, out []any) []any {
	switch s.kind {
	case stepField, stepIndex:
		if got, ok := getDefinite(v, []pathStep{*s}); ok {
			out = append(out, got)
		}
	case stepWildcard:
		out = appendChildren(v, out)
	case stepUnion:
		for _, n := range s.names {
			if m, ok := v.(map[string]any); ok {
				if got, ok := m[n]; ok {
					out = append(out, got)
				}
			}
		}
		for _, i := range s.idxs {
			if got, ok := getDefinite(v, []pathStep{{kind: stepIndex, index: i}}); ok {
				out = append(out, got)
			}
		}
	case stepSlice:
		out = s.applySlice(v, out)
	case stepRecursive:
		out = recurse(v, s.name, out)
	case stepFilter:
		a, ok := v.([]any)
		if !ok {
			if m, isMap := v.(map[string]any); isMap {
				a = sortedValues(m)
			}
		}
		for _, item := range a {
			if s.filter.match(item) {
				out = append(out, item)
			}
		}
	}
	return out
}

func appendChildren(v any, out []any) []any {
	switch t := v.(type) {
	case map[string]any:
		out = append(out, sortedValues(t)...)
	case []any:
		out = append(out, t...)
	}
	return out
}

func sortedValues(m map[string]any) []any {
	keys := sortedKeys(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func recurse(v any, name string, out []any) []any {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if name == "*" || k == name {
				out = append(out, t[k])
			}
			out = recurse(t[k], name, out)
		}
	case []any:
		for _, item := range t {
			if name == "*" {
				out = append(out, item)
			}
			out = recurse(item, name, out)
		}
	}
	return out
}

func (s *pathStep) applySlice(v any, out []any) []any {
	a, ok := v.([]any)
	if !ok {
		return out
	}
	n := len(a)
	step := 1
	if s.slice[2] != nil {
		step = *s.slice[2]
	}
	norm := func(p *int, def int) int {
		if p == nil {
			return def
		}
		i := *p
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	if step > 0 {
		for i := norm(s.slice[0], 0); i < norm(s.slice[1], n); i += step {
			out = append(out, a[i])
		}
		return out
	}
	start := n - 1
	if s.slice[0] != nil {
		start = min(norm(s.slice[0], 0), n-1)
	}
	end := -1
	if s.slice[1] != nil {
		end = norm(s.slice[1], 0)
	}
	for i := start; i > end; i += step {
		out = append(out, a[i])
	}
	return out
}

func (f *filterExpr) match(item any) bool {
	got, ok := getDefinite(item, f.left.steps)
	if !f.left.Definite() {
		vals := collect([]any{item}, f.left.steps)
		ok = len(vals) > 0
		if ok {
			got = vals[0]
		}
	}
	if f.op == "" {
		return ok
	}
	if !ok {
		return false
	}
	switch f.op {
	case "==":
		return jsonEqual(got, f.right)
	case "!=":
		return !jsonEqual(got, f.right)
	}
	c, comparable := compareValues(got, f.right)
	if !comparable {
		return false
	}
	switch f.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	default:
		return c >= 0
	}
}

func compareValues(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

// Set returns a copy of doc with value placed at the reference path p,
// creating objects on the way. Containers along the path are copied, so doc
// is not changed. It fails when the path crosses a value that is not an
// object (or, for indexes, an array long enough).
func (p *Path) Set(doc, value any) (any, error) {
	if p.root != rootInput {
		return nil, fmt.Errorf("the path %q must refer to the state input", p.src)
	}
	return setAt(doc, p.steps, value)
}

func setAt(doc any, steps []pathStep, value any) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	s := steps[0]
	switch s.kind {
	case stepField:
		var m map[string]any
		switch t := doc.(type) {
		case map[string]any:
			m = make(map[string]any, len(t)+1)
			for k, v := range t {
				m[k] = v
			}
		case nil:
			m = map[string]any{}
		default:
			return nil, fmt.Errorf("cannot set field %q on a %s", s.name, typeName(doc))
		}
		child, err := setAt(m[s.name], steps[1:], value)
		if err != nil {
			return nil, err
		}
		m[s.name] = child
		return m, nil
	case stepIndex:
		a, ok := doc.([]any)
		i := s.index
		if ok && i < 0 {
			i += len(a)
		}
		if !ok || i < 0 || i >= len(a) {
			return nil, fmt.Errorf("cannot set index %d", s.index)
		}
		c := append([]any(nil), a...)
		child, err := setAt(c[i], steps[1:], value)
		if err != nil {
			return nil, err
		}
		c[i] = child
		return c, nil
	}
	return nil, fmt.Errorf("a result path must be a reference path")
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
