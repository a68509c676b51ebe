package wire_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzSFNJSON feeds arbitrary bodies to every Step Functions action: the
// answer is a success or an AWS-shaped client error, never a panic or 5xx.
func FuzzSFNJSON(f *testing.F) {
	arn := "arn:aws:states:us-east-1:000000000000:stateMachine:fuzz"
	for _, seed := range []struct{ action, body string }{
		{"CreateStateMachine", `{"name":"x","roleArn":"r","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}"}`},
		{"CreateStateMachine", `{"name":"y","roleArn":"r","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Choice\"}}}"}`},
		{"StartExecution", `{"stateMachineArn":"` + arn + `","input":"{\"a\":1}"}`},
		{"StartSyncExecution", `{"stateMachineArn":"` + arn + `"}`},
		{"DescribeExecution", `{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:fuzz:x"}`},
		{"ListExecutions", `{"stateMachineArn":"` + arn + `","maxResults":2,"nextToken":"c2t5cG9ydDox"}`},
		{"GetExecutionHistory", `{"executionArn":"` + arn + `","reverseOrder":true}`},
		{"ValidateStateMachineDefinition", `{"definition":"{}"}`},
		{"TestState", `{"definition":"{\"Type\":\"Pass\",\"End\":true}","input":"{}"}`},
		{"SendTaskSuccess", `{"taskToken":"AQ","output":"1"}`},
		{"TagResource", `{"resourceArn":"` + arn + `","tags":[{"key":"k","value":"v"}]}`},
		{"UpdateStateMachine", `{"stateMachineArn":"` + arn + `","definition":5}`},
		{"ListStateMachines", `null`},
		{"Nope", `[]`},
	} {
		f.Add(seed.action, seed.body)
	}
	r := fuzzRouter(f)
	req := httptest.NewRequest("POST", "/", strings.NewReader(`{"name":"fuzz","roleArn":"r","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}","type":"EXPRESS"}`))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.CreateStateMachine")
	r.ServeHTTP(httptest.NewRecorder(), req)
	f.Fuzz(func(t *testing.T, action, body string) {
		if action == "DeleteStateMachine" {
			action = "DescribeStateMachine" // keep the fixture
		}
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: status %d %s", action, body, w.Code, w.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %q: the answer is not a JSON object: %v %s", action, body, err, w.Body)
		}
		if w.Code != 200 {
			if code, _ := out["__type"].(string); code == "" {
				t.Fatalf("%s %q: error without __type: %s", action, body, w.Body)
			}
		}
	})
}
