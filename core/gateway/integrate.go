package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// integrate calls the route's integration and returns its answer.
func (s *Service) integrate(ctx context.Context, rt *routeRT, in *inbound) *response {
	ig := &rt.route.Integration
	resp := s.call(ctx, rt, in)
	if len(ig.ResponseParameters) > 0 {
		resp = mapResponse(ig.ResponseParameters, in, resp)
	}
	return resp
}

// call runs the integration itself.
func (s *Service) call(ctx context.Context, rt *routeRT, in *inbound) *response {
	ig := &rt.route.Integration
	if ig.Type == Mock {
		return mockResponse(ig.Mock, in)
	}
	started := time.Now()
	defer func() { rt.stats.integration.ObserveDuration(time.Since(started)) }()
	t := s.targets.Load()
	return s.withTimeout(ctx, rt.timeout, func(ctx context.Context) *response {
		switch ig.Type {
		case Function:
			return s.callFunction(ctx, t.Functions, ig, in)
		case Queue:
			return sendToQueue(ctx, t.Queues, ig, in)
		case Topic:
			return publishToTopic(ctx, t.Topics, ig, in)
		case Stream:
			return putToStream(ctx, t.Streams, ig, in)
		case StateMachine:
			return startExecution(ctx, t.Machines, ig, in)
		case HTTPProxy:
			return s.proxyHTTP(ctx, ig, in)
		}
		return internal(fmt.Sprintf("unknown integration type %q", ig.Type))
	})
}

// paramValue evaluates the integration parameter name, or def when it is unset.
func paramValue(ig *Integration, name, def string, in *inbound) string {
	if expr, ok := ig.Parameters[name]; ok {
		return evaluate(expr, in)
	}
	if def == "" {
		return ""
	}
	return evaluate(def, in)
}

// targetFailure turns a target's error into the client's answer.
func targetFailure(kind, name string, err error) *response {
	if errors.Is(err, ErrTargetNotFound) {
		return unavailable("%s %q does not exist", kind, name)
	}
	var te *TargetError
	if errors.As(err, &te) {
		status := te.Status
		if status < 400 || status > 599 {
			status = http.StatusBadRequest
		}
		resp := jsonResponse(status, map[string]string{"code": te.Code, "message": te.Message})
		resp.header.Set(errorHeader, sanitize(te.Error()))
		return resp
	}
	return internal(fmt.Sprintf("%s %q: %v", kind, name, err))
}

func jsonResponse(status int, v any) *response {
	b, err := json.Marshal(v)
	if err != nil {
		return internal(err.Error())
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &response{status: status, header: h, body: b}
}

func (s *Service) callFunction(ctx context.Context, fn FunctionInvoker, ig *Integration, in *inbound) *response {
	if fn == nil {
		return unavailable("function %q: the function service is not running", ig.Target)
	}
	payload, err := encodeProxyRequest(in)
	if err != nil {
		return internal("encode the Lambda event: " + err.Error())
	}
	out, fnErr, err := fn.Invoke(ctx, ig.Target, payload)
	if err != nil {
		return targetFailure("function", ig.Target, err)
	}
	if fnErr != "" {
		return internal(fmt.Sprintf("function %q failed (%s): %s", ig.Target, fnErr, out))
	}
	resp, err := decodeProxyResponse(out)
	if err != nil {
		return internal(fmt.Sprintf("function %q: %v", ig.Target, err))
	}
	return resp
}

// attributes reads a parameter holding a JSON object of strings.
func attributes(ig *Integration, name string, in *inbound) (map[string]string, *response) {
	raw := paramValue(ig, name, "", in)
	if raw == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, message(http.StatusBadRequest, name+" must be a JSON object of strings")
	}
	return m, nil
}

// nameFrom takes a resource name from a URL or ARN parameter (its last
// "/" or ":" part), or the integration's target.
func nameFrom(ig *Integration, paramName string, in *inbound) string {
	v := paramValue(ig, paramName, "", in)
	if v == "" {
		return ig.Target
	}
	if i := strings.LastIndexAny(v, "/:"); i >= 0 {
		return v[i+1:]
	}
	return v
}

func sendToQueue(ctx context.Context, q QueueSender, ig *Integration, in *inbound) *response {
	name := nameFrom(ig, "QueueUrl", in)
	if q == nil {
		return unavailable("queue %q: the queue service is not running", name)
	}
	m := QueueMessage{
		Body:            paramValue(ig, "MessageBody", "$request.body", in),
		GroupID:         paramValue(ig, "MessageGroupId", "", in),
		DeduplicationID: paramValue(ig, "MessageDeduplicationId", "", in),
	}
	if d := paramValue(ig, "DelaySeconds", "", in); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return message(http.StatusBadRequest, "DelaySeconds must be an integer")
		}
		m.DelaySeconds = &n
	}
	attrs, bad := attributes(ig, "MessageAttributes", in)
	if bad != nil {
		return bad
	}
	m.Attributes = attrs
	receipt, err := q.SendMessage(ctx, name, m)
	if err != nil {
		return targetFailure("queue", name, err)
	}
	return jsonResponse(http.StatusOK, receipt)
}

func publishToTopic(ctx context.Context, t TopicPublisher, ig *Integration, in *inbound) *response {
	name := nameFrom(ig, "TopicArn", in)
	if t == nil {
		return unavailable("topic %q: the topic service is not running", name)
	}
	m := TopicMessage{
		Message:         paramValue(ig, "Message", "$request.body", in),
		Subject:         paramValue(ig, "Subject", "", in),
		GroupID:         paramValue(ig, "MessageGroupId", "", in),
		DeduplicationID: paramValue(ig, "MessageDeduplicationId", "", in),
	}
	attrs, bad := attributes(ig, "MessageAttributes", in)
	if bad != nil {
		return bad
	}
	m.Attributes = attrs
	id, err := t.Publish(ctx, name, m)
	if err != nil {
		return targetFailure("topic", name, err)
	}
	return jsonResponse(http.StatusOK, map[string]string{"MessageId": id})
}

func putToStream(ctx context.Context, p StreamPutter, ig *Integration, in *inbound) *response {
	name := nameFrom(ig, "StreamName", in)
	if p == nil {
		return unavailable("stream %q: the stream service is not running", name)
	}
	rec := StreamRecord{
		Data:         []byte(paramValue(ig, "Data", "$request.body", in)),
		PartitionKey: paramValue(ig, "PartitionKey", "$context.requestId", in),
	}
	shard, seq, err := p.PutRecord(ctx, name, rec)
	if err != nil {
		return targetFailure("stream", name, err)
	}
	return jsonResponse(http.StatusOK, map[string]string{"ShardId": shard, "SequenceNumber": seq})
}

// epochSeconds is how the AWS JSON protocols write timestamps.
func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func startExecution(ctx context.Context, m MachineStarter, ig *Integration, in *inbound) *response {
	name := nameFrom(ig, "StateMachineArn", in)
	if m == nil {
		return unavailable("state machine %q: the state machine service is not running", name)
	}
	input := paramValue(ig, "Input", "$request.body", in)
	if input == "" {
		input = "{}"
	}
	ex, err := m.StartExecution(ctx, name, paramValue(ig, "Name", "", in), input, ig.Sync)
	if err != nil {
		return targetFailure("state machine", name, err)
	}
	if !ig.Sync {
		return jsonResponse(http.StatusOK, map[string]any{"executionArn": ex.ARN, "startDate": epochSeconds(ex.StartDate)})
	}
	out := map[string]any{"executionArn": ex.ARN, "startDate": epochSeconds(ex.StartDate), "status": ex.Status}
	if !ex.StopDate.IsZero() {
		out["stopDate"] = epochSeconds(ex.StopDate)
	}
	for k, v := range map[string]string{"output": ex.Output, "error": ex.Error, "cause": ex.Cause} {
		if v != "" {
			out[k] = v
		}
	}
	return jsonResponse(http.StatusOK, out)
}

// hopHeaders are not forwarded by a proxy (RFC 9110 §7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// proxyURL fills {param} and {param+} placeholders of the target with the
// path parameters and appends the request's query string.
func proxyURL(target string, in *inbound) string {
	u := target
	for name, v := range in.pathParams {
		esc := url.PathEscape(v)
		if strings.Contains(u, "{"+name+"+}") || strings.Contains(u, "{"+name+"}") {
			parts := strings.Split(v, "/")
			for i, p := range parts {
				parts[i] = url.PathEscape(p)
			}
			u = strings.ReplaceAll(u, "{"+name+"+}", strings.Join(parts, "/"))
			if strings.Contains(v, "/") {
				esc = strings.Join(parts, "/")
			}
			u = strings.ReplaceAll(u, "{"+name+"}", esc)
		}
	}
	if in.rawQuery != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + in.rawQuery
	}
	return u
}

func (s *Service) proxyHTTP(ctx context.Context, ig *Integration, in *inbound) *response {
	method := ig.Method
	if method == "" {
		method = in.method
	}
	target := proxyURL(ig.Target, in)
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(in.body))
	if err != nil {
		return internal("http integration: " + err.Error())
	}
	req.Header = in.header.Clone()
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	mapRequest(req, ig.Parameters, in)
	req.Header.Set("Forwarded", fmt.Sprintf("by=%s;for=%s;host=%s;proto=http", in.host, in.sourceIP, in.host))
	req.Header.Add("X-Forwarded-For", in.sourceIP)
	req.Header.Set("X-Amzn-Trace-Id", "Root="+in.requestID)
	res, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return message(http.StatusServiceUnavailable, "Service Unavailable")
		}
		return unavailable("%s %s: %v", method, ig.Target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxBodyBytes+1))
	if err != nil {
		return unavailable("%s %s: reading the response: %v", method, ig.Target, err)
	}
	if len(body) > MaxBodyBytes {
		return internal(fmt.Sprintf("%s %s: the response is larger than %d bytes", method, ig.Target, MaxBodyBytes))
	}
	h := res.Header.Clone()
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.Del("Content-Length")
	return &response{status: res.StatusCode, header: h, body: body}
}

// mockResponse answers from the mock template.
func mockResponse(m *MockResponse, in *inbound) *response {
	h := http.Header{}
	if m == nil {
		return &response{status: http.StatusOK, header: h}
	}
	status := m.Status
	if status == 0 {
		status = http.StatusOK
	}
	for k, v := range m.Headers {
		h.Set(k, evaluate(v, in))
	}
	body := []byte(evaluate(m.Body, in))
	if h.Get("Content-Type") == "" && len(body) > 0 {
		if json.Valid(body) {
			h.Set("Content-Type", "application/json")
		} else {
			h.Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	return &response{status: status, header: h, body: body}
}

// mapRequest applies an HTTP proxy's request parameter mapping, as HTTP
// APIs define it: "overwrite:path", and append|overwrite|remove of
// "header.NAME" and "querystring.NAME", in key order.
func mapRequest(req *http.Request, params map[string]string, in *inbound) {
	if len(params) == 0 {
		return
	}
	q := req.URL.Query()
	queryChanged := false
	for _, key := range sortedKeys(params) {
		v := evaluate(params[key], in)
		action, target, _ := strings.Cut(key, ":")
		if target == "path" {
			if !strings.HasPrefix(v, "/") {
				v = "/" + v
			}
			req.URL.Path, req.URL.RawPath = v, ""
			continue
		}
		kind, name, _ := strings.Cut(target, ".")
		switch kind {
		case "header":
			v = sanitize(v)
			switch action {
			case "append":
				req.Header.Add(name, v)
			case "overwrite":
				req.Header.Set(name, v)
			case "remove":
				req.Header.Del(name)
			}
		case "querystring":
			queryChanged = true
			switch action {
			case "append":
				q.Add(name, v)
			case "overwrite":
				q.Set(name, v)
			case "remove":
				q.Del(name)
			}
		}
	}
	if queryChanged {
		req.URL.RawQuery = q.Encode()
	}
}

// validateRequestParameters checks an HTTP proxy's mapping keys.
func validateRequestParameters(params map[string]string) error {
	for key := range params {
		action, target, _ := strings.Cut(key, ":")
		kind, name, _ := strings.Cut(target, ".")
		switch {
		case key == "overwrite:path":
		case (action == "append" || action == "overwrite" || action == "remove") &&
			(kind == "header" && name != "" && validHeader(map[string][]string{name: {""}}) || kind == "querystring" && name != ""):
		default:
			return fmt.Errorf("parameter %q: an http integration maps overwrite:path or append|overwrite|remove:header.NAME|querystring.NAME", key)
		}
	}
	return nil
}
