package machine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// localFunctions runs Go functions as local functions, recording the clock
// time of each call.
type localFunctions struct {
	mu    sync.Mutex
	clock interface{ Now() time.Time }
	calls []time.Time
	fn    func(ctx context.Context, n int, payload []byte) ([]byte, string, error)
}

func (l *localFunctions) Invoke(ctx context.Context, arn string, payload []byte) ([]byte, string, error) {
	l.mu.Lock()
	n := len(l.calls)
	l.calls = append(l.calls, l.clock.Now())
	l.mu.Unlock()
	return l.fn(ctx, n, payload)
}

const fnArn = "arn:aws:lambda:us-east-1:000000000000:function:work"

func TestRetryBackoffAndMaxDelay(t *testing.T) {
	fns := &localFunctions{fn: func(_ context.Context, n int, payload []byte) ([]byte, string, error) {
		if n < 3 {
			return []byte(`{"errorType":"Flaky","errorMessage":"try again"}`), "Unhandled", nil
		}
		return payload, "", nil
	}}
	f := newFixture(t, "", Integrations{Functions: fns})
	fns.clock = f.clock
	def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + fnArn + `",
	  "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxDelaySeconds": 10, "MaxAttempts": 3}], "End": true}}}`
	got := f.run(f.create("retry", def, Standard), `{"v": 1}`)
	if got.Status != StatusSucceeded || got.Output != `{"v":1}` {
		t.Fatalf("%+v", got)
	}
	var gaps []time.Duration
	for i := 1; i < len(fns.calls); i++ {
		gaps = append(gaps, fns.calls[i].Sub(fns.calls[i-1]))
	}
	if fmt.Sprint(gaps) != "[2s 6s 10s]" {
		t.Fatalf("retry gaps %v, want [2s 6s 10s] (2×3^n capped at 10)", gaps)
	}
	types := strings.Join(f.eventTypes(got.Arn), ",")
	if strings.Count(types, "LambdaFunctionFailed") != 3 || strings.Count(types, "LambdaFunctionScheduled") != 4 || !strings.HasSuffix(types, "LambdaFunctionSucceeded,TaskStateExited,ExecutionSucceeded") {
		t.Fatalf("history %s", types)
	}
}

func TestBackoffJitter(t *testing.T) {
	r := &Retrier{IntervalSeconds: 4, BackoffRate: 2, JitterFull: true}
	for n := 0; n < 200; n++ {
		if d := backoff(r, 2); d < 0 || d >= 16*time.Second {
			t.Fatalf("full jitter gave %v outside [0, 16s)", d)
		}
	}
	if d := backoff(&Retrier{IntervalSeconds: 4, BackoffRate: 2}, 2); d != 16*time.Second {
		t.Fatalf("no jitter gave %v", d)
	}
}

func TestTaskTimeoutAndErrors(t *testing.T) {
	fns := &localFunctions{fn: func(ctx context.Context, n int, payload []byte) ([]byte, string, error) {
		switch string(payload) {
		case `"hang"`:
			<-ctx.Done()
			return nil, "", ctx.Err()
		case `"crash"`:
			return []byte(`{"errorType":"ValueError","errorMessage":"bad value"}`), "Unhandled", nil
		}
		return []byte(`{"wrapped":` + string(payload) + `}`), "", nil
	}}
	f := newFixture(t, "", Integrations{Functions: fns})
	fns.clock = f.clock
	direct := f.create("direct", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "`+fnArn+`", "TimeoutSeconds": 30, "End": true}}}`, Standard)
	hung := f.run(direct, `"hang"`)
	if hung.Status != StatusFailed || hung.Error != ErrTimeout {
		t.Fatalf("timeout: %+v", hung)
	}
	if types := strings.Join(f.eventTypes(hung.Arn), ","); !strings.Contains(types, "LambdaFunctionTimedOut") {
		t.Fatalf("history %s", types)
	}
	crashed := f.run(direct, `"crash"`)
	if crashed.Error != "ValueError" || !strings.Contains(crashed.Cause, "bad value") {
		t.Fatalf("function error: %+v", crashed)
	}
	invoke := f.create("invoke", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "work", "Payload.$": "$"}, "OutputPath": "$.Payload", "End": true}}}`, Standard)
	if ok := f.run(invoke, `{"a":1}`); ok.Output != `{"wrapped":{"a":1}}` {
		t.Fatalf("lambda:invoke: %+v", ok)
	}

	none := newFixture(t, "", Integrations{})
	missing := none.run(none.create("nofn", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "`+fnArn+`", "End": true}}}`, Standard), `{}`)
	if missing.Error != ErrTaskFailed || !strings.Contains(missing.Cause, "local functions") {
		t.Fatalf("no functions: %+v", missing)
	}
}

func TestStartExecutionSync(t *testing.T) {
	f := newFixture(t, "", Integrations{})
	child := f.create("child", `{"StartAt": "Double", "States": {"Double": {"Type": "Pass", "Parameters": {"twice.$": "States.MathAdd($.n, $.n)"}, "End": true}}}`, Standard)
	failing := f.create("failing", `{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "ChildError"}}}`, Standard)
	parent := f.create("parent", `{"StartAt": "Call", "States": {
	  "Call": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "Parameters": {"StateMachineArn.$": "$.child", "Input": {"n.$": "$.n"}}, "OutputPath": "$.Output", "Next": "Fire"},
	  "Fire": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "Parameters": {"StateMachineArn": "`+child+`", "Input": {"n": 1}}, "ResultSelector": {"started.$": "$.ExecutionArn"}, "ResultPath": "$.fired", "End": true}}}`, Standard)
	got := f.run(parent, `{"child": "`+child+`", "n": 21}`)
	var out struct {
		Twice int
		Fired struct{ Started string }
	}
	if err := json.Unmarshal([]byte(got.Output), &out); err != nil || out.Twice != 42 || !strings.Contains(out.Fired.Started, ":execution:child:") {
		t.Fatalf("parent: %+v (%v)", got, err)
	}
	bad := f.run(parent, `{"child": "`+failing+`", "n": 1}`)
	if bad.Error != ErrTaskFailed || !strings.Contains(bad.Cause, "ChildError") {
		t.Fatalf("failing child: %+v", bad)
	}
}

func TestHTTPInvoke(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"method":%q,"q":%q,"h":%q,"body":%s}`, r.Method, r.URL.Query().Get("page"), r.Header.Get("X-Test"), body)
	}))
	defer srv.Close()
	f := newFixture(t, "", Integrations{})
	def := `{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
	  "Parameters": {"ApiEndpoint.$": "$.url", "Method": "POST", "QueryParameters": {"page": "2"}, "Headers": {"X-Test": "yes"}, "RequestBody": {"id.$": "$.id"}},
	  "ResultSelector": {"status.$": "$.StatusCode", "body.$": "$.ResponseBody"}, "End": true}}}`
	arn := f.create("http", def, Standard)
	got := f.run(arn, `{"url": "`+srv.URL+`/things", "id": 9}`)
	if got.Output != `{"body":{"body":{"id":9},"h":"yes","method":"POST","q":"2"},"status":200}` {
		t.Fatalf("http: %+v", got)
	}
	notFound := f.run(arn, `{"url": "`+srv.URL+`/missing", "id": 1}`)
	if notFound.Error != "States.Http.StatusCode.404" {
		t.Fatalf("404: %+v", notFound)
	}
}

func TestMockConfigFile(t *testing.T) {
	mock := `{
	  "StateMachines": {"LambdaSQSIntegration": {"TestCases": {
	    "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
	    "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
	    "HybridPath": {"LambdaState": "MockedLambdaSuccess"}}}},
	  "MockedResponses": {
	    "MockedLambdaSuccess": {"0": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}},
	    "MockedSQSSuccess": {"0": {"Return": {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51", "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}},
	    "MockedLambdaRetry": {
	      "0-2": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
	      "3": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}}}}`
	cfg, err := ParseMockConfig([]byte(mock))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, "", Integrations{})
	f.svc.SetMockConfig(cfg)
	def := `{"StartAt": "LambdaState", "States": {
	  "LambdaState": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
	    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}], "Next": "SQSState"},
	  "SQSState": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue", "MessageBody.$": "$"}, "End": true}}}`
	arn := f.create("LambdaSQSIntegration", def, Standard)
	for _, c := range []struct{ tc, status, want, errName string }{
		{"HappyPath", StatusSucceeded, `"MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"`, ""},
		{"RetryPath", StatusSucceeded, `"MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"`, ""},
		{"HybridPath", StatusFailed, "", ErrTaskFailed}, // SQSState is not mocked: the real (absent) queue service runs
	} {
		ex, err := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: arn, TestCase: c.tc})
		if err != nil {
			t.Fatal(err)
		}
		got := f.await(ex.Arn)
		if got.Status != c.status || !strings.Contains(got.Output, c.want) || got.Error != c.errName {
			t.Fatalf("%s: %+v", c.tc, got)
		}
		if c.tc == "RetryPath" {
			if n := strings.Count(strings.Join(f.eventTypes(got.Arn), ","), "TaskFailed"); n != 3 {
				t.Fatalf("RetryPath failed %d times, want 3", n)
			}
		}
	}
	_, err = f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: arn, TestCase: "Nope"})
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != ValidationException {
		t.Fatalf("unknown test case: %v", err)
	}
	if _, err := ParseMockConfig([]byte(`{"StateMachines": {"M": {"TestCases": {"T": {"S": "Undefined"}}}}, "MockedResponses": {}}`)); err == nil {
		t.Fatal("a test case naming an undefined response was accepted")
	}
	if _, err := ParseMockConfig([]byte(`{"MockedResponses": {"R": {"x-1": {"Return": 1}}}}`)); err == nil {
		t.Fatal("a bad invocation key was accepted")
	}
}

func TestErrorMatching(t *testing.T) {
	for _, c := range []struct {
		list []string
		name string
		want bool
	}{
		{[]string{"States.ALL"}, "Anything", true},
		{[]string{"States.ALL"}, ErrRuntime, false},
		{[]string{"States.ALL"}, ErrDataLimitExceeded, false},
		{[]string{"States.TaskFailed"}, "Lambda.Unknown", true},
		{[]string{"States.TaskFailed"}, ErrHeartbeatTimeout, true},
		{[]string{"States.TaskFailed"}, ErrTimeout, false},
		{[]string{"States.Timeout"}, ErrTimeout, true},
		{[]string{"A", "B"}, "B", true},
		{[]string{"A"}, "a", false},
	} {
		if got := errorMatches(c.list, c.name); got != c.want {
			t.Errorf("%v matches %s: %v, want %v", c.list, c.name, got, c.want)
		}
	}
}

// clockMovingQueue is a queue whose consumer takes the token and lets the
// clock run on before the send call itself has returned to the task.
type clockMovingQueue struct {
	clock interface{ Advance(time.Duration) }
	by    time.Duration
}

func (q clockMovingQueue) SendMessage(_ context.Context, _ string, m OutgoingMessage) (SentMessage, error) {
	q.clock.Advance(q.by)
	return SentMessage{MessageID: "m"}, nil
}

func TestHeartbeatRunsFromTheTaskStart(t *testing.T) {
	q := &clockMovingQueue{by: 601 * time.Second}
	f := newFixture(t, "", Integrations{Queues: q})
	q.clock = f.clock
	arn := f.create("beat", `{"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
	  "HeartbeatSeconds": 600, "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"}, "End": true}}}`, Standard)
	ex, err := f.svc.StartExecution(f.ctx, StartInput{StateMachineArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	// No fast-forwarding here: the clock moved once, inside the send.
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	got, err := f.svc.AwaitExecution(ctx, ex.Arn)
	if err != nil || got.Status != StatusFailed || got.Error != ErrHeartbeatTimeout {
		t.Fatalf("601 s after the task started with no heartbeat: %+v %v", got, err)
	}
}
