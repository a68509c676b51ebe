package wire_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
)

// fuzzRouter is a router over an in-memory core holding one queue.
func fuzzRouter(f *testing.F) http.Handler {
	c, err := core.Open(core.Config{Memory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	r := wire.NewRouter(c, func() string { return "http://127.0.0.1:4566" })
	req := httptest.NewRequest("POST", "/", strings.NewReader(`{"QueueName":"fuzz"}`))
	req.Header.Set("X-Amz-Target", "AmazonSQS.CreateQueue")
	r.ServeHTTP(httptest.NewRecorder(), req)
	return r
}

// FuzzSQSJSON feeds arbitrary JSON bodies to every SQS action: the answer is
// a success or an AWS-shaped client error, never a panic or a 5xx.
func FuzzSQSJSON(f *testing.F) {
	for _, seed := range []struct{ action, body string }{
		{"SendMessage", `{"QueueUrl":"http://h/000000000000/fuzz","MessageBody":"x"}`},
		{"SendMessageBatch", `{"QueueUrl":"http://h/000000000000/fuzz","Entries":[{"Id":"a","MessageBody":"x","MessageAttributes":{"k":{"DataType":"Binary","BinaryValue":"AAE="}}}]}`},
		{"ReceiveMessage", `{"QueueUrl":"/000000000000/fuzz","MaxNumberOfMessages":10,"AttributeNames":["All"]}`},
		{"DeleteMessage", `{"QueueUrl":"fuzz","ReceiptHandle":"AAAA"}`},
		{"ChangeMessageVisibilityBatch", `{"QueueUrl":"fuzz","Entries":[{"Id":"1","ReceiptHandle":"x","VisibilityTimeout":-1}]}`},
		{"CreateQueue", `{"QueueName":"a.fifo","Attributes":{"FifoQueue":"true"},"tags":{"k":"v"}}`},
		{"SetQueueAttributes", `{"QueueUrl":"fuzz","Attributes":{"RedrivePolicy":"{\"maxReceiveCount\":\"x\"}"}}`},
		{"ListQueues", `{"MaxResults":0,"NextToken":"!!"}`},
		{"GetQueueAttributes", `null`},
		{"Nope", `[]`},
	} {
		f.Add(seed.action, seed.body)
	}
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, action, body string) {
		if action == "DeleteQueue" || action == "PurgeQueue" || action == "ReceiveMessage" {
			action = "GetQueueAttributes" // keep the fixture; receive may long-poll
		}
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AmazonSQS."+action)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: status %d %s", action, body, w.Code, w.Body)
		}
		if w.Code != 200 {
			var e struct {
				Type string `json:"__type"`
			}
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Type == "" || w.Header().Get("x-amzn-query-error") == "" {
				t.Fatalf("%s %q: malformed error %d %s", action, body, w.Code, w.Body)
			}
		}
	})
}

// FuzzSQSQuery feeds arbitrary form bodies to the query protocol.
func FuzzSQSQuery(f *testing.F) {
	for _, seed := range []string{
		"Action=SendMessage&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Ffuzz&MessageBody=x&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=AAE%3D",
		"Action=SendMessageBatch&QueueUrl=fuzz&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=b&SendMessageBatchRequestEntry.99999999999999999999.Id=c",
		"Action=CreateQueue&QueueName=q&Attribute.1.Name=DelaySeconds&Attribute.1.Value=901&Tag.1.Key=k",
		"Action=ChangeMessageVisibility&QueueUrl=fuzz&ReceiptHandle=%00&VisibilityTimeout=9999999999999",
		"Action=GetQueueAttributes&QueueUrl=fuzz&AttributeName.1=All&Version=2012-11-05",
		"Action=ListQueues&MaxResults=1&NextToken=x",
		"%zz",
		"Action=",
	} {
		f.Add(seed)
	}
	r := fuzzRouter(f)
	f.Fuzz(func(t *testing.T, body string) {
		if strings.Contains(body, "DeleteQueue") || strings.Contains(body, "PurgeQueue") || strings.Contains(body, "ReceiveMessage") {
			return
		}
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%q: status %d %s", body, w.Code, w.Body)
		}
		if w.Code != 200 {
			var e struct {
				Code string `xml:"Error>Code"`
			}
			if xml.Unmarshal(w.Body.Bytes(), &e) != nil || e.Code == "" {
				t.Fatalf("%q: malformed error %d %s", body, w.Code, w.Body)
			}
		}
	})
}
