package machine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	jsonata "github.com/xiatechs/jsonata-go"
)

// A template is a payload template (Parameters, ResultSelector,
// ItemSelector, Arguments, Output, Assign values) compiled once when the
// definition is parsed. In JSONPath states, object keys ending in ".$" take
// their value from a path or an intrinsic function; in JSONata states, any
// string "{% … %}" is an expression.
type template struct {
	kind   templateKind
	lit    any
	path   *Path
	fn     *intrinsic
	expr   *jsonata.Expr
	src    string
	keys   []string
	fields []*template
	items  []*template
}

type templateKind uint8

const (
	tLiteral templateKind = iota
	tPath
	tIntrinsic
	tJSONata
	tObject
	tArray
)

// compileTemplate compiles v; problems are reported with their JSON path
// below at.
func compileTemplate(v any, jsonataMode bool, at string, report func(at, msg string)) *template {
	switch t := v.(type) {
	case map[string]any:
		out := &template{kind: tObject}
		for _, k := range sortedKeys(t) {
			child := fieldPath(at, k)
			if !jsonataMode && strings.HasSuffix(k, ".$") {
				out.keys = append(out.keys, strings.TrimSuffix(k, ".$"))
				out.fields = append(out.fields, compileDynamic(t[k], child, report))
				continue
			}
			out.keys = append(out.keys, k)
			out.fields = append(out.fields, compileTemplate(t[k], jsonataMode, child, report))
		}
		return out
	case []any:
		out := &template{kind: tArray}
		for i, item := range t {
			out.items = append(out.items, compileTemplate(item, jsonataMode, fmt.Sprintf("%s[%d]", at, i), report))
		}
		return out
	case string:
		if jsonataMode {
			if src, ok := jsonataSource(t); ok {
				e, err := compileJSONata(src)
				if err != nil {
					report(at, err.Error())
					return &template{kind: tLiteral, lit: t}
				}
				return &template{kind: tJSONata, expr: e, src: src}
			}
		}
	}
	return &template{kind: tLiteral, lit: v}
}

// compileDynamic compiles the value of a ".$" key.
func compileDynamic(v any, at string, report func(at, msg string)) *template {
	s, ok := v.(string)
	if !ok {
		report(at, "the value of a field ending in '.$' must be a JSONPath or an intrinsic function")
		return &template{kind: tLiteral, lit: v}
	}
	if looksIntrinsic(s) {
		fn, err := parseIntrinsic(s)
		if err != nil {
			report(at, err.Error())
			return &template{kind: tLiteral, lit: v}
		}
		return &template{kind: tIntrinsic, fn: fn, src: s}
	}
	p, err := ParsePath(s)
	if err != nil {
		report(at, err.Error())
		return &template{kind: tLiteral, lit: v}
	}
	return &template{kind: tPath, path: p, src: s}
}

// jsonataSource returns the expression of a "{% … %}" string.
func jsonataSource(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "{%") && strings.HasSuffix(t, "%}") && len(t) >= 4 {
		return strings.TrimSpace(t[2 : len(t)-2]), true
	}
	return "", false
}

// evalEnv is everything a template can read.
type evalEnv struct {
	scope
	states func() map[string]any // JSONata's $states (input, result, errorOutput, context)
	now    func() time.Time      // the core clock, for $now() and $millis()
}

// eval evaluates the template.
func (t *template) eval(env *evalEnv) (any, error) {
	switch t.kind {
	case tLiteral:
		return t.lit, nil
	case tPath:
		v, ok := t.path.Get(env.scope)
		if !ok {
			return nil, fail(ErrRuntime, "The JsonPath argument for the field '%s' could not be found in the input '%s'", t.src, truncate(encodeJSON(env.input), 256))
		}
		return v, nil
	case tIntrinsic:
		return t.fn.eval(env.scope)
	case tJSONata:
		return evalJSONata(t.expr, t.src, env)
	case tObject:
		out := make(map[string]any, len(t.keys))
		for i, k := range t.keys {
			v, err := t.fields[i].eval(env)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case tArray:
		out := make([]any, len(t.items))
		for i, item := range t.items {
			v, err := item.eval(env)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("template kind %d", t.kind)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func compileJSONata(src string) (*jsonata.Expr, error) {
	e, err := jsonata.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("the JSONata expression %q is invalid: %v", src, err)
	}
	return e, nil
}

// evalJSONata evaluates a compiled expression with $states and the
// variables bound. A fresh copy of the compiled Expr takes the bindings, so
// concurrent evaluations do not share them.
func evalJSONata(compiled *jsonata.Expr, src string, env *evalEnv) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fail(ErrQueryEvaluationError, "The JSONata expression '%s' failed: %v", src, r)
		}
	}()
	e := *compiled
	funcs := jsonataFuncs
	if env.now != nil { // $now() and $millis() read the core clock, so a fast-forwarded clock shows
		t := env.now()
		funcs = make(map[string]jsonata.Extension, len(jsonataFuncs)+2)
		for k, v := range jsonataFuncs {
			funcs[k] = v
		}
		funcs["now"] = jsonata.Extension{Func: func() string { return formatTime(t) }}
		funcs["millis"] = jsonata.Extension{Func: func() float64 { return float64(t.UnixMilli()) }}
	}
	if err := e.RegisterExts(funcs); err != nil {
		return nil, fail(ErrQueryEvaluationError, "The JSONata expression '%s' cannot bind functions: %v", src, err)
	}
	vars := env.vars.all()
	if env.states != nil {
		vars["states"] = env.states()
	}
	if err := e.RegisterVars(vars); err != nil {
		return nil, fail(ErrQueryEvaluationError, "The JSONata expression '%s' cannot bind variables: %v", src, err)
	}
	var input any = map[string]any{}
	if env.input != nil {
		input = env.input
	}
	v, err := e.Eval(input)
	if errors.Is(err, jsonata.ErrUndefined) {
		return nil, fail(ErrQueryEvaluationError, "The JSONata expression '%s' returned nothing (undefined)", src)
	}
	if err != nil {
		return nil, fail(ErrQueryEvaluationError, "The JSONata expression '%s' failed: %v", src, err)
	}
	return normalize(v), nil
}
