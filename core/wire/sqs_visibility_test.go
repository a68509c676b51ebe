package wire_test

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyport-dev/skyport/core"
)

// ChangeMessageVisibility through the SDK: extending keeps a message hidden
// past its original timeout, zero makes it visible at once, and a forged or
// stale handle gets AWS's errors.
func TestSQSChangeMessageVisibility(t *testing.T) {
	e := start(t, core.Config{})
	var lastHandle string
	url := e.createQueue(t, "vis", map[string]string{"VisibilityTimeout": "10"})
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("job")}); err != nil {
		t.Fatal(err)
	}
	receive := func() int {
		out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 1 {
			lastHandle = *out.Messages[0].ReceiptHandle
		}
		return len(out.Messages)
	}
	if receive() != 1 {
		t.Fatal("first receive got nothing")
	}
	handle := lastHandle
	if _, err := e.sqs.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: &handle, VisibilityTimeout: 120}); err != nil {
		t.Fatal(err)
	}
	e.core.AdvanceClock(30 * time.Second) // past the queue's 10 s, inside the new 120 s
	if receive() != 0 {
		t.Fatal("message visible again before its extended timeout")
	}
	if _, err := e.sqs.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: &handle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	if receive() != 1 {
		t.Fatal("message not visible after its visibility was set to 0")
	}

	_, err := e.sqs.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: aws.String("forged"), VisibilityTimeout: 5})
	wantCode(t, err, "ReceiptHandleIsInvalid")
	_, err = e.sqs.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: &lastHandle, VisibilityTimeout: 43201})
	wantCode(t, err, "InvalidParameterValue")
}

// The query protocol's remaining write actions: visibility, batch delete,
// attributes, purge and queue deletion, with their XML response shapes.
func TestSQSQueryWriteActions(t *testing.T) {
	e := start(t, core.Config{})
	base := e.srv.URL()
	form := func(kv ...string) url.Values {
		v := url.Values{"Version": {"2012-11-05"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	qurl := e.createQueue(t, "legacy-writes", nil)
	for _, b := range []string{"a", "b"} {
		if status, body := postForm(t, base, form("Action", "SendMessage", "QueueUrl", qurl, "MessageBody", b)); status != 200 {
			t.Fatalf("SendMessage: %d %s", status, body)
		}
	}
	status, body := postForm(t, base, form("Action", "ReceiveMessage", "QueueUrl", qurl, "MaxNumberOfMessages", "10"))
	var got struct {
		Handles []string `xml:"ReceiveMessageResult>Message>ReceiptHandle"`
	}
	if status != 200 || xml.Unmarshal([]byte(body), &got) != nil || len(got.Handles) != 2 {
		t.Fatalf("ReceiveMessage: %d %s", status, body)
	}

	status, body = postForm(t, base, form("Action", "ChangeMessageVisibility", "QueueUrl", qurl, "ReceiptHandle", got.Handles[0], "VisibilityTimeout", "60"))
	if status != 200 || !strings.Contains(body, "<ChangeMessageVisibilityResponse") {
		t.Fatalf("ChangeMessageVisibility: %d %s", status, body)
	}
	status, body = postForm(t, base, form("Action", "ChangeMessageVisibilityBatch", "QueueUrl", qurl,
		"ChangeMessageVisibilityBatchRequestEntry.1.Id", "ok", "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", got.Handles[1],
		"ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "60",
		"ChangeMessageVisibilityBatchRequestEntry.2.Id", "bad", "ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle", "forged",
		"ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout", "60"))
	var vis struct {
		OK     []string `xml:"ChangeMessageVisibilityBatchResult>ChangeMessageVisibilityBatchResultEntry>Id"`
		Failed []struct {
			ID          string `xml:"Id"`
			Code        string `xml:"Code"`
			SenderFault bool   `xml:"SenderFault"`
		} `xml:"ChangeMessageVisibilityBatchResult>BatchResultErrorEntry"`
	}
	if status != 200 || xml.Unmarshal([]byte(body), &vis) != nil || len(vis.OK) != 1 || vis.OK[0] != "ok" ||
		len(vis.Failed) != 1 || vis.Failed[0].ID != "bad" || vis.Failed[0].Code != "ReceiptHandleIsInvalid" || !vis.Failed[0].SenderFault {
		t.Fatalf("ChangeMessageVisibilityBatch: %d %s", status, body)
	}

	status, body = postForm(t, base, form("Action", "DeleteMessageBatch", "QueueUrl", qurl,
		"DeleteMessageBatchRequestEntry.1.Id", "x", "DeleteMessageBatchRequestEntry.1.ReceiptHandle", got.Handles[0],
		"DeleteMessageBatchRequestEntry.2.Id", "y", "DeleteMessageBatchRequestEntry.2.ReceiptHandle", got.Handles[1]))
	var del struct {
		OK []string `xml:"DeleteMessageBatchResult>DeleteMessageBatchResultEntry>Id"`
	}
	if status != 200 || xml.Unmarshal([]byte(body), &del) != nil || len(del.OK) != 2 {
		t.Fatalf("DeleteMessageBatch: %d %s", status, body)
	}

	status, body = postForm(t, base, form("Action", "SetQueueAttributes", "QueueUrl", qurl, "Attribute.1.Name", "DelaySeconds", "Attribute.1.Value", "5"))
	if status != 200 || !strings.Contains(body, "<SetQueueAttributesResponse") {
		t.Fatalf("SetQueueAttributes: %d %s", status, body)
	}
	status, body = postForm(t, base, form("Action", "SetQueueAttributes", "QueueUrl", qurl, "Attribute.1.Name", "DelaySeconds", "Attribute.1.Value", "901"))
	var xe xmlError
	if status != 400 || xml.Unmarshal([]byte(body), &xe) != nil || xe.Code != "InvalidAttributeValue" {
		t.Fatalf("SetQueueAttributes out of range: %d %s", status, body)
	}
	attrs, err := e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &qurl, AttributeNames: []types.QueueAttributeName{"DelaySeconds", "ApproximateNumberOfMessages"}})
	if err != nil || attrs.Attributes["DelaySeconds"] != "5" || attrs.Attributes["ApproximateNumberOfMessages"] != "0" {
		t.Fatalf("attributes after the query writes: %+v %v", attrs, err)
	}

	status, body = postForm(t, base, form("Action", "PurgeQueue", "QueueUrl", qurl))
	if status != 200 || !strings.Contains(body, "<PurgeQueueResponse") {
		t.Fatalf("PurgeQueue: %d %s", status, body)
	}
	status, body = postForm(t, base, form("Action", "DeleteQueue", "QueueUrl", qurl))
	if status != 200 || !strings.Contains(body, "<DeleteQueueResponse") {
		t.Fatalf("DeleteQueue: %d %s", status, body)
	}
	status, body = postForm(t, base, form("Action", "SendMessage", "QueueUrl", qurl, "MessageBody", "late"))
	if status != 400 || xml.Unmarshal([]byte(body), &xe) != nil || xe.Code != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Fatalf("send to a deleted queue: %d %s", status, body)
	}
}
