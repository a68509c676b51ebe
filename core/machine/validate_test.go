package machine

import (
	"errors"
	"strings"
	"testing"
)

func problems(t *testing.T, src string) []Problem {
	t.Helper()
	_, err := Parse(src)
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	return ve.Problems
}

func TestValidateReportsEveryProblem(t *testing.T) {
	src := `{
	  "StartAt": "First",
	  "States": {
	    "First": {"Type": "Pass", "Next": "Nowhere"},
	    "Orphan": {"Type": "Succeed"},
	    "Weird": {"Type": "Teleport", "End": true},
	    "Both": {"Type": "Pass", "Next": "First", "End": true},
	    "Neither": {"Type": "Pass"},
	    "Task": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true,
	      "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5}, {"ErrorEquals": ["X"], "MaxAttempts": -1, "JitterStrategy": "HALF"}],
	      "Catch": [{"ErrorEquals": [], "Next": "Missing"}]},
	    "Paths": {"Type": "Pass", "InputPath": "not-a-path", "ResultPath": "$.a[*]", "Parameters": {"x.$": "States.Nope($.a)", "y.$": "States.ArrayRange(1)", "z.$": 3}, "End": true},
	    "Choose": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": "one", "Next": "First"}, {"Variable": "$.b", "Next": "First"}, {"And": [{"Variable": "$.c", "StringEquals": "x", "Next": "First"}], "Next": "First"}]},
	    "Waiting": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true},
	    "Lang": {"Type": "Pass", "Output": {}, "End": true},
	    "JSONataLang": {"Type": "Pass", "QueryLanguage": "JSONata", "Parameters": {}, "Output": "{% ( %}", "End": true}
	  }
	}`
	got := problems(t, src)
	want := []struct{ state, path, text string }{
		{"First", "$.States.First.Next", "Nowhere"},
		{"Orphan", "$.States.Orphan", "not reachable"},
		{"Weird", "$.States.Weird.Type", "Teleport"},
		{"Both", "$.States.Both", "both Next and End"},
		{"Neither", "$.States.Neither", "Next or"},
		{"Task", "$.States.Task.Resource", "dynamodb:putItem"},
		{"Task", "$.States.Task.Retry[0].ErrorEquals", "States.ALL must appear alone"},
		{"Task", "$.States.Task.Retry[0].BackoffRate", "at least 1.0"},
		{"Task", "$.States.Task.Retry[1].MaxAttempts", "integer"},
		{"Task", "$.States.Task.Retry[1].JitterStrategy", "FULL or NONE"},
		{"Task", "$.States.Task.Catch[0].ErrorEquals", "non-empty"},
		{"Task", "$.States.Task.Catch[0].Next", "Missing"},
		{"Paths", "$.States.Paths.InputPath", "must begin with '$'"},
		{"Paths", "$.States.Paths.ResultPath", "reference path"},
		{"Paths", "$.States.Paths.Parameters['x.$']", "unknown function"},
		{"Paths", "$.States.Paths.Parameters['y.$']", "takes 3 arguments"},
		{"Paths", "$.States.Paths.Parameters['z.$']", "JSONPath or an intrinsic"},
		{"Choose", "$.States.Choose.Choices[0].NumericEquals", "number"},
		{"Choose", "$.States.Choose.Choices[1]", "exactly one comparison"},
		{"Choose", "$.States.Choose.Choices[2].And[0].Next", "only in top-level"},
		{"Waiting", "$.States.Waiting", "exactly one of Seconds"},
		{"Lang", "$.States.Lang.Output", "only with the JSONata"},
		{"JSONataLang", "$.States.JSONataLang.Parameters", "cannot be used with the JSONata"},
		{"JSONataLang", "$.States.JSONataLang.Output", "JSONata expression"},
	}
	for _, w := range want {
		found := false
		for _, p := range got {
			if p.State == w.state && p.Path == w.path && strings.Contains(p.Message, w.text) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %s at %s (%q)", w.state, w.path, w.text)
		}
	}
	if t.Failed() {
		for _, p := range got {
			t.Log(p)
		}
	}
}

func TestValidateTopLevel(t *testing.T) {
	for _, c := range []struct {
		name, src, code, path, text string
	}{
		{"empty", ``, "MISSING_DESCRIPTION", "$", "empty"},
		{"not json", `{"StartAt":`, "INVALID_JSON_DESCRIPTION", "$", "not valid JSON"},
		{"no StartAt", `{"States": {"A": {"Type": "Succeed"}}}`, "SCHEMA_VALIDATION_FAILED", "$.StartAt", "StartAt is required"},
		{"missing start", `{"StartAt": "B", "States": {"A": {"Type": "Succeed"}}}`, "MISSING_TRANSITION_TARGET", "$.StartAt", `"B"`},
		{"no states", `{"StartAt": "A", "States": {}}`, "SCHEMA_VALIDATION_FAILED", "$.States", "at least one state"},
		{"unknown field", `{"StartAt": "A", "Bogus": 1, "States": {"A": {"Type": "Succeed"}}}`, "SCHEMA_VALIDATION_FAILED", "$.Bogus", "not supported"},
		{"no end", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}`, "MISSING_END_STATE", "$.States", "no state ends"},
		{"bad language", `{"StartAt": "A", "QueryLanguage": "XPath", "States": {"A": {"Type": "Succeed"}}}`, "SCHEMA_VALIDATION_FAILED", "$.QueryLanguage", "JSONPath"},
		{"branch problem", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}]}}}`, "MISSING_TRANSITION_TARGET", "$.States.P.Branches[0].States.X.Next", `"Y"`},
		{"distributed map", `{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "X", "States": {"X": {"Type": "Succeed"}}}}}}`, "SCHEMA_VALIDATION_FAILED", "$.States.M.ItemProcessor.ProcessorConfig.Mode", "distributed"},
		{"bad timestamp", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "yesterday", "End": true}}}`, "SCHEMA_VALIDATION_FAILED", "$.States.W.Timestamp", "RFC 3339"},
		{"heartbeat too long", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": true}}}`, "SCHEMA_VALIDATION_FAILED", "$.States.T.HeartbeatSeconds", "smaller"},
		{"unknown States error", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Retry": [{"ErrorEquals": ["States.Oops"]}], "End": true}}}`, "SCHEMA_VALIDATION_FAILED", "$.States.T.Retry[0].ErrorEquals[0]", "predefined"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range problems(t, c.src) {
				if p.Code == c.code && p.Path == c.path && strings.Contains(p.Message, c.text) {
					return
				}
			}
			t.Fatalf("no %s at %s (%q) in %v", c.code, c.path, c.text, problems(t, c.src))
		})
	}
}

func TestValidDefinitionsParse(t *testing.T) {
	for file, cases := range loadConformance(t) {
		for _, c := range cases {
			if _, err := Parse(string(c.Definition)); err != nil {
				t.Errorf("%s/%s: %v", file, c.Name, err)
			}
		}
	}
}

func TestProblemLocation(t *testing.T) {
	p := Problem{Path: "$.States.Fetch.Retry[0].BackoffRate"}
	if got := p.Location(); got != "/States/Fetch/Retry/0/BackoffRate" {
		t.Fatalf("location %q", got)
	}
}
