package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// machineRef is a local resource a state machine's definition names.
type machineRef struct {
	kind, name string
	state      string // the state that names it
	text       string // the ARN or URL as written
}

// localRef patterns: ARNs of any region and account, and SQS queue URLs.
var localRefs = []struct {
	kind string
	re   *regexp.Regexp
}{
	{KindQueue, regexp.MustCompile(`^arn:aws:sqs:[a-z0-9-]+:[0-9]{12}:([A-Za-z0-9_.-]+)$`)},
	{KindQueue, regexp.MustCompile(`^https?://[^/]+/[0-9]{12}/([A-Za-z0-9_.-]+)$`)},
	{KindTopic, regexp.MustCompile(`^arn:aws:sns:[a-z0-9-]+:[0-9]{12}:([A-Za-z0-9_.-]+)$`)},
	{KindFunction, regexp.MustCompile(`^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:([A-Za-z0-9_-]+)(?::\$LATEST)?$`)},
	{KindStateMachine, regexp.MustCompile(`^arn:aws:states:[a-z0-9-]+:[0-9]{12}:stateMachine:([A-Za-z0-9_.-]+)$`)},
	{KindStream, regexp.MustCompile(`^arn:aws:kinesis:[a-z0-9-]+:[0-9]{12}:stream/([A-Za-z0-9_.-]+)$`)},
}

// parseLocalRef recognises a local ARN or queue URL.
func parseLocalRef(s string) (kind, name string, ok bool) {
	for _, p := range localRefs {
		if m := p.re.FindStringSubmatch(s); m != nil {
			return p.kind, m[1], true
		}
	}
	return "", "", false
}

// machineRefs lists the local resources an ASL definition names, in the
// order they appear (states sorted by name at each level).
func machineRefs(def string) ([]machineRef, error) {
	var doc any
	if err := json.Unmarshal([]byte(def), &doc); err != nil {
		return nil, err
	}
	var out []machineRef
	seen := map[string]bool{}
	walkStates(doc, func(state string, v any) {
		walkStrings(v, func(s string) string {
			if kind, name, ok := parseLocalRef(s); ok && !seen[kind+"/"+name+"/"+state] {
				seen[kind+"/"+name+"/"+state] = true
				out = append(out, machineRef{kind: kind, name: name, state: state, text: s})
			}
			return s
		})
	})
	return out, nil
}

// walkStates calls fn for every state of an ASL document, nested ones too.
func walkStates(doc any, fn func(name string, state any)) {
	m, ok := doc.(map[string]any)
	if !ok {
		return
	}
	states, _ := m["States"].(map[string]any)
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := states[n]
		fn(n, st)
		sm, _ := st.(map[string]any)
		if branches, ok := sm["Branches"].([]any); ok {
			for _, b := range branches {
				walkStates(b, fn)
			}
		}
		for _, k := range []string{"ItemProcessor", "Iterator"} {
			if sub, ok := sm[k]; ok {
				walkStates(sub, fn)
			}
		}
	}
}

// walkStrings visits every string of a JSON value (not map keys) and
// replaces it with fn's result; nested state lists are left to walkStates.
func walkStrings(v any, fn func(string) string) any {
	switch x := v.(type) {
	case string:
		return fn(x)
	case []any:
		for i := range x {
			x[i] = walkStrings(x[i], fn)
		}
	case map[string]any:
		for k, e := range x {
			if k == "States" || k == "Branches" || k == "ItemProcessor" || k == "Iterator" {
				continue
			}
			x[k] = walkStrings(e, fn)
		}
	}
	return v
}

// ExportASL returns each state machine's definition as indented JSON, by
// state machine name.
func ExportASL(w *Workspace) (map[string][]byte, error) {
	out := make(map[string][]byte, len(w.StateMachines))
	for _, m := range w.StateMachines {
		var buf bytes.Buffer
		if err := json.Indent(&buf, []byte(m.Definition), "", "  "); err != nil {
			return nil, fmt.Errorf("state machine %q: definition is not JSON: %w", m.Name, err)
		}
		buf.WriteByte('\n')
		out[m.Name] = buf.Bytes()
	}
	return out, nil
}

// ImportASL reads an ASL JSON file as a workspace holding one state
// machine named name.
func ImportASL(file, name string, data []byte) (*Workspace, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(file, data, err)
	}
	if _, ok := doc["States"].(map[string]any); !ok {
		return nil, &FileError{File: file, Line: 1, Reason: "not an Amazon States Language document (no States object)"}
	}
	if _, ok := doc["StartAt"].(string); !ok {
		return nil, &FileError{File: file, Line: 1, Reason: "not an Amazon States Language document (no StartAt)"}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return nil, jsonError(file, data, err)
	}
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".asl")
	return &Workspace{Version: FormatVersion, StateMachines: []StateMachine{{Name: name, Definition: buf.String()}}}, nil
}

// jsonError reports a JSON syntax or type error with its line.
func jsonError(file string, data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	line := 0
	if off >= 0 {
		line = 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n"))
	}
	return &FileError{File: file, Line: line, Reason: err.Error()}
}
