package wire_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// waitEvent waits for an event of kind on sub.
func waitEvent(t *testing.T, sub <-chan event.Event, kind event.Kind) event.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-sub:
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", kind)
		}
	}
}

func getHealth(t *testing.T, base string) map[string]any {
	t.Helper()
	resp, err := http.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// While the disk is full, every write fails with ServiceUnavailable (503)
// in each protocol's shape and changes nothing; reads keep working; the
// core reports the fault (event, /health, /metrics); when space returns,
// writes resume, and after a restart everything acknowledged is there,
// nothing failed is, and no acknowledged delete came back.
func TestDiskFullSQS(t *testing.T) {
	data := filepath.Join(t.TempDir(), "full.db")
	faults := &store.Faults{}
	e := start(t, core.Config{DataPath: data, StoreFaults: faults})
	e.sqs = sdkClient(e.srv.URL(), "test", "test") // no retries: see the first answer
	sub := e.core.Events(256)
	defer sub.Close()
	qurl := e.createQueue(t, "ledger", nil)

	acked := map[string]bool{}
	for i := 0; i < 20; i++ {
		body := fmt.Sprintf("m%02d", i)
		if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &qurl, MessageBody: &body}); err != nil {
			t.Fatal(err)
		}
		acked[body] = true
	}
	held, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &qurl, MaxNumberOfMessages: 4, VisibilityTimeout: 600})
	if err != nil || len(held.Messages) != 4 {
		t.Fatalf("receive before the fault: %v %v", held, err)
	}
	deleted := map[string]bool{}
	if _, err := e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &qurl, ReceiptHandle: held.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	deleted[*held.Messages[0].Body] = true

	faults.Fail(nil) // the disk is full
	_, err = e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &qurl, MessageBody: aws.String("refused")})
	wantCode(t, err, "ServiceUnavailable")
	wantStatus(t, err, http.StatusServiceUnavailable)
	ev := waitEvent(t, sub.C, event.StorageFault)
	if ev.Level != event.Error || !strings.Contains(ev.Message, "disk full") {
		t.Fatalf("fault event %+v", ev)
	}
	status, body := postForm(t, e.srv.URL(), url.Values{"Action": {"SendMessage"}, "Version": {"2012-11-05"},
		"QueueUrl": {qurl}, "MessageBody": {"refused too"}})
	wantXMLError(t, response{status: status, body: body}, 503, "ServiceUnavailable")
	batch, err := e.sqs.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: &qurl, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("refused batch")}}})
	if err != nil || len(batch.Failed) != 1 || *batch.Failed[0].Code != "ServiceUnavailable" || batch.Failed[0].SenderFault {
		t.Fatalf("batch send while full: %+v %v", batch, err)
	}
	_, err = e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &qurl, MaxNumberOfMessages: 10})
	wantCode(t, err, "ServiceUnavailable")
	_, err = e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &qurl, ReceiptHandle: held.Messages[1].ReceiptHandle})
	wantCode(t, err, "ServiceUnavailable")
	_, err = e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("new-while-full")})
	wantCode(t, err, "ServiceUnavailable")

	// Reads keep working and see exactly what was committed.
	attrs, err := e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &qurl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "16" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "3" {
		t.Fatalf("attributes while full: %v %v", attrs, err)
	}
	if list, err := e.sqs.ListQueues(e.ctx, &sqs.ListQueuesInput{}); err != nil || len(list.QueueUrls) != 1 {
		t.Fatalf("list while full: %v %v", list, err)
	}
	if _, err := e.sqs.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("ledger")}); err != nil {
		t.Fatal(err)
	}
	if h := getHealth(t, e.srv.URL()); h["status"] != "degraded" || !strings.Contains(fmt.Sprint(h["storage_fault"]), "disk full") {
		t.Fatalf("health while full: %v", h)
	}
	resp, err := http.Get(e.srv.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "\nskyport_store_fault 1\n") {
		t.Fatal("metrics do not show the store fault")
	}

	faults.Heal() // space is back
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &qurl, MessageBody: aws.String("after")}); err != nil {
		t.Fatalf("send after recovery: %v", err)
	}
	acked["after"] = true
	waitEvent(t, sub.C, event.StorageRecovered)
	if h := getHealth(t, e.srv.URL()); h["status"] != "ok" {
		t.Fatalf("health after recovery: %v", h)
	}
	// The refused delete, retried, works; the refused receive left nothing stuck in flight.
	if _, err := e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &qurl, ReceiptHandle: held.Messages[1].ReceiptHandle}); err != nil {
		t.Fatalf("retried delete: %v", err)
	}
	deleted[*held.Messages[1].Body] = true
	attrs, err = e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &qurl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "17" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "2" {
		t.Fatalf("attributes after recovery: %v %v", attrs, err)
	}

	// Restart on the same file and account for every message.
	e.stop()
	e = start(t, core.Config{DataPath: data})
	resp, err = http.Post(e.srv.URL()+"/_skyport/clock/advance?by=15m", "", nil) // release the held ones
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	seen := map[string]int{}
	for {
		out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &qurl, MaxNumberOfMessages: 10, VisibilityTimeout: 600})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			seen[*m.Body]++
		}
	}
	for body := range acked {
		if want := map[bool]int{false: 1, true: 0}[deleted[body]]; seen[body] != want {
			t.Errorf("%s seen %d times after restart, want %d", body, seen[body], want)
		}
	}
	for body := range seen {
		if !acked[body] {
			t.Errorf("%s was refused but is stored", body)
		}
	}
	if _, err := e.sqs.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("new-while-full")}); err == nil {
		t.Error("the queue refused while full exists")
	}
}
