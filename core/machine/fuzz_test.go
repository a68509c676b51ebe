package machine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary documents to the ASL parser and validator:
// they must return a definition or problems, never panic, and every
// problem must say where it is.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/conformance/*.json")
	for _, file := range files {
		for _, c := range loadConformanceFile(f, file) {
			f.Add(string(c.Definition))
		}
	}
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Map","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Parallel","Branches":[{"StartAt":"C","States":{"C":{"Type":"Succeed"}}}],"End":true}}},"End":true}}}`)
	f.Fuzz(func(t *testing.T, src string) {
		def, err := Parse(src)
		if err != nil {
			ve, ok := err.(*ValidationError)
			if !ok || len(ve.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, p := range ve.Problems {
				if p.Path == "" || p.Code == "" || p.Message == "" {
					t.Fatalf("problem without a place: %+v", p)
				}
			}
			return
		}
		if def.States[def.StartAt] == nil {
			t.Fatalf("parsed definition without its StartAt state")
		}
		_ = GraphOf(def)
	})
}

func loadConformanceFile(f *testing.F, file string) []conformanceCase {
	raw, err := os.ReadFile(file)
	if err != nil {
		f.Fatal(err)
	}
	var cases []conformanceCase
	if err := jsonUnmarshal(raw, &cases); err != nil {
		f.Fatalf("%s: %v", file, err)
	}
	return cases
}

// FuzzPathAndIntrinsic parses a JSONPath or intrinsic call and evaluates it
// against a document: errors are fine, panics are not.
func FuzzPathAndIntrinsic(f *testing.F) {
	doc := `{"a": {"b": [1, 2, {"c": "x"}]}, "s": "a,b", "n": 3, "arr": [3, 1, 2], "o": {"k": true}}`
	for _, expr := range []string{"$", "$.a.b[2].c", "$..c", "$.a.b[*]", "$.arr[0:2]", "$.arr[-1]", "$.a.b[?(@.c == 'x')]", "$['a']['b']",
		"$$.Execution.Id", "$v.x", "States.Format('{} and {}', $.n, $.s)", "States.ArrayPartition($.arr, 2)", "States.StringSplit($.s, ',')",
		"States.JsonMerge($.o, $.a, false)", "States.Hash($.s, 'SHA-256')", "States.ArrayRange(0, $.n, 1)", "States.Base64Decode(States.Base64Encode($.s))",
		"States.MathRandom(1, 10)", "States.ArrayUnique(States.Array(1, 1, 'x'))", "States.StringToJson(States.JsonToString($.a))"} {
		f.Add(expr, doc)
	}
	f.Fuzz(func(t *testing.T, expr, input string) {
		in, err := decodeJSON(input)
		if err != nil {
			return
		}
		vars := newVarScope(nil)
		vars.set(map[string]any{"v": map[string]any{"x": 1.0}})
		sc := scope{input: in, context: func() any { return map[string]any{"Execution": map[string]any{"Id": "e"}} }, vars: vars}
		if looksIntrinsic(expr) {
			call, err := parseIntrinsic(expr)
			if err != nil {
				return
			}
			_, _ = call.eval(sc)
			return
		}
		p, err := ParsePath(expr)
		if err != nil {
			return
		}
		v, ok := p.Get(sc)
		if ok && p.Definite() && p.root == rootInput {
			out, err := p.Set(in, v)
			if err != nil {
				t.Fatalf("%s reads a value but cannot write it back: %v", expr, err)
			}
			if back, _ := p.Get(scope{input: out}); !jsonEqual(back, v) {
				t.Fatalf("%s: wrote %s, read back %s", expr, encodeJSON(v), encodeJSON(back))
			}
		}
	})
}

// FuzzExecute runs fuzzed inputs through a machine that touches every
// kind of processing: the execution must end, never crash.
func FuzzExecute(f *testing.F) {
	f.Add(`{"xs": [1, "a", null, {"k": 2}], "n": 5, "s": "2026-03-14T01:59:00Z"}`)
	f.Add(`[]`)
	f.Add(`"text"`)
	def := `{"StartAt": "P", "States": {
	  "P": {"Type": "Pass", "Parameters": {"xs.$": "$.xs", "n.$": "$.n", "len.$": "States.ArrayLength($.xs)"}, "Next": "C"},
	  "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 3, "Next": "M"}, {"Variable": "$.n", "IsString": true, "Next": "Done"}], "Default": "Done"},
	  "M": {"Type": "Map", "ItemsPath": "$.xs", "ItemSelector": {"v.$": "$$.Map.Item.Value"}, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
	    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "Next": "Done"},
	  "Done": {"Type": "Succeed"}}}`
	fx := newFixtureF(f)
	arn := fx.create("fuzz", def, Express)
	f.Fuzz(func(t *testing.T, input string) {
		ex, err := fx.svc.StartExecution(context.Background(), StartInput{StateMachineArn: arn, Input: input})
		if err != nil {
			return
		}
		got, err := fx.svc.AwaitExecution(context.Background(), ex.Arn)
		if err != nil || got.Status == StatusRunning {
			t.Fatalf("execution did not end: %+v %v", got, err)
		}
	})
}
