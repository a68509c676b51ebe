package wire_test

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzSNSQuery feeds arbitrary form bodies to every SNS action: the answer
// is a success or an XML ErrorResponse with a client error, never a panic
// or a 5xx.
func FuzzSNSQuery(f *testing.F) {
	for _, seed := range []string{
		"Action=CreateTopic&Name=fuzz2&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=x",
		"Action=CreateTopic&Name=f.fifo&Attributes.entry.1.key=FifoTopic&Attributes.entry.1.value=true&Tags.member.1.Key=k&Tags.member.1.Value=v",
		"Action=Publish&TopicArn=arn:aws:sns:us-east-1:000000000000:fuzz&Message=hi&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=Number&MessageAttributes.entry.1.Value.StringValue=1",
		"Action=Publish&TargetArn=arn:aws:sns:us-east-1:000000000000:fuzz&Message=%7B%7D&MessageStructure=json",
		"Action=PublishBatch&TopicArn=arn:aws:sns:us-east-1:000000000000:fuzz&PublishBatchRequestEntries.member.1.Id=a&PublishBatchRequestEntries.member.1.Message=x&PublishBatchRequestEntries.member.2.Id=a",
		"Action=Subscribe&TopicArn=arn:aws:sns:us-east-1:000000000000:fuzz&Protocol=sqs&Endpoint=arn:aws:sqs:us-east-1:000000000000:q&Attributes.entry.1.key=FilterPolicy&Attributes.entry.1.value=%7B%22a%22%3A%5B1%5D%7D",
		"Action=SetSubscriptionAttributes&SubscriptionArn=arn:aws:sns:us-east-1:000000000000:fuzz:x&AttributeName=RawMessageDelivery&AttributeValue=true",
		"Action=ListSubscriptions&NextToken=%21%21",
		"Action=ListTopics&NextToken=YXJu",
		"Action=TagResource&ResourceArn=arn:aws:sns:us-east-1:000000000000:fuzz&Tags.member.1.Key=a",
		"Action=UntagResource&ResourceArn=x&TagKeys.member.1=a",
		"Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:000000000000:fuzz&Token=abc",
		"Action=GetTopicAttributes",
		"Action=Nope&Version=2010-03-31",
	} {
		f.Add(seed)
	}
	r := fuzzRouter(f)
	req := httptest.NewRequest("POST", "/", strings.NewReader("Action=CreateTopic&Version=2010-03-31&Name=fuzz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ServeHTTP(httptest.NewRecorder(), req)
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		// Keep the fixture, and never post confirmations to arbitrary hosts.
		if a := form.Get("Action"); a == "DeleteTopic" || (a == "Subscribe" && strings.Contains(strings.ToLower(body), "http")) {
			return
		}
		form.Set("Version", "2010-03-31")
		req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%q: status %d %s", body, w.Code, w.Body)
		}
		if w.Code != http.StatusOK {
			var e xmlError
			if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == "" || e.Message == "" {
				t.Fatalf("%q: status %d with body %s", body, w.Code, w.Body)
			}
			return
		}
		if err := xml.Unmarshal(w.Body.Bytes(), new(struct{})); err != nil {
			t.Fatalf("%q: body is not XML: %s", body, w.Body)
		}
	})
}
