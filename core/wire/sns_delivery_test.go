package wire_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/skyport-dev/skyport/core"
)

// A delivery pending when the core stops is made after it opens again,
// once, and the subscription survives with its attributes.
func TestSNSRestartResumesPendingDeliveries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skyport.db")
	e := start(t, core.Config{DataPath: path})
	c := e.snsClient()
	arn := e.createTopic(t, c, "durable", nil)
	ep := newEndpoint(t, 200, 500) // confirmation, then the first attempt fails
	events := e.core.Events(1024)
	sub, _ := e.confirmHTTP(t, c, arn, ep, map[string]string{"RawMessageDelivery": "true"})
	pub, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("survive")})
	if err != nil {
		t.Fatal(err)
	}
	if p := ep.next(t); p.body != "survive" {
		t.Fatalf("first attempt body %q", p.body)
	}
	waitRetry(t, e, events, 0) // the retry is scheduled 20 s out; stop before it runs
	events.Close()
	e.stop()

	e2 := start(t, core.Config{DataPath: path})
	p := ep.next(t)
	if p.body != "survive" || p.header.Get("x-amz-sns-message-id") != *pub.MessageId || p.header.Get("x-amz-sns-rawdelivery") != "true" {
		t.Fatalf("resumed delivery: %q %v", p.body, p.header)
	}
	e2.waitIdle(t)
	select {
	case extra := <-ep.got:
		t.Fatalf("delivered twice: %q", extra.body)
	default:
	}
	c2 := e2.snsClient()
	attrs, err := c2.GetSubscriptionAttributes(e2.ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if err != nil || attrs.Attributes["RawMessageDelivery"] != "true" || attrs.Attributes["PendingConfirmation"] != "false" {
		t.Fatalf("subscription after restart: %v %v", attrs, err)
	}
	if _, err := c2.Publish(e2.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("after")}); err != nil {
		t.Fatal(err)
	}
	if p := ep.next(t); p.body != "after" {
		t.Fatalf("after restart: %q", p.body)
	}

	// Counts of the topic survive too.
	if _, err := c2.Unsubscribe(e2.ctx, &sns.UnsubscribeInput{SubscriptionArn: &sub}); err != nil {
		t.Fatal(err)
	}
	e2.stop()
	e3 := start(t, core.Config{DataPath: path})
	attrs3, err := e3.snsClient().GetTopicAttributes(e3.ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil || attrs3.Attributes["SubscriptionsDeleted"] != "1" || attrs3.Attributes["SubscriptionsConfirmed"] != "0" {
		t.Fatalf("topic after a second restart: %v %v", attrs3, err)
	}
}

// A lambda subscription to a function that does not exist fails each
// delivery for good ("function not found") and dead-letters it.
func TestSNSLambdaToMissingFunctionDeadLetters(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "fn", nil)
	dlq := e.createQueue(t, "fn-dlq", nil)
	fn := "arn:aws:lambda:us-east-1:000000000000:function:handler"
	out, err := c.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("lambda"), Endpoint: &fn,
		Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + queueARN("fn-dlq") + `"}`}})
	if err != nil || !strings.HasPrefix(*out.SubscriptionArn, arn+":") {
		t.Fatalf("lambda subscribe: %v %v", out, err)
	}
	_, err = c.SetSubscriptionAttributes(e.ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: out.SubscriptionArn,
		AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("true")})
	wantCode(t, err, "InvalidParameter")
	if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("to a function")}); err != nil {
		t.Fatal(err)
	}
	var env envelope
	if json.Unmarshal([]byte(*e.receiveN(t, dlq, 1)[0].Body), &env) != nil || env.Message != "to a function" {
		t.Fatalf("dead letter: %+v", env)
	}
	e.waitIdle(t)
	sum := e.core.Topics().Topics()[0].Subscriptions[0]
	if sum.Failed != 1 || sum.DeadLetters != 1 || !strings.Contains(strings.ToLower(sum.LastError), "function not found") {
		t.Fatalf("lambda subscription status: %+v", sum)
	}
}

// An sqs subscription whose queue is gone dead-letters at once (a client
// error, no retries), and the topic keeps delivering to the others.
func TestSNSMissingQueueDeadLetters(t *testing.T) {
	e := start(t, core.Config{})
	c := e.snsClient()
	arn := e.createTopic(t, c, "gone", nil)
	dlq := e.createQueue(t, "gone-dlq", nil)
	ok := e.createQueue(t, "ok", nil)
	e.subscribeQueue(t, c, arn, "ok", nil)
	e.subscribeQueue(t, c, arn, "never-created", map[string]string{"RawMessageDelivery": "true",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + queueARN("gone-dlq") + `"}`})
	if _, err := c.Publish(e.ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("m")}); err != nil {
		t.Fatal(err)
	}
	if got := e.receiveN(t, dlq, 1); *got[0].Body != "m" {
		t.Fatalf("dead letter %q", *got[0].Body)
	}
	e.receiveN(t, ok, 1)
}
