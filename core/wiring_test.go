package core_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
)

// wired is a memory core for the cross-service tests.
func wired(t *testing.T) (*core.Core, context.Context) {
	t.Helper()
	c, err := core.Open(core.Config{Memory: true, GatewayAnyPort: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, context.Background()
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder creates a per-event shell function that appends each event it
// gets to a file (one JSON document per line) and answers {"ok":true}.
func recorder(t *testing.T, c *core.Core, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".jsonl")
	def := function.Definition{Name: name, Command: []string{"sh", "-c", `cat >> "$OUT"; echo >> "$OUT"; echo '{"ok":true}'`},
		Env: map[string]string{"OUT": out}, Timeout: 10 * time.Second}
	if err := c.Functions().CreateFunction(context.Background(), def); err != nil {
		t.Fatal(err)
	}
	return out
}

func lines(path string) []string {
	raw, _ := os.ReadFile(path)
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// A lambda subscription runs the local function with the SNS event.
func TestTopicDeliversToFunction(t *testing.T) {
	c, ctx := wired(t)
	out := recorder(t, c, "on-order")
	arn, err := c.Topics().CreateTopic(ctx, "orders", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Topics().Subscribe(ctx, arn, "lambda", c.Functions().ARN("on-order"), nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Topics().Publish(ctx, topicPublish(arn, "tea for two")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the function to run", func() bool { return len(lines(out)) == 1 })
	var ev struct {
		Records []struct {
			EventSource string
			Sns         struct{ Message, TopicArn string }
		}
	}
	if err := json.Unmarshal([]byte(lines(out)[0]), &ev); err != nil || len(ev.Records) != 1 ||
		ev.Records[0].Sns.Message != "tea for two" || ev.Records[0].Sns.TopicArn != arn || ev.Records[0].EventSource != "aws:sns" {
		t.Fatalf("event %s (%v)", lines(out)[0], err)
	}
}

// A state machine publishes to a topic whose queue subscription receives
// it, and invokes a local function whose answer becomes its output.
func TestMachineTasksReachTopicsAndFunctions(t *testing.T) {
	c, ctx := wired(t)
	recorder(t, c, "work")
	topicARN, err := c.Topics().CreateTopic(ctx, "done", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Queues().CreateQueue(ctx, "done-q", map[string]string{"Policy": ""}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Topics().Subscribe(ctx, topicARN, "sqs", c.Queues().ARN("done-q"), map[string]string{"RawMessageDelivery": "true"}, true); err != nil {
		t.Fatal(err)
	}
	asl := `{"StartAt":"Work","States":{
	  "Work":{"Type":"Task","Resource":"` + c.Functions().ARN("work") + `","ResultPath":"$.work","Next":"Tell"},
	  "Tell":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"` + topicARN + `","Message.$":"$.order"},"ResultPath":null,"End":true}}}`
	sm, err := c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "flow", Definition: asl, Type: "EXPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Machines().StartSyncExecution(ctx, machine.StartInput{StateMachineArn: sm.Arn, Input: `{"order":"o-1"}`})
	if err != nil || e.Status != "SUCCEEDED" {
		t.Fatalf("execution: %+v %v", e, err)
	}
	if !strings.Contains(e.Output, `"work":{"ok":true}`) {
		t.Fatalf("output %s lacks the function's answer", e.Output)
	}
	var got []queue.Message
	eventually(t, "the published message in the queue", func() bool {
		got, _ = c.Queues().ReceiveMessage(ctx, "done-q", queue.ReceiveInput{MaxNumberOfMessages: 10})
		return len(got) == 1
	})
	if got[0].Body != "o-1" {
		t.Fatalf("queue got %q", got[0].Body)
	}
}

// A stream → function mapping hands the function the records put on the
// stream, in order.
func TestStreamMappingInvokesFunction(t *testing.T) {
	c, ctx := wired(t)
	out := recorder(t, c, "reader")
	if err := c.Streams().Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 1}); err != nil {
		t.Fatal(err)
	}
	d, err := c.Streams().Describe("clicks")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stream to be ACTIVE", func() bool { d, _ = c.Streams().Describe("clicks"); return d.Status == "ACTIVE" })
	if _, err := c.Functions().CreateEventSourceMapping(ctx, function.MappingConfig{FunctionName: "reader", EventSourceArn: d.ARN,
		StartingPosition: "TRIM_HORIZON", BatchSize: 10}); err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{"one", "two", "three"} {
		if _, err := c.Streams().PutRecord(ctx, "clicks", stream.PutInput{PartitionKey: "k", Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	eventually(t, "three records at the function", func() bool {
		seen = seen[:0]
		for _, l := range lines(out) {
			var ev struct {
				Records []struct{ Kinesis struct{ Data []byte } }
			}
			if json.Unmarshal([]byte(l), &ev) == nil {
				for _, r := range ev.Records {
					seen = append(seen, string(r.Kinesis.Data))
				}
			}
		}
		return len(seen) >= 3
	})
	if strings.Join(seen, ",") != "one,two,three" {
		t.Fatalf("function saw %v", seen)
	}
}

// API routes reach functions, topics, streams and state machines.
func TestGatewayReachesEveryService(t *testing.T) {
	c, ctx := wired(t)
	recorder(t, c, "api-fn")
	topicARN, err := c.Topics().CreateTopic(ctx, "api-topic", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Streams().Create(ctx, stream.CreateInput{Name: "api-stream", ShardCount: 1}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stream to be ACTIVE", func() bool { d, _ := c.Streams().Describe("api-stream"); return d.Status == "ACTIVE" })
	if _, err := c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "api-sm", Type: "EXPRESS",
		Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"done":true},"End":true}}}`}); err != nil {
		t.Fatal(err)
	}
	info, err := c.Gateway().CreateAPI(ctx, gateway.API{Name: "all", Routes: []gateway.Route{
		{Key: "POST /fn", Integration: gateway.Integration{Type: gateway.Function, Target: "api-fn"}},
		{Key: "POST /topic", Integration: gateway.Integration{Type: gateway.Topic, Target: topicARN}},
		{Key: "POST /stream", Integration: gateway.Integration{Type: gateway.Stream, Target: "api-stream"}},
		{Key: "POST /sm", Integration: gateway.Integration{Type: gateway.StateMachine, Target: "api-sm", Sync: true}},
		{Key: "POST /ghost", Integration: gateway.Integration{Type: gateway.Function, Target: "ghost"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string) (int, string) {
		res, err := http.Post(info.URL+path, "application/json", strings.NewReader(`{"x":1}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for path, want := range map[string]string{"/fn": `"ok":true`, "/topic": "MessageId", "/stream": "SequenceNumber", "/sm": `done`} {
		if status, body := post(path); status != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %s (want %s)", path, status, body, want)
		}
	}
	if status, body := post("/ghost"); status != 502 || !strings.Contains(body, `function \"ghost\" does not exist`) {
		t.Errorf("missing function: %d %s", status, body)
	}
}

func topicPublish(arn, msg string) topic.PublishInput {
	return topic.PublishInput{TopicARN: arn, Message: msg}
}

// A state machine reads from a queue with the AWS SDK integrations:
// receiveMessage returns the messages in ReceiveMessage's response shape,
// a Map deletes each by its receipt handle, and an empty queue gives {}.
// A missing queue fails as Sqs.QueueDoesNotExistException.
func TestMachineReadsFromQueue(t *testing.T) {
	c, ctx := wired(t)
	if err := c.Queues().CreateQueue(ctx, "inbox", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"a", "b", "c"} {
		if _, err := c.Queues().SendMessage(ctx, "inbox", queue.SendInput{Body: body,
			MessageAttributes: map[string]queue.MessageAttribute{"kind": {DataType: "String", StringValue: "letter"}}}); err != nil {
			t.Fatal(err)
		}
	}
	url := "http://127.0.0.1:4566/000000000000/inbox"
	asl := `{"StartAt":"Receive","States":{
	  "Receive":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:receiveMessage",
	    "Parameters":{"QueueUrl":"` + url + `","MaxNumberOfMessages":10,"MessageAttributeNames":["All"]},"Next":"Any?"},
	  "Any?":{"Type":"Choice","Choices":[{"Variable":"$.Messages","IsPresent":true,"Next":"Delete each"}],"Default":"Empty"},
	  "Delete each":{"Type":"Map","ItemsPath":"$.Messages","ItemProcessor":{"StartAt":"Delete","States":{
	    "Delete":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:deleteMessage",
	      "Parameters":{"QueueUrl":"` + url + `","ReceiptHandle.$":"$.ReceiptHandle"},"ResultPath":null,"End":true}}},
	    "ResultSelector":{"bodies.$":"$[*].Body","kinds.$":"$[*].MessageAttributes.kind.StringValue"},"End":true},
	  "Empty":{"Type":"Succeed"}}}`
	sm, err := c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "reader", Definition: asl, Type: "EXPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Machines().StartSyncExecution(ctx, machine.StartInput{StateMachineArn: sm.Arn, Input: `{}`})
	if err != nil || e.Status != "SUCCEEDED" {
		t.Fatalf("execution: %+v %v", e, err)
	}
	for _, want := range []string{`"a"`, `"b"`, `"c"`, `"letter"`} {
		if !strings.Contains(e.Output, want) {
			t.Fatalf("output %s lacks %s", e.Output, want)
		}
	}
	sums := c.Queues().List()
	for _, s := range sums {
		if s.Name == "inbox" && (s.Visible != 0 || s.InFlight != 0) {
			t.Fatalf("messages left after the deletes: %+v", s)
		}
	}
	e, err = c.Machines().StartSyncExecution(ctx, machine.StartInput{StateMachineArn: sm.Arn, Input: `{}`})
	if err != nil || e.Status != "SUCCEEDED" || e.Output != "{}" {
		t.Fatalf("empty queue: %+v %v", e, err)
	}

	missing := `{"StartAt":"R","States":{"R":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:receiveMessage",
	  "Parameters":{"QueueUrl":"http://127.0.0.1:4566/000000000000/nowhere"},"End":true}}}`
	sm, err = c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "lost", Definition: missing, Type: "EXPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	e, err = c.Machines().StartSyncExecution(ctx, machine.StartInput{StateMachineArn: sm.Arn, Input: `{}`})
	if err != nil || e.Status != "FAILED" || e.Error != "Sqs.QueueDoesNotExistException" {
		t.Fatalf("missing queue: status %s error %q cause %q (%v)", e.Status, e.Error, e.Cause, err)
	}
}
