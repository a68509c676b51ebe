package wire_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// env is a core served on 127.0.0.1 with an SDK client pointed at it.
type env struct {
	core *core.Core
	srv  *wire.Server
	sqs  *sqs.Client
	ctx  context.Context
}

func start(t testing.TB, cfg core.Config, opts ...wire.Option) *env {
	t.Helper()
	if cfg.DataPath == "" {
		cfg.Memory = true
	}
	c, err := core.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := wire.Listen(c, "127.0.0.1:0", opts...)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	e := &env{core: c, srv: srv, ctx: context.Background()}
	e.sqs = sqs.New(sqs.Options{
		HTTPClient:   sdkhttp.Client(),
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	t.Cleanup(e.stop)
	return e
}

func (e *env) stop() {
	if e.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	e.core.Close()
	e.srv = nil
}

func (e *env) createQueue(t *testing.T, name string, attrs map[string]string) string {
	t.Helper()
	out, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return *out.QueueUrl
}

// wantCode checks err is the AWS error with that code (as the SDK reports it).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("want AWS error %s, got %v", code, err)
	}
	if api.ErrorCode() != code {
		t.Fatalf("want AWS error %s, got %s: %s", code, api.ErrorCode(), api.ErrorMessage())
	}
}

func md5hex(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }

func TestSQSQueueLifecycle(t *testing.T) {
	e := start(t, core.Config{})
	url := e.createQueue(t, "orders", map[string]string{"VisibilityTimeout": "45", "DelaySeconds": "0"})
	if !strings.HasSuffix(url, "/000000000000/orders") || !strings.HasPrefix(url, e.srv.URL()) {
		t.Fatalf("queue URL %s", url)
	}
	// Same attributes: idempotent. Different: QueueNameExists (query code QueueAlreadyExists).
	if again := e.createQueue(t, "orders", map[string]string{"VisibilityTimeout": "45"}); again != url {
		t.Fatalf("idempotent create gave %s", again)
	}
	_, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"VisibilityTimeout": "10"}})
	var exists *types.QueueNameExists
	if !errors.As(err, &exists) {
		t.Fatalf("conflicting create: %v", err)
	}
	wantCode(t, err, "QueueAlreadyExists")

	got, err := e.sqs.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	if err != nil || *got.QueueUrl != url {
		t.Fatalf("GetQueueUrl: %v %v", got, err)
	}
	for i := 0; i < 5; i++ {
		e.createQueue(t, fmt.Sprintf("batch-%d", i), nil)
	}
	list, err := e.sqs.ListQueues(e.ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("batch-")})
	if err != nil || len(list.QueueUrls) != 5 {
		t.Fatalf("ListQueues prefix: %v %v", list, err)
	}
	var paged []string
	p := sqs.NewListQueuesPaginator(e.sqs, &sqs.ListQueuesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page.QueueUrls...)
	}
	if len(paged) != 6 {
		t.Fatalf("paged ListQueues gave %d urls: %v", len(paged), paged)
	}

	attrs, err := e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"VisibilityTimeout": "45", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:orders",
		"ApproximateNumberOfMessages": "0", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600"} {
		if attrs.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs.Attributes[k], v)
		}
	}
	if _, err := e.sqs.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"DelaySeconds": "5"}}); err != nil {
		t.Fatal(err)
	}
	attrs, _ = e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"DelaySeconds"}})
	if attrs.Attributes["DelaySeconds"] != "5" || len(attrs.Attributes) != 1 {
		t.Fatalf("after set: %v", attrs.Attributes)
	}

	if _, err := e.sqs.TagQueue(e.ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"team": "a", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sqs.UntagQueue(e.ctx, &sqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.sqs.ListQueueTags(e.ctx, &sqs.ListQueueTagsInput{QueueUrl: &url})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["team"] != "a" {
		t.Fatalf("tags: %v %v", tags, err)
	}

	if _, err := e.sqs.DeleteQueue(e.ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sqs.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	var missing *types.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Fatalf("deleted queue: %v", err)
	}
	wantCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")
	_, err = e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")})
	wantCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")
}

func TestSQSQueueURLHostIsIgnored(t *testing.T) {
	e := start(t, core.Config{})
	e.createQueue(t, "hosts", nil)
	for _, u := range []string{"http://localhost:4566/000000000000/hosts", "https://sqs.us-east-1.amazonaws.com/000000000000/hosts"} {
		if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String("hi")}); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
	_, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://x/123456789012/hosts"), MessageBody: aws.String("hi")})
	wantCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")
}

func TestSQSSendReceiveDeleteWithAttributes(t *testing.T) {
	e := start(t, core.Config{})
	url := e.createQueue(t, "attrs", nil)
	// The SDK verifies MD5OfMessageBody and MD5OfMessageAttributes itself.
	sent, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{
		QueueUrl: &url, MessageBody: aws.String("héllo wörld"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind":   {DataType: aws.String("String"), StringValue: aws.String("order")},
			"amount": {DataType: aws.String("Number"), StringValue: aws.String("12.5")},
			"blob":   {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if *sent.MD5OfMessageBody != md5hex("héllo wörld") || sent.MD5OfMessageAttributes == nil {
		t.Fatalf("send result %+v", sent)
	}
	out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{
		QueueUrl: &url, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("received %d messages", len(out.Messages))
	}
	m := out.Messages[0]
	if *m.Body != "héllo wörld" || *m.MessageId != *sent.MessageId || len(m.MessageAttributes) != 3 ||
		string(m.MessageAttributes["blob"].BinaryValue) != "\x00\x01\x02\xff" {
		t.Fatalf("message %+v", m)
	}
	for _, a := range []string{"SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "SenderId"} {
		if m.Attributes[a] == "" {
			t.Errorf("system attribute %s missing: %v", a, m.Attributes)
		}
	}
	if m.Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("receive count %s", m.Attributes["ApproximateReceiveCount"])
	}
	if _, err := e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("not-a-handle")})
	var bad *types.ReceiptHandleIsInvalid
	if !errors.As(err, &bad) {
		t.Fatalf("garbage handle: %v", err)
	}
	attrs, _ := e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("counts after delete: %v", attrs.Attributes)
	}
}

func TestSQSBatches(t *testing.T) {
	e := start(t, core.Config{})
	url := e.createQueue(t, "batch", nil)
	entries := func(n int) []types.SendMessageBatchRequestEntry {
		var out []types.SendMessageBatchRequestEntry
		for i := 0; i < n; i++ {
			out = append(out, types.SendMessageBatchRequestEntry{Id: aws.String("m" + strconv.Itoa(i)), MessageBody: aws.String("body " + strconv.Itoa(i))})
		}
		return out
	}
	res, err := e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries(10)})
	if err != nil || len(res.Successful) != 10 || len(res.Failed) != 0 {
		t.Fatalf("batch of 10: %+v %v", res, err)
	}
	_, err = e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries(11)})
	var tooMany *types.TooManyEntriesInBatchRequest
	if !errors.As(err, &tooMany) {
		t.Fatalf("11 entries: %v", err)
	}
	dup := entries(2)
	dup[1].Id = dup[0].Id
	_, err = e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: dup})
	var notDistinct *types.BatchEntryIdsNotDistinct
	if !errors.As(err, &notDistinct) {
		t.Fatalf("duplicate ids: %v", err)
	}
	_, err = e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{}})
	var empty *types.EmptyBatchRequest
	if !errors.As(err, &empty) {
		t.Fatalf("empty batch: %v", err)
	}
	// One entry over the delay limit fails alone.
	mixed := entries(2)
	mixed[1].DelaySeconds = 901
	res, err = e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: mixed})
	if err != nil || len(res.Successful) != 1 || len(res.Failed) != 1 || *res.Failed[0].Code != "InvalidParameterValue" || !res.Failed[0].SenderFault {
		t.Fatalf("mixed batch: %+v %v", res, err)
	}

	got, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 5})
	if err != nil || len(got.Messages) == 0 {
		t.Fatalf("receive: %v %v", got, err)
	}
	var del []types.DeleteMessageBatchRequestEntry
	var vis []types.ChangeMessageVisibilityBatchRequestEntry
	for i, m := range got.Messages {
		del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String("d" + strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		vis = append(vis, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String("v" + strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 60})
	}
	vis = append(vis, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String("bad"), ReceiptHandle: aws.String("garbage"), VisibilityTimeout: 60})
	vres, err := e.sqs.ChangeMessageVisibilityBatch(e.ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: vis})
	if err != nil || len(vres.Successful) != len(got.Messages) || len(vres.Failed) != 1 || *vres.Failed[0].Id != "bad" {
		t.Fatalf("visibility batch: %+v %v", vres, err)
	}
	del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String("bad"), ReceiptHandle: aws.String("garbage")})
	dres, err := e.sqs.DeleteMessageBatch(e.ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: del})
	if err != nil || len(dres.Successful) != len(got.Messages) || len(dres.Failed) != 1 || *dres.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Fatalf("delete batch: %+v %v", dres, err)
	}
}

func TestSQSLimits(t *testing.T) {
	e := start(t, core.Config{})
	url := e.createQueue(t, "limits", map[string]string{"MaximumMessageSize": "1024"})
	cases := []struct {
		name string
		call func() error
		code string
	}{
		{"name with space", func() error {
			_, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("bad name")})
			return err
		}, "InvalidParameterValue"},
		{"name too long", func() error {
			_, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(strings.Repeat("a", 81))})
			return err
		}, "InvalidParameterValue"},
		{"unknown attribute", func() error {
			_, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("x"), Attributes: map[string]string{"Colour": "red"}})
			return err
		}, "InvalidAttributeName"},
		{"visibility too long", func() error {
			_, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("x"), Attributes: map[string]string{"VisibilityTimeout": "43201"}})
			return err
		}, "InvalidAttributeValue"},
		{"body over MaximumMessageSize", func() error {
			_, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strings.Repeat("x", 1025))})
			return err
		}, "InvalidParameterValue"},
		{"forbidden character", func() error {
			_, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("bell \x07")})
			return err
		}, "InvalidMessageContents"},
		{"delay over 900", func() error {
			_, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), DelaySeconds: 901})
			return err
		}, "InvalidParameterValue"},
		{"eleven messages", func() error {
			_, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue"},
		{"wait over 20", func() error {
			_, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 21})
			return err
		}, "InvalidParameterValue"},
		{"missing body", func() error {
			_, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url})
			return err
		}, "MissingParameter"},
		{"fifo needs group", func() error {
			f := e.createQueue(t, "limits.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
			_, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &f, MessageBody: aws.String("x")})
			return err
		}, "MissingParameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.name == "missing body" && err != nil {
				// The SDK validates required members itself; either way it fails.
				var api smithy.APIError
				if !errors.As(err, &api) {
					return
				}
			}
			wantCode(t, err, tc.code)
		})
	}
	// A body exactly at the limit is accepted.
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strings.Repeat("x", 1024))}); err != nil {
		t.Fatalf("body at the limit: %v", err)
	}
}

// A waiting long poll is woken by a send (on a standard queue the send
// hands the message over in its own commit): it gets the message with its
// digests (the SDK checks them), receive count 1, and a receipt handle
// that deletes it.
func TestSQSLongPollWakesOnSend(t *testing.T) {
	e := start(t, core.Config{})
	url := e.createQueue(t, "poll", nil)
	type result struct {
		msgs []types.Message
		at   time.Time
		err  error
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 10,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}, MessageAttributeNames: []string{"All"}})
		r := result{at: time.Now(), err: err}
		if out != nil {
			r.msgs = out.Messages
		}
		done <- r
	}()
	time.Sleep(200 * time.Millisecond) // let the receiver start waiting
	sentAt := time.Now()
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("wake"),
		MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || len(r.msgs) != 1 {
			t.Fatalf("long poll: %d messages, %v", len(r.msgs), r.err)
		}
		if lag := r.at.Sub(sentAt); lag > time.Second {
			t.Fatalf("long poll woke %v after the send", lag)
		}
		m := r.msgs[0]
		if *m.Body != "wake" || m.Attributes["ApproximateReceiveCount"] != "1" || *m.MessageAttributes["k"].StringValue != "v" {
			t.Fatalf("received %+v", m)
		}
		if _, err := e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatalf("delete with the long poll's handle: %v", err)
		}
		attrs, err := e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url,
			AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
		if err != nil {
			t.Fatal(err)
		}
		if a := attrs.Attributes; a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
			t.Fatalf("counts after the delete: %v", a)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("long poll did not wake on send")
	}
}

func TestSQSVisibilityExpiryAndDeadLetter(t *testing.T) {
	e := start(t, core.Config{})
	dlqURL := e.createQueue(t, "work-dlq", nil)
	dlqArn := "arn:aws:sqs:us-east-1:000000000000:work-dlq"
	url := e.createQueue(t, "work", map[string]string{
		"VisibilityTimeout": "30",
		"RedrivePolicy":     `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":"2"}`,
	})
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("poison")}); err != nil {
		t.Fatal(err)
	}
	receive := func(u string) []types.Message {
		out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &u, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	for i := 1; i <= 2; i++ {
		msgs := receive(url)
		if len(msgs) != 1 || msgs[0].Attributes["ApproximateReceiveCount"] != strconv.Itoa(i) {
			t.Fatalf("receive %d: %+v", i, msgs)
		}
		if again := receive(url); len(again) != 0 {
			t.Fatalf("in-flight message visible again before its timeout")
		}
		e.core.AdvanceClock(31 * time.Second)
	}
	if msgs := receive(url); len(msgs) != 0 {
		t.Fatalf("message not moved to the DLQ after maxReceiveCount: %+v", msgs)
	}
	dl := receive(dlqURL)
	if len(dl) != 1 || *dl[0].Body != "poison" {
		t.Fatalf("DLQ holds %+v", dl)
	}
	src, err := e.sqs.ListDeadLetterSourceQueues(e.ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: &dlqURL})
	if err != nil || len(src.QueueUrls) != 1 || !strings.HasSuffix(src.QueueUrls[0], "/work") {
		t.Fatalf("dead-letter sources: %+v %v", src, err)
	}

	// Move it back: StartMessageMoveTask to the original source.
	e.core.AdvanceClock(31 * time.Second)
	task, err := e.sqs.StartMessageMoveTask(e.ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqArn)})
	if err != nil {
		t.Fatal(err)
	}
	if task.TaskHandle == nil || *task.TaskHandle == "" {
		t.Fatal("no task handle")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		tasks, err := e.sqs.ListMessageMoveTasks(e.ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqArn)})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks.Results) > 0 && *tasks.Results[0].Status == "COMPLETED" {
			if tasks.Results[0].ApproximateNumberOfMessagesMoved != 1 {
				t.Fatalf("moved %d", tasks.Results[0].ApproximateNumberOfMessagesMoved)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("move task not completed: %+v", tasks.Results)
		}
		time.Sleep(20 * time.Millisecond)
	}
	back := receive(url)
	if len(back) != 1 || *back[0].Body != "poison" {
		t.Fatalf("message not moved back: %+v", back)
	}
	_, err = e.sqs.CancelMessageMoveTask(e.ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: task.TaskHandle})
	if err == nil {
		t.Fatal("cancelling a completed task succeeded")
	}
}

func TestSQSPurgeOncePerMinute(t *testing.T) {
	e := start(t, core.Config{})
	url := e.createQueue(t, "purge", nil)
	e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")})
	if _, err := e.sqs.PurgeQueue(e.ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	_, err := e.sqs.PurgeQueue(e.ctx, &sqs.PurgeQueueInput{QueueUrl: &url})
	var busy *types.PurgeQueueInProgress
	if !errors.As(err, &busy) {
		t.Fatalf("second purge: %v", err)
	}
	e.core.AdvanceClock(61 * time.Second)
	if _, err := e.sqs.PurgeQueue(e.ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Fatalf("purge after 60 s: %v", err)
	}
	out, _ := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if len(out.Messages) != 0 {
		t.Fatal("purged message delivered")
	}
}

func TestSQSFIFOOrderAndDeduplication(t *testing.T) {
	e := start(t, core.Config{})
	url := e.createQueue(t, "jobs.fifo", map[string]string{"FifoQueue": "true"})
	const groups, perGroup = 50, 8
	for i := 0; i < perGroup; i++ {
		var batch []types.SendMessageBatchRequestEntry
		for g := 0; g < groups; g++ {
			batch = append(batch, types.SendMessageBatchRequestEntry{
				Id: aws.String(fmt.Sprintf("g%d", g)), MessageBody: aws.String(fmt.Sprintf("%d:%d", g, i)),
				MessageGroupId: aws.String(fmt.Sprintf("group-%d", g)), MessageDeduplicationId: aws.String(fmt.Sprintf("%d-%d", g, i)),
			})
			if len(batch) == 10 {
				if _, err := e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: batch}); err != nil {
					t.Fatal(err)
				}
				batch = nil
			}
		}
	}
	// A duplicate inside the window is accepted but not enqueued again.
	dup, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("0:0"),
		MessageGroupId: aws.String("group-0"), MessageDeduplicationId: aws.String("0-0")})
	if err != nil || dup.SequenceNumber == nil {
		t.Fatalf("duplicate send: %+v %v", dup, err)
	}

	var mu sync.Mutex
	next := map[int]int{} // group → next expected index
	total := 0
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
				if err != nil {
					errs <- err
					return
				}
				if len(out.Messages) == 0 {
					return
				}
				mu.Lock()
				for _, m := range out.Messages {
					var g, i int
					fmt.Sscanf(*m.Body, "%d:%d", &g, &i)
					if next[g] != i {
						errs <- fmt.Errorf("group %d: got %d, want %d", g, i, next[g])
					}
					next[g] = i + 1
					total++
				}
				mu.Unlock()
				for _, m := range out.Messages {
					if _, err := e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if total != groups*perGroup {
		t.Fatalf("received %d messages, want %d (a duplicate or a loss)", total, groups*perGroup)
	}
}

func TestSQSSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sky.db")
	e := start(t, core.Config{DataPath: path})
	url := e.createQueue(t, "durable", nil)
	fifo := e.createQueue(t, "durable.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	for i := 0; i < 20; i++ {
		if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &fifo, MessageBody: aws.String("once"), MessageGroupId: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 5})
	for _, m := range got.Messages {
		e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle})
	}
	deleted := len(got.Messages)
	e.stop()

	e = start(t, core.Config{DataPath: path})
	url = strings.Replace(url, url[:strings.Index(url, "/000000000000")], e.srv.URL(), 1)
	fifo = strings.Replace(fifo, fifo[:strings.Index(fifo, "/000000000000")], e.srv.URL(), 1)
	// Content-based dedup still holds across the restart.
	e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &fifo, MessageBody: aws.String("once"), MessageGroupId: aws.String("g")})
	out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &fifo, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("fifo after restart: %v %v", out, err)
	}
	seen := map[string]bool{}
	for {
		out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			if seen[*m.Body] {
				t.Fatalf("message %s delivered twice", *m.Body)
			}
			seen[*m.Body] = true
		}
	}
	if len(seen) != 20-deleted {
		t.Fatalf("after restart %d messages visible, want %d", len(seen), 20-deleted)
	}
}
