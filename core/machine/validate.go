package machine

import (
	"math"
	"strings"
	"time"
)

// Fields of each state type. pathOnly fields exist only in JSONPath states,
// jsonataOnly fields only in JSONata states.
var (
	stateFields = map[string][]string{
		TypePass:     {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result", "Output"},
		TypeTask:     {"Next", "End", "Resource", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Arguments", "Output"},
		TypeChoice:   {"Choices", "Default", "InputPath", "OutputPath", "Output"},
		TypeWait:     {"Next", "End", "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "InputPath", "OutputPath", "Output"},
		TypeSucceed:  {"InputPath", "OutputPath", "Output"},
		TypeFail:     {"Error", "Cause", "ErrorPath", "CausePath"},
		TypeParallel: {"Next", "End", "Branches", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Arguments", "Output"},
		TypeMap:      {"Next", "End", "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector", "Parameters", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "InputPath", "OutputPath", "ResultSelector", "ResultPath", "Retry", "Catch", "Label", "Output", "ItemReader", "ResultWriter", "ItemBatcher"},
	}
	pathOnly    = setOf("InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "ItemsPath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "Iterator")
	jsonataOnly = setOf("Arguments", "Output", "Items")
	unsupported = setOf("ItemReader", "ResultWriter", "ItemBatcher")
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// stateDef checks and builds one state.
func (v *validator) stateDef(name string, raw any, at, inherited string) *State {
	st := &State{Name: name, QueryLanguage: inherited}
	if len(name) == 0 || len(name) > maxStateNameLen {
		v.add("INVALID_STATE_NAME", at, "a state name must be 1 to %d characters", maxStateNameLen)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		v.schema(at, "a state must be a JSON object")
		return st
	}
	st.Type, _ = obj["Type"].(string)
	fields, known := stateFields[st.Type]
	if !known {
		v.schema(fieldPath(at, "Type"), "the state type %q is not one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map", obj["Type"])
		return st
	}
	st.Comment, _ = obj["Comment"].(string)
	if ql, ok := obj["QueryLanguage"]; ok {
		s, _ := ql.(string)
		switch {
		case s != JSONPath && s != JSONata:
			v.schema(fieldPath(at, "QueryLanguage"), "QueryLanguage must be %q or %q", JSONPath, JSONata)
		case s == JSONPath && inherited == JSONata:
			v.schema(fieldPath(at, "QueryLanguage"), "a state cannot use JSONPath when the machine uses JSONata")
		default:
			st.QueryLanguage = s
		}
	}
	v.checkFields(st, obj, at, fields)
	v.flow(st, obj, at)
	v.io(st, obj, at)
	switch st.Type {
	case TypePass:
		if r, ok := obj["Result"]; ok {
			st.Result, st.HasResult = r, true
		}
	case TypeTask:
		v.task(st, obj, at)
	case TypeChoice:
		v.choice(st, obj, at)
	case TypeWait:
		v.wait(st, obj, at)
	case TypeFail:
		v.failState(st, obj, at)
	case TypeParallel:
		v.parallel(st, obj, at)
	case TypeMap:
		v.mapState(st, obj, at)
	}
	if st.Type == TypeTask || st.Type == TypeParallel || st.Type == TypeMap {
		v.retryCatch(st, obj, at)
	}
	return st
}

func (v *validator) checkFields(st *State, obj map[string]any, at string, fields []string) {
	allowed := setOf(fields...)
	allowed["Type"], allowed["Comment"], allowed["QueryLanguage"] = true, true, true
	if st.Type != TypeFail {
		allowed["Assign"] = true
	}
	for _, k := range sortedKeys(obj) {
		switch {
		case !allowed[k]:
			v.schema(fieldPath(at, k), "the field %q is not supported in a %s state", k, st.Type)
		case st.jsonata() && pathOnly[k]:
			v.schema(fieldPath(at, k), "the field %q cannot be used with the JSONata query language", k)
		case !st.jsonata() && jsonataOnly[k]:
			v.schema(fieldPath(at, k), "the field %q can be used only with the JSONata query language", k)
		case unsupported[k]:
			v.schema(fieldPath(at, k), "the field %q (distributed Map) is not supported by Skyport", k)
		}
	}
}

// flow checks Next/End.
func (v *validator) flow(st *State, obj map[string]any, at string) {
	next, hasNext := obj["Next"]
	end, hasEnd := obj["End"]
	switch st.Type {
	case TypeChoice, TypeSucceed, TypeFail:
		return
	}
	if hasNext {
		s, ok := next.(string)
		if !ok || s == "" {
			v.schema(fieldPath(at, "Next"), "Next must be a state name")
		}
		st.Next = s
	}
	if hasEnd {
		b, ok := end.(bool)
		if !ok {
			v.schema(fieldPath(at, "End"), "End must be a boolean")
		}
		st.End = b
	}
	switch {
	case hasNext && st.End:
		v.schema(at, "a state cannot have both Next and End")
	case !hasNext && !st.End:
		v.schema(at, "the state must have Next or \"End\": true")
	}
}

// io builds the input and output processing fields.
func (v *validator) io(st *State, obj map[string]any, at string) {
	ql := st.jsonata()
	st.InputPath = v.optPath(obj, "InputPath", at, false)
	st.OutputPath = v.optPath(obj, "OutputPath", at, false)
	st.ResultPath = v.optPath(obj, "ResultPath", at, true)
	for name, dst := range map[string]**template{"Parameters": &st.Parameters, "ResultSelector": &st.ResultSelector, "Arguments": &st.Arguments, "Output": &st.Output, "Assign": &st.Assign} {
		if raw, ok := obj[name]; ok {
			if (name == "ResultSelector" || name == "Assign") && !isObject(raw) {
				v.schema(fieldPath(at, name), "%s must be a JSON object", name)
				continue
			}
			if name == "Arguments" && st.Type == TypeParallel && !isObject(raw) {
				if _, expr := raw.(string); !expr {
					v.schema(fieldPath(at, name), "Arguments must be an object or a JSONata expression")
				}
			}
			*dst = compileTemplate(raw, ql, fieldPath(at, name), v.report)
		}
	}
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

func (v *validator) optPath(obj map[string]any, name, at string, reference bool) optPath {
	raw, ok := obj[name]
	if !ok {
		return optPath{}
	}
	if raw == nil {
		return optPath{set: true, null: true}
	}
	s, isStr := raw.(string)
	if !isStr {
		v.schema(fieldPath(at, name), "%s must be a JSONPath string or null", name)
		return optPath{}
	}
	p, err := ParsePath(s)
	if err != nil {
		v.schema(fieldPath(at, name), "%v", err)
		return optPath{}
	}
	if reference && (!p.Definite() || p.root != rootInput) {
		v.schema(fieldPath(at, name), "%s must be a reference path into the input (only fields and indexes, starting with '$.'), got %q", name, s)
	}
	return optPath{set: true, path: p}
}

// path parses a field that must hold a reference path.
func (v *validator) path(obj map[string]any, name, at string) *Path {
	raw, ok := obj[name]
	if !ok {
		return nil
	}
	s, isStr := raw.(string)
	if !isStr {
		v.schema(fieldPath(at, name), "%s must be a JSONPath string", name)
		return nil
	}
	p, err := ParsePath(s)
	if err != nil {
		v.schema(fieldPath(at, name), "%v", err)
		return nil
	}
	if !p.Definite() {
		v.schema(fieldPath(at, name), "%s must be a reference path (only fields and indexes), got %q", name, s)
	}
	return p
}

func (v *validator) intField(raw any, at string, lo, hi int) int {
	f, ok := raw.(float64)
	if !ok || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		v.schema(at, "must be an integer from %d to %d", lo, hi)
		return 0
	}
	return int(f)
}

// dynInt reads an integer field, its …Path variant, or a JSONata expression.
func (v *validator) dynInt(st *State, obj map[string]any, name, at string, lo, hi int) *dynInt {
	raw, has := obj[name]
	p := v.path(obj, name+"Path", at)
	if has && p != nil {
		v.schema(at, "%s and %sPath cannot both be set", name, name)
	}
	if p != nil {
		return &dynInt{path: p}
	}
	if !has {
		return nil
	}
	if s, ok := raw.(string); ok && st.jsonata() {
		if _, isExpr := jsonataSource(s); isExpr {
			return &dynInt{tmpl: compileTemplate(s, true, fieldPath(at, name), v.report)}
		}
	}
	return &dynInt{value: v.intField(raw, fieldPath(at, name), lo, hi)}
}

func (v *validator) task(st *State, obj map[string]any, at string) {
	res, ok := obj["Resource"].(string)
	if !ok || res == "" {
		v.schema(fieldPath(at, "Resource"), "a Task state needs a Resource")
	} else if !strings.HasPrefix(res, "arn:") {
		v.add("INVALID_RESOURCE", fieldPath(at, "Resource"), "the resource %q is not an ARN", res)
	} else if err := checkResource(res); err != nil {
		v.add("INVALID_RESOURCE", fieldPath(at, "Resource"), "%v", err)
	}
	st.Resource = res
	st.Credentials = obj["Credentials"]
	st.TimeoutSeconds = v.dynInt(st, obj, "TimeoutSeconds", at, 1, 99999999)
	st.HeartbeatSeconds = v.dynInt(st, obj, "HeartbeatSeconds", at, 1, 99999999)
	if st.TimeoutSeconds != nil && st.HeartbeatSeconds != nil && st.TimeoutSeconds.path == nil && st.HeartbeatSeconds.path == nil &&
		st.TimeoutSeconds.tmpl == nil && st.HeartbeatSeconds.tmpl == nil && st.HeartbeatSeconds.value >= st.TimeoutSeconds.value {
		v.schema(fieldPath(at, "HeartbeatSeconds"), "HeartbeatSeconds must be smaller than TimeoutSeconds")
	}
}

func (v *validator) wait(st *State, obj map[string]any, at string) {
	n := 0
	for _, f := range []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} {
		if _, ok := obj[f]; ok {
			n++
		}
	}
	if n != 1 {
		v.schema(at, "a Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath")
	}
	if raw, ok := obj["Seconds"]; ok {
		if s, isStr := raw.(string); isStr && st.jsonata() {
			st.Seconds = &dynInt{tmpl: compileTemplate(s, true, fieldPath(at, "Seconds"), v.report)}
		} else {
			st.Seconds = &dynInt{value: v.intField(raw, fieldPath(at, "Seconds"), 0, 99999999)}
		}
	}
	if raw, ok := obj["Timestamp"]; ok {
		s, _ := raw.(string)
		if _, isExpr := jsonataSource(s); isExpr && st.jsonata() {
			st.Timestamp = &dynTime{tmpl: compileTemplate(s, true, fieldPath(at, "Timestamp"), v.report)}
		} else if t, err := parseTimestamp(s); err != nil {
			v.schema(fieldPath(at, "Timestamp"), "Timestamp must be an RFC 3339 time such as 2026-03-14T01:59:00Z")
		} else {
			st.Timestamp = &dynTime{value: t}
		}
	}
	st.SecondsPath = v.path(obj, "SecondsPath", at)
	st.TimestampPath = v.path(obj, "TimestampPath", at)
}

// parseTimestamp reads an RFC 3339 timestamp (uppercase T and Z as the
// spec requires).
func parseTimestamp(s string) (time.Time, error) {
	if strings.ContainsAny(s, "tz") {
		return time.Time{}, &time.ParseError{Value: s, Message: ": lowercase t or z"}
	}
	return time.Parse(time.RFC3339Nano, s)
}

func (v *validator) failState(st *State, obj map[string]any, at string) {
	for _, f := range []struct {
		name string
		dst  **dynString
		path **Path
	}{{"Error", &st.Error, &st.ErrorPath}, {"Cause", &st.Cause, &st.CausePath}} {
		raw, has := obj[f.name]
		*f.path = v.path(obj, f.name+"Path", at)
		if has && *f.path != nil {
			v.schema(at, "%s and %sPath cannot both be set", f.name, f.name)
		}
		if !has {
			continue
		}
		s, ok := raw.(string)
		if !ok {
			v.schema(fieldPath(at, f.name), "%s must be a string", f.name)
			continue
		}
		if _, isExpr := jsonataSource(s); isExpr && st.jsonata() {
			*f.dst = &dynString{tmpl: compileTemplate(s, true, fieldPath(at, f.name), v.report)}
		} else {
			*f.dst = &dynString{value: s}
		}
	}
}

func (v *validator) parallel(st *State, obj map[string]any, at string) {
	branches, ok := obj["Branches"].([]any)
	if !ok || len(branches) == 0 {
		v.schema(fieldPath(at, "Branches"), "a Parallel state needs a non-empty Branches array")
		return
	}
	saved := v.state
	for i, b := range branches {
		st.Branches = append(st.Branches, v.machine(b, fieldPath(at, "Branches")+"["+itoa(i)+"]", st.QueryLanguage, false))
		v.state = saved
	}
}

func (v *validator) mapState(st *State, obj map[string]any, at string) {
	procName := "ItemProcessor"
	raw, ok := obj[procName]
	if it, legacy := obj["Iterator"]; legacy {
		if ok {
			v.schema(at, "ItemProcessor and Iterator cannot both be set")
		}
		procName, raw, ok = "Iterator", it, true
	}
	if !ok {
		v.schema(fieldPath(at, "ItemProcessor"), "a Map state needs an ItemProcessor")
	} else {
		saved := v.state
		if m, isObj := raw.(map[string]any); isObj {
			if pc, hasPC := m["ProcessorConfig"].(map[string]any); hasPC {
				st.ProcessorConfig = pc
				if mode, _ := pc["Mode"].(string); mode == "DISTRIBUTED" {
					v.schema(fieldPath(fieldPath(at, procName), "ProcessorConfig")+".Mode", "distributed Map is not supported by Skyport; use INLINE")
				}
			}
		}
		st.Processor = v.machine(raw, fieldPath(at, procName), st.QueryLanguage, false)
		v.state = saved
	}
	st.ItemsPath = v.optPath(obj, "ItemsPath", at, true)
	if raw, ok := obj["Items"]; ok {
		st.Items = compileTemplate(raw, true, fieldPath(at, "Items"), v.report)
	}
	if raw, ok := obj["ItemSelector"]; ok {
		st.ItemSelector = compileTemplate(raw, st.jsonata(), fieldPath(at, "ItemSelector"), v.report)
	} else if st.Parameters != nil {
		st.ItemSelector, st.Parameters = st.Parameters, nil // legacy: Parameters of a Map apply to each item
	}
	st.MaxConcurrency = v.dynInt(st, obj, "MaxConcurrency", at, 0, math.MaxInt32)
	st.ToleratedCount = v.dynInt(st, obj, "ToleratedFailureCount", at, 0, math.MaxInt32)
	if raw, has := obj["ToleratedFailurePercentage"]; has {
		if s, isStr := raw.(string); isStr && st.jsonata() {
			st.ToleratedPct = &dynFloat{tmpl: compileTemplate(s, true, fieldPath(at, "ToleratedFailurePercentage"), v.report)}
		} else if f, isNum := raw.(float64); !isNum || f < 0 || f > 100 {
			v.schema(fieldPath(at, "ToleratedFailurePercentage"), "must be a number from 0 to 100")
		} else {
			st.ToleratedPct = &dynFloat{value: f}
		}
	}
	if p := v.path(obj, "ToleratedFailurePercentagePath", at); p != nil {
		st.ToleratedPct = &dynFloat{path: p}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func (v *validator) retryCatch(st *State, obj map[string]any, at string) {
	if raw, ok := obj["Retry"]; ok {
		list, isList := raw.([]any)
		if !isList {
			v.schema(fieldPath(at, "Retry"), "Retry must be an array")
		}
		for i, r := range list {
			st.Retry = append(st.Retry, v.retrier(r, fieldPath(at, "Retry")+"["+itoa(i)+"]", i == len(list)-1))
		}
	}
	if raw, ok := obj["Catch"]; ok {
		list, isList := raw.([]any)
		if !isList {
			v.schema(fieldPath(at, "Catch"), "Catch must be an array")
		}
		for i, c := range list {
			st.Catch = append(st.Catch, v.catcher(st, c, fieldPath(at, "Catch")+"["+itoa(i)+"]", i == len(list)-1))
		}
	}
}

func (v *validator) errorEquals(obj map[string]any, at string, last bool) []string {
	raw, ok := obj["ErrorEquals"].([]any)
	if !ok || len(raw) == 0 {
		v.schema(fieldPath(at, "ErrorEquals"), "ErrorEquals must be a non-empty array of error names")
		return nil
	}
	out := make([]string, 0, len(raw))
	for i, e := range raw {
		s, isStr := e.(string)
		if !isStr || s == "" {
			v.schema(fieldPath(at, "ErrorEquals")+"["+itoa(i)+"]", "an error name must be a non-empty string")
			continue
		}
		if strings.HasPrefix(s, "States.") && !knownStatesError(s) {
			v.schema(fieldPath(at, "ErrorEquals")+"["+itoa(i)+"]", "%q is not a predefined States error name", s)
		}
		out = append(out, s)
	}
	for _, s := range out {
		if s == ErrAll && (len(out) > 1 || !last) {
			v.schema(fieldPath(at, "ErrorEquals"), "States.ALL must appear alone and in the last retrier or catcher")
		}
	}
	return out
}

func knownStatesError(s string) bool {
	switch s {
	case ErrAll, ErrHeartbeatTimeout, ErrTimeout, ErrTaskFailed, ErrPermissions, ErrResultPathMatchFailure,
		ErrParameterPathFailure, ErrQueryEvaluationError, ErrBranchFailed, ErrNoChoiceMatched, ErrIntrinsicFailure,
		ErrExceedToleratedFailure, ErrItemReaderFailed, ErrResultWriterFailed, ErrRuntime, ErrDataLimitExceeded:
		return true
	}
	return false
}

func (v *validator) retrier(raw any, at string, last bool) *Retrier {
	r := &Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
	obj, ok := raw.(map[string]any)
	if !ok {
		v.schema(at, "a retrier must be an object")
		return r
	}
	for _, k := range sortedKeys(obj) {
		switch k {
		case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
		default:
			v.schema(fieldPath(at, k), "the field %q is not supported in a retrier", k)
		}
	}
	r.ErrorEquals = v.errorEquals(obj, at, last)
	if x, ok := obj["IntervalSeconds"]; ok {
		r.IntervalSeconds = float64(v.intField(x, fieldPath(at, "IntervalSeconds"), 1, 99999999))
	}
	if x, ok := obj["MaxAttempts"]; ok {
		r.MaxAttempts = v.intField(x, fieldPath(at, "MaxAttempts"), 0, 99999999)
	}
	if x, ok := obj["BackoffRate"]; ok {
		f, isNum := x.(float64)
		if !isNum || f < 1 {
			v.schema(fieldPath(at, "BackoffRate"), "BackoffRate must be a number of at least 1.0")
		} else {
			r.BackoffRate = f
		}
	}
	if x, ok := obj["MaxDelaySeconds"]; ok {
		r.MaxDelaySeconds = float64(v.intField(x, fieldPath(at, "MaxDelaySeconds"), 1, 31622401))
	}
	if x, ok := obj["JitterStrategy"]; ok {
		switch x {
		case "FULL":
			r.JitterFull = true
		case "NONE":
		default:
			v.schema(fieldPath(at, "JitterStrategy"), "JitterStrategy must be FULL or NONE")
		}
	}
	return r
}

func (v *validator) catcher(st *State, raw any, at string, last bool) *Catcher {
	c := &Catcher{}
	obj, ok := raw.(map[string]any)
	if !ok {
		v.schema(at, "a catcher must be an object")
		return c
	}
	for _, k := range sortedKeys(obj) {
		switch k {
		case "ErrorEquals", "Next", "Comment", "Assign":
		case "ResultPath":
			if st.jsonata() {
				v.schema(fieldPath(at, k), "ResultPath cannot be used with the JSONata query language")
			}
		case "Output":
			if !st.jsonata() {
				v.schema(fieldPath(at, k), "Output can be used only with the JSONata query language")
			}
		default:
			v.schema(fieldPath(at, k), "the field %q is not supported in a catcher", k)
		}
	}
	c.ErrorEquals = v.errorEquals(obj, at, last)
	c.Next, _ = obj["Next"].(string)
	if c.Next == "" {
		v.schema(fieldPath(at, "Next"), "a catcher needs Next")
	}
	c.ResultPath = v.optPath(obj, "ResultPath", at, true)
	if raw, ok := obj["Output"]; ok {
		c.Output = compileTemplate(raw, true, fieldPath(at, "Output"), v.report)
	}
	if raw, ok := obj["Assign"]; ok {
		c.Assign = compileTemplate(raw, st.jsonata(), fieldPath(at, "Assign"), v.report)
	}
	return c
}
