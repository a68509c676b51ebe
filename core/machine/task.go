package machine

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Integrations are the other services a Task state can reach. The core
// wires them up; a nil one makes its tasks fail with States.TaskFailed and
// a cause saying the service is not available.
type Integrations struct {
	Queues    QueueSender
	Topics    TopicPublisher
	Functions FunctionInvoker
	HTTP      *http.Client // for arn:aws:states:::http:invoke; nil: a client with a 60 s timeout
}

// QueueSender sends one message to a queue (arn:aws:states:::sqs:sendMessage).
type QueueSender interface {
	SendMessage(ctx context.Context, queueURL string, m OutgoingMessage) (SentMessage, error)
}

// QueueReceiver takes messages off a queue for the AWS SDK integrations
// arn:aws:states:::aws-sdk:sqs:receiveMessage and …:deleteMessage. The
// Integrations' QueueSender implements it when the core can receive.
type QueueReceiver interface {
	ReceiveMessages(ctx context.Context, queueURL string, r ReceiveRequest) ([]ReceivedMessage, error)
	DeleteMessage(ctx context.Context, queueURL, receiptHandle string) error
}

// ReceiveRequest is the parameters of an sqs:receiveMessage task.
type ReceiveRequest struct {
	MaxNumberOfMessages   int
	WaitTimeSeconds       *int
	VisibilityTimeout     *int
	AttributeNames        []string // system attributes ("All")
	MessageAttributeNames []string
}

// ReceivedMessage is one message a receiveMessage task returns.
type ReceivedMessage struct {
	MessageID, ReceiptHandle, MD5OfBody, Body string
	Attributes                                map[string]string
	MessageAttributes                         map[string]MessageAttribute
	MD5OfMessageAttributes                    string
}

// OutgoingMessage is a message a state machine sends to a queue.
type OutgoingMessage struct {
	Body                   string
	Attributes             map[string]MessageAttribute
	DelaySeconds           *int
	MessageGroupID         string
	MessageDeduplicationID string
}

// MessageAttribute is a typed message attribute of SQS or SNS.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// SentMessage is what a queue acknowledged.
type SentMessage struct {
	MessageID        string
	MD5OfMessageBody string
	SequenceNumber   string
}

// TopicPublisher publishes to a topic (arn:aws:states:::sns:publish).
type TopicPublisher interface {
	Publish(ctx context.Context, m Publication) (messageID, sequenceNumber string, err error)
}

// Publication is a message a state machine publishes.
type Publication struct {
	TopicArn, TargetArn, PhoneNumber string
	Message, Subject                 string
	MessageStructure                 string
	Attributes                       map[string]MessageAttribute
	MessageGroupID                   string
	MessageDeduplicationID           string
}

// FunctionInvoker runs a local function (a Lambda ARN, or
// arn:aws:states:::lambda:invoke). functionError is Lambda's
// X-Amz-Function-Error ("Unhandled"…) when the function itself failed.
type FunctionInvoker interface {
	Invoke(ctx context.Context, functionArn string, payload []byte) (result []byte, functionError string, err error)
}

// ServiceError is an error of an integrated service, raised in the state
// machine as "<Service>.<Code>" (e.g. SQS.QueueDoesNotExistException).
type ServiceError struct {
	Service string
	Code    string
	Message string
}

func (e *ServiceError) Error() string { return e.Service + "." + e.Code + ": " + e.Message }

// resource is a parsed Task resource ARN.
type resource struct {
	kind    string // "lambda", "lambda:invoke", "sqs:sendMessage", "sns:publish", "states:startExecution", "http:invoke"
	pattern string // "", "sync", "sync:2", "waitForTaskToken"
	arn     string // function ARN for kind "lambda"
}

func (r resource) resourceType() string {
	switch {
	case r.kind == "lambda" || strings.HasPrefix(r.kind, "lambda:"):
		return "lambda"
	case strings.HasPrefix(r.kind, "sqs"):
		return "sqs"
	case strings.HasPrefix(r.kind, "aws-sdk:"):
		service, _, _ := strings.Cut(strings.TrimPrefix(r.kind, "aws-sdk:"), ":")
		return "aws-sdk:" + service
	case strings.HasPrefix(r.kind, "sns"):
		return "sns"
	case strings.HasPrefix(r.kind, "states"):
		return "states"
	}
	return "http"
}

func (r resource) name() string {
	_, action, _ := strings.Cut(r.kind, ":")
	if strings.HasPrefix(r.kind, "aws-sdk:") {
		action = r.kind[strings.LastIndex(r.kind, ":")+1:]
	}
	if r.pattern != "" {
		return action + "." + r.pattern
	}
	if action == "" {
		return r.arn
	}
	return action
}

var integrationPatterns = map[string][]string{
	"lambda:invoke":         {"", "waitForTaskToken"},
	"sqs:sendMessage":       {"", "waitForTaskToken"},
	"sns:publish":           {"", "waitForTaskToken"},
	"states:startExecution": {"", "sync", "sync:2", "waitForTaskToken"},
	"http:invoke":           {""},
	// AWS SDK integrations (request-response only, as on AWS).
	"aws-sdk:sqs:receiveMessage": {""},
	"aws-sdk:sqs:deleteMessage":  {""},
}

func parseResource(arn string) (resource, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return resource{}, fmt.Errorf("the resource %q is not an ARN", arn)
	}
	service, rest := parts[2], parts[5]
	switch {
	case service == "lambda" && strings.HasPrefix(rest, "function:"):
		return resource{kind: "lambda", arn: arn}, nil
	case service == "states" && parts[3] == "" && parts[4] == "":
		action, pattern, _ := strings.Cut(rest, ".")
		allowed, ok := integrationPatterns[action]
		if !ok {
			return resource{}, fmt.Errorf("the service integration %q is not supported by Skyport (supported: lambda:invoke, sqs:sendMessage, sns:publish, states:startExecution, http:invoke, aws-sdk:sqs:receiveMessage, aws-sdk:sqs:deleteMessage)", rest)
		}
		for _, p := range allowed {
			if p == pattern {
				return resource{kind: action, pattern: pattern}, nil
			}
		}
		return resource{}, fmt.Errorf("the integration pattern %q is not supported for %s", pattern, action)
	case service == "states" && strings.HasPrefix(rest, "activity:"):
		return resource{}, fmt.Errorf("activities are not supported by Skyport")
	}
	return resource{}, fmt.Errorf("the resource %q is not a supported Task resource", arn)
}

func checkResource(arn string) error {
	_, err := parseResource(arn)
	return err
}

// taskCall is one invocation of a Task's resource.
type taskCall struct {
	res   resource
	input any    // the effective parameters
	token string // for .waitForTaskToken
}

// invoke runs the integration and returns its result. For
// .waitForTaskToken the result comes later through the token; invoke then
// returns only once the message has been handed over.
func (r *run) invoke(ctx context.Context, call taskCall) (any, error) {
	in := r.svc.integrations
	switch call.res.kind {
	case "lambda":
		return r.invokeFunction(ctx, in, call.res.arn, call.input, false)
	case "lambda:invoke":
		m, _ := call.input.(map[string]any)
		fn, _ := m["FunctionName"].(string)
		if fn == "" {
			return nil, fail(ErrRuntime, "lambda:invoke needs the parameter FunctionName")
		}
		if !strings.HasPrefix(fn, "arn:") {
			fn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.svc.cfg.Region, r.svc.cfg.Account, fn)
		}
		return r.invokeFunction(ctx, in, fn, m["Payload"], true)
	case "sqs:sendMessage":
		return r.sendMessage(ctx, in, call.input)
	case "sns:publish":
		return r.publish(ctx, in, call.input)
	case "states:startExecution":
		return r.startChild(ctx, call)
	case "http:invoke":
		return r.httpInvoke(ctx, in, call.input)
	case "aws-sdk:sqs:receiveMessage":
		return r.receiveMessages(ctx, in, call.input)
	case "aws-sdk:sqs:deleteMessage":
		return r.deleteMessage(ctx, in, call.input)
	}
	return nil, fail(ErrTaskFailed, "unsupported resource %s", call.res.kind)
}

func unavailable(what string) *Failure {
	return fail(ErrTaskFailed, "%s are not available in this Skyport build yet; the task cannot reach them", what)
}

func (r *run) invokeFunction(ctx context.Context, in Integrations, arn string, payload any, wrapped bool) (any, error) {
	if in.Functions == nil {
		return nil, unavailable("local functions (" + arn + ")")
	}
	body := []byte(encodeJSON(payload))
	out, fnErr, err := in.Functions.Invoke(ctx, arn, body)
	if err != nil {
		return nil, serviceFailure("Lambda", err)
	}
	var result any
	if len(bytes.TrimSpace(out)) > 0 {
		if result, err = decodeJSON(string(out)); err != nil {
			result = string(out)
		}
	}
	if fnErr != "" {
		name := "Lambda.Unknown"
		if m, ok := result.(map[string]any); ok {
			if t, _ := m["errorType"].(string); t != "" {
				name = t
			}
		}
		return nil, &Failure{Name: name, Cause: string(out)}
	}
	if wrapped {
		return map[string]any{"ExecutedVersion": "$LATEST", "Payload": result, "StatusCode": float64(200)}, nil
	}
	return result, nil
}

// serviceFailure names an integration's error the way Step Functions does.
func serviceFailure(service string, err error) *Failure {
	if f, ok := err.(*Failure); ok {
		return f
	}
	if se, ok := err.(*ServiceError); ok {
		code := se.Code
		if !strings.HasSuffix(code, "Exception") {
			code += "Exception"
		}
		return &Failure{Name: se.Service + "." + code, Cause: se.Message}
	}
	return &Failure{Name: ErrTaskFailed, Cause: fmt.Sprintf("%s: %v", service, err)}
}

func strParam(m map[string]any, name string) string {
	switch v := m[name].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return encodeJSON(v)
	}
}

func messageAttributes(raw any) map[string]MessageAttribute {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]MessageAttribute, len(m))
	for k, v := range m {
		a, _ := v.(map[string]any)
		out[k] = MessageAttribute{DataType: strParam(a, "DataType"), StringValue: strParam(a, "StringValue")}
	}
	return out
}

func (r *run) sendMessage(ctx context.Context, in Integrations, input any) (any, error) {
	if in.Queues == nil {
		return nil, unavailable("queues")
	}
	m, _ := input.(map[string]any)
	queueURL := strParam(m, "QueueUrl")
	if queueURL == "" {
		return nil, fail(ErrRuntime, "sqs:sendMessage needs the parameter QueueUrl")
	}
	msg := OutgoingMessage{
		Body:                   strParam(m, "MessageBody"),
		Attributes:             messageAttributes(m["MessageAttributes"]),
		MessageGroupID:         strParam(m, "MessageGroupId"),
		MessageDeduplicationID: strParam(m, "MessageDeduplicationId"),
	}
	if d, ok := m["DelaySeconds"].(float64); ok {
		n := int(d)
		msg.DelaySeconds = &n
	}
	sent, err := in.Queues.SendMessage(ctx, queueURL, msg)
	if err != nil {
		return nil, serviceFailure("SQS", err)
	}
	out := map[string]any{"MessageId": sent.MessageID, "MD5OfMessageBody": sent.MD5OfMessageBody}
	if sent.SequenceNumber != "" {
		out["SequenceNumber"] = sent.SequenceNumber
	}
	return out, nil
}

// queueReceiver returns the integration that receives from queues.
func queueReceiver(in Integrations) (QueueReceiver, *Failure) {
	if qr, ok := in.Queues.(QueueReceiver); ok {
		return qr, nil
	}
	return nil, unavailable("queues")
}

// sdkFailure names an AWS SDK integration's error as Step Functions does:
// the service and the error in PascalCase, with the Exception suffix
// (Sqs.QueueDoesNotExistException).
func sdkFailure(service string, err error) *Failure {
	if se, ok := err.(*ServiceError); ok {
		se = &ServiceError{Service: service, Code: se.Code, Message: se.Message}
		return serviceFailure(service, se)
	}
	return serviceFailure(service, err)
}

// receiveMessages runs arn:aws:states:::aws-sdk:sqs:receiveMessage: the
// result is ReceiveMessage's response, {"Messages": […]} (no Messages key
// when the queue had none, as the SDK integration returns it).
func (r *run) receiveMessages(ctx context.Context, in Integrations, input any) (any, error) {
	qr, f := queueReceiver(in)
	if f != nil {
		return nil, f
	}
	m, _ := input.(map[string]any)
	queueURL := strParam(m, "QueueUrl")
	if queueURL == "" {
		return nil, fail(ErrRuntime, "aws-sdk:sqs:receiveMessage needs the parameter QueueUrl")
	}
	req := ReceiveRequest{AttributeNames: strList(m["AttributeNames"]), MessageAttributeNames: strList(m["MessageAttributeNames"])}
	if n, ok := m["MaxNumberOfMessages"].(float64); ok {
		req.MaxNumberOfMessages = int(n)
	}
	for key, dst := range map[string]**int{"WaitTimeSeconds": &req.WaitTimeSeconds, "VisibilityTimeout": &req.VisibilityTimeout} {
		if n, ok := m[key].(float64); ok {
			v := int(n)
			*dst = &v
		}
	}
	if names := strList(m["MessageSystemAttributeNames"]); len(names) > 0 {
		req.AttributeNames = append(req.AttributeNames, names...)
	}
	msgs, err := qr.ReceiveMessages(ctx, queueURL, req)
	if err != nil {
		return nil, sdkFailure("Sqs", err)
	}
	out := map[string]any{}
	if len(msgs) == 0 {
		return out, nil
	}
	list := make([]any, 0, len(msgs))
	for _, msg := range msgs {
		e := map[string]any{"MessageId": msg.MessageID, "ReceiptHandle": msg.ReceiptHandle, "MD5OfBody": msg.MD5OfBody, "Body": msg.Body}
		if len(msg.Attributes) > 0 {
			attrs := map[string]any{}
			for k, v := range msg.Attributes {
				attrs[k] = v
			}
			e["Attributes"] = attrs
		}
		if len(msg.MessageAttributes) > 0 {
			attrs := map[string]any{}
			for k, a := range msg.MessageAttributes {
				v := map[string]any{"DataType": a.DataType}
				if a.StringValue != "" {
					v["StringValue"] = a.StringValue
				}
				if len(a.BinaryValue) > 0 {
					v["BinaryValue"] = base64.StdEncoding.EncodeToString(a.BinaryValue)
				}
				attrs[k] = v
			}
			e["MessageAttributes"] = attrs
			e["MD5OfMessageAttributes"] = msg.MD5OfMessageAttributes
		}
		list = append(list, e)
	}
	out["Messages"] = list
	return out, nil
}

// deleteMessage runs arn:aws:states:::aws-sdk:sqs:deleteMessage; its
// result is DeleteMessage's empty response.
func (r *run) deleteMessage(ctx context.Context, in Integrations, input any) (any, error) {
	qr, f := queueReceiver(in)
	if f != nil {
		return nil, f
	}
	m, _ := input.(map[string]any)
	queueURL, handle := strParam(m, "QueueUrl"), strParam(m, "ReceiptHandle")
	if queueURL == "" || handle == "" {
		return nil, fail(ErrRuntime, "aws-sdk:sqs:deleteMessage needs the parameters QueueUrl and ReceiptHandle")
	}
	if err := qr.DeleteMessage(ctx, queueURL, handle); err != nil {
		return nil, sdkFailure("Sqs", err)
	}
	return map[string]any{}, nil
}

// strList reads a JSON array of strings (other values are skipped).
func strList(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (r *run) publish(ctx context.Context, in Integrations, input any) (any, error) {
	if in.Topics == nil {
		return nil, unavailable("topics")
	}
	m, _ := input.(map[string]any)
	p := Publication{
		TopicArn: strParam(m, "TopicArn"), TargetArn: strParam(m, "TargetArn"), PhoneNumber: strParam(m, "PhoneNumber"),
		Message: strParam(m, "Message"), Subject: strParam(m, "Subject"), MessageStructure: strParam(m, "MessageStructure"),
		Attributes:     messageAttributes(m["MessageAttributes"]),
		MessageGroupID: strParam(m, "MessageGroupId"), MessageDeduplicationID: strParam(m, "MessageDeduplicationId"),
	}
	if p.TopicArn == "" && p.TargetArn == "" && p.PhoneNumber == "" {
		return nil, fail(ErrRuntime, "sns:publish needs the parameter TopicArn")
	}
	id, seq, err := in.Topics.Publish(ctx, p)
	if err != nil {
		return nil, serviceFailure("SNS", err)
	}
	out := map[string]any{"MessageId": id}
	if seq != "" {
		out["SequenceNumber"] = seq
	}
	return out, nil
}

func (r *run) httpInvoke(ctx context.Context, in Integrations, input any) (any, error) {
	m, _ := input.(map[string]any)
	endpoint := strParam(m, "ApiEndpoint")
	method := strings.ToUpper(strParam(m, "Method"))
	if endpoint == "" || method == "" {
		return nil, fail(ErrRuntime, "http:invoke needs the parameters ApiEndpoint and Method")
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fail(ErrRuntime, "http:invoke: ApiEndpoint %q is not an http(s) URL", endpoint)
	}
	if qp, ok := m["QueryParameters"].(map[string]any); ok {
		q := u.Query()
		for k := range qp {
			q.Set(k, strParam(qp, k))
		}
		u.RawQuery = q.Encode()
	}
	var body io.Reader
	if rb, ok := m["RequestBody"]; ok {
		if s, isStr := rb.(string); isStr {
			body = strings.NewReader(s)
		} else {
			body = strings.NewReader(encodeJSON(rb))
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fail(ErrRuntime, "http:invoke: %v", err)
	}
	if hs, ok := m["Headers"].(map[string]any); ok {
		for k := range hs {
			req.Header.Set(k, strParam(hs, k))
		}
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := in.HTTP
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fail(ErrTaskFailed, "http:invoke %s %s: %v", method, endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxPayload+1))
	if err != nil {
		return nil, fail(ErrTaskFailed, "http:invoke: reading the response: %v", err)
	}
	headers := map[string]any{}
	for k, v := range resp.Header {
		headers[k] = []any{strings.Join(v, ",")}
	}
	var respBody any = string(raw)
	if parsed, err := decodeJSON(string(raw)); err == nil {
		respBody = parsed
	}
	out := map[string]any{"StatusCode": float64(resp.StatusCode), "StatusText": http.StatusText(resp.StatusCode), "Headers": headers, "ResponseBody": respBody}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &Failure{Name: fmt.Sprintf("States.Http.StatusCode.%d", resp.StatusCode), Cause: encodeJSON(out)}
	}
	return out, nil
}
