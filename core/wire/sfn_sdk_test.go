package wire_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

const role = "arn:aws:iam::000000000000:role/skyport"

// sfnClient returns a Step Functions client for e. extra options (host
// prefix handling) are applied last.
func sfnClient(e *env, opts ...func(*sfn.Options)) *sfn.Client {
	return sfn.New(sfn.Options{
		HTTPClient:   sdkhttp.Client(),
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.srv.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	}, opts...)
}

// noHostPrefix is the SDK option that keeps StartSyncExecution and
// TestState on the configured endpoint instead of the "sync-" host.
func noHostPrefix(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("SkyportNoHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

func frozenCore() core.Config {
	return core.Config{Clock: clock.NewFrozen(time.Date(2026, 3, 14, 1, 59, 26, 0, time.UTC))}
}

func createMachine(t *testing.T, e *env, c *sfn.Client, name, def string, typ sfntypes.StateMachineType) string {
	t.Helper()
	out, err := c.CreateStateMachine(e.ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role), Type: typ})
	if err != nil {
		t.Fatalf("CreateStateMachine %s: %v", name, err)
	}
	return *out.StateMachineArn
}

// awaitStatus polls DescribeExecution until the execution leaves RUNNING.
func awaitStatus(t *testing.T, e *env, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		d, err := c.DescribeExecution(e.ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return d
		}
		ctx, cancel := context.WithTimeout(e.ctx, 5*time.Millisecond)
		_, _ = e.core.Machines().AwaitExecution(ctx, arn)
		cancel()
	}
	t.Fatalf("execution %s still running", arn)
	return nil
}

const passMachine = `{"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.name)"}, "End": true}}}`

func TestSFNStateMachineLifecycle(t *testing.T) {
	e := start(t, core.Config{})
	c := sfnClient(e)
	arn := createMachine(t, e, c, "hello", passMachine, "")
	if arn != "arn:aws:states:us-east-1:000000000000:stateMachine:hello" {
		t.Fatalf("arn %s", arn)
	}
	// Idempotent create; a different definition is StateMachineAlreadyExists.
	if again := createMachine(t, e, c, "hello", passMachine, ""); again != arn {
		t.Fatalf("idempotent create gave %s", again)
	}
	_, err := c.CreateStateMachine(e.ctx, &sfn.CreateStateMachineInput{Name: aws.String("hello"), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`), RoleArn: aws.String(role)})
	var exists *sfntypes.StateMachineAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("conflicting create: %v", err)
	}
	d, err := c.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Name != "hello" || *d.Definition != passMachine || d.Type != sfntypes.StateMachineTypeStandard || d.Status != sfntypes.StateMachineStatusActive || *d.RoleArn != role || d.CreationDate == nil {
		t.Fatalf("describe: %+v", d)
	}
	newDef := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "v2", "End": true}}}`
	up, err := c.UpdateStateMachine(e.ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: aws.String(newDef)})
	if err != nil || up.UpdateDate == nil || *up.RevisionId == *d.RevisionId {
		t.Fatalf("update: %+v %v", up, err)
	}
	if d2, _ := c.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn}); *d2.Definition != newDef {
		t.Fatalf("definition after update: %s", *d2.Definition)
	}
	for i := 0; i < 4; i++ {
		createMachine(t, e, c, fmt.Sprintf("m%d", i), passMachine, sfntypes.StateMachineTypeExpress)
	}
	var names []string
	p := sfn.NewListStateMachinesPaginator(c, &sfn.ListStateMachinesInput{MaxResults: 2})
	for p.HasMorePages() {
		pg, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pg.StateMachines {
			names = append(names, *m.Name)
		}
	}
	if strings.Join(names, ",") != "hello,m0,m1,m2,m3" {
		t.Fatalf("paged list: %v", names)
	}
	if _, err := c.DeleteStateMachine(e.ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	var gone *sfntypes.StateMachineDoesNotExist
	if !errors.As(err, &gone) {
		t.Fatalf("describe deleted: %v", err)
	}
}

func TestSFNBadInput(t *testing.T) {
	e := start(t, core.Config{})
	c := sfnClient(e)
	arn := createMachine(t, e, c, "ok", passMachine, "")
	bad := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}, "B": {"Type": "Bogus"}}}`
	_, err := c.CreateStateMachine(e.ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), Definition: aws.String(bad), RoleArn: aws.String(role)})
	var invalid *sfntypes.InvalidDefinition
	if !errors.As(err, &invalid) {
		t.Fatalf("want InvalidDefinition, got %v", err)
	}
	for _, want := range []string{"$.States.A.Next", `"Missing"`, "$.States.B.Type", "Bogus", "not reachable"} {
		if !strings.Contains(*invalid.Message, want) {
			t.Errorf("InvalidDefinition message lacks %q: %s", want, *invalid.Message)
		}
	}
	for _, c2 := range []struct {
		name string
		call func() error
		code string
	}{
		{"bad machine name", func() error {
			_, err := c.CreateStateMachine(e.ctx, &sfn.CreateStateMachineInput{Name: aws.String("has space"), Definition: aws.String(passMachine), RoleArn: aws.String(role)})
			return err
		}, "InvalidName"},
		{"bad arn", func() error {
			_, err := c.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("not-an-arn")})
			return err
		}, "InvalidArn"},
		{"missing machine", func() error {
			_, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + "x")})
			return err
		}, "StateMachineDoesNotExist"},
		{"bad input", func() error {
			_, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: aws.String("{not json")})
			return err
		}, "InvalidExecutionInput"},
		{"big input", func() error {
			_, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: aws.String(`"` + strings.Repeat("x", 300<<10) + `"`)})
			return err
		}, "InvalidExecutionInput"},
		{"bad execution name", func() error {
			_, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("a/b")})
			return err
		}, "InvalidName"},
		{"missing execution", func() error {
			_, err := c.DescribeExecution(e.ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:000000000000:execution:ok:nope")})
			return err
		}, "ExecutionDoesNotExist"},
		{"bad status filter", func() error {
			_, err := c.ListExecutions(e.ctx, &sfn.ListExecutionsInput{StateMachineArn: &arn, StatusFilter: "SLEEPING"})
			return err
		}, "ValidationException"},
		{"bad token", func() error {
			_, err := c.SendTaskSuccess(e.ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("garbage"), Output: aws.String("{}")})
			return err
		}, "InvalidToken"},
		{"unknown token", func() error {
			_, err := c.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("AQ0000")})
			return err
		}, "TaskDoesNotExist"},
		{"bad next token", func() error {
			_, err := c.ListStateMachines(e.ctx, &sfn.ListStateMachinesInput{NextToken: aws.String("zzz")})
			return err
		}, "InvalidToken"},
		{"tags of a missing machine", func() error {
			_, err := c.ListTagsForResource(e.ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(arn + "x")})
			return err
		}, "ResourceNotFound"},
		{"sync on standard", func() error {
			_, err := sfnClient(e, noHostPrefix).StartSyncExecution(e.ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &arn})
			return err
		}, "StateMachineTypeNotSupported"},
	} {
		t.Run(c2.name, func(t *testing.T) { wantCode(t, c2.call(), c2.code) })
	}
	// A raw request with a wrong member type is a SerializationException.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL(), strings.NewReader(`{"stateMachineArn": 5}`))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.DescribeStateMachine")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Type string `json:"__type"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 400 || body.Type != "SerializationException" {
		t.Fatalf("wrong type: %d %s", resp.StatusCode, body.Type)
	}
}

func TestSFNExecutions(t *testing.T) {
	e := start(t, frozenCore())
	c := sfnClient(e)
	arn := createMachine(t, e, c, "greeter", passMachine, "")
	st, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("first"), Input: aws.String(`{"name":"Ana"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if *st.ExecutionArn != "arn:aws:states:us-east-1:000000000000:execution:greeter:first" {
		t.Fatalf("execution arn %s", *st.ExecutionArn)
	}
	d := awaitStatus(t, e, c, *st.ExecutionArn)
	if d.Status != sfntypes.ExecutionStatusSucceeded || *d.Output != `{"greeting":"Hello, Ana!"}` || *d.Input != `{"name":"Ana"}` || d.StopDate == nil {
		t.Fatalf("describe: %+v", d)
	}
	_, err = c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("first"), Input: aws.String(`{"name":"Bo"}`)})
	wantCode(t, err, "ExecutionAlreadyExists")

	// A failing and a waiting execution, for the status filter.
	failing := createMachine(t, e, c, "failing", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Nope","Cause":"always"}}}`, "")
	fx, _ := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &failing})
	if fd := awaitStatus(t, e, c, *fx.ExecutionArn); fd.Status != sfntypes.ExecutionStatusFailed || *fd.Error != "Nope" || *fd.Cause != "always" {
		t.Fatalf("failed execution: %+v", fd)
	}
	waiting := createMachine(t, e, c, "waiting", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, "")
	var waits []string
	for i := 0; i < 3; i++ {
		w, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &waiting, Name: aws.String(fmt.Sprintf("w%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, *w.ExecutionArn)
	}
	if _, err := c.StopExecution(e.ctx, &sfn.StopExecutionInput{ExecutionArn: &waits[0], Error: aws.String("Manual"), Cause: aws.String("test")}); err != nil {
		t.Fatal(err)
	}
	if a := awaitStatus(t, e, c, waits[0]); a.Status != sfntypes.ExecutionStatusAborted || *a.Error != "Manual" {
		t.Fatalf("stopped: %+v", a)
	}
	running, err := c.ListExecutions(e.ctx, &sfn.ListExecutionsInput{StateMachineArn: &waiting, StatusFilter: sfntypes.ExecutionStatusRunning})
	if err != nil || len(running.Executions) != 2 || *running.Executions[0].Name != "w2" {
		t.Fatalf("running list: %+v %v", running, err)
	}
	var paged []string
	p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: &waiting, MaxResults: 1})
	for p.HasMorePages() {
		pg, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range pg.Executions {
			paged = append(paged, *x.Name+":"+string(x.Status))
		}
	}
	if strings.Join(paged, ",") != "w2:RUNNING,w1:RUNNING,w0:ABORTED" {
		t.Fatalf("paged executions: %v", paged)
	}
	// Fast-forward the core clock: the Wait states end without sleeping.
	if err := e.core.AdvanceClock(time.Hour); err != nil {
		t.Fatal(err)
	}
	if w := awaitStatus(t, e, c, waits[1]); w.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("after the wait: %+v", w)
	}

	// History, forwards and backwards, paged.
	h, err := c.GetExecutionHistory(e.ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range h.Events {
		types = append(types, string(ev.Type))
	}
	if strings.Join(types, ",") != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Fatalf("history: %v", types)
	}
	if h.Events[0].ExecutionStartedEventDetails == nil || *h.Events[0].ExecutionStartedEventDetails.Input != `{"name":"Ana"}` ||
		*h.Events[1].StateEnteredEventDetails.Name != "Hello" || *h.Events[2].StateExitedEventDetails.Output != `{"greeting":"Hello, Ana!"}` ||
		*h.Events[3].ExecutionSucceededEventDetails.Output != `{"greeting":"Hello, Ana!"}` || h.Events[1].Id != 2 || h.Events[1].PreviousEventId != 1 {
		t.Fatalf("history details: %+v", h.Events)
	}
	var reversed []int64
	hp := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, ReverseOrder: true, MaxResults: 3})
	for hp.HasMorePages() {
		pg, err := hp.NextPage(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range pg.Events {
			reversed = append(reversed, ev.Id)
		}
	}
	if fmt.Sprint(reversed) != "[4 3 2 1]" {
		t.Fatalf("reversed history ids %v", reversed)
	}
	fe, err := c.DescribeStateMachineForExecution(e.ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: st.ExecutionArn})
	if err != nil || *fe.Definition != passMachine || *fe.Name != "greeter" {
		t.Fatalf("for execution: %+v %v", fe, err)
	}
}

func TestSFNTaskTokenThroughQueue(t *testing.T) {
	e := start(t, frozenCore())
	c := sfnClient(e)
	qURL := e.createQueue(t, "approvals", nil)
	def := fmt.Sprintf(`{"StartAt": "Ask", "States": {
	  "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "HeartbeatSeconds": 600,
	    "Parameters": {"QueueUrl": %q, "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
	    "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Rejected"}], "Next": "Approved"},
	  "Approved": {"Type": "Pass", "End": true},
	  "Rejected": {"Type": "Pass", "End": true}}}`, qURL)
	arn := createMachine(t, e, c, "approval", def, "")
	run := func(order string) (string, string) {
		x, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: aws.String(`{"order":"` + order + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &qURL, WaitTimeSeconds: 5})
		if err != nil || len(got.Messages) != 1 {
			t.Fatalf("receive: %v %v", got, err)
		}
		var body struct{ Token, Order string }
		if err := json.Unmarshal([]byte(*got.Messages[0].Body), &body); err != nil || body.Order != order || body.Token == "" {
			t.Fatalf("message %s: %v", *got.Messages[0].Body, err)
		}
		return *x.ExecutionArn, body.Token
	}
	ok, token := run("A-1")
	if _, err := c.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: &token}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendTaskSuccess(e.ctx, &sfn.SendTaskSuccessInput{TaskToken: &token, Output: aws.String(`{"approved":true}`)}); err != nil {
		t.Fatal(err)
	}
	if d := awaitStatus(t, e, c, ok); d.Status != sfntypes.ExecutionStatusSucceeded || *d.Output != `{"approved":true}` {
		t.Fatalf("approved: %+v", d)
	}
	_, err := c.SendTaskSuccess(e.ctx, &sfn.SendTaskSuccessInput{TaskToken: &token, Output: aws.String(`{}`)})
	wantCode(t, err, "TaskDoesNotExist")

	no, token := run("B-2")
	if _, err := c.SendTaskFailure(e.ctx, &sfn.SendTaskFailureInput{TaskToken: &token, Error: aws.String("Rejected"), Cause: aws.String("too expensive")}); err != nil {
		t.Fatal(err)
	}
	if d := awaitStatus(t, e, c, no); d.Status != sfntypes.ExecutionStatusSucceeded || !strings.Contains(*d.Output, `"rejection":{"Cause":"too expensive","Error":"Rejected"}`) {
		t.Fatalf("rejected: %+v", d)
	}
	h, _ := c.GetExecutionHistory(e.ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &no})
	var types []string
	for _, ev := range h.Events {
		types = append(types, string(ev.Type))
	}
	if strings.Join(types, ",") != "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskFailed,TaskStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Fatalf("history %v", types)
	}

	// No heartbeat within HeartbeatSeconds: States.HeartbeatTimeout.
	late, _ := run("C-3")
	if err := e.core.AdvanceClock(601 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d := awaitStatus(t, e, c, late); d.Status != sfntypes.ExecutionStatusFailed || *d.Error != "States.HeartbeatTimeout" {
		t.Fatalf("heartbeat timeout: %+v", d)
	}
}

func TestSFNQueueAndTopicIntegrations(t *testing.T) {
	e := start(t, frozenCore())
	c := sfnClient(e)
	qURL := e.createQueue(t, "orders", nil)
	def := fmt.Sprintf(`{"StartAt": "Send", "States": {
	  "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": %q, "MessageBody.$": "$.order",
	    "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}}}, "ResultPath": "$.sent", "Next": "Publish"},
	  "Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:000000000000:orders", "Message.$": "$.order"}, "End": true}}}`, qURL)
	arn := createMachine(t, e, c, "fanout", def, "")
	x, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: aws.String(`{"order":{"id":7}}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &qURL, WaitTimeSeconds: 5, MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 1 || *got.Messages[0].Body != `{"id":7}` || *got.Messages[0].MessageAttributes["kind"].StringValue != "order" {
		t.Fatalf("queue message: %+v %v", got, err)
	}
	// The topic does not exist yet: the publish fails with SNS's error,
	// named as Step Functions names it.
	d := awaitStatus(t, e, c, *x.ExecutionArn)
	if d.Status != sfntypes.ExecutionStatusFailed || *d.Error != "SNS.NotFoundException" {
		t.Fatalf("publish to a missing topic: %+v", d)
	}
	// Once the topic exists (with a queue subscribed), the same machine
	// publishes through it.
	topicARN, err := e.core.Topics().CreateTopic(e.ctx, "orders", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	copyURL := e.createQueue(t, "orders-copy", nil)
	if _, err := e.core.Topics().Subscribe(e.ctx, topicARN, "sqs", e.core.Queues().ARN("orders-copy"), map[string]string{"RawMessageDelivery": "true"}, true); err != nil {
		t.Fatal(err)
	}
	x, err = c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: aws.String(`{"order":{"id":8}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if d := awaitStatus(t, e, c, *x.ExecutionArn); d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("publish to an existing topic: %+v", d)
	}
	fanned, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &copyURL, WaitTimeSeconds: 5})
	if err != nil || len(fanned.Messages) != 1 || *fanned.Messages[0].Body != `{"id":8}` {
		t.Fatalf("published message: %+v %v", fanned, err)
	}
	// A missing queue is the SQS error, named as Step Functions names it.
	bad := createMachine(t, e, c, "badqueue", `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"http://x/000000000000/none","MessageBody":"m"},"End":true}}}`, "")
	bx, _ := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &bad})
	if d := awaitStatus(t, e, c, *bx.ExecutionArn); *d.Error != "SQS.QueueDoesNotExistException" {
		t.Fatalf("missing queue: %+v", d)
	}
}

func TestSFNSyncHostPrefix(t *testing.T) {
	e := start(t, core.Config{})
	c := sfnClient(e)
	arn := createMachine(t, e, c, "express", passMachine, sfntypes.StateMachineTypeExpress)
	var hosts []string
	addr := e.srv.Addr().String()
	dialing := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, host string) (net.Conn, error) {
		hosts = append(hosts, host)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	for name, client := range map[string]*sfn.Client{
		"sync-host":      sfnClient(e, func(o *sfn.Options) { o.HTTPClient = dialing }),
		"no-host-prefix": sfnClient(e, noHostPrefix),
	} {
		t.Run(name, func(t *testing.T) {
			out, err := client.StartSyncExecution(e.ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &arn, Input: aws.String(`{"name":"sync"}`)})
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != sfntypes.SyncExecutionStatusSucceeded || *out.Output != `{"greeting":"Hello, sync!"}` || out.StopDate == nil {
				t.Fatalf("sync: %+v", out)
			}
			ts, err := client.TestState(e.ctx, &sfn.TestStateInput{
				Definition: aws.String(`{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "q", "MessageBody.$": "$.m"}, "ResultSelector": {"id.$": "$.MessageId"}, "ResultPath": "$.sent", "Next": "After"}`),
				RoleArn:    aws.String(role), Input: aws.String(`{"m":"hi"}`), InspectionLevel: sfntypes.InspectionLevelDebug,
				Mock: &sfntypes.MockInput{Result: aws.String(`{"MessageId":"m-1"}`)},
			})
			if err != nil {
				t.Fatal(err)
			}
			if ts.Status != sfntypes.TestExecutionStatusSucceeded || *ts.Output != `{"m":"hi","sent":{"id":"m-1"}}` || *ts.NextState != "After" ||
				*ts.InspectionData.AfterParameters != `{"MessageBody":"hi","QueueUrl":"q"}` || *ts.InspectionData.AfterResultSelector != `{"id":"m-1"}` {
				t.Fatalf("TestState: %+v %+v", ts, ts.InspectionData)
			}
		})
	}
	if len(hosts) == 0 || !strings.HasPrefix(hosts[0], "sync-") {
		t.Fatalf("the SDK did not use the sync- host: %v", hosts)
	}
}

func TestSFNValidateAndTags(t *testing.T) {
	e := start(t, core.Config{})
	c := sfnClient(e)
	ok, err := c.ValidateStateMachineDefinition(e.ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passMachine)})
	if err != nil || ok.Result != sfntypes.ValidateStateMachineDefinitionResultCodeOk || len(ok.Diagnostics) != 0 {
		t.Fatalf("valid: %+v %v", ok, err)
	}
	bad, err := c.ValidateStateMachineDefinition(e.ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"C":{"Type":"Wait","End":true}}}`)})
	if err != nil || bad.Result != sfntypes.ValidateStateMachineDefinitionResultCodeFail {
		t.Fatalf("invalid: %+v %v", bad, err)
	}
	locations := map[string]string{}
	for _, d := range bad.Diagnostics {
		locations[*d.Location] = *d.Code
	}
	if locations["/States/A/Next"] != "MISSING_TRANSITION_TARGET" || locations["/States/C"] == "" {
		t.Fatalf("diagnostics: %v", locations)
	}
	arn := createMachine(t, e, c, "tagged", passMachine, "")
	if _, err := c.TagResource(e.ctx, &sfn.TagResourceInput{ResourceArn: &arn, Tags: []sfntypes.Tag{{Key: aws.String("team"), Value: aws.String("core")}, {Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(e.ctx, &sfn.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(e.ctx, &sfn.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" || *tags.Tags[0].Value != "core" {
		t.Fatalf("tags: %+v %v", tags, err)
	}
}

// TestSFNMockTestCase runs an execution against a test case of a Step
// Functions Local MockConfigFile.json, named the way Step Functions Local
// takes it: stateMachineArn#TestCase.
func TestSFNMockTestCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "MockConfigFile.json")
	mock := `{"StateMachines": {"orders": {"TestCases": {"Happy": {"Charge": "ChargeOK"}, "Declined": {"Charge": "ChargeDeclined"}}}},
	  "MockedResponses": {"ChargeOK": {"0": {"Return": {"StatusCode": 200, "Payload": {"charged": true}}}},
	    "ChargeDeclined": {"0": {"Throw": {"Error": "Payment.Declined", "Cause": "card expired"}}}}}`
	if err := os.WriteFile(path, []byte(mock), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SFN_MOCK_CONFIG", path)
	e := start(t, core.Config{})
	c := sfnClient(e)
	arn := createMachine(t, e, c, "orders", `{"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	  "Parameters": {"FunctionName": "charge", "Payload.$": "$"}, "OutputPath": "$.Payload", "End": true}}}`, "")
	for tc, want := range map[string]string{"Happy": `{"charged":true}`, "Declined": "Payment.Declined"} {
		x, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + "#" + tc)})
		if err != nil {
			t.Fatal(err)
		}
		d := awaitStatus(t, e, c, *x.ExecutionArn)
		if got := aws.ToString(d.Output) + aws.ToString(d.Error); got != want {
			t.Fatalf("%s: %q, want %q", tc, got, want)
		}
	}
}

func TestSFNExpressAsync(t *testing.T) {
	e := start(t, core.Config{})
	c := sfnClient(e)
	arn := createMachine(t, e, c, "fast", passMachine, sfntypes.StateMachineTypeExpress)
	x, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("one"), Input: aws.String(`{"name":"express"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*x.ExecutionArn, "arn:aws:states:us-east-1:000000000000:express:fast:one") {
		t.Fatalf("express arn %s", *x.ExecutionArn)
	}
	if d := awaitStatus(t, e, c, *x.ExecutionArn); *d.Output != `{"greeting":"Hello, express!"}` {
		t.Fatalf("express: %+v", d)
	}
	_, err = c.GetExecutionHistory(e.ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn})
	wantCode(t, err, "StateMachineTypeNotSupported")
	_, err = c.ListExecutions(e.ctx, &sfn.ListExecutionsInput{StateMachineArn: &arn})
	wantCode(t, err, "StateMachineTypeNotSupported")
}
