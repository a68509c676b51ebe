package wire

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/queue"
)

// SQS is served in two protocols over the same actions: JSON 1.0
// (X-Amz-Target: AmazonSQS.Action, sqs_json.go) and query/XML
// (Action=…&Version=2012-11-05, sqs_query.go). Each action below reads its
// parameters through params and returns a result struct that both encoders
// write, so the two protocols cannot drift apart.

// sqsRequest is one decoded SQS call.
type sqsRequest struct {
	ctx     context.Context
	action  string
	p       params
	baseURL string // scheme://host of the request, for queue URLs
	path    string // request path (query protocol may name the queue there)
}

type sqsAction func(s *sqsServer, r *sqsRequest) (any, error)

// sqsServer binds the actions to the queue service.
type sqsServer struct {
	queues  *queue.Service
	account string
	chaos   *chaos.Registry // per-queue chaos (sqs_chaos.go)
}

var sqsActions = map[string]sqsAction{
	"CreateQueue":                  (*sqsServer).createQueue,
	"DeleteQueue":                  (*sqsServer).deleteQueue,
	"GetQueueUrl":                  (*sqsServer).getQueueURL,
	"ListQueues":                   (*sqsServer).listQueues,
	"GetQueueAttributes":           (*sqsServer).getQueueAttributes,
	"SetQueueAttributes":           (*sqsServer).setQueueAttributes,
	"TagQueue":                     (*sqsServer).tagQueue,
	"UntagQueue":                   (*sqsServer).untagQueue,
	"ListQueueTags":                (*sqsServer).listQueueTags,
	"PurgeQueue":                   (*sqsServer).purgeQueue,
	"SendMessage":                  (*sqsServer).sendMessage,
	"SendMessageBatch":             (*sqsServer).sendMessageBatch,
	"ReceiveMessage":               chaosGated((*sqsServer).receiveMessage),
	"DeleteMessage":                chaosGated((*sqsServer).deleteMessage),
	"DeleteMessageBatch":           chaosGated((*sqsServer).deleteMessageBatch),
	"ChangeMessageVisibility":      chaosGated((*sqsServer).changeMessageVisibility),
	"ChangeMessageVisibilityBatch": chaosGated((*sqsServer).changeMessageVisibilityBatch),
	"ListDeadLetterSourceQueues":   (*sqsServer).listDeadLetterSourceQueues,
	"StartMessageMoveTask":         (*sqsServer).startMessageMoveTask,
	"ListMessageMoveTasks":         (*sqsServer).listMessageMoveTasks,
	"CancelMessageMoveTask":        (*sqsServer).cancelMessageMoveTask,
}

func missing(name string) error {
	return &queue.Error{Code: queue.MissingParameter, Message: "The request must contain the parameter " + name + "."}
}

func invalid(msg string) error {
	return &queue.Error{Code: queue.InvalidParameterValue, Message: msg}
}

// required returns a string parameter that must be present.
func required(p params, name string) (string, error) {
	v, ok, err := p.str(name)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", missing(name)
	}
	return v, nil
}

func optional(p params, name string) (string, error) {
	v, _, err := p.str(name)
	return v, err
}

// queueName resolves the QueueUrl parameter (or, in the query protocol, the
// request path) to a queue name. The URL's host is ignored: clients reach us
// by many names; only ACCOUNT/NAME in its path counts.
func (s *sqsServer) queueName(r *sqsRequest) (string, error) {
	raw, ok, err := r.p.str("QueueUrl")
	if err != nil {
		return "", err
	}
	if !ok || raw == "" {
		if _, isForm := r.p.(formParams); isForm && strings.Count(strings.Trim(r.path, "/"), "/") == 1 {
			raw = r.path
		} else {
			return "", missing("QueueUrl")
		}
	}
	name, err := s.nameFromURL(raw)
	if err != nil {
		return "", err
	}
	if !s.queues.QueueExists(name) {
		return "", &queue.Error{Code: queue.QueueDoesNotExist, Message: "The specified queue does not exist."}
	}
	return name, nil
}

func (s *sqsServer) nameFromURL(raw string) (string, error) {
	path, ok := plainURLPath(raw)
	if !ok {
		path = raw
		if u, err := url.Parse(raw); err == nil && u.Path != "" {
			path = u.Path
		}
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	name := parts[len(parts)-1]
	if name == "" {
		return "", &queue.Error{Code: queue.InvalidAddress, Message: "The address " + raw + " is not valid for this endpoint."}
	}
	if len(parts) >= 2 {
		if owner := parts[len(parts)-2]; owner != s.account && owner != "queue" {
			return "", &queue.Error{Code: queue.QueueDoesNotExist, Message: "The specified queue does not exist."}
		}
	}
	return name, nil
}

// plainURLPath is url.Parse(raw).Path for the queue URLs SDKs send,
// http(s)://HOST[:PORT]/PATH with nothing to unescape, without parsing; ok
// is false for anything else (url.Parse decides those).
func plainURLPath(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok {
		if rest, ok = strings.CutPrefix(raw, "https://"); !ok {
			return "", false
		}
	}
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 || slash == len(rest)-1 {
		return "", false
	}
	host, path := rest[:slash], rest[slash:]
	colon := -1
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-':
		case c == ':' && colon < 0:
			colon = i
		default:
			return "", false
		}
	}
	if colon == 0 {
		return "", false
	}
	for i := colon + 1; colon >= 0 && i < len(host); i++ {
		if host[i] < '0' || host[i] > '9' {
			return "", false
		}
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '/', c == '-', c == '_', c == '.':
		default:
			return "", false
		}
	}
	return path, true
}

func (r *sqsRequest) queueURL(name string, account string) string {
	return r.baseURL + "/" + account + "/" + name
}

// ---- results (one struct per action, written as JSON and as XML) ----

type queueURLResult struct {
	QueueURL string `json:"QueueUrl" xml:"QueueUrl"`
}

type listQueuesResult struct {
	QueueUrls []string `json:"QueueUrls,omitempty" xml:"QueueUrl"`
	NextToken string   `json:"NextToken,omitempty" xml:"NextToken,omitempty"`
}

type deadLetterSourcesResult struct {
	QueueUrls []string `json:"queueUrls" xml:"QueueUrl"`
	NextToken string   `json:"NextToken,omitempty" xml:"NextToken,omitempty"`
}

type attributesResult struct {
	Attributes nameValueMap `json:"Attributes,omitempty" xml:"Attribute"`
}

type tagsResult struct {
	Tags keyValueMap `json:"Tags,omitempty" xml:"Tag"`
}

type sendResult struct {
	MD5OfMessageBody             string `json:"MD5OfMessageBody" xml:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty" xml:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty" xml:"MD5OfMessageSystemAttributes,omitempty"`
	MessageID                    string `json:"MessageId" xml:"MessageId"`
	SequenceNumber               string `json:"SequenceNumber,omitempty" xml:"SequenceNumber,omitempty"`
}

type sendBatchEntry struct {
	ID string `json:"Id" xml:"Id"`
	sendResult
}

type batchError struct {
	ID          string `json:"Id" xml:"Id"`
	SenderFault bool   `json:"SenderFault" xml:"SenderFault"`
	Code        string `json:"Code" xml:"Code"`
	Message     string `json:"Message,omitempty" xml:"Message,omitempty"`
}

type sendBatchResult struct {
	Successful []sendBatchEntry `json:"Successful" xml:"SendMessageBatchResultEntry"`
	Failed     []batchError     `json:"Failed" xml:"BatchResultErrorEntry"`
}

type idEntry struct {
	ID string `json:"Id" xml:"Id"`
}

type deleteBatchResult struct {
	Successful []idEntry    `json:"Successful" xml:"DeleteMessageBatchResultEntry"`
	Failed     []batchError `json:"Failed" xml:"BatchResultErrorEntry"`
}

type visibilityBatchResult struct {
	Successful []idEntry    `json:"Successful" xml:"ChangeMessageVisibilityBatchResultEntry"`
	Failed     []batchError `json:"Failed" xml:"BatchResultErrorEntry"`
}

type messageOut struct {
	MessageID              string       `json:"MessageId" xml:"MessageId"`
	ReceiptHandle          string       `json:"ReceiptHandle" xml:"ReceiptHandle"`
	MD5OfBody              string       `json:"MD5OfBody" xml:"MD5OfBody"`
	Body                   string       `json:"Body" xml:"Body"`
	Attributes             nameValueMap `json:"Attributes,omitempty" xml:"Attribute"`
	MD5OfMessageAttributes string       `json:"MD5OfMessageAttributes,omitempty" xml:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      messageAttrs `json:"MessageAttributes,omitempty" xml:"MessageAttribute"`
}

type receiveResult struct {
	Messages []messageOut `json:"Messages,omitempty" xml:"Message"`
}

type taskHandleResult struct {
	TaskHandle string `json:"TaskHandle" xml:"TaskHandle"`
}

type movedResult struct {
	ApproximateNumberOfMessagesMoved int64 `json:"ApproximateNumberOfMessagesMoved" xml:"ApproximateNumberOfMessagesMoved"`
}

type moveTaskOut struct {
	TaskHandle                        string `json:"TaskHandle,omitempty" xml:"TaskHandle,omitempty"`
	Status                            string `json:"Status" xml:"Status"`
	SourceArn                         string `json:"SourceArn" xml:"SourceArn"`
	DestinationArn                    string `json:"DestinationArn,omitempty" xml:"DestinationArn,omitempty"`
	MaxNumberOfMessagesPerSecond      *int   `json:"MaxNumberOfMessagesPerSecond,omitempty" xml:"MaxNumberOfMessagesPerSecond,omitempty"`
	ApproximateNumberOfMessagesMoved  int64  `json:"ApproximateNumberOfMessagesMoved" xml:"ApproximateNumberOfMessagesMoved"`
	ApproximateNumberOfMessagesToMove *int64 `json:"ApproximateNumberOfMessagesToMove,omitempty" xml:"ApproximateNumberOfMessagesToMove,omitempty"`
	FailureReason                     string `json:"FailureReason,omitempty" xml:"FailureReason,omitempty"`
	StartedTimestamp                  int64  `json:"StartedTimestamp" xml:"StartedTimestamp"`
}

type moveTasksResult struct {
	Results []moveTaskOut `json:"Results" xml:"ListMessageMoveTasksResultEntry"`
}

// ---- actions ----

func (s *sqsServer) createQueue(r *sqsRequest) (any, error) {
	name, err := required(r.p, "QueueName")
	if err != nil {
		return nil, err
	}
	attrs, err := r.p.strMap("Attributes", "Attribute", "Name", "Value")
	if err != nil {
		return nil, err
	}
	tags, err := r.p.strMap("tags", "Tag", "Key", "Value")
	if err != nil {
		return nil, err
	}
	if err := s.queues.CreateQueue(r.ctx, name, attrs, tags); err != nil {
		return nil, err
	}
	return queueURLResult{r.queueURL(name, s.account)}, nil
}

func (s *sqsServer) deleteQueue(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	return nil, s.queues.DeleteQueue(r.ctx, name)
}

func (s *sqsServer) getQueueURL(r *sqsRequest) (any, error) {
	name, err := required(r.p, "QueueName")
	if err != nil {
		return nil, err
	}
	owner, err := optional(r.p, "QueueOwnerAWSAccountId")
	if err != nil {
		return nil, err
	}
	if (owner != "" && owner != s.account) || !s.queues.QueueExists(name) {
		return nil, &queue.Error{Code: queue.QueueDoesNotExist, Message: "The specified queue does not exist."}
	}
	return queueURLResult{r.queueURL(name, s.account)}, nil
}

func (s *sqsServer) listQueues(r *sqsRequest) (any, error) {
	prefix, err := optional(r.p, "QueueNamePrefix")
	if err != nil {
		return nil, err
	}
	token, err := optional(r.p, "NextToken")
	if err != nil {
		return nil, err
	}
	max, err := r.p.num("MaxResults")
	if err != nil {
		return nil, err
	}
	limit := 0
	if max != nil {
		if *max < 1 || *max > 1000 {
			return nil, invalid("Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
		}
		limit = *max
	} else if token != "" {
		return nil, invalid("MaxResults is a mandatory parameter when you provide a value for NextToken.")
	}
	names, next, err := s.queues.ListQueues(prefix, limit, token)
	if err != nil {
		return nil, err
	}
	out := listQueuesResult{NextToken: next}
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, r.queueURL(n, s.account))
	}
	return out, nil
}

func (s *sqsServer) getQueueAttributes(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	names, err := r.p.list("AttributeNames", "AttributeName")
	if err != nil {
		return nil, err
	}
	attrs, err := s.queues.GetQueueAttributes(name, names)
	if err != nil {
		return nil, err
	}
	return attributesResult{nameValueMap(attrs)}, nil
}

func (s *sqsServer) setQueueAttributes(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	attrs, err := r.p.strMap("Attributes", "Attribute", "Name", "Value")
	if err != nil {
		return nil, err
	}
	if attrs == nil {
		return nil, missing("Attributes")
	}
	return nil, s.queues.SetQueueAttributes(r.ctx, name, attrs)
}

func (s *sqsServer) tagQueue(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	tags, err := r.p.strMap("Tags", "Tag", "Key", "Value")
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, missing("Tags")
	}
	return nil, s.queues.TagQueue(r.ctx, name, tags)
}

func (s *sqsServer) untagQueue(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	keys, err := r.p.list("TagKeys", "TagKey")
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, missing("TagKeys")
	}
	return nil, s.queues.UntagQueue(r.ctx, name, keys)
}

func (s *sqsServer) listQueueTags(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	tags, err := s.queues.ListQueueTags(name)
	if err != nil {
		return nil, err
	}
	return tagsResult{keyValueMap(tags)}, nil
}

func (s *sqsServer) purgeQueue(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	return nil, s.queues.PurgeQueue(r.ctx, name)
}

// sendInput reads the members of one message, at the top of SendMessage or
// inside a SendMessageBatch entry.
func sendInput(p params) (queue.SendInput, error) {
	var in queue.SendInput
	body, ok, err := p.str("MessageBody")
	if err != nil {
		return in, err
	}
	if !ok {
		return in, missing("MessageBody")
	}
	in.Body = body
	if in.DelaySeconds, err = p.num("DelaySeconds"); err != nil {
		return in, err
	}
	if in.MessageGroupID, err = optional(p, "MessageGroupId"); err != nil {
		return in, err
	}
	if in.MessageDeduplicationID, err = optional(p, "MessageDeduplicationId"); err != nil {
		return in, err
	}
	attrs, err := p.attrMap("MessageAttributes", "MessageAttribute")
	if err != nil {
		return in, err
	}
	in.MessageAttributes = toQueueAttrs(attrs)
	sys, err := p.attrMap("MessageSystemAttributes", "MessageSystemAttribute")
	if err != nil {
		return in, err
	}
	in.MessageSystemAttributes = toQueueAttrs(sys)
	return in, nil
}

func toQueueAttrs(m map[string]attrValue) map[string]queue.MessageAttribute {
	if m == nil {
		return nil
	}
	out := make(map[string]queue.MessageAttribute, len(m))
	for k, v := range m {
		out[k] = queue.MessageAttribute{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
	}
	return out
}

func fromSendResult(res queue.SendResult) sendResult {
	return sendResult{
		MD5OfMessageBody:             res.MD5OfMessageBody,
		MD5OfMessageAttributes:       res.MD5OfMessageAttributes,
		MD5OfMessageSystemAttributes: res.MD5OfMessageSystemAttributes,
		MessageID:                    res.MessageID,
		SequenceNumber:               res.SequenceNumber,
	}
}

func (s *sqsServer) sendMessage(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	in, err := sendInput(r.p)
	if err != nil {
		return nil, err
	}
	var res queue.SendResult
	if rule := s.chaos.For(chaos.Queue, name); rule != nil {
		res, err = s.queues.SendChaos(r.ctx, name, rule.Decide(), in)
	} else {
		res, err = s.queues.SendMessage(r.ctx, name, in)
	}
	if err != nil {
		return nil, err
	}
	return fromSendResult(res), nil
}

// batchEntries reads a batch's entry list; an entry without Id is refused
// the way AWS refuses it.
func batchEntries(r *sqsRequest, jsonName, queryName string) ([]params, []string, error) {
	entries, err := r.p.entries(jsonName, queryName)
	if err != nil {
		return nil, nil, err
	}
	if len(entries) == 0 {
		return nil, nil, &queue.Error{Code: queue.EmptyBatchRequest, Message: "There should be at least one " + queryName + " in the request."}
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		if ids[i], err = required(e, "Id"); err != nil {
			return nil, nil, err
		}
	}
	return entries, ids, nil
}

func toBatchError[T any](e queue.BatchEntryResult[T]) batchError {
	return batchError{ID: e.ID, SenderFault: e.SenderFault, Code: string(e.Err.Code), Message: e.Err.Message}
}

func (s *sqsServer) sendMessageBatch(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	entries, ids, err := batchEntries(r, "Entries", "SendMessageBatchRequestEntry")
	if err != nil {
		return nil, err
	}
	batch := make([]queue.SendBatchEntry, len(entries))
	var early []batchError // entries malformed on the wire fail alone
	for i, e := range entries {
		in, err := sendInput(e)
		if err != nil {
			be := batchErrorFor(ids[i], err)
			early = append(early, be)
		}
		batch[i] = queue.SendBatchEntry{ID: ids[i], SendInput: in}
	}
	if len(early) > 0 {
		batch = dropFailed(batch, early, func(e queue.SendBatchEntry) string { return e.ID })
	}
	var results []queue.BatchEntryResult[queue.SendResult]
	if rule := s.chaos.For(chaos.Queue, name); rule != nil {
		results, err = s.queues.SendBatchChaos(r.ctx, name, rule, batch)
	} else {
		results, err = s.queues.SendMessageBatch(r.ctx, name, batch)
	}
	if err != nil {
		return nil, err
	}
	out := sendBatchResult{Successful: []sendBatchEntry{}, Failed: early}
	for _, res := range results {
		if res.Err != nil {
			out.Failed = append(out.Failed, toBatchError(res))
			continue
		}
		out.Successful = append(out.Successful, sendBatchEntry{ID: res.ID, sendResult: fromSendResult(res.Result)})
	}
	if out.Failed == nil {
		out.Failed = []batchError{}
	}
	return out, nil
}

// batchErrorFor turns a per-entry decoding error into its batch error entry.
func batchErrorFor(id string, err error) batchError {
	var qe *queue.Error
	if errors.As(err, &qe) {
		return batchError{ID: id, SenderFault: true, Code: string(qe.Code), Message: qe.Message}
	}
	return batchError{ID: id, SenderFault: true, Code: string(queue.InvalidParameterValue), Message: err.Error()}
}

func dropFailed[T any](all []T, failed []batchError, id func(T) string) []T {
	bad := map[string]bool{}
	for _, f := range failed {
		bad[f.ID] = true
	}
	kept := all[:0]
	for _, e := range all {
		if !bad[id(e)] {
			kept = append(kept, e)
		}
	}
	return kept
}

func (s *sqsServer) receiveMessage(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	var in queue.ReceiveInput
	max, err := r.p.num("MaxNumberOfMessages")
	if err != nil {
		return nil, err
	}
	if max != nil {
		in.MaxNumberOfMessages = *max
	}
	if in.VisibilityTimeout, err = r.p.num("VisibilityTimeout"); err != nil {
		return nil, err
	}
	if in.WaitTimeSeconds, err = r.p.num("WaitTimeSeconds"); err != nil {
		return nil, err
	}
	names, err := r.p.list("AttributeNames", "AttributeName")
	if err != nil {
		return nil, err
	}
	sys, err := r.p.list("MessageSystemAttributeNames", "AttributeName")
	if err != nil {
		return nil, err
	}
	if _, isJSON := r.p.(jsonParams); isJSON {
		names = append(names, sys...)
	}
	in.AttributeNames = names
	if in.MessageAttributeNames, err = r.p.list("MessageAttributeNames", "MessageAttributeName"); err != nil {
		return nil, err
	}
	if in.ReceiveRequestAttemptID, err = optional(r.p, "ReceiveRequestAttemptId"); err != nil {
		return nil, err
	}
	msgs, err := s.queues.ReceiveMessage(r.ctx, name, in)
	if err != nil {
		return nil, err
	}
	out := receiveResult{}
	for _, m := range msgs {
		out.Messages = append(out.Messages, messageOut{
			MessageID:              m.MessageID,
			ReceiptHandle:          m.ReceiptHandle,
			MD5OfBody:              m.MD5OfBody,
			Body:                   m.Body,
			Attributes:             nameValueMap(m.Attributes),
			MD5OfMessageAttributes: m.MD5OfMessageAttributes,
			MessageAttributes:      fromQueueAttrs(m.MessageAttributes),
		})
	}
	return out, nil
}

func fromQueueAttrs(m map[string]queue.MessageAttribute) messageAttrs {
	if len(m) == 0 {
		return nil
	}
	out := make(messageAttrs, len(m))
	for k, v := range m {
		out[k] = attrValue{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
	}
	return out
}

func (s *sqsServer) deleteMessage(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	handle, err := required(r.p, "ReceiptHandle")
	if err != nil {
		return nil, err
	}
	return nil, s.queues.DeleteMessage(r.ctx, name, handle)
}

func (s *sqsServer) deleteMessageBatch(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	entries, ids, err := batchEntries(r, "Entries", "DeleteMessageBatchRequestEntry")
	if err != nil {
		return nil, err
	}
	batch := make([]queue.DeleteBatchEntry, len(entries))
	var early []batchError
	for i, e := range entries {
		h, err := required(e, "ReceiptHandle")
		if err != nil {
			early = append(early, batchErrorFor(ids[i], err))
		}
		batch[i] = queue.DeleteBatchEntry{ID: ids[i], ReceiptHandle: h}
	}
	if len(early) > 0 {
		batch = dropFailed(batch, early, func(e queue.DeleteBatchEntry) string { return e.ID })
	}
	results, err := s.queues.DeleteMessageBatch(r.ctx, name, batch)
	if err != nil {
		return nil, err
	}
	out := deleteBatchResult{Successful: []idEntry{}, Failed: early}
	for _, res := range results {
		if res.Err != nil {
			out.Failed = append(out.Failed, toBatchError(res))
			continue
		}
		out.Successful = append(out.Successful, idEntry{res.ID})
	}
	if out.Failed == nil {
		out.Failed = []batchError{}
	}
	return out, nil
}

func (s *sqsServer) changeMessageVisibility(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	handle, err := required(r.p, "ReceiptHandle")
	if err != nil {
		return nil, err
	}
	timeout, err := r.p.num("VisibilityTimeout")
	if err != nil {
		return nil, err
	}
	if timeout == nil {
		return nil, missing("VisibilityTimeout")
	}
	return nil, s.queues.ChangeMessageVisibility(r.ctx, name, handle, *timeout)
}

func (s *sqsServer) changeMessageVisibilityBatch(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	entries, ids, err := batchEntries(r, "Entries", "ChangeMessageVisibilityBatchRequestEntry")
	if err != nil {
		return nil, err
	}
	batch := make([]queue.VisibilityBatchEntry, len(entries))
	var early []batchError
	for i, e := range entries {
		h, err := required(e, "ReceiptHandle")
		var t *int
		if err == nil {
			t, err = e.num("VisibilityTimeout")
		}
		if err == nil && t == nil {
			err = missing("VisibilityTimeout")
		}
		if err != nil {
			early = append(early, batchErrorFor(ids[i], err))
			batch[i] = queue.VisibilityBatchEntry{ID: ids[i]}
			continue
		}
		batch[i] = queue.VisibilityBatchEntry{ID: ids[i], ReceiptHandle: h, VisibilityTimeout: *t}
	}
	if len(early) > 0 {
		batch = dropFailed(batch, early, func(e queue.VisibilityBatchEntry) string { return e.ID })
	}
	results, err := s.queues.ChangeMessageVisibilityBatch(r.ctx, name, batch)
	if err != nil {
		return nil, err
	}
	out := visibilityBatchResult{Successful: []idEntry{}, Failed: early}
	for _, res := range results {
		if res.Err != nil {
			out.Failed = append(out.Failed, toBatchError(res))
			continue
		}
		out.Successful = append(out.Successful, idEntry{res.ID})
	}
	if out.Failed == nil {
		out.Failed = []batchError{}
	}
	return out, nil
}

func (s *sqsServer) listDeadLetterSourceQueues(r *sqsRequest) (any, error) {
	name, err := s.queueName(r)
	if err != nil {
		return nil, err
	}
	max, err := r.p.num("MaxResults")
	if err != nil {
		return nil, err
	}
	token, err := optional(r.p, "NextToken")
	if err != nil {
		return nil, err
	}
	if max != nil && (*max < 1 || *max > 1000) {
		return nil, invalid("Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
	}
	if token != "" && max == nil {
		return nil, invalid("MaxResults is a mandatory parameter when you provide a value for NextToken.")
	}
	sources, err := s.queues.ListDeadLetterSourceQueues(name)
	if err != nil {
		return nil, err
	}
	sort.Strings(sources)
	start, err := decodePageToken(token)
	if err != nil {
		return nil, err
	}
	page, next := paginate(sources, start, max)
	out := deadLetterSourcesResult{QueueUrls: []string{}, NextToken: next}
	for _, n := range page {
		out.QueueUrls = append(out.QueueUrls, r.queueURL(n, s.account))
	}
	return out, nil
}

// decodePageToken reads an opaque NextToken made by paginate.
func decodePageToken(token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(raw), "skyport:")); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, invalid("Invalid NextToken value.")
}

func paginate(all []string, start int, max *int) ([]string, string) {
	if start > len(all) {
		start = len(all)
	}
	end := len(all)
	if max != nil && start+*max < end {
		end = start + *max
	}
	next := ""
	if end < len(all) {
		next = base64.RawURLEncoding.EncodeToString([]byte("skyport:" + strconv.Itoa(end)))
	}
	return all[start:end], next
}

func (s *sqsServer) startMessageMoveTask(r *sqsRequest) (any, error) {
	src, err := required(r.p, "SourceArn")
	if err != nil {
		return nil, err
	}
	dst, err := optional(r.p, "DestinationArn")
	if err != nil {
		return nil, err
	}
	rate, err := r.p.num("MaxNumberOfMessagesPerSecond")
	if err != nil {
		return nil, err
	}
	perSecond := 0
	if rate != nil {
		perSecond = *rate
	}
	handle, err := s.queues.StartMessageMoveTask(r.ctx, src, dst, perSecond)
	if err != nil {
		return nil, err
	}
	return taskHandleResult{handle}, nil
}

func (s *sqsServer) listMessageMoveTasks(r *sqsRequest) (any, error) {
	src, err := required(r.p, "SourceArn")
	if err != nil {
		return nil, err
	}
	max, err := r.p.num("MaxResults")
	if err != nil {
		return nil, err
	}
	limit := 1
	if max != nil {
		limit = *max
	}
	tasks, err := s.queues.ListMessageMoveTasks(src, limit)
	if err != nil {
		return nil, err
	}
	out := moveTasksResult{Results: []moveTaskOut{}}
	for _, t := range tasks {
		o := moveTaskOut{
			Status: t.Status, SourceArn: t.SourceArn, DestinationArn: t.DestinationArn,
			ApproximateNumberOfMessagesMoved: t.ApproximateNumberOfMessagesMoved,
			FailureReason:                    t.FailureReason, StartedTimestamp: t.StartedTimestamp,
		}
		if t.Status == "RUNNING" {
			o.TaskHandle = t.TaskHandle
			toMove := t.ApproximateNumberOfMessagesToMove
			o.ApproximateNumberOfMessagesToMove = &toMove
		}
		if t.MaxNumberOfMessagesPerSecond > 0 {
			rate := t.MaxNumberOfMessagesPerSecond
			o.MaxNumberOfMessagesPerSecond = &rate
		}
		out.Results = append(out.Results, o)
	}
	return out, nil
}

func (s *sqsServer) cancelMessageMoveTask(r *sqsRequest) (any, error) {
	handle, err := required(r.p, "TaskHandle")
	if err != nil {
		return nil, err
	}
	moved, err := s.queues.CancelMessageMoveTask(r.ctx, handle)
	if err != nil {
		return nil, err
	}
	return movedResult{moved}, nil
}

// ---- errors ----

// sqsErrorShape is how one SQS error code travels: its query-protocol code
// (also sent in the JSON protocol's x-amzn-query-error header) and status.
type sqsErrorShape struct {
	query  string
	status int
}

// sqsErrorShapes follow the SQS service model's awsQueryError traits.
var sqsErrorShapes = map[queue.Code]sqsErrorShape{
	queue.BatchEntryIdsNotDistinct:     {"AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400},
	queue.BatchRequestTooLong:          {"AWS.SimpleQueueService.BatchRequestTooLong", 400},
	queue.EmptyBatchRequest:            {"AWS.SimpleQueueService.EmptyBatchRequest", 400},
	queue.InvalidAddress:               {"InvalidAddress", 404},
	queue.InvalidBatchEntryID:          {"AWS.SimpleQueueService.InvalidBatchEntryId", 400},
	queue.MessageNotInflight:           {"AWS.SimpleQueueService.MessageNotInflight", 400},
	queue.OverLimit:                    {"OverLimit", 403},
	queue.PurgeQueueInProgress:         {"AWS.SimpleQueueService.PurgeQueueInProgress", 403},
	queue.QueueDeletedRecently:         {"AWS.SimpleQueueService.QueueDeletedRecently", 400},
	queue.QueueDoesNotExist:            {"AWS.SimpleQueueService.NonExistentQueue", 400},
	queue.QueueNameExists:              {"QueueAlreadyExists", 400},
	queue.ReceiptHandleIsInvalid:       {"ReceiptHandleIsInvalid", 404},
	queue.RequestThrottled:             {"RequestThrottled", 403},
	queue.ResourceNotFound:             {"ResourceNotFoundException", 404},
	queue.TooManyEntriesInBatchRequest: {"AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400},
	queue.UnsupportedOperation:         {"AWS.SimpleQueueService.UnsupportedOperation", 400},
	queue.InternalError:                {"InternalError", 500},
	queue.ServiceUnavailable:           {"ServiceUnavailable", 503},
}

// sqsWireError maps any error from an action to the SQS error on the wire.
func sqsWireError(err error) (e *Error, queryCode string) {
	var qe *queue.Error
	var pe *paramError
	switch {
	case errors.As(err, &qe):
		shape, ok := sqsErrorShapes[qe.Code]
		if !ok {
			shape = sqsErrorShape{string(qe.Code), http.StatusBadRequest}
		}
		return &Error{Code: string(qe.Code), Status: shape.status, Message: qe.Message}, shape.query
	case errors.As(err, &pe):
		return &Error{Code: string(queue.InvalidParameterValue), Status: http.StatusBadRequest, Message: pe.msg}, string(queue.InvalidParameterValue)
	case errors.Is(err, context.Canceled):
		return &Error{Code: "RequestCanceled", Status: 499, Message: "The client closed the request."}, "RequestCanceled"
	}
	return &Error{Code: string(queue.InternalError), Status: http.StatusInternalServerError, Message: "We encountered an internal error. Please try again: " + err.Error()}, string(queue.InternalError)
}
