package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
)

// bodyField is a multi-line entry for a message body, record data or a
// request body.
func bodyField(key, label string, required bool) *formField {
	e := widget.NewMultiLineEntry()
	e.Wrapping = fyne.TextWrapBreak
	e.SetMinRowsVisible(4)
	f := &formField{key: key, label: label, input: e, get: func() string { return e.Text }, set: e.SetText, msg: fieldMessage()}
	if required {
		f.check = func(s string) error {
			if s == "" {
				return errors.New("must not be empty")
			}
			return nil
		}
	}
	e.OnChanged = func(string) { f.edited() }
	return f
}

// attrsField takes message attributes as a JSON object: "name": "text" is
// a String, "name": 3 a Number, "name": ["a", "b"] a String.Array, and
// "name": {"DataType": …, "StringValue": …} anything else.
func attrsField(arrays bool) *formField {
	f := jsonField("attributes", "Attributes", true)
	f.input.(*widget.Entry).SetPlaceHolder(`{"color": "red", "size": 3}`)
	f.check = func(s string) error {
		_, err := parseAttributes(s, arrays)
		return err
	}
	return f
}

// attrValue is one parsed message attribute.
type attrValue struct{ dataType, value string }

func parseAttributes(s string, arrays bool) (map[string]attrValue, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if err := checkJSONDoc(s, true); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, errors.New("must be a JSON object of attribute names to values")
	}
	if len(raw) > 10 {
		return nil, fmt.Errorf("at most 10 attributes (%d given)", len(raw))
	}
	out := make(map[string]attrValue, len(raw))
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v, err := attrOf(k, raw[k], arrays)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func attrOf(name string, v any, arrays bool) (attrValue, error) {
	switch x := v.(type) {
	case string:
		return attrValue{"String", x}, nil
	case json.Number:
		return attrValue{"Number", x.String()}, nil
	case bool:
		return attrValue{"String", strconv.FormatBool(x)}, nil
	case []any:
		if !arrays {
			return attrValue{}, fmt.Errorf("attribute %q: queues take no arrays", name)
		}
		b, _ := json.Marshal(x)
		return attrValue{"String.Array", string(b)}, nil
	case map[string]any:
		t, _ := x["DataType"].(string)
		val, _ := x["StringValue"].(string)
		if t == "" {
			return attrValue{}, fmt.Errorf("attribute %q: an object needs a DataType and a StringValue", name)
		}
		return attrValue{t, val}, nil
	}
	return attrValue{}, fmt.Errorf("attribute %q has no value", name)
}

func queueAttributes(m map[string]attrValue) map[string]queue.MessageAttribute {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]queue.MessageAttribute, len(m))
	for k, v := range m {
		out[k] = queue.MessageAttribute{DataType: v.dataType, StringValue: v.value}
	}
	return out
}

func topicAttributes(m map[string]attrValue) map[string]topic.MessageAttribute {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]topic.MessageAttribute, len(m))
	for k, v := range m {
		out[k] = topic.MessageAttribute{DataType: v.dataType, StringValue: v.value}
	}
	return out
}

// maxChars checks a length limit (and, with required, presence).
func maxChars(n int, required bool) func(string) error {
	return func(s string) error {
		switch {
		case required && strings.TrimSpace(s) == "":
			return errors.New("required")
		case len(s) > n:
			return fmt.Errorf("at most %d characters (%d typed)", n, len(s))
		}
		return nil
	}
}

func resultLine(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.Selectable = true
	return l
}

// showSendDialog opens Send message for queue ac.name: body, attributes,
// delay, and the group and deduplication ids of a FIFO queue.
func showSendDialog(ac actionContext) *actionForm {
	qs := ac.core.Queues()
	attrs, _ := qs.GetQueueAttributes(ac.name, []string{"All"})
	fifo := attrs["FifoQueue"] == "true"
	maxSize, _ := strconv.Atoi(attrs["MaximumMessageSize"])
	body := bodyField("body", "Body", true)
	body.check = func(s string) error {
		if s == "" {
			return errors.New("must not be empty")
		}
		if maxSize > 0 && len(s) > maxSize {
			return fmt.Errorf("at most %d bytes for this queue (%d typed)", maxSize, len(s))
		}
		return nil
	}
	fields := []*formField{body, attrsField(false)}
	if fifo {
		dedupRequired := attrs["ContentBasedDeduplication"] != "true"
		fields = append(fields, textField("group", "Group ID", maxChars(128, true)),
			textField("dedup", "Dedup ID", maxChars(128, dedupRequired)))
	} else {
		fields = append(fields, textField("delay", "Delay (s)", func(s string) error {
			if strings.TrimSpace(s) == "" {
				return nil
			}
			return intIn(0, 900, "seconds")(s)
		}))
	}
	f := newActionForm("Send message", "Send", fields, nil)
	f.do = func(v map[string]string) error {
		ma, _ := parseAttributes(v["attributes"], false)
		in := queue.SendInput{Body: v["body"], MessageAttributes: queueAttributes(ma), MessageGroupID: v["group"], MessageDeduplicationID: v["dedup"]}
		if d := strings.TrimSpace(v["delay"]); d != "" {
			n, _ := strconv.Atoi(d)
			in.DelaySeconds = &n
		}
		res, err := qs.SendMessage(context.Background(), ac.name, in)
		if err != nil {
			return err
		}
		line := "Sent message " + res.MessageID
		if res.SequenceNumber != "" {
			line += " · sequence " + res.SequenceNumber
		}
		f.setResult(resultLine(line))
		ac.notifyChanged()
		return nil
	}
	return f.show(ac)
}

// subMatch is how one subscription fared against a published message.
type subMatch struct {
	sub     topic.SubscriptionSummary
	matched bool
	why     string // the filter's verdict in words
}

// matchSubscriptions checks a message against every subscription's filter
// policy with the topic service's explain API.
func matchSubscriptions(ts *topic.Service, topicARN string, attrs map[string]topic.MessageAttribute, body string) ([]subMatch, error) {
	var out []subMatch
	next := ""
	for {
		subs, tok, err := ts.ListSubscriptionsByTopic(topicARN, next)
		if err != nil {
			return nil, err
		}
		for _, s := range subs {
			out = append(out, matchOne(ts, s, attrs, body))
		}
		if tok == "" {
			return out, nil
		}
		next = tok
	}
}

func matchOne(ts *topic.Service, s topic.SubscriptionSummary, attrs map[string]topic.MessageAttribute, body string) subMatch {
	m := subMatch{sub: s, matched: true, why: "no filter policy"}
	a, err := ts.GetSubscriptionAttributes(s.ARN)
	if err != nil || strings.TrimSpace(a["FilterPolicy"]) == "" {
		return m
	}
	scope := a["FilterPolicyScope"]
	if scope == "" {
		scope = "MessageAttributes"
	}
	ex, err := ts.ExplainFilter(a["FilterPolicy"], scope, attrs, body)
	if err != nil {
		return subMatch{sub: s, why: errorInWords(err)}
	}
	m.matched = ex.Matched
	m.why = explainWords(ex)
	return m
}

// explainWords summarises an explanation: the keys that held or failed.
func explainWords(ex topic.Explanation) string {
	if len(ex.Alternatives) == 0 {
		return "empty filter policy"
	}
	best := ex.Alternatives[0]
	for _, alt := range ex.Alternatives {
		if !slices.ContainsFunc(alt, func(k topic.KeyResult) bool { return !k.Matched }) {
			best = alt
			break
		}
	}
	parts := make([]string, 0, len(best))
	for _, k := range best {
		switch {
		case k.Matched:
			parts = append(parts, k.Key+" ✓")
		case !k.Present:
			parts = append(parts, k.Key+" missing")
		default:
			parts = append(parts, k.Key+" ✗ ("+strings.Join(k.Values, ", ")+")")
		}
	}
	return strings.Join(parts, ", ")
}

// showPublishDialog opens Publish for topic ac.name; after a publish it
// lists which subscriptions the message matched and why.
func showPublishDialog(ac actionContext) *actionForm {
	ts := ac.core.Topics()
	arn := ts.ARN(ac.name)
	fields := []*formField{textField("subject", "Subject", maxChars(topic.MaxSubjectChars, false)),
		bodyField("message", "Message", true), attrsField(true)}
	if strings.HasSuffix(ac.name, ".fifo") {
		fields = append(fields, textField("group", "Group ID", maxChars(128, true)), textField("dedup", "Dedup ID", maxChars(128, false)))
	}
	f := newActionForm("Publish", "Publish", fields, nil)
	f.do = func(v map[string]string) error {
		pa, _ := parseAttributes(v["attributes"], true)
		attrs := topicAttributes(pa)
		matches, err := matchSubscriptions(ts, arn, attrs, v["message"])
		if err != nil {
			return err
		}
		res, err := ts.Publish(context.Background(), topic.PublishInput{TopicARN: arn, Message: v["message"], Subject: v["subject"],
			MessageAttributes: attrs, MessageGroupID: v["group"], MessageDeduplicationID: v["dedup"]})
		if err != nil {
			return err
		}
		f.setResult(publishResult(res, matches)...)
		ac.notifyChanged()
		return nil
	}
	return f.show(ac)
}

// endpointName is how a subscription's endpoint reads in a list: the
// resource name of an ARN, a URL as it is.
func endpointName(s string) string {
	if strings.HasPrefix(s, "arn:") {
		return s[strings.LastIndexByte(s, ':')+1:]
	}
	return s
}

func publishResult(res topic.PublishResult, matches []subMatch) []fyne.CanvasObject {
	objs := []fyne.CanvasObject{resultLine("Published message " + res.MessageID)}
	if len(matches) == 0 {
		return append(objs, resultLine("The topic has no subscriptions."))
	}
	n := 0
	grid := container.New(layout.NewFormLayout())
	for _, m := range matches {
		verdict := "✗ filtered out"
		if m.matched {
			verdict = "✓ matched"
			n++
		}
		grid.Add(infoKey(m.sub.Protocol + " " + endpointName(m.sub.Endpoint)))
		grid.Add(resultLine(verdict + " — " + m.why))
	}
	return append(objs, resultLine(fmt.Sprintf("%d of %d subscriptions matched the filter", n, len(matches))), grid)
}

// showPutRecordDialog opens Put record for stream ac.name; the result
// names the shard and sequence number.
func showPutRecordDialog(ac actionContext) *actionForm {
	ss := ac.core.Streams()
	hash := textField("hash", "Explicit hash key", func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		if _, ok := stream.ParseHashKey(strings.TrimSpace(s)); !ok {
			return errors.New("must be a decimal number from 0 to 2^128-1")
		}
		return nil
	})
	f := newActionForm("Put record", "Put record",
		[]*formField{textField("key", "Partition key", maxChars(256, true)), bodyField("data", "Data", true), hash}, nil)
	f.do = func(v map[string]string) error {
		res, err := ss.PutRecord(context.Background(), ac.name, stream.PutInput{PartitionKey: v["key"],
			ExplicitHashKey: strings.TrimSpace(v["hash"]), Data: []byte(v["data"])})
		if err != nil {
			return err
		}
		f.setResult(resultLine("Shard "+res.ShardID), resultLine("Sequence number "+res.SequenceNumber))
		ac.notifyChanged()
		return nil
	}
	return f.show(ac)
}

// executionName checks Step Functions' name rule (1–80 characters, no
// whitespace, brackets, wildcards or punctuation it reserves); empty lets
// the core generate one.
func executionName(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > 80 {
		return fmt.Errorf("at most 80 characters (%d typed)", len(s))
	}
	if i := strings.IndexAny(s, " \t\n<>{}[]?*\"#%\\^|~`$&,;:/"); i >= 0 {
		return fmt.Errorf("must not contain %q", s[i])
	}
	return nil
}

// showStartExecutionDialog opens Start execution for state machine
// ac.name; the started execution opens through ac.openExecution.
func showStartExecutionDialog(ac actionContext) *actionForm {
	ms := ac.core.Machines()
	input := jsonField("input", "Input", false)
	input.set("{}")
	f := newActionForm("Start execution", "Start", []*formField{textField("name", "Name", executionName), input}, nil)
	f.do = func(v map[string]string) error {
		sm, err := machineByName(ms, ac.name)
		if err != nil {
			return err
		}
		x, err := ms.StartExecution(context.Background(), machine.StartInput{StateMachineArn: sm.Arn, Name: v["name"], Input: v["input"]})
		if err != nil {
			return err
		}
		f.setResult(resultLine("Started execution " + x.Name + " · " + x.Status))
		if f.dlg != nil {
			f.dlg.Hide()
		}
		if ac.openExecution != nil {
			ac.openExecution(ac.name, x.Arn)
		} else if ac.win != nil {
			showExecutionDialog(ms, x.Arn, ac.win)
		}
		return nil
	}
	return f.show(ac)
}

// showExecutionDialog shows an execution's status, input and output.
func showExecutionDialog(ms *machine.Service, arn string, win fyne.Window) {
	x, err := ms.DescribeExecution(arn)
	if err != nil {
		dialog.ShowError(errors.New(errorInWords(err)), win)
		return
	}
	out := widget.NewMultiLineEntry()
	out.SetText("Input: " + x.Input + "\nOutput: " + x.Output + "\n" + x.Error + " " + x.Cause)
	dialog.ShowCustom("Execution "+x.Name, "Close", container.NewBorder(resultLine(x.Status+" · "+x.Arn), nil, nil, nil, out), win)
}

func machineByName(ms *machine.Service, name string) (machine.StateMachine, error) {
	for _, sm := range ms.ListStateMachines() {
		if sm.Name == name {
			return sm, nil
		}
	}
	return machine.StateMachine{}, fmt.Errorf("StateMachineDoesNotExist: State Machine Does Not Exist: %q", name)
}

// parseHeaders reads "Name: value" lines.
func parseHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t()<>@,;\\\"/[]?={}") {
			return nil, fmt.Errorf("line %d: write a header as Name: value", i+1)
		}
		out[http.CanonicalHeaderKey(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// callMethods are the methods Call route offers: a route's methods but ANY.
var callMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// showCallRouteDialog opens Call route for API ac.name (route picks a
// route to pre-fill the method and path; "" for none) and shows the
// response's status, headers and body.
func showCallRouteDialog(ac actionContext, route string) *actionForm {
	gw := ac.core.Gateway()
	method := selectField("method", "Method", callMethods)
	path := textField("path", "Path", func(s string) error {
		if !strings.HasPrefix(s, "/") {
			return errors.New("must start with /")
		}
		if strings.ContainsAny(s, " \t\n") {
			return errors.New("must not contain spaces (encode them as %20)")
		}
		return nil
	})
	headers := bodyField("headers", "Headers", false)
	headers.input.(*widget.Entry).SetPlaceHolder("Content-Type: application/json")
	headers.check = func(s string) error { _, err := parseHeaders(s); return err }
	f := newActionForm("Call route", "Send request", []*formField{method, path, headers, bodyField("body", "Body", false)}, nil)
	m, p := "GET", "/"
	if k, rest, ok := strings.Cut(route, " "); ok {
		m, p = k, strings.ReplaceAll(rest, "+}", "}")
		if k == "ANY" {
			m = "GET"
		}
	}
	method.set(m)
	path.set(p)
	f.do = func(v map[string]string) error {
		h, _ := parseHeaders(v["headers"])
		in := gateway.CallInput{Method: v["method"], Path: v["path"], Headers: h, Body: []byte(v["body"])}
		// An integration may take up to its timeout: wait off the UI thread.
		f.background(ac, func() (func(), error) {
			out, err := gw.Call(context.Background(), ac.name, in)
			return func() { f.setResult(callResult(out)...); ac.notifyChanged() }, err
		})
		return nil
	}
	return f.show(ac)
}

func callResult(out gateway.CallOutput) []fyne.CanvasObject {
	status := fmt.Sprintf("%d %s · %s", out.Status, http.StatusText(out.Status), out.Latency.Round(1000))
	var hb strings.Builder
	for _, k := range slices.Sorted(maps.Keys(out.Headers)) {
		hb.WriteString(k + ": " + strings.Join(out.Headers[k], ", ") + "\n")
	}
	body := string(out.Body)
	var pretty bytes.Buffer
	if json.Indent(&pretty, out.Body, "", "  ") == nil {
		body = pretty.String()
	}
	be := widget.NewMultiLineEntry()
	be.TextStyle = fyne.TextStyle{Monospace: true}
	be.SetText(body)
	be.SetMinRowsVisible(6)
	return []fyne.CanvasObject{resultLine("Status " + status), resultLine(strings.TrimSpace(hb.String())), be}
}

// showInvokeDialog opens Invoke for function ac.name: an event as JSON;
// the answer, the error if the function failed, and its logs.
func showInvokeDialog(ac actionContext) *actionForm {
	fs := ac.core.Functions()
	payload := jsonField("payload", "Event", false)
	payload.set("{}")
	f := newActionForm("Invoke", "Invoke", []*formField{payload}, nil)
	f.do = func(v map[string]string) error {
		f.background(ac, func() (func(), error) {
			res, err := fs.Invoke(context.Background(), ac.name, []byte(v["payload"]))
			return func() { f.setResult(invokeResult(res)...); ac.notifyChanged() }, err
		})
		return nil
	}
	return f.show(ac)
}

func invokeResult(res function.Result) []fyne.CanvasObject {
	status := "Succeeded"
	if res.Failed() {
		status = "Failed (" + res.FunctionError + ")"
	}
	out := widget.NewMultiLineEntry()
	out.TextStyle = fyne.TextStyle{Monospace: true}
	var pretty bytes.Buffer
	if json.Indent(&pretty, res.Payload, "", "  ") == nil {
		out.SetText(pretty.String())
	} else {
		out.SetText(string(res.Payload))
	}
	out.SetMinRowsVisible(4)
	objs := []fyne.CanvasObject{resultLine(status + " in " + res.Duration.String() + " · request " + res.RequestID), out}
	if strings.TrimSpace(res.Logs) != "" {
		objs = append(objs, infoKey("Logs"), resultLine(res.Logs))
	}
	return objs
}
