package wire_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/topic"
	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// snsClient returns an SNS client pointed at e's listener.
func (e *env) snsClient() *sns.Client {
	return sns.New(sns.Options{
		HTTPClient:   sdkhttp.Client(),
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.srv.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func (e *env) createTopic(t *testing.T, c *sns.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateTopic(e.ctx, &sns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateTopic %s: %v", name, err)
	}
	return *out.TopicArn
}

func queueARN(name string) string { return "arn:aws:sqs:us-east-1:000000000000:" + name }

func (e *env) subscribeQueue(t *testing.T, c *sns.Client, topicARN, queue string, attrs map[string]string) string {
	t.Helper()
	out, err := c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: &topicARN, Protocol: aws.String("sqs"),
		Endpoint: aws.String(queueARN(queue)), Attributes: attrs, ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatalf("Subscribe %s: %v", queue, err)
	}
	return *out.SubscriptionArn
}

// receiveN long-polls a queue until it has n messages (deleting them) or
// a deadline passes.
func (e *env) receiveN(t *testing.T, url string, n int) []types.Message {
	t.Helper()
	var got []types.Message
	deadline := time.Now().Add(15 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10,
			WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			got = append(got, m)
			if _, err := e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(got) != n {
		t.Fatalf("queue %s: received %d messages, want %d", url, len(got), n)
	}
	return got
}

// queueEmpty checks that nothing (more) arrives at a queue right now.
func (e *env) queueEmpty(t *testing.T, url string) {
	t.Helper()
	out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 0 {
		t.Fatalf("queue %s has unexpected messages: %v", url, *out.Messages[0].Body)
	}
}

// waitIdle waits until the topic service has no pending deliveries.
func (e *env) waitIdle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		pending := int64(0)
		for _, s := range e.core.Topics().Topics() {
			pending += s.Pending
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending", pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSNSTopicLifecycle(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "orders", map[string]string{"DisplayName": "Orders"})
	if arn != "arn:aws:sns:us-east-1:000000000000:orders" {
		t.Fatalf("topic ARN %s", arn)
	}
	if again := e.createTopic(t, c, "orders", map[string]string{"DisplayName": "Orders"}); again != arn {
		t.Fatalf("idempotent create gave %s", again)
	}
	_, err := c.CreateTopic(e.ctx, &sns.CreateTopicInput{Name: aws.String("orders"), Attributes: map[string]string{"DisplayName": "Other"}})
	wantCode(t, err, "InvalidParameter")
	_, err = c.CreateTopic(e.ctx, &sns.CreateTopicInput{Name: aws.String("bad name!")})
	wantCode(t, err, "InvalidParameter")
	_, err = c.CreateTopic(e.ctx, &sns.CreateTopicInput{Name: aws.String("x.fifo")})
	wantCode(t, err, "InvalidParameter")
	_, err = c.CreateTopic(e.ctx, &sns.CreateTopicInput{Name: aws.String("x"), Attributes: map[string]string{"Bogus": "1"}})
	wantCode(t, err, "InvalidParameter")

	attrs, err := c.GetTopicAttributes(e.ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"TopicArn": arn, "DisplayName": "Orders", "Owner": "000000000000",
		"SubscriptionsConfirmed": "0", "SubscriptionsPending": "0", "SignatureVersion": "1"} {
		if attrs.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs.Attributes[k], v)
		}
	}
	if !json.Valid([]byte(attrs.Attributes["Policy"])) || !json.Valid([]byte(attrs.Attributes["EffectiveDeliveryPolicy"])) {
		t.Errorf("Policy/EffectiveDeliveryPolicy not JSON: %v", attrs.Attributes)
	}
	if _, err := c.SetTopicAttributes(e.ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("New")}); err != nil {
		t.Fatal(err)
	}
	attrs, _ = c.GetTopicAttributes(e.ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if attrs.Attributes["DisplayName"] != "New" {
		t.Fatalf("DisplayName after set: %q", attrs.Attributes["DisplayName"])
	}
	_, err = c.SetTopicAttributes(e.ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("ContentBasedDeduplication"), AttributeValue: aws.String("true")})
	wantCode(t, err, "InvalidParameter")

	// Tags.
	if _, err := c.TagResource(e.ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []snstypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(e.ctx, &sns.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(e.ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" || *tags.Tags[0].Value != "a" {
		t.Fatalf("tags: %+v %v", tags, err)
	}
	_, err = c.ListTagsForResource(e.ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arn + "-missing")})
	var rnf *snstypes.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("tags of a missing topic: %v", err)
	}

	// ListTopics pages by 100.
	for i := 0; i < 104; i++ {
		e.createTopic(t, c, fmt.Sprintf("t%03d", i), nil)
	}
	var listed []string
	pages := 0
	p := sns.NewListTopicsPaginator(c, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tp := range page.Topics {
			listed = append(listed, *tp.TopicArn)
		}
	}
	if len(listed) != 105 || pages != 2 || !sort.StringsAreSorted(listed) {
		t.Fatalf("ListTopics gave %d topics in %d pages", len(listed), pages)
	}
	_, err = c.ListTopics(e.ctx, &sns.ListTopicsInput{NextToken: aws.String("!!")})
	wantCode(t, err, "InvalidParameter")

	if _, err := c.DeleteTopic(e.ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTopic(e.ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatalf("deleting a missing topic: %v", err)
	}
	_, err = c.GetTopicAttributes(e.ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	var nf *snstypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("deleted topic: %v", err)
	}
	_, err = c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("x")})
	wantCode(t, err, "NotFound")
}

// envelope is the SNS JSON document as a subscriber parses it.
type envelope struct {
	Type              string
	MessageID         string `json:"MessageId"`
	TopicArn          string
	Subject           string
	Message           string
	Timestamp         string
	SignatureVersion  string
	Signature         string
	SigningCertURL    string
	UnsubscribeURL    string
	SubscribeURL      string
	Token             string
	SequenceNumber    string
	MessageAttributes map[string]struct{ Type, Value string }
}

func TestSNSFanOutRawAndEnveloped(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "events", nil)
	envURL := e.createQueue(t, "enveloped", nil)
	rawURL := e.createQueue(t, "raw", nil)
	filteredURL := e.createQueue(t, "filtered", nil)
	envSub := e.subscribeQueue(t, c, arn, "enveloped", nil)
	e.subscribeQueue(t, c, arn, "raw", map[string]string{"RawMessageDelivery": "true"})
	e.subscribeQueue(t, c, arn, "filtered", map[string]string{"FilterPolicy": `{"kind":["refund"]}`})

	pub, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String(`{"order":1}`), Subject: aws.String("New order"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"kind":   {DataType: aws.String("String"), StringValue: aws.String("order")},
			"amount": {DataType: aws.String("Number"), StringValue: aws.String("12.5")},
			"blob":   {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	got := e.receiveN(t, envURL, 1)[0]
	var env envelope
	if err := json.Unmarshal([]byte(*got.Body), &env); err != nil {
		t.Fatalf("envelope is not JSON: %v\n%s", err, *got.Body)
	}
	if env.Type != "Notification" || env.MessageID != *pub.MessageId || env.TopicArn != arn || env.Subject != "New order" ||
		env.Message != `{"order":1}` || env.SignatureVersion != "1" || env.Signature == "" {
		t.Fatalf("envelope fields: %+v", env)
	}
	if ts, err := time.Parse("2006-01-02T15:04:05.000Z", env.Timestamp); err != nil || time.Since(ts) > time.Minute {
		t.Fatalf("Timestamp %q: %v", env.Timestamp, err)
	}
	if !strings.HasPrefix(env.SigningCertURL, e.srv.URL()) || !strings.Contains(env.UnsubscribeURL, "Action=Unsubscribe") {
		t.Fatalf("URLs: %s %s", env.SigningCertURL, env.UnsubscribeURL)
	}
	if env.MessageAttributes["kind"].Type != "String" || env.MessageAttributes["kind"].Value != "order" ||
		env.MessageAttributes["amount"].Type != "Number" || env.MessageAttributes["blob"].Value != base64.StdEncoding.EncodeToString([]byte{0, 1, 2}) {
		t.Fatalf("envelope attributes: %+v", env.MessageAttributes)
	}
	if err := e.core.Topics().Verify(topic.Envelope{Type: env.Type, MessageID: env.MessageID, TopicArn: env.TopicArn, Subject: env.Subject,
		Message: env.Message, Timestamp: env.Timestamp, SignatureVersion: env.SignatureVersion, Signature: env.Signature}); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	resp, err := http.Get(env.SigningCertURL)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(cert), "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("signing cert: %s", cert)
	}

	raw := e.receiveN(t, rawURL, 1)[0]
	if *raw.Body != `{"order":1}` {
		t.Fatalf("raw body %q", *raw.Body)
	}
	if a := raw.MessageAttributes["kind"]; *a.DataType != "String" || *a.StringValue != "order" {
		t.Fatalf("raw attributes: %+v", raw.MessageAttributes)
	}
	if a := raw.MessageAttributes["blob"]; *a.DataType != "Binary" || string(a.BinaryValue) != "\x00\x01\x02" {
		t.Fatalf("raw binary attribute: %+v", a)
	}
	e.waitIdle(t)
	e.queueEmpty(t, filteredURL)

	// A message the filter accepts reaches the filtered queue too.
	if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("refund 7"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("refund")}}}); err != nil {
		t.Fatal(err)
	}
	var fenv envelope
	if err := json.Unmarshal([]byte(*e.receiveN(t, filteredURL, 1)[0].Body), &fenv); err != nil || fenv.Message != "refund 7" {
		t.Fatalf("filtered delivery: %+v %v", fenv, err)
	}
	e.receiveN(t, envURL, 1)
	e.receiveN(t, rawURL, 1)

	// Unsubscribe through the UnsubscribeURL link, as an endpoint would.
	resp, err = http.Get(env.UnsubscribeURL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("UnsubscribeURL: %v %v", resp, err)
	}
	resp.Body.Close()
	_, err = c.GetSubscriptionAttributes(e.ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &envSub})
	wantCode(t, err, "NotFound")
	if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("after")}); err != nil {
		t.Fatal(err)
	}
	e.receiveN(t, rawURL, 1)
	e.waitIdle(t)
	e.queueEmpty(t, envURL)

	resp, err = http.Get(e.srv.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	prom, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{`skyport_topic_messages_published_total{topic="events"} 3`,
		`skyport_topic_deliveries_succeeded_total{topic="events"} 6`, `skyport_topic_deliveries_failed_total{topic="events"} 0`,
		`skyport_topic_deliveries_pending{topic="events"} 0`} {
		if !strings.Contains(string(prom), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

func TestSNSSubscriptionActions(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "subs", nil)
	other := e.createTopic(t, c, "other", nil)
	e.createQueue(t, "q1", nil)
	sub := e.subscribeQueue(t, c, arn, "q1", nil)
	if again := e.subscribeQueue(t, c, arn, "q1", nil); again != sub {
		t.Fatalf("idempotent subscribe gave %s, want %s", again, sub)
	}
	for i := 0; i < 103; i++ {
		e.subscribeQueue(t, c, other, fmt.Sprintf("q%03d", i), nil)
	}
	count := func(p interface {
		HasMorePages() bool
	}, next func() ([]snstypes.Subscription, error)) (n, pages int) {
		for p.HasMorePages() {
			subs, err := next()
			if err != nil {
				t.Fatal(err)
			}
			n += len(subs)
			pages++
		}
		return n, pages
	}
	all := sns.NewListSubscriptionsPaginator(c, &sns.ListSubscriptionsInput{})
	if n, pages := count(all, func() ([]snstypes.Subscription, error) {
		out, err := all.NextPage(e.ctx)
		if err != nil {
			return nil, err
		}
		return out.Subscriptions, nil
	}); n != 104 || pages != 2 {
		t.Fatalf("ListSubscriptions: %d in %d pages", n, pages)
	}
	byTopic, err := c.ListSubscriptionsByTopic(e.ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if err != nil || len(byTopic.Subscriptions) != 1 || *byTopic.Subscriptions[0].SubscriptionArn != sub ||
		*byTopic.Subscriptions[0].Protocol != "sqs" || *byTopic.Subscriptions[0].Endpoint != queueARN("q1") || *byTopic.Subscriptions[0].Owner != "000000000000" {
		t.Fatalf("ListSubscriptionsByTopic: %+v %v", byTopic, err)
	}

	attrs, err := c.GetSubscriptionAttributes(e.ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"SubscriptionArn": sub, "TopicArn": arn, "Protocol": "sqs", "Endpoint": queueARN("q1"),
		"PendingConfirmation": "false", "RawMessageDelivery": "false"} {
		if attrs.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs.Attributes[k], v)
		}
	}
	set := func(name, value string) error {
		_, err := c.SetSubscriptionAttributes(e.ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: &sub, AttributeName: &name, AttributeValue: &value})
		return err
	}
	if err := set("FilterPolicy", `{"store":["a"]}`); err != nil {
		t.Fatal(err)
	}
	if err := set("FilterPolicyScope", "MessageBody"); err != nil {
		t.Fatal(err)
	}
	if err := set("RawMessageDelivery", "true"); err != nil {
		t.Fatal(err)
	}
	attrs, _ = c.GetSubscriptionAttributes(e.ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if attrs.Attributes["FilterPolicy"] != `{"store":["a"]}` || attrs.Attributes["FilterPolicyScope"] != "MessageBody" || attrs.Attributes["RawMessageDelivery"] != "true" {
		t.Fatalf("after set: %v", attrs.Attributes)
	}
	for _, bad := range []struct{ name, value, msg string }{
		{"FilterPolicy", `{"a":"b"}`, `Invalid parameter: FilterPolicy: "a" must be an object or an array`},
		{"FilterPolicy", `{"a":[{"numeric":[">",1,">",2]}]}`, "Invalid parameter: FilterPolicy: Bad numeric range operator: >"},
		{"FilterPolicy", `{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}`, "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"},
		{"FilterPolicyScope", "Everything", "Invalid parameter: FilterPolicyScope: Invalid value [Everything]. Please use either MessageBody or MessageAttributes"},
		{"RawMessageDelivery", "yes", "Invalid parameter: RawMessageDelivery: Invalid value [yes]. Must be true or false."},
		{"RedrivePolicy", `{"deadLetterTargetArn":"nope"}`, "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn"},
		{"Color", "blue", "Invalid parameter: AttributeName"},
	} {
		err := set(bad.name, bad.value)
		wantCode(t, err, "InvalidParameter")
		if !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%s=%s: %v, want message %q", bad.name, bad.value, err, bad.msg)
		}
	}
	// The policy in force is unchanged by the rejected ones.
	attrs, _ = c.GetSubscriptionAttributes(e.ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if attrs.Attributes["FilterPolicy"] != `{"store":["a"]}` {
		t.Fatalf("policy after rejected sets: %v", attrs.Attributes["FilterPolicy"])
	}

	// Subscribe errors.
	for _, bad := range []struct{ protocol, endpoint, code, msg string }{
		{"carrier-pigeon", "x", "InvalidParameter", "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon"},
		{"sqs", "not-an-arn", "InvalidParameter", "Invalid parameter: SQS endpoint ARN"},
		{"http", "ftp://x", "InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol"},
		{"lambda", "arn:aws:sqs:us-east-1:000000000000:q", "InvalidParameter", "Invalid parameter: Lambda endpoint ARN"},
	} {
		_, err := c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: &bad.protocol, Endpoint: &bad.endpoint})
		wantCode(t, err, bad.code)
		if !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%s %s: %v", bad.protocol, bad.endpoint, err)
		}
	}
	_, err = c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("q1")),
		Attributes: map[string]string{"FilterPolicy": `{"x":[{"exists":"maybe"}]}`}})
	wantCode(t, err, "InvalidParameter")
	if !strings.Contains(err.Error(), "Invalid parameter: Attributes Reason: FilterPolicy: exists match pattern must be either true or false.") {
		t.Errorf("subscribe with a bad policy: %v", err)
	}
	_, err = c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: aws.String(arn + "x"), Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("q1"))})
	wantCode(t, err, "NotFound")

	if _, err := c.Unsubscribe(e.ctx, &sns.UnsubscribeInput{SubscriptionArn: &sub}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Unsubscribe(e.ctx, &sns.UnsubscribeInput{SubscriptionArn: &sub})
	wantCode(t, err, "NotFound")
	_, err = c.GetSubscriptionAttributes(e.ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String("garbage")})
	wantCode(t, err, "InvalidParameter")
	topicAttrs, _ := c.GetTopicAttributes(e.ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if topicAttrs.Attributes["SubscriptionsDeleted"] != "1" || topicAttrs.Attributes["SubscriptionsConfirmed"] != "0" {
		t.Fatalf("topic counts: %v", topicAttrs.Attributes)
	}
}

func TestSNSPublishBatchAndLimits(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "batch", nil)
	url := e.createQueue(t, "batch-q", nil)
	e.subscribeQueue(t, c, arn, "batch-q", map[string]string{"RawMessageDelivery": "true"})

	entries := []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: aws.String("one")},
		{Id: aws.String("b"), Message: aws.String("two"), MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"n": {DataType: aws.String("Number"), StringValue: aws.String("nope")}}},
		{Id: aws.String("c"), Message: aws.String("three")},
	}
	out, err := c.PublishBatch(e.ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 || *out.Failed[0].Id != "b" || *out.Failed[0].Code != "ParameterValueInvalid" || !out.Failed[0].SenderFault {
		t.Fatalf("batch result: %+v", out)
	}
	bodies := []string{}
	for _, m := range e.receiveN(t, url, 2) {
		bodies = append(bodies, *m.Body)
	}
	sort.Strings(bodies)
	if strings.Join(bodies, ",") != "one,three" {
		t.Fatalf("batch delivered %v", bodies)
	}

	_, err = c.PublishBatch(e.ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("x"), Message: aws.String("1")}, {Id: aws.String("x"), Message: aws.String("2")}}})
	var notDistinct *snstypes.BatchEntryIdsNotDistinctException
	if !errors.As(err, &notDistinct) {
		t.Fatalf("duplicate ids: %v", err)
	}
	var eleven []snstypes.PublishBatchRequestEntry
	for i := 0; i < 11; i++ {
		eleven = append(eleven, snstypes.PublishBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), Message: aws.String("m")})
	}
	_, err = c.PublishBatch(e.ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: eleven})
	wantCode(t, err, "TooManyEntriesInBatchRequest")
	_, err = c.PublishBatch(e.ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("bad id!"), Message: aws.String("1")}}})
	wantCode(t, err, "InvalidBatchEntryId")
	big := strings.Repeat("x", 200<<10)
	_, err = c.PublishBatch(e.ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("1"), Message: &big}, {Id: aws.String("2"), Message: &big}}})
	wantCode(t, err, "BatchRequestTooLong")

	// Oversized, empty and malformed messages: the AWS error, nothing stored.
	tooBig := strings.Repeat("y", 256<<10+1)
	_, err = c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: &tooBig})
	wantCode(t, err, "InvalidParameter")
	if !strings.Contains(err.Error(), "Invalid parameter: Message too long") {
		t.Errorf("oversized: %v", err)
	}
	exact := strings.Repeat("z", 256<<10)
	if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: &exact}); err != nil {
		t.Fatalf("a 256 KiB message: %v", err)
	}
	if got := e.receiveN(t, url, 1); len(*got[0].Body) != 256<<10 {
		t.Fatalf("256 KiB message arrived with %d bytes", len(*got[0].Body))
	}
	_, err = c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String(`{"x":"y"}`), MessageStructure: aws.String("json")})
	wantCode(t, err, "InvalidParameter")
	_, err = c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("m"), Subject: aws.String("line\nbreak")})
	wantCode(t, err, "InvalidParameter")
	_, err = c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("m"), MessageAttributes: map[string]snstypes.MessageAttributeValue{
		"k": {DataType: aws.String("Date"), StringValue: aws.String("x")}}})
	wantCode(t, err, "ParameterValueInvalid")
	_, err = c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("m"), MessageDeduplicationId: aws.String("d")})
	wantCode(t, err, "InvalidParameter")

	// MessageStructure=json picks the sqs entry.
	if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, MessageStructure: aws.String("json"),
		Message: aws.String(`{"default":"for all","sqs":"for queues"}`)}); err != nil {
		t.Fatal(err)
	}
	if got := e.receiveN(t, url, 1); *got[0].Body != "for queues" {
		t.Fatalf("MessageStructure json delivered %q", *got[0].Body)
	}
	e.waitIdle(t)
	e.queueEmpty(t, url)
}

func TestSNSFIFOTopicToFIFOQueue(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "orders.fifo", map[string]string{"FifoTopic": "true"})
	url := e.createQueue(t, "orders.fifo", map[string]string{"FifoQueue": "true"})
	e.createQueue(t, "std", nil)
	_, err := c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("std"))})
	wantCode(t, err, "InvalidParameter")
	_, err = c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: aws.String("http://127.0.0.1:1/")})
	wantCode(t, err, "InvalidParameter")
	std := e.createTopic(t, c, "plain", nil)
	_, err = c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: &std, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("orders.fifo"))})
	wantCode(t, err, "InvalidParameter")
	e.subscribeQueue(t, c, arn, "orders.fifo", map[string]string{"RawMessageDelivery": "true"})

	_, err = c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("no group")})
	wantCode(t, err, "InvalidParameter")
	_, err = c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("no dedup"), MessageGroupId: aws.String("g")})
	wantCode(t, err, "InvalidParameter")

	const n = 30
	var seqs []string
	for i := 0; i < n; i++ {
		out, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String(fmt.Sprintf("m%02d", i)),
			MessageGroupId: aws.String(fmt.Sprintf("g%d", i%3)), MessageDeduplicationId: aws.String(fmt.Sprintf("d%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		if out.SequenceNumber == nil || len(*out.SequenceNumber) != 20 {
			t.Fatalf("sequence number %v", out.SequenceNumber)
		}
		seqs = append(seqs, *out.SequenceNumber)
	}
	if !sort.StringsAreSorted(seqs) {
		t.Fatalf("sequence numbers not increasing: %v", seqs)
	}
	// A duplicate inside the window returns the original and delivers nothing.
	dup, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("again"), MessageGroupId: aws.String("g0"), MessageDeduplicationId: aws.String("d0")})
	if err != nil || *dup.SequenceNumber != seqs[0] {
		t.Fatalf("duplicate publish: %v %v", dup, err)
	}
	perGroup := map[string][]string{}
	for _, m := range e.receiveN(t, url, n) {
		g := m.Attributes["MessageGroupId"]
		perGroup[g] = append(perGroup[g], *m.Body)
	}
	for g, bodies := range perGroup {
		if !sort.StringsAreSorted(bodies) || len(bodies) != n/3 {
			t.Fatalf("group %s out of order or incomplete: %v", g, bodies)
		}
	}
	e.waitIdle(t)
	e.queueEmpty(t, url)

	// Content-based deduplication on the topic.
	if _, err := c.SetTopicAttributes(e.ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("ContentBasedDeduplication"), AttributeValue: aws.String("true")}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("same body"), MessageGroupId: aws.String("g")}); err != nil {
			t.Fatal(err)
		}
	}
	e.receiveN(t, url, 1)
	e.waitIdle(t)
	e.queueEmpty(t, url)
	e.core.AdvanceClock(topic.DedupWindow + time.Second)
	if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("same body"), MessageGroupId: aws.String("g2")}); err != nil {
		t.Fatal(err)
	}
	e.receiveN(t, url, 1)
}

// endpoint is an httptest server that records SNS requests and answers
// with the statuses it is told.
type endpoint struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status []int // answers for the next requests; 200 when used up
	got    chan snsPost
}

type snsPost struct {
	header http.Header
	body   string
}

func newEndpoint(t *testing.T, statuses ...int) *endpoint {
	ep := &endpoint{status: statuses, got: make(chan snsPost, 100)}
	ep.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ep.mu.Lock()
		code := 200
		if len(ep.status) > 0 {
			code, ep.status = ep.status[0], ep.status[1:]
		}
		ep.mu.Unlock()
		ep.got <- snsPost{header: r.Header.Clone(), body: string(b)}
		w.WriteHeader(code)
	}))
	t.Cleanup(ep.srv.Close)
	return ep
}

func (ep *endpoint) next(t *testing.T) snsPost {
	t.Helper()
	select {
	case p := <-ep.got:
		return p
	case <-time.After(15 * time.Second):
		t.Fatal("endpoint got no request")
	}
	return snsPost{}
}

// confirmHTTP subscribes ep and confirms through the SubscribeURL it is
// sent; it returns the subscription ARN and the confirmation token.
func (e *env) confirmHTTP(t *testing.T, c *sns.Client, topicARN string, ep *endpoint, attrs map[string]string) (string, string) {
	t.Helper()
	out, err := c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: &topicARN, Protocol: aws.String("http"), Endpoint: aws.String(ep.srv.URL + "/hook"), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if *out.SubscriptionArn != "pending confirmation" {
		t.Fatalf("http subscribe returned %s", *out.SubscriptionArn)
	}
	p := ep.next(t)
	var conf envelope
	if err := json.Unmarshal([]byte(p.body), &conf); err != nil {
		t.Fatal(err)
	}
	if conf.Type != "SubscriptionConfirmation" || p.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" ||
		conf.Token == "" || conf.TopicArn != topicARN || !strings.HasPrefix(conf.SubscribeURL, e.srv.URL()) || conf.Signature == "" {
		t.Fatalf("confirmation: %+v %v", conf, p.header)
	}
	list, _ := c.ListSubscriptionsByTopic(e.ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &topicARN})
	if len(list.Subscriptions) != 1 || *list.Subscriptions[0].SubscriptionArn != "PendingConfirmation" {
		t.Fatalf("pending subscription listed as %+v", list.Subscriptions)
	}
	resp, err := http.Get(conf.SubscribeURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<SubscriptionArn>"+topicARN+":") {
		t.Fatalf("SubscribeURL answered %d %s", resp.StatusCode, body)
	}
	list, _ = c.ListSubscriptionsByTopic(e.ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &topicARN})
	return *list.Subscriptions[0].SubscriptionArn, conf.Token
}

func TestSNSHTTPConfirmationAndRetries(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "hooks", nil)
	ep := newEndpoint(t, 200, 500, 500) // confirmation OK, then two failures
	events := e.core.Events(1024)
	defer events.Close()
	sub, token := e.confirmHTTP(t, c, arn, ep, nil)
	_, err := c.ConfirmSubscription(e.ctx, &sns.ConfirmSubscriptionInput{TopicArn: &arn, Token: aws.String("wrong")})
	wantCode(t, err, "InvalidParameter")
	again, err := c.ConfirmSubscription(e.ctx, &sns.ConfirmSubscriptionInput{TopicArn: &arn, Token: &token})
	if err != nil || *again.SubscriptionArn != sub {
		t.Fatalf("ConfirmSubscription through the SDK: %v %v", again, err)
	}
	attrs, err := c.GetSubscriptionAttributes(e.ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if err != nil || attrs.Attributes["PendingConfirmation"] != "false" || attrs.Attributes["Protocol"] != "http" {
		t.Fatalf("confirmed subscription: %v %v", attrs, err)
	}

	pub, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("ping"), Subject: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		p := ep.next(t)
		for k, v := range map[string]string{"X-Amz-Sns-Message-Type": "Notification", "X-Amz-Sns-Message-Id": *pub.MessageId,
			"X-Amz-Sns-Topic-Arn": arn, "X-Amz-Sns-Subscription-Arn": sub, "Content-Type": "text/plain; charset=UTF-8",
			"User-Agent": "Amazon Simple Notification Service Agent"} {
			if p.header.Get(k) != v {
				t.Fatalf("attempt %d: header %s = %q, want %q", attempt, k, p.header.Get(k), v)
			}
		}
		var env envelope
		if json.Unmarshal([]byte(p.body), &env) != nil || env.Message != "ping" || env.MessageID != *pub.MessageId {
			t.Fatalf("attempt %d body %s", attempt, p.body)
		}
		if attempt < 3 {
			// The default HTTP policy retries 20 s later, on the core clock.
			waitRetry(t, e, events, 20*time.Second)
		}
	}
	e.waitIdle(t)
	sum := e.core.Topics().Topics()[0]
	if sum.Delivered != 1 || sum.Subscriptions[0].Delivered != 1 || sum.Failed != 0 {
		t.Fatalf("summary after retries: %+v", sum)
	}
}

// waitRetry advances the clock by d once the topic service reports a
// retry scheduled.
func waitRetry(t *testing.T, e *env, events *event.Subscription, d time.Duration) {
	t.Helper()
	for {
		select {
		case ev := <-events.C:
			if ev.Kind == event.DeliveryFailed && strings.Contains(ev.Message, "retrying in") {
				e.core.AdvanceClock(d)
				return
			}
		case <-time.After(15 * time.Second):
			t.Fatal("no retry was scheduled")
		}
	}
}

func TestSNSDeadLetterAfterRetries(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "dl", nil)
	dlqURL := e.createQueue(t, "dl-dlq", nil)
	ep := newEndpoint(t, 200, 500, 503, 500)
	events := e.core.Events(1024)
	defer events.Close()
	_, _ = e.confirmHTTP(t, c, arn, ep, map[string]string{
		"RedrivePolicy":  `{"deadLetterTargetArn":"` + queueARN("dl-dlq") + `"}`,
		"DeliveryPolicy": `{"healthyRetryPolicy":{"numRetries":2,"minDelayTarget":5,"maxDelayTarget":5}}`,
	})
	ep.mu.Lock()
	ep.status = []int{500, 500, 500}
	ep.mu.Unlock()
	if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("doomed")}); err != nil {
		t.Fatal(err)
	}
	ep.next(t)
	waitRetry(t, e, events, 5*time.Second)
	ep.next(t)
	waitRetry(t, e, events, 5*time.Second)
	ep.next(t)
	dead := e.receiveN(t, dlqURL, 1)[0]
	var env envelope
	if json.Unmarshal([]byte(*dead.Body), &env) != nil || env.Message != "doomed" || env.Type != "Notification" {
		t.Fatalf("dead letter: %s", *dead.Body)
	}
	for {
		select {
		case ev := <-events.C:
			if ev.Kind == event.DeliveryFailed && ev.Level == event.Warn {
				if !strings.Contains(ev.Message, "after 3 attempts") || !strings.Contains(ev.Message, "dead-letter") {
					t.Fatalf("failure event: %s", ev.Message)
				}
				sum := e.core.Topics().Topics()[0]
				if sum.Failed != 1 || sum.Subscriptions[0].DeadLetters != 1 {
					t.Fatalf("summary: %+v", sum)
				}
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no failure event")
		}
	}
}
