package machine

import (
	"context"
	"testing"
)

func TestTestState(t *testing.T) {
	f := newFixture(t, "", Integrations{})
	task := `{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.in", "Parameters": {"FunctionName": "f", "Payload.$": "$"},
	  "ResultSelector": {"body.$": "$.Payload"}, "ResultPath": "$.res", "OutputPath": "$.res",
	  "Retry": [{"ErrorEquals": ["Flaky"], "MaxAttempts": 2}], "Catch": [{"ErrorEquals": ["Fatal"], "Next": "Handle"}], "Next": "After"}`
	for _, c := range []struct {
		name  string
		in    TestStateInput
		check func(t *testing.T, r TestStateResult)
	}{
		{"mocked success with inspection", TestStateInput{Definition: task, Input: `{"in": {"x": 1}}`, Mock: &TestMock{Result: `{"Payload": "ok"}`}}, func(t *testing.T, r TestStateResult) {
			want := TestStateResult{Status: "SUCCEEDED", Output: `{"body":"ok"}`, NextState: "After"}
			if r.Status != want.Status || r.Output != want.Output || r.NextState != want.NextState ||
				r.Inspection.AfterInputPath != `{"x":1}` || r.Inspection.AfterParameters != `{"FunctionName":"f","Payload":{"x":1}}` ||
				r.Inspection.Result != `{"Payload":"ok"}` || r.Inspection.AfterResultSelector != `{"body":"ok"}` || r.Inspection.AfterResultPath != `{"in":{"x":1},"res":{"body":"ok"}}` {
				t.Fatalf("%+v", r)
			}
		}},
		{"retriable error", TestStateInput{Definition: task, Input: `{"in": {}}`, Mock: &TestMock{Error: "Flaky", Cause: "again"}}, func(t *testing.T, r TestStateResult) {
			if r.Status != "RETRIABLE" || r.Error != "Flaky" {
				t.Fatalf("%+v", r)
			}
		}},
		{"caught error", TestStateInput{Definition: task, Input: `{"in": {}}`, Mock: &TestMock{Error: "Fatal", Cause: "boom"}}, func(t *testing.T, r TestStateResult) {
			if r.Status != "CAUGHT_ERROR" || r.NextState != "Handle" || r.Output != `{"Cause":"boom","Error":"Fatal"}` {
				t.Fatalf("%+v", r)
			}
		}},
		{"caught error of a Lambda ARN", TestStateInput{Definition: `{"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:f", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "End": true}`, Mock: &TestMock{Error: "E"}}, func(t *testing.T, r TestStateResult) {
			if r.Status != "CAUGHT_ERROR" || r.NextState != "H" {
				t.Fatalf("%+v", r)
			}
		}},
		{"failed", TestStateInput{Definition: task, Input: `{"in": {}}`, Mock: &TestMock{Error: "Other"}}, func(t *testing.T, r TestStateResult) {
			if r.Status != "FAILED" || r.Error != "Other" {
				t.Fatalf("%+v", r)
			}
		}},
		{"choice with variables", TestStateInput{Definition: `{"Type": "Choice", "Choices": [{"Variable": "$limit", "NumericGreaterThanPath": "$.n", "Next": "Small"}], "Default": "Big"}`, Input: `{"n": 3}`, Variables: `{"limit": 10}`}, func(t *testing.T, r TestStateResult) {
			if r.Status != "SUCCEEDED" || r.NextState != "Small" {
				t.Fatalf("%+v", r)
			}
		}},
		{"JSONata task arguments", TestStateInput{Definition: `{"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::sqs:sendMessage", "Arguments": {"QueueUrl": "q", "MessageBody": "{% $states.input.m %}"}, "Output": "{% $states.result.MessageId %}", "End": true}`, Input: `{"m": "hi"}`, Mock: &TestMock{Result: `{"MessageId": "id-1"}`}}, func(t *testing.T, r TestStateResult) {
			if r.Status != "SUCCEEDED" || r.Output != `"id-1"` || r.Inspection.AfterArguments != `{"MessageBody":"hi","QueueUrl":"q"}` {
				t.Fatalf("%+v", r)
			}
		}},
		{"state of a whole machine, JSONata", TestStateInput{Definition: `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $states.input.v * 2 %}", "Assign": {"seen": true}, "End": true}}}`, StateName: "A", Input: `{"v": 4}`}, func(t *testing.T, r TestStateResult) {
			if r.Status != "SUCCEEDED" || r.Output != "8" || r.Inspection.Variables != `{"seen":true}` {
				t.Fatalf("%+v", r)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := f.svc.TestState(context.Background(), c.in)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, r)
		})
	}
	if _, err := f.svc.TestState(context.Background(), TestStateInput{Definition: `{"Type": "Pass", "Next": 5}`}); err == nil {
		t.Fatal("an invalid state was tested")
	} else if _, ok := err.(*DefinitionError); !ok {
		t.Fatalf("want a DefinitionError, got %v", err)
	}
}
