package wire

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"sort"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/topic"
)

// SNS is served in the query protocol: form fields Action=…&Version=2010-03-31
// (also in the URL, for the SubscribeURL and UnsubscribeURL links that
// endpoints follow), XML responses. Lists and maps are spelled the AWS way:
// Attributes.entry.N.key/value, MessageAttributes.entry.N.Name/Value.*,
// Tags.member.N.Key/Value, TagKeys.member.N,
// PublishBatchRequestEntries.member.N.*.

// snsQueryVersion is the Version of the SNS query protocol.
const snsQueryVersion = "2010-03-31"

const snsXMLNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// snsServer binds the actions to the topic service.
type snsServer struct {
	topics *topic.Service
	chaos  *chaos.Registry // per-topic chaos (sns_chaos.go)
}

// snsRequest is one decoded SNS call.
type snsRequest struct {
	ctx context.Context
	p   formParams
}

type snsAction func(s *snsServer, r *snsRequest) (any, error)

var snsActions = map[string]snsAction{
	"CreateTopic":               (*snsServer).createTopic,
	"DeleteTopic":               (*snsServer).deleteTopic,
	"ListTopics":                (*snsServer).listTopics,
	"GetTopicAttributes":        (*snsServer).getTopicAttributes,
	"SetTopicAttributes":        (*snsServer).setTopicAttributes,
	"Subscribe":                 (*snsServer).subscribe,
	"ConfirmSubscription":       (*snsServer).confirmSubscription,
	"Unsubscribe":               (*snsServer).unsubscribe,
	"ListSubscriptions":         (*snsServer).listSubscriptions,
	"ListSubscriptionsByTopic":  (*snsServer).listSubscriptionsByTopic,
	"GetSubscriptionAttributes": (*snsServer).getSubscriptionAttributes,
	"SetSubscriptionAttributes": (*snsServer).setSubscriptionAttributes,
	"Publish":                   (*snsServer).publish,
	"PublishBatch":              (*snsServer).publishBatch,
	"TagResource":               (*snsServer).tagResource,
	"UntagResource":             (*snsServer).untagResource,
	"ListTagsForResource":       (*snsServer).listTagsForResource,
}

// serveQuery handles one SNS call and writes its XML response.
func (s *snsServer) serveQuery(w http.ResponseWriter, req *http.Request, form url.Values) {
	action := form.Get("Action")
	run, ok := snsActions[action]
	if !ok {
		writeXMLError(w, &Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: "The action " + action + " is not valid for this endpoint."})
		return
	}
	if s.chaos.Active() {
		if e := s.snsChaos(action, form); e != nil {
			writeXMLError(w, e)
			return
		}
	}
	result, err := run(s, &snsRequest{ctx: req.Context(), p: formParams{form: form}})
	if err != nil {
		writeXMLError(w, snsWireError(err))
		return
	}
	id := newRequestID()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", id)
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	root := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: snsXMLNamespace}}}
	if err := enc.EncodeToken(root); err != nil {
		return
	}
	if result == nil {
		result = struct{}{}
	}
	if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
		return
	}
	_ = enc.EncodeElement(struct {
		RequestID string `xml:"RequestId"`
	}{id}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	_ = enc.EncodeToken(root.End())
	_ = enc.Flush()
}

// snsStatus is the HTTP status of each SNS error code (400 otherwise).
var snsStatus = map[topic.Code]int{
	topic.NotFound:                  http.StatusNotFound,
	topic.ResourceNotFound:          http.StatusNotFound,
	topic.InternalError:             http.StatusInternalServerError,
	topic.TopicLimitExceeded:        http.StatusForbidden,
	topic.SubscriptionLimitExceeded: http.StatusForbidden,
	topic.FilterPolicyLimitExceeded: http.StatusForbidden,
}

// snsWireError maps a service or decoding error to the SNS wire error.
func snsWireError(err error) *Error {
	var te *topic.Error
	var pe *paramError
	switch {
	case errors.As(err, &te):
		status, ok := snsStatus[te.Code]
		if !ok {
			status = http.StatusBadRequest
		}
		return &Error{Code: string(te.Code), Status: status, Message: te.Message}
	case errors.As(err, &pe):
		return &Error{Code: string(topic.InvalidParameter), Status: http.StatusBadRequest, Message: "Invalid parameter: " + pe.msg}
	case errors.Is(err, context.Canceled):
		return &Error{Code: "RequestCanceled", Status: 499, Message: "The client closed the request."}
	}
	return &Error{Code: string(topic.InternalError), Status: http.StatusInternalServerError, Message: "Internal error: " + err.Error()}
}

// snsRequired returns a parameter that must be present and non-empty.
func snsRequired(p formParams, name string) (string, error) {
	v, ok, _ := p.str(name)
	if !ok || v == "" {
		return "", &topic.Error{Code: topic.InvalidParameter, Message: "Invalid parameter: " + name}
	}
	return v, nil
}

func snsOptional(p formParams, name string) string {
	v, _, _ := p.str(name)
	return v
}

// ---- results ----

type snsEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type snsAttributesResult struct {
	Attributes []snsEntry `xml:"Attributes>entry"`
}

func snsAttributes(m map[string]string) snsAttributesResult {
	out := snsAttributesResult{Attributes: make([]snsEntry, 0, len(m))}
	for k, v := range m {
		out.Attributes = append(out.Attributes, snsEntry{k, v})
	}
	sort.Slice(out.Attributes, func(i, j int) bool { return out.Attributes[i].Key < out.Attributes[j].Key })
	return out
}

type topicARNResult struct {
	TopicArn string `xml:"TopicArn"`
}

type listTopicsResult struct {
	Topics    []topicARNResult `xml:"Topics>member"`
	NextToken string           `xml:"NextToken,omitempty"`
}

type subscriptionARNResult struct {
	SubscriptionArn string `xml:"SubscriptionArn"`
}

type subscriptionMember struct {
	SubscriptionArn string `xml:"SubscriptionArn"`
	Owner           string `xml:"Owner"`
	Protocol        string `xml:"Protocol"`
	Endpoint        string `xml:"Endpoint"`
	TopicArn        string `xml:"TopicArn"`
}

type listSubscriptionsResult struct {
	Subscriptions []subscriptionMember `xml:"Subscriptions>member"`
	NextToken     string               `xml:"NextToken,omitempty"`
}

type publishResult struct {
	MessageID      string `xml:"MessageId"`
	SequenceNumber string `xml:"SequenceNumber,omitempty"`
}

type publishBatchSuccess struct {
	ID             string `xml:"Id"`
	MessageID      string `xml:"MessageId"`
	SequenceNumber string `xml:"SequenceNumber,omitempty"`
}

type publishBatchFailure struct {
	ID          string `xml:"Id"`
	Code        string `xml:"Code"`
	Message     string `xml:"Message"`
	SenderFault bool   `xml:"SenderFault"`
}

type publishBatchResult struct {
	Successful []publishBatchSuccess `xml:"Successful>member"`
	Failed     []publishBatchFailure `xml:"Failed>member"`
}

type snsTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type listTagsResult struct {
	Tags []snsTag `xml:"Tags>member"`
}

// ---- topics ----

func (s *snsServer) createTopic(r *snsRequest) (any, error) {
	name, err := snsRequired(r.p, "Name")
	if err != nil {
		return nil, err
	}
	attrs, err := r.p.strMap("", "Attributes.entry", "key", "value")
	if err != nil {
		return nil, err
	}
	tags, err := r.p.strMap("", "Tags.member", "Key", "Value")
	if err != nil {
		return nil, err
	}
	arn, err := s.topics.CreateTopic(r.ctx, name, attrs, tags)
	if err != nil {
		return nil, err
	}
	return topicARNResult{arn}, nil
}

func (s *snsServer) deleteTopic(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "TopicArn")
	if err != nil {
		return nil, err
	}
	return nil, s.topics.DeleteTopic(r.ctx, arn)
}

func (s *snsServer) listTopics(r *snsRequest) (any, error) {
	arns, next, err := s.topics.ListTopics(snsOptional(r.p, "NextToken"))
	if err != nil {
		return nil, err
	}
	out := listTopicsResult{NextToken: next}
	for _, a := range arns {
		out.Topics = append(out.Topics, topicARNResult{a})
	}
	return out, nil
}

func (s *snsServer) getTopicAttributes(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "TopicArn")
	if err != nil {
		return nil, err
	}
	attrs, err := s.topics.GetTopicAttributes(arn)
	if err != nil {
		return nil, err
	}
	return snsAttributes(attrs), nil
}

func (s *snsServer) setTopicAttributes(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "TopicArn")
	if err != nil {
		return nil, err
	}
	name, err := snsRequired(r.p, "AttributeName")
	if err != nil {
		return nil, err
	}
	return nil, s.topics.SetTopicAttributes(r.ctx, arn, name, snsOptional(r.p, "AttributeValue"))
}

// ---- subscriptions ----

func (s *snsServer) subscribe(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "TopicArn")
	if err != nil {
		return nil, err
	}
	protocol, err := snsRequired(r.p, "Protocol")
	if err != nil {
		return nil, err
	}
	attrs, err := r.p.strMap("", "Attributes.entry", "key", "value")
	if err != nil {
		return nil, err
	}
	ret, err := r.p.boolean("ReturnSubscriptionArn")
	if err != nil {
		return nil, err
	}
	sub, err := s.topics.Subscribe(r.ctx, arn, protocol, snsOptional(r.p, "Endpoint"), attrs, ret != nil && *ret)
	if err != nil {
		return nil, err
	}
	return subscriptionARNResult{sub}, nil
}

func (s *snsServer) confirmSubscription(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "TopicArn")
	if err != nil {
		return nil, err
	}
	token, err := snsRequired(r.p, "Token")
	if err != nil {
		return nil, err
	}
	sub, err := s.topics.ConfirmSubscription(r.ctx, arn, token)
	if err != nil {
		return nil, err
	}
	return subscriptionARNResult{sub}, nil
}

func (s *snsServer) unsubscribe(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "SubscriptionArn")
	if err != nil {
		return nil, err
	}
	return nil, s.topics.Unsubscribe(r.ctx, arn)
}

func subscriptionsResult(subs []topic.SubscriptionSummary, next string) listSubscriptionsResult {
	out := listSubscriptionsResult{NextToken: next}
	for _, sub := range subs {
		out.Subscriptions = append(out.Subscriptions, subscriptionMember{SubscriptionArn: sub.ARN, Owner: sub.Owner,
			Protocol: sub.Protocol, Endpoint: sub.Endpoint, TopicArn: sub.TopicARN})
	}
	return out
}

func (s *snsServer) listSubscriptions(r *snsRequest) (any, error) {
	subs, next, err := s.topics.ListSubscriptions(snsOptional(r.p, "NextToken"))
	if err != nil {
		return nil, err
	}
	return subscriptionsResult(subs, next), nil
}

func (s *snsServer) listSubscriptionsByTopic(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "TopicArn")
	if err != nil {
		return nil, err
	}
	subs, next, err := s.topics.ListSubscriptionsByTopic(arn, snsOptional(r.p, "NextToken"))
	if err != nil {
		return nil, err
	}
	return subscriptionsResult(subs, next), nil
}

func (s *snsServer) getSubscriptionAttributes(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "SubscriptionArn")
	if err != nil {
		return nil, err
	}
	attrs, err := s.topics.GetSubscriptionAttributes(arn)
	if err != nil {
		return nil, err
	}
	return snsAttributes(attrs), nil
}

func (s *snsServer) setSubscriptionAttributes(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "SubscriptionArn")
	if err != nil {
		return nil, err
	}
	name, err := snsRequired(r.p, "AttributeName")
	if err != nil {
		return nil, err
	}
	return nil, s.topics.SetSubscriptionAttributes(r.ctx, arn, name, snsOptional(r.p, "AttributeValue"))
}

// ---- publishing ----

// publishInput decodes the fields of one message (top level or a batch entry).
func publishInput(p formParams) (topic.PublishInput, error) {
	in := topic.PublishInput{
		Message:                snsOptional(p, "Message"),
		Subject:                snsOptional(p, "Subject"),
		MessageStructure:       snsOptional(p, "MessageStructure"),
		MessageGroupID:         snsOptional(p, "MessageGroupId"),
		MessageDeduplicationID: snsOptional(p, "MessageDeduplicationId"),
	}
	attrs, err := p.attrMap("", "MessageAttributes.entry")
	if err != nil {
		return in, err
	}
	if len(attrs) > 0 {
		in.MessageAttributes = make(map[string]topic.MessageAttribute, len(attrs))
		for k, a := range attrs {
			in.MessageAttributes[k] = topic.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
		}
	}
	return in, nil
}

func (s *snsServer) publish(r *snsRequest) (any, error) {
	arn := snsOptional(r.p, "TopicArn")
	if arn == "" {
		arn = snsOptional(r.p, "TargetArn")
	}
	if arn == "" {
		if snsOptional(r.p, "PhoneNumber") != "" {
			return nil, &topic.Error{Code: topic.InvalidParameter, Message: "Invalid parameter: PhoneNumber Reason: Skyport does not send SMS"}
		}
		return nil, &topic.Error{Code: topic.InvalidParameter, Message: "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"}
	}
	in, err := publishInput(r.p)
	if err != nil {
		return nil, err
	}
	in.TopicARN = arn
	res, err := s.topics.Publish(r.ctx, in)
	if err != nil {
		return nil, err
	}
	return publishResult{MessageID: res.MessageID, SequenceNumber: res.SequenceNumber}, nil
}

func (s *snsServer) publishBatch(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "TopicArn")
	if err != nil {
		return nil, err
	}
	entries, _ := r.p.entries("", "PublishBatchRequestEntries.member")
	batch := make([]topic.BatchEntry, 0, len(entries))
	for _, e := range entries {
		fp := e.(formParams)
		in, err := publishInput(fp)
		if err != nil {
			return nil, err
		}
		batch = append(batch, topic.BatchEntry{ID: snsOptional(fp, "Id"), PublishInput: in})
	}
	results, err := s.topics.PublishBatch(r.ctx, arn, batch)
	if err != nil {
		return nil, err
	}
	var out publishBatchResult
	for _, res := range results {
		if res.Err != nil {
			out.Failed = append(out.Failed, publishBatchFailure{ID: res.ID, Code: string(res.Err.Code), Message: res.Err.Message, SenderFault: res.SenderFault})
			continue
		}
		out.Successful = append(out.Successful, publishBatchSuccess{ID: res.ID, MessageID: res.Result.MessageID, SequenceNumber: res.Result.SequenceNumber})
	}
	return out, nil
}

// ---- tags ----

func (s *snsServer) tagResource(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "ResourceArn")
	if err != nil {
		return nil, err
	}
	tags, err := r.p.strMap("", "Tags.member", "Key", "Value")
	if err != nil {
		return nil, err
	}
	return nil, s.topics.TagResource(r.ctx, arn, tags)
}

func (s *snsServer) untagResource(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "ResourceArn")
	if err != nil {
		return nil, err
	}
	keys, _ := r.p.list("", "TagKeys.member")
	return nil, s.topics.UntagResource(r.ctx, arn, keys)
}

func (s *snsServer) listTagsForResource(r *snsRequest) (any, error) {
	arn, err := snsRequired(r.p, "ResourceArn")
	if err != nil {
		return nil, err
	}
	tags, err := s.topics.ListTagsForResource(arn)
	if err != nil {
		return nil, err
	}
	out := listTagsResult{Tags: []snsTag{}}
	for k, v := range tags {
		out.Tags = append(out.Tags, snsTag{k, v})
	}
	sort.Slice(out.Tags, func(i, j int) bool { return out.Tags[i].Key < out.Tags[j].Key })
	return out, nil
}

// signingCert serves the certificate that verifies envelope signatures.
func (s *snsServer) signingCert(w http.ResponseWriter, _ *http.Request) {
	pem, err := s.topics.SigningCert()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(pem)
}
