package wire_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/event"
)

// noRetry makes a throttled or failed call reach the test at once.
func noRetrySQS(o *sqs.Options) { o.Retryer = aws.NopRetryer{} }
func noRetrySNS(o *sns.Options) { o.Retryer = aws.NopRetryer{} }
func noRetrySFN(o *sfn.Options) { o.Retryer = aws.NopRetryer{} }

// wantStatus checks err is the AWS error code with that HTTP status.
func wantCodeStatus(t *testing.T, err error, code string, status int) {
	t.Helper()
	wantCode(t, err, code)
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s: want HTTP %d, got %v", code, status, err)
	}
}

func (e *env) setChaos(t *testing.T, p chaos.Policy) {
	t.Helper()
	if err := e.core.Chaos().Set(p); err != nil {
		t.Fatal(err)
	}
}

func chaosCall(t *testing.T, e *env, method, query, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL()+"/_skyport/chaos"+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body %q is not JSON", method, query, raw)
	}
	return resp.StatusCode, out
}

func TestChaosEndpoint(t *testing.T) {
	e := start(t, core.Config{})
	e.createQueue(t, "orders", nil)
	events := e.core.Events(64)
	defer events.Close()

	status, out := chaosCall(t, e, "POST", "", `{"kind":"queue","name":"orders","drop":0.1,"delay":"100-500","throttle":20}`)
	if status != 200 || out["name"] != "orders" || out["drop"] != 0.1 || out["delay"] != "100-500" || out["throttle"] != 20.0 {
		t.Fatalf("POST: %d %v", status, out)
	}
	p, ok := e.core.Chaos().Get(chaos.Queue, "orders")
	if !ok || p.Delay.Min != 100*time.Millisecond || p.Delay.Max != 500*time.Millisecond {
		t.Fatalf("core policy %+v %v", p, ok)
	}
	select {
	case ev := <-events.C:
		for ev.Kind != event.ChaosChanged {
			ev = <-events.C
		}
		if ev.Resource != "orders" || !strings.Contains(ev.Message, "drop 10%") {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no chaos.changed event")
	}

	status, out = chaosCall(t, e, "GET", "", "")
	list, _ := out["policies"].([]any)
	if status != 200 || len(list) != 1 {
		t.Fatalf("GET: %d %v", status, out)
	}

	for _, c := range []struct {
		body, code, reason string
		status             int
	}{
		{`{"kind":"queue","name":`, "InvalidRequest", "body must be a JSON policy", 400},
		{`{"kind":"queue","name":"orders","dorp":0.5}`, "InvalidRequest", `unknown field "dorp"`, 400},
		{`{"kind":"queue","name":"orders","drop":5}`, "InvalidRequest", "drop must be a fraction from 0 to 1", 400},
		{`{"kind":"queue","name":"orders","delay":"soon"}`, "InvalidRequest", `delay "soon"`, 400},
		{`{"kind":"stream","name":"s","drop":0.5}`, "InvalidRequest", "drop does not apply to a stream", 400},
		{`{"kind":"queue","name":"missing","fail":1}`, "ResourceNotFoundException", `queue "missing"`, 404},
		{`{"kind":"topic","name":"missing","fail":1}`, "ResourceNotFoundException", `topic "missing"`, 404},
	} {
		status, out := chaosCall(t, e, "POST", "", c.body)
		msg, _ := out["message"].(string)
		if status != c.status || out["code"] != c.code || !strings.Contains(msg, c.reason) {
			t.Errorf("POST %s: %d %v, want %d %s containing %q", c.body, status, out, c.status, c.code, c.reason)
		}
	}

	if status, out := chaosCall(t, e, "DELETE", "?kind=queue&name=nope", ""); status != 404 || out["code"] != "ResourceNotFoundException" {
		t.Fatalf("DELETE missing: %d %v", status, out)
	}
	if status, out := chaosCall(t, e, "DELETE", "?kind=queue", ""); status != 400 {
		t.Fatalf("DELETE half: %d %v", status, out)
	}
	if status, out := chaosCall(t, e, "DELETE", "?kind=queue&name=orders", ""); status != 200 || out["cleared"] != 1.0 {
		t.Fatalf("DELETE: %d %v", status, out)
	}
	chaosCall(t, e, "POST", "", `{"kind":"queue","name":"orders","fail":1}`)
	if status, out := chaosCall(t, e, "DELETE", "", ""); status != 200 || out["cleared"] != 1.0 || len(e.core.Chaos().List()) != 0 {
		t.Fatalf("DELETE all: %d %v", status, out)
	}
}

func TestChaosQueueDropDuplicate(t *testing.T) {
	e := start(t, core.Config{})
	url := e.createQueue(t, "orders", nil)
	events := e.core.Events(256)
	defer events.Close()
	e.setChaos(t, chaos.Policy{Kind: chaos.Queue, Name: "orders", Drop: 1})
	attrs := map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}
	for i := range 5 {
		// The SDK checks the MD5s of the acknowledgement: a drop must look like a send.
		out, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(fmt.Sprint("m", i)), MessageAttributes: attrs})
		if err != nil || out.MessageId == nil || *out.MD5OfMessageBody != md5hex(fmt.Sprint("m", i)) {
			t.Fatalf("dropped send not acknowledged: %v %v", out, err)
		}
	}
	batch, err := e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("ba")}, {Id: aws.String("b"), MessageBody: aws.String("bb")}}})
	if err != nil || len(batch.Successful) != 2 || len(batch.Failed) != 0 {
		t.Fatalf("dropped batch: %+v %v", batch, err)
	}
	e.queueEmpty(t, url)
	// The activity log hears of it: the first drop at once.
	for deadline := time.After(5 * time.Second); ; {
		select {
		case ev := <-events.C:
			if ev.Kind != event.ChaosActed {
				continue
			}
			if ev.Resource != "orders" || ev.Message != "chaos on queue orders: dropped 1" {
				t.Fatalf("act event %+v", ev)
			}
		case <-deadline:
			t.Fatal("no chaos.acted event")
		}
		break
	}
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(e.srv.URL() + "/000000000000/nope"), MessageBody: aws.String("x")}); err == nil {
		t.Fatal("send to a missing queue succeeded")
	}

	e.setChaos(t, chaos.Policy{Kind: chaos.Queue, Name: "orders", Duplicate: 1})
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("twice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("also twice")}}}); err != nil {
		t.Fatal(err)
	}
	got := e.receiveN(t, url, 4)
	bodies := map[string]int{}
	for _, m := range got {
		bodies[*m.Body]++
	}
	if bodies["twice"] != 2 || bodies["also twice"] != 2 {
		t.Fatalf("duplicates: %v", bodies)
	}

	e.core.Chaos().ClearAll()
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("once")}); err != nil {
		t.Fatal(err)
	}
	if got := e.receiveN(t, url, 1); *got[0].Body != "once" {
		t.Fatalf("after clearing: %v", *got[0].Body)
	}
}

func TestChaosQueueDelayThrottleFail(t *testing.T) {
	cfg, clk := frozenConfig("")
	e := start(t, cfg)
	url := e.createQueue(t, "orders", map[string]string{"DelaySeconds": "1"})
	e.setChaos(t, chaos.Policy{Kind: chaos.Queue, Name: "orders", Delay: chaos.Delay{Min: 1500 * time.Millisecond}})
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("late")}); err != nil {
		t.Fatal(err)
	}
	// The queue's 1 s plus chaos's 1.5 s rounded up to 2 s: visible after 3 s.
	clk.Advance(2 * time.Second)
	e.queueEmpty(t, url)
	clk.Advance(time.Second)
	if got := e.receiveN(t, url, 1); *got[0].Body != "late" {
		t.Fatal(*got[0].Body)
	}

	// A FIFO queue refuses per-message delays: chaos holds the send instead.
	fifo := e.createQueue(t, "orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	e.setChaos(t, chaos.Policy{Kind: chaos.Queue, Name: "orders.fifo", Delay: chaos.Delay{Min: 200 * time.Millisecond}})
	began := time.Now()
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &fifo, MessageBody: aws.String("f"), MessageGroupId: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if held := time.Since(began); held < 200*time.Millisecond {
		t.Fatalf("FIFO send held %s", held)
	}

	// Throttle 2/s on the frozen clock: two calls pass, the third is refused
	// with SQS's RequestThrottled (HTTP 403 in the SQS model), in both protocols.
	e.setChaos(t, chaos.Policy{Kind: chaos.Queue, Name: "orders", Throttle: 2})
	for range 2 {
		if _, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url}, noRetrySQS); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url}, noRetrySQS)
	wantCodeStatus(t, err, "RequestThrottled", 403)
	_, err = e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")}, noRetrySQS)
	wantCodeStatus(t, err, "RequestThrottled", 403)
	resp, err := http.PostForm(e.srv.URL(), map[string][]string{"Action": {"ReceiveMessage"}, "Version": {"2012-11-05"}, "QueueUrl": {url}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(raw), "<Code>RequestThrottled</Code>") {
		t.Fatalf("query protocol: %d %s", resp.StatusCode, raw)
	}
	clk.Advance(time.Second) // refills the bucket
	if _, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url}, noRetrySQS); err != nil {
		t.Fatalf("after a second: %v", err)
	}

	e.setChaos(t, chaos.Policy{Kind: chaos.Queue, Name: "orders", Fail: 1})
	_, err = e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")}, noRetrySQS)
	wantCodeStatus(t, err, "InternalError", 500)
	_, err = e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("h")}, noRetrySQS)
	wantCodeStatus(t, err, "InternalError", 500)
	// Other queues and control-plane calls are untouched.
	if _, err := e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url}, noRetrySQS); err != nil {
		t.Fatal(err)
	}
}

func TestChaosTopicDeliveries(t *testing.T) {
	cfg, clk := frozenConfig("")
	e := start(t, cfg)
	c := e.snsClient()
	arn := e.createTopic(t, c, "news", nil)
	url := e.createQueue(t, "inbox", nil)
	e.subscribeQueue(t, c, arn, "inbox", map[string]string{"RawMessageDelivery": "true"})
	publish := func(body string) error {
		_, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String(body)}, noRetrySNS)
		return err
	}

	e.setChaos(t, chaos.Policy{Kind: chaos.Topic, Name: "news", Drop: 1})
	if err := publish("lost"); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(t)
	e.queueEmpty(t, url)

	e.setChaos(t, chaos.Policy{Kind: chaos.Topic, Name: "news", Duplicate: 1})
	if err := publish("echo"); err != nil {
		t.Fatal(err)
	}
	if got := e.receiveN(t, url, 2); *got[0].Body != "echo" || *got[1].Body != "echo" {
		t.Fatalf("duplicates %v %v", *got[0].Body, *got[1].Body)
	}

	e.setChaos(t, chaos.Policy{Kind: chaos.Topic, Name: "news", Delay: chaos.Delay{Min: 30 * time.Second}})
	// Other timers (the stream trimmer's) are always pending: wait for one
	// more, the delayed delivery's. Advancing before it is set would leave
	// it 30 s in the future of a frozen clock, and the receive below waiting
	// on that clock for ever.
	before := clk.Pending()
	if err := publish("slow"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for clk.Pending() <= before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // until the delivery waits on the clock
	}
	if clk.Pending() <= before {
		t.Fatal("the delayed delivery never waited on the clock")
	}
	e.queueEmpty(t, url)
	clk.Advance(30 * time.Second)
	if got := e.receiveN(t, url, 1); *got[0].Body != "slow" {
		t.Fatal(*got[0].Body)
	}

	e.setChaos(t, chaos.Policy{Kind: chaos.Topic, Name: "news", Throttle: 1})
	if err := publish("one"); err != nil {
		t.Fatal(err)
	}
	wantCodeStatus(t, publish("two"), "Throttled", 429)
	e.setChaos(t, chaos.Policy{Kind: chaos.Topic, Name: "news", Fail: 1})
	wantCodeStatus(t, publish("three"), "InternalError", 500)
}

func TestChaosStream(t *testing.T) {
	cfg, clk := frozenConfig("")
	e := start(t, cfg)
	k := kinesisClient(e)
	createStream(t, e, k, "clicks", 1)
	put := func() error {
		_, err := k.PutRecord(e.ctx, &kinesis.PutRecordInput{StreamName: aws.String("clicks"), PartitionKey: aws.String("p"), Data: []byte("d")})
		return err
	}
	e.setChaos(t, chaos.Policy{Kind: chaos.Stream, Name: "clicks", Throttle: 1})
	if err := put(); err != nil {
		t.Fatal(err)
	}
	wantCodeStatus(t, put(), "ProvisionedThroughputExceededException", 400)
	_, err := k.PutRecords(e.ctx, &kinesis.PutRecordsInput{StreamName: aws.String("clicks"), Records: []kinesistypes.PutRecordsRequestEntry{{PartitionKey: aws.String("p"), Data: []byte("d")}}})
	wantCode(t, err, "ProvisionedThroughputExceededException")
	clk.Advance(time.Second)

	e.setChaos(t, chaos.Policy{Kind: chaos.Stream, Name: "clicks", Fail: 1})
	wantCodeStatus(t, put(), "InternalFailure", 500)

	e.core.Chaos().ClearAll()
	if err := put(); err != nil {
		t.Fatal(err)
	}
	shard := *listShards(t, e, k, "clicks")[0].ShardId
	it := iterator(t, e, k, "clicks", shard, "TRIM_HORIZON", "")
	e.setChaos(t, chaos.Policy{Kind: chaos.Stream, Name: "clicks", Delay: chaos.Delay{Min: 300 * time.Millisecond}})
	began := time.Now()
	out, err := k.GetRecords(e.ctx, &kinesis.GetRecordsInput{ShardIterator: &it})
	if err != nil || len(out.Records) != 2 {
		t.Fatalf("GetRecords: %v %v", out, err)
	}
	if held := time.Since(began); held < 300*time.Millisecond {
		t.Fatalf("GetRecords answered after %s, want at least the 300ms delay", held)
	}
}

func TestChaosMachineTasks(t *testing.T) {
	e := start(t, core.Config{})
	c := sfnClient(e, noRetrySFN)
	url := e.createQueue(t, "work", nil)
	def := fmt.Sprintf(`{"StartAt":"Send","States":{"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
	  "Parameters":{"QueueUrl":%q,"MessageBody":"hi"},"End":true}}}`, url)
	arn := createMachine(t, e, c, "flow", def, "")
	e.setChaos(t, chaos.Policy{Kind: chaos.Machine, Name: "flow", Fail: 1})
	ex, err := c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	d := awaitStatus(t, e, c, *ex.ExecutionArn)
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "States.TaskFailed" || !strings.Contains(aws.ToString(d.Cause), "chaos") {
		t.Fatalf("execution %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	e.queueEmpty(t, url) // failed before the task was made

	e.setChaos(t, chaos.Policy{Kind: chaos.Machine, Name: "flow", Throttle: 1})
	ex, err = c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if d := awaitStatus(t, e, c, *ex.ExecutionArn); d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("admitted execution %s", d.Status)
	}
	_, err = c.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	wantCodeStatus(t, err, "ThrottlingException", 400)
}
