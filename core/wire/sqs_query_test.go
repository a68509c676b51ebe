package wire_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core"
)

// postForm sends a query-protocol request and returns status and body.
func postForm(t *testing.T, endpoint string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.Post(endpoint, "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

type xmlError struct {
	Type      string `xml:"Error>Type"`
	Code      string `xml:"Error>Code"`
	Message   string `xml:"Error>Message"`
	RequestID string `xml:"RequestId"`
}

func TestSQSQueryProtocol(t *testing.T) {
	e := start(t, core.Config{})
	base := e.srv.URL()
	form := func(kv ...string) url.Values {
		v := url.Values{"Version": {"2012-11-05"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	status, body := postForm(t, base, form("Action", "CreateQueue", "QueueName", "legacy",
		"Attribute.1.Name", "VisibilityTimeout", "Attribute.1.Value", "40", "Tag.1.Key", "team", "Tag.1.Value", "core"))
	var created struct {
		XMLName  xml.Name `xml:"CreateQueueResponse"`
		QueueURL string   `xml:"CreateQueueResult>QueueUrl"`
		ID       string   `xml:"ResponseMetadata>RequestId"`
	}
	if status != 200 || xml.Unmarshal([]byte(body), &created) != nil || !strings.HasSuffix(created.QueueURL, "/000000000000/legacy") || created.ID == "" {
		t.Fatalf("CreateQueue: %d %s", status, body)
	}
	if !strings.Contains(body, `xmlns="http://queue.amazonaws.com/doc/2012-11-05/"`) {
		t.Errorf("response lacks the SQS namespace: %s", body)
	}
	qurl := created.QueueURL

	status, body = postForm(t, base, form("Action", "SendMessage", "QueueUrl", qurl, "MessageBody", "hello <xml> & co",
		"MessageAttribute.1.Name", "kind", "MessageAttribute.1.Value.DataType", "String", "MessageAttribute.1.Value.StringValue", "greeting"))
	var sent struct {
		MD5   string `xml:"SendMessageResult>MD5OfMessageBody"`
		MD5MA string `xml:"SendMessageResult>MD5OfMessageAttributes"`
		ID    string `xml:"SendMessageResult>MessageId"`
	}
	if status != 200 || xml.Unmarshal([]byte(body), &sent) != nil || sent.MD5 != md5hex("hello <xml> & co") || sent.ID == "" || sent.MD5MA == "" {
		t.Fatalf("SendMessage: %d %s", status, body)
	}

	// The queue URL may also be the request path.
	status, body = postForm(t, qurl, form("Action", "ReceiveMessage", "AttributeName.1", "All", "MessageAttributeName.1", "All", "MaxNumberOfMessages", "5"))
	var received struct {
		Messages []struct {
			ID      string `xml:"MessageId"`
			Handle  string `xml:"ReceiptHandle"`
			MD5     string `xml:"MD5OfBody"`
			Body    string `xml:"Body"`
			Attribs []struct {
				Name  string `xml:"Name"`
				Value string `xml:"Value"`
			} `xml:"Attribute"`
			MsgAttrs []struct {
				Name     string `xml:"Name"`
				DataType string `xml:"Value>DataType"`
				Value    string `xml:"Value>StringValue"`
			} `xml:"MessageAttribute"`
		} `xml:"ReceiveMessageResult>Message"`
	}
	if status != 200 || xml.Unmarshal([]byte(body), &received) != nil || len(received.Messages) != 1 {
		t.Fatalf("ReceiveMessage: %d %s", status, body)
	}
	m := received.Messages[0]
	if m.Body != "hello <xml> & co" || m.ID != sent.ID || len(m.MsgAttrs) != 1 || m.MsgAttrs[0].Value != "greeting" || m.MsgAttrs[0].DataType != "String" {
		t.Fatalf("message: %+v", m)
	}
	names := map[string]bool{}
	for _, a := range m.Attribs {
		names[a.Name] = true
	}
	if !names["SentTimestamp"] || !names["ApproximateReceiveCount"] {
		t.Fatalf("system attributes: %+v", m.Attribs)
	}

	status, body = postForm(t, base, form("Action", "GetQueueAttributes", "QueueUrl", qurl, "AttributeName.1", "VisibilityTimeout", "AttributeName.2", "ApproximateNumberOfMessagesNotVisible"))
	var attrs struct {
		Attributes []struct {
			Name  string `xml:"Name"`
			Value string `xml:"Value"`
		} `xml:"GetQueueAttributesResult>Attribute"`
	}
	if status != 200 || xml.Unmarshal([]byte(body), &attrs) != nil || len(attrs.Attributes) != 2 {
		t.Fatalf("GetQueueAttributes: %d %s", status, body)
	}
	for _, a := range attrs.Attributes {
		if (a.Name == "VisibilityTimeout" && a.Value != "40") || (a.Name == "ApproximateNumberOfMessagesNotVisible" && a.Value != "1") {
			t.Fatalf("attribute %s = %s", a.Name, a.Value)
		}
	}

	status, body = postForm(t, base, form("Action", "DeleteMessage", "QueueUrl", qurl, "ReceiptHandle", m.Handle))
	if status != 200 || !strings.Contains(body, "<DeleteMessageResponse") {
		t.Fatalf("DeleteMessage: %d %s", status, body)
	}

	status, body = postForm(t, base, form("Action", "ListQueueTags", "QueueUrl", qurl))
	if status != 200 || !strings.Contains(body, "<Tag><Key>team</Key><Value>core</Value></Tag>") {
		t.Fatalf("ListQueueTags: %d %s", status, body)
	}

	errorCases := []struct {
		form   url.Values
		status int
		code   string
	}{
		{form("Action", "GetQueueUrl", "QueueName", "nope"), 400, "AWS.SimpleQueueService.NonExistentQueue"},
		{form("Action", "DeleteMessage", "QueueUrl", qurl, "ReceiptHandle", "forged"), 404, "ReceiptHandleIsInvalid"},
		{form("Action", "ReceiveMessage", "QueueUrl", qurl, "MaxNumberOfMessages", "eleven"), 400, "InvalidParameterValue"},
		{form("Action", "SendMessage", "QueueUrl", qurl), 400, "MissingParameter"},
		{form("Action", "Frobnicate"), 400, "InvalidAction"},
		{form("Action", "SendMessageBatch", "QueueUrl", qurl,
			"SendMessageBatchRequestEntry.1.Id", "a", "SendMessageBatchRequestEntry.1.MessageBody", "x",
			"SendMessageBatchRequestEntry.2.Id", "a", "SendMessageBatchRequestEntry.2.MessageBody", "y"), 400, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"},
	}
	for _, tc := range errorCases {
		status, body := postForm(t, base, tc.form)
		var xe xmlError
		if err := xml.Unmarshal([]byte(body), &xe); err != nil || status != tc.status || xe.Code != tc.code || xe.Type != "Sender" || xe.RequestID == "" {
			t.Errorf("%s: got %d %s, want %d %s", tc.form.Get("Action"), status, body, tc.status, tc.code)
		}
	}

	// Malformed JSON on the JSON protocol is refused without harm.
	req, _ := http.NewRequest("POST", base, strings.NewReader("{not json"))
	req.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(raw), "__type") {
		t.Fatalf("malformed JSON: %d %s", resp.StatusCode, raw)
	}
}
