package flow

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// CloudFormation export: the workspace as a template that deploys to AWS
// unchanged. Local ARNs and queue URLs inside state machine definitions
// become DefinitionSubstitutions bound to !Ref/!GetAtt of the exported
// resources; every integration gets an IAM role (or resource policy)
// allowing exactly the calls it makes on exactly the resources it names.

// queue attribute → CloudFormation property type ("i" integer, "b" boolean,
// "s" string, "j" JSON).
var queueProps = map[string]string{
	"DelaySeconds": "i", "MaximumMessageSize": "i", "MessageRetentionPeriod": "i",
	"ReceiveMessageWaitTimeSeconds": "i", "VisibilityTimeout": "i", "KmsDataKeyReusePeriodSeconds": "i",
	"ContentBasedDeduplication": "b", "SqsManagedSseEnabled": "b",
	"DeduplicationScope": "s", "FifoThroughputLimit": "s", "KmsMasterKeyId": "s",
	"RedriveAllowPolicy": "j",
}

var topicProps = map[string]string{
	"DisplayName": "s", "KmsMasterKeyId": "s", "SignatureVersion": "s", "TracingConfig": "s",
	"FifoThroughputScope": "s", "ContentBasedDeduplication": "b", "ArchivePolicy": "j",
}

// ExportCloudFormation renders the workspace as a CloudFormation template
// (YAML with short-form intrinsic functions).
func ExportCloudFormation(w *Workspace) ([]byte, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	x := newExporter(w)
	if err := x.build(); err != nil {
		return nil, err
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{x.template()}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	enc.Close()
	return buf.Bytes(), nil
}

type exporter struct {
	w         *Workspace
	ids       map[string]string // node id → logical id
	used      map[string]bool
	resources *yaml.Node
	outputs   *yaml.Node
	notes     []string
}

func newExporter(w *Workspace) *exporter {
	x := &exporter{w: w, ids: map[string]string{}, used: map[string]bool{}, resources: mapNode(), outputs: mapNode()}
	suffix := map[string]string{KindQueue: "Queue", KindTopic: "Topic", KindStream: "Stream",
		KindStateMachine: "StateMachine", KindFunction: "Function", KindAPI: "Api"}
	for _, id := range sortedKeys(w.nodes()) {
		kind, name, _ := strings.Cut(id, "/")
		x.ids[id] = x.logicalID(name, suffix[kind])
	}
	return x
}

// logicalID makes a unique alphanumeric logical id: "orders-dlq" → OrdersDlqQueue.
func (x *exporter) logicalID(name, suffix string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	base := b.String() + suffix
	if base == "" || unicode.IsDigit(rune(base[0])) {
		base = "R" + base
	}
	id := base
	for i := 2; x.used[id]; i++ {
		id = base + strconv.Itoa(i)
	}
	x.used[id] = true
	return id
}

func (x *exporter) id(kind, name string) string { return x.ids[NodeID(kind, name)] }

func (x *exporter) add(id, typ string, props *yaml.Node, extra ...any) {
	r := mapNode(append([]any{"Type", strNode(typ)}, extra...)...)
	if props != nil && len(props.Content) > 0 {
		set(r, "Properties", props)
	}
	set(x.resources, id, r)
}

func (x *exporter) template() *yaml.Node {
	meta := mapNode("Name", optStr(x.w.Name), "Description", optStr(x.w.Description))
	if len(x.w.Layout) > 0 {
		layout := mapNode()
		for _, k := range sortedKeys(x.w.Layout) {
			p := x.w.Layout[k]
			layout.Content = append(layout.Content, strNode(k), mapNode("x", floatNode(p.X), "y", floatNode(p.Y)))
		}
		set(meta, "Layout", layout)
	}
	if len(x.w.Samples) > 0 {
		samples := seqNode()
		for _, s := range x.w.Samples {
			samples.Content = append(samples.Content, mapNode("Name", strNode(s.Name), "Target", strNode(s.Target),
				"Body", strNode(s.Body), "Attributes", strMap(s.Attributes)))
		}
		set(meta, "Samples", samples)
	}
	if len(x.notes) > 0 {
		set(meta, "Notes", strSeq(x.notes))
	}
	desc := "Skyport workspace"
	if x.w.Name != "" {
		desc += " " + x.w.Name
	}
	t := mapNode("AWSTemplateFormatVersion", strNode("2010-09-09"), "Description", strNode(desc),
		"Metadata", mapNode("Skyport", meta), "Resources", x.resources)
	if len(x.outputs.Content) > 0 {
		set(t, "Outputs", x.outputs)
	}
	return t
}

func optStr(s string) *yaml.Node {
	if s == "" {
		return nil
	}
	return strNode(s)
}

func floatNode(f float64) *yaml.Node {
	if f == float64(int(f)) {
		return intNode(int(f))
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(f, 'f', -1, 64)}
}

func (x *exporter) build() error {
	steps := []func() error{x.queues, x.topics, x.streams, x.functions, x.eventSources, x.machines, x.apis}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// attrProp converts an attribute value to a property node of kind k.
func attrProp(k, v string) (*yaml.Node, error) {
	switch k {
	case "i":
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, err
		}
		return intNode(n), nil
	case "b":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, err
		}
		return boolNode(b), nil
	case "j":
		return jsonNode(v)
	}
	return strNode(v), nil
}

// setAttrProps sets the CloudFormation properties of a resource's
// attributes that table maps (name → property kind, see attrProp); the
// others are listed in the template's notes as not exported.
func (x *exporter) setAttrProps(props *yaml.Node, kind, name string, attrs map[string]string, table map[string]string) error {
	for _, k := range sortedKeys(attrs) {
		pk, ok := table[k]
		if !ok {
			x.notes = append(x.notes, fmt.Sprintf("%s %s: attribute %s is not exported", kind, name, k))
			continue
		}
		v, err := attrProp(pk, attrs[k])
		if err != nil {
			return fmt.Errorf("%s %q: attribute %s: %w", kind, name, k, err)
		}
		set(props, k, v)
	}
	return nil
}

func (x *exporter) queues() error {
	for _, q := range x.w.Queues {
		props := mapNode("QueueName", strNode(q.Name))
		if q.FIFO() {
			set(props, "FifoQueue", boolNode(true))
		}
		if err := x.setAttrProps(props, "queue", q.Name, q.Attributes, queueProps); err != nil {
			return err
		}
		if dl := q.DeadLetter; dl != nil {
			set(props, "RedrivePolicy", mapNode("deadLetterTargetArn", getAttNode(x.id(KindQueue, dl.Queue), "Arn"),
				"maxReceiveCount", intNode(dl.MaxReceiveCount)))
		}
		set(props, "Tags", tagList(q.Tags))
		id := x.id(KindQueue, q.Name)
		x.add(id, "AWS::SQS::Queue", props)
		set(x.outputs, id+"Url", mapNode("Value", refNode(id)))
	}
	return nil
}

func (x *exporter) topics() error {
	senders := map[string][]string{} // queue name → topic logical ids
	var queueOrder []string
	for _, t := range x.w.Topics {
		tid := x.id(KindTopic, t.Name)
		props := mapNode("TopicName", strNode(t.Name))
		if t.FIFO() {
			set(props, "FifoTopic", boolNode(true))
		}
		if err := x.setAttrProps(props, "topic", t.Name, t.Attributes, topicProps); err != nil {
			return err
		}
		set(props, "Tags", tagList(t.Tags))
		x.add(tid, "AWS::SNS::Topic", props)
		for i, s := range t.Subscriptions {
			sp := mapNode("TopicArn", refNode(tid), "Protocol", strNode(s.Protocol))
			switch s.Protocol {
			case ProtocolQueue:
				set(sp, "Endpoint", getAttNode(x.id(KindQueue, s.Target), "Arn"))
				if !slices.Contains(senders[s.Target], tid) {
					if len(senders[s.Target]) == 0 {
						queueOrder = append(queueOrder, s.Target)
					}
					senders[s.Target] = append(senders[s.Target], tid)
				}
			case ProtocolFunction:
				fid := x.id(KindFunction, s.Target)
				set(sp, "Endpoint", getAttNode(fid, "Arn"))
				x.add(fmt.Sprintf("%sInvokeFrom%s", fid, tid), "AWS::Lambda::Permission", mapNode(
					"Action", strNode("lambda:InvokeFunction"), "FunctionName", refNode(fid),
					"Principal", strNode("sns.amazonaws.com"), "SourceArn", refNode(tid)))
			default:
				set(sp, "Endpoint", strNode(s.Target))
			}
			if s.FilterPolicy != "" {
				fp, err := jsonNode(s.FilterPolicy)
				if err != nil {
					return fmt.Errorf("topic %q: filter policy of %s: %w", t.Name, s.Target, err)
				}
				set(sp, "FilterPolicy", fp)
			}
			if s.FilterPolicyScope != "" {
				set(sp, "FilterPolicyScope", strNode(s.FilterPolicyScope))
			}
			if s.RawMessageDelivery {
				set(sp, "RawMessageDelivery", boolNode(true))
			}
			x.add(fmt.Sprintf("%sSubscription%d", tid, i+1), "AWS::SNS::Subscription", sp)
		}
	}
	for _, q := range queueOrder {
		qid := x.id(KindQueue, q)
		topics := seqNode()
		for _, tid := range senders[q] {
			topics.Content = append(topics.Content, refNode(tid))
		}
		doc := mapNode("Version", strNode("2012-10-17"), "Statement", seqNode(mapNode(
			"Sid", strNode("AllowTopics"), "Effect", strNode("Allow"),
			"Principal", mapNode("Service", strNode("sns.amazonaws.com")),
			"Action", strNode("sqs:SendMessage"), "Resource", getAttNode(qid, "Arn"),
			"Condition", mapNode("ArnEquals", mapNode("aws:SourceArn", topics)))))
		x.add(qid+"Policy", "AWS::SQS::QueuePolicy", mapNode("Queues", seqNode(refNode(qid)), "PolicyDocument", doc))
	}
	return nil
}

func (x *exporter) streams() error {
	for _, s := range x.w.Streams {
		props := mapNode("Name", strNode(s.Name))
		if s.Mode != "" {
			set(props, "StreamModeDetails", mapNode("StreamMode", strNode(s.Mode)))
		} else {
			shards := s.Shards
			if shards == 0 {
				shards = 1
			}
			set(props, "ShardCount", intNode(shards))
		}
		if s.RetentionHours != 0 {
			set(props, "RetentionPeriodHours", intNode(s.RetentionHours))
		}
		if s.MaxRecordKB != 0 {
			set(props, "MaxRecordSizeInKiB", intNode(s.MaxRecordKB))
		}
		set(props, "Tags", tagList(s.Tags))
		x.add(x.id(KindStream, s.Name), "AWS::Kinesis::Stream", props)
	}
	return nil
}

// placeholderCode is the inline handler of an exported function: the
// local command does not run on AWS, so the placeholder fails loudly
// until real code replaces it.
const placeholderCode = `def handler(event, context):
    raise NotImplementedError("Skyport placeholder: replace with the code of the local command: " + %s)
`

func (x *exporter) functions() error {
	for _, f := range x.w.Functions {
		fid := x.id(KindFunction, f.Name)
		role := fid + "Role"
		cmd := strings.Join(f.Command, " ")
		props := mapNode("FunctionName", strNode(f.Name),
			"Description", strNode("Skyport local function; locally runs: "+cmd),
			"Runtime", strNode("python3.12"), "Handler", strNode("index.handler"),
			"Role", getAttNode(role, "Arn"),
			"Code", mapNode("ZipFile", strNode(fmt.Sprintf(placeholderCode, strconv.Quote(cmd)))))
		if len(f.Env) > 0 {
			set(props, "Environment", mapNode("Variables", strMap(f.Env)))
		}
		if f.TimeoutSeconds != 0 {
			set(props, "Timeout", intNode(f.TimeoutSeconds))
		}
		if f.MemoryMB != 0 {
			set(props, "MemorySize", intNode(f.MemoryMB))
		}
		if f.Concurrency != 0 {
			set(props, "ReservedConcurrentExecutions", intNode(f.Concurrency))
		}
		set(props, "Tags", tagList(f.Tags)) // a list of {Key, Value}
		meta := mapNode("Command", strSeq(f.Command), "Dir", optStr(f.Dir), "Mode", optStr(f.Mode))
		x.add(fid, "AWS::Lambda::Function", props, "Metadata", mapNode("Skyport", meta))
		x.add(role, "AWS::IAM::Role", x.functionRole(f.Name))
	}
	return nil
}

// functionRole lets Lambda run the function, write its logs and poll
// exactly the queues and streams mapped to it.
func (x *exporter) functionRole(name string) *yaml.Node {
	props := mapNode("AssumeRolePolicyDocument", assumeBy("lambda.amazonaws.com"),
		"ManagedPolicyArns", seqNode(subNode("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")))
	stmts := seqNode()
	for _, e := range x.w.EventSources {
		if e.Function != name {
			continue
		}
		if e.Queue != "" {
			stmts.Content = append(stmts.Content, allow([]string{"sqs:ReceiveMessage", "sqs:DeleteMessage",
				"sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}, getAttNode(x.id(KindQueue, e.Queue), "Arn")))
		} else {
			stmts.Content = append(stmts.Content, allow([]string{"kinesis:GetRecords", "kinesis:GetShardIterator",
				"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards"}, getAttNode(x.id(KindStream, e.Stream), "Arn")))
		}
	}
	if len(stmts.Content) > 0 {
		set(props, "Policies", seqNode(mapNode("PolicyName", strNode("event-sources"),
			"PolicyDocument", mapNode("Version", strNode("2012-10-17"), "Statement", stmts))))
	}
	return props
}

func assumeBy(service string) *yaml.Node {
	return mapNode("Version", strNode("2012-10-17"), "Statement", seqNode(mapNode(
		"Effect", strNode("Allow"), "Principal", mapNode("Service", strNode(service)), "Action", strNode("sts:AssumeRole"))))
}

func allow(actions []string, resource *yaml.Node) *yaml.Node {
	var a *yaml.Node
	if len(actions) == 1 {
		a = strNode(actions[0])
	} else {
		a = strSeq(actions)
	}
	return mapNode("Effect", strNode("Allow"), "Action", a, "Resource", resource)
}

func (x *exporter) eventSources() error {
	for _, e := range x.w.EventSources {
		fid := x.id(KindFunction, e.Function)
		var src *yaml.Node
		var sid string
		if e.Queue != "" {
			sid = x.id(KindQueue, e.Queue)
		} else {
			sid = x.id(KindStream, e.Stream)
		}
		src = getAttNode(sid, "Arn")
		props := mapNode("FunctionName", refNode(fid), "EventSourceArn", src)
		if e.BatchSize != 0 {
			set(props, "BatchSize", intNode(e.BatchSize))
		}
		if e.BatchingWindowSeconds != 0 {
			set(props, "MaximumBatchingWindowInSeconds", intNode(e.BatchingWindowSeconds))
		}
		if e.ReportBatchItemFailures {
			set(props, "FunctionResponseTypes", strSeq([]string{"ReportBatchItemFailures"}))
		}
		if e.Stream != "" {
			pos := e.StartingPosition
			if pos == "" {
				pos = "LATEST"
			}
			set(props, "StartingPosition", strNode(pos))
		}
		if e.BisectOnError {
			set(props, "BisectBatchOnFunctionError", boolNode(true))
		}
		if e.MaxRetryAttempts != nil {
			set(props, "MaximumRetryAttempts", intNode(*e.MaxRetryAttempts))
		}
		if e.Disabled {
			set(props, "Enabled", boolNode(false))
		}
		x.add(sid+"To"+fid, "AWS::Lambda::EventSourceMapping", props)
	}
	return nil
}

// refActions are the IAM actions a state machine needs on what it names.
var refActions = map[string][]string{
	KindQueue:        {"sqs:SendMessage"},
	KindTopic:        {"sns:Publish"},
	KindFunction:     {"lambda:InvokeFunction"},
	KindStateMachine: {"states:StartExecution"},
	KindStream:       {"kinesis:PutRecord", "kinesis:PutRecords"},
}

// sdkQueueActions are the IAM actions of the AWS SDK queue integrations,
// by the Task resource that names the queue.
var sdkQueueActions = map[string][]string{
	"arn:aws:states:::aws-sdk:sqs:receiveMessage": {"sqs:ReceiveMessage"},
	"arn:aws:states:::aws-sdk:sqs:deleteMessage":  {"sqs:DeleteMessage"},
}

// refActionsFor returns what a state machine needs on a resource of kind
// that a state calling task names: least privilege for what it does.
func refActionsFor(kind, task string) []string {
	if a, ok := sdkQueueActions[task]; ok && kind == KindQueue {
		return a
	}
	return refActions[kind]
}

// substitution is what a local ARN or URL becomes: a placeholder and the
// intrinsic function that fills it, plus the ARN for IAM statements.
func (x *exporter) substitution(kind, name, text string) (placeholder string, value, arn *yaml.Node) {
	id := x.id(kind, name)
	switch kind {
	case KindQueue:
		if strings.HasPrefix(text, "http") {
			return id + "Url", refNode(id), getAttNode(id, "Arn")
		}
		return id + "Arn", getAttNode(id, "Arn"), getAttNode(id, "Arn")
	case KindTopic, KindStateMachine:
		return id + "Arn", refNode(id), refNode(id)
	}
	return id + "Arn", getAttNode(id, "Arn"), getAttNode(id, "Arn")
}

func (x *exporter) machines() error {
	defined := x.w.nodes()
	for _, m := range x.w.StateMachines {
		mid := x.id(KindStateMachine, m.Name)
		def, err := jsonNode(m.Definition)
		if err != nil {
			return fmt.Errorf("state machine %q: definition: %w", m.Name, err)
		}
		subs := mapNode()
		stmts := seqNode()
		granted := map[string]bool{}
		var walk func(n *yaml.Node, task string)
		walk = func(n *yaml.Node, task string) {
			if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
				kind, name, ok := parseLocalRef(n.Value)
				if !ok || !defined[NodeID(kind, name)] {
					return
				}
				ph, val, arn := x.substitution(kind, name, n.Value)
				n.Value = "${" + ph + "}"
				set(subs, ph, val)
				actions := refActionsFor(kind, task)
				if key := NodeID(kind, name) + " " + strings.Join(actions, ","); !granted[key] {
					granted[key] = true
					stmts.Content = append(stmts.Content, allow(actions, arn))
				}
				return
			}
			if n.Kind == yaml.MappingNode { // a state: the Task resource it calls
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == "Resource" && n.Content[i+1].Kind == yaml.ScalarNode {
						task = n.Content[i+1].Value
					}
				}
			}
			for i, c := range n.Content {
				if n.Kind == yaml.MappingNode && i%2 == 0 {
					continue
				}
				walk(c, task)
			}
		}
		walk(def, "")
		props := mapNode("StateMachineName", strNode(m.Name))
		if m.Type != "" {
			set(props, "StateMachineType", strNode(m.Type))
		}
		set(props, "RoleArn", getAttNode(mid+"Role", "Arn"))
		set(props, "Definition", def)
		if len(subs.Content) > 0 {
			set(props, "DefinitionSubstitutions", subs)
		}
		set(props, "Tags", tagList(m.Tags))
		var extra []any
		if m.Description != "" {
			extra = []any{"Metadata", mapNode("Skyport", mapNode("Description", strNode(m.Description)))}
		}
		x.add(mid, "AWS::StepFunctions::StateMachine", props, extra...)
		role := mapNode("AssumeRolePolicyDocument", assumeBy("states.amazonaws.com"))
		if len(stmts.Content) > 0 {
			set(role, "Policies", seqNode(mapNode("PolicyName", strNode("tasks"),
				"PolicyDocument", mapNode("Version", strNode("2012-10-17"), "Statement", stmts))))
		}
		x.add(mid+"Role", "AWS::IAM::Role", role)
	}
	return nil
}

func (x *exporter) apis() error {
	for _, a := range x.w.APIs {
		aid := x.id(KindAPI, a.Name)
		var meta []any
		if a.Port != 0 {
			meta = []any{"Metadata", mapNode("Skyport", mapNode("Port", intNode(a.Port)))}
		}
		// An HTTP API's Tags are a JSON map of key to value, not a list.
		x.add(aid, "AWS::ApiGatewayV2::Api", mapNode("Name", strNode(a.Name), "ProtocolType", strNode("HTTP"),
			"Tags", strMap(a.Tags)), meta...)
		stages := a.Stages
		if len(stages) == 0 {
			stages = []string{"$default"}
		}
		for i, s := range stages {
			x.add(fmt.Sprintf("%sStage%d", aid, i+1), "AWS::ApiGatewayV2::Stage", mapNode(
				"ApiId", refNode(aid), "StageName", strNode(s), "AutoDeploy", boolNode(true)))
		}
		role := aid + "Role"
		stmts := seqNode()
		for i, r := range a.Routes {
			iid := fmt.Sprintf("%sIntegration%d", aid, i+1)
			ip, err := x.integration(a, r, iid, role, stmts)
			if err != nil {
				return fmt.Errorf("API %q route %q: %w", a.Name, r.Key, err)
			}
			x.add(iid, "AWS::ApiGatewayV2::Integration", ip)
			x.add(fmt.Sprintf("%sRoute%d", aid, i+1), "AWS::ApiGatewayV2::Route", mapNode(
				"ApiId", refNode(aid), "RouteKey", strNode(r.Key), "Target", subNode("integrations/${"+iid+"}")))
		}
		if len(stmts.Content) > 0 {
			x.add(role, "AWS::IAM::Role", mapNode("AssumeRolePolicyDocument", assumeBy("apigateway.amazonaws.com"),
				"Policies", seqNode(mapNode("PolicyName", strNode("integrations"),
					"PolicyDocument", mapNode("Version", strNode("2012-10-17"), "Statement", stmts)))))
		}
		set(x.outputs, aid+"Endpoint", mapNode("Value", getAttNode(aid, "ApiEndpoint")))
	}
	return nil
}

// defaultParams are the request parameters each first-class integration
// gets when the route does not say (the local gateway's defaults).
var defaultParams = map[string]map[string]string{
	TargetQueue:        {"MessageBody": "$request.body"},
	TargetStream:       {"Data": "$request.body", "PartitionKey": "$context.requestId"},
	TargetStateMachine: {"Input": "$request.body"},
}

// subtypes are the HTTP API first-class integrations by route type.
var subtypes = map[string]string{TargetQueue: "SQS-SendMessage", TargetStream: "Kinesis-PutRecord", TargetStateMachine: "StepFunctions-StartExecution"}

func (x *exporter) integration(a API, r Route, iid, role string, stmts *yaml.Node) (*yaml.Node, error) {
	aid := x.id(KindAPI, a.Name)
	props := mapNode("ApiId", refNode(aid))
	switch r.Type {
	case TargetFunction:
		fid := x.id(KindFunction, r.Target)
		set(props, "IntegrationType", strNode("AWS_PROXY"))
		set(props, "IntegrationUri", getAttNode(fid, "Arn"))
		set(props, "PayloadFormatVersion", strNode("2.0"))
		x.add(iid+"Permission", "AWS::Lambda::Permission", mapNode("Action", strNode("lambda:InvokeFunction"),
			"FunctionName", refNode(fid), "Principal", strNode("apigateway.amazonaws.com"),
			"SourceArn", subNode("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${"+aid+"}/*")))
	case TargetQueue, TargetStream, TargetStateMachine:
		sub := subtypes[r.Type]
		params := map[string]string{}
		for k, v := range defaultParams[r.Type] {
			params[k] = v
		}
		for k, v := range r.Parameters {
			params[k] = v
		}
		pn := strMap(params)
		var arn *yaml.Node
		var actions []string
		switch r.Type {
		case TargetQueue:
			id := x.id(KindQueue, r.Target)
			set(pn, "QueueUrl", refNode(id))
			arn, actions = getAttNode(id, "Arn"), []string{"sqs:SendMessage"}
		case TargetStream:
			id := x.id(KindStream, r.Target)
			set(pn, "StreamName", refNode(id))
			arn, actions = getAttNode(id, "Arn"), []string{"kinesis:PutRecord"}
		case TargetStateMachine:
			id := x.id(KindStateMachine, r.Target)
			set(pn, "StateMachineArn", refNode(id))
			arn, actions = refNode(id), []string{"states:StartExecution"}
			if r.Sync {
				sub, actions = "StepFunctions-StartSyncExecution", []string{"states:StartSyncExecution"}
			}
		}
		stmts.Content = append(stmts.Content, allow(actions, arn))
		set(props, "IntegrationType", strNode("AWS_PROXY"))
		set(props, "IntegrationSubtype", strNode(sub))
		set(props, "CredentialsArn", getAttNode(role, "Arn"))
		set(props, "PayloadFormatVersion", strNode("1.0"))
		set(props, "RequestParameters", pn)
	case TargetHTTP:
		set(props, "IntegrationType", strNode("HTTP_PROXY"))
		set(props, "IntegrationMethod", strNode("ANY"))
		set(props, "IntegrationUri", strNode(r.Target))
		set(props, "PayloadFormatVersion", strNode("1.0"))
	case TargetTopic, TargetMock:
		// HTTP APIs have no SNS or mock integration: a small inline
		// function does the route's work.
		fid := x.forwarder(a, r, iid)
		set(props, "IntegrationType", strNode("AWS_PROXY"))
		set(props, "IntegrationUri", getAttNode(fid, "Arn"))
		set(props, "PayloadFormatVersion", strNode("2.0"))
		x.add(iid+"Permission", "AWS::Lambda::Permission", mapNode("Action", strNode("lambda:InvokeFunction"),
			"FunctionName", refNode(fid), "Principal", strNode("apigateway.amazonaws.com"),
			"SourceArn", subNode("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${"+aid+"}/*")))
	default:
		return nil, fmt.Errorf("unknown integration type %q", r.Type)
	}
	return props, nil
}

const publishCode = `import json, os, boto3
sns = boto3.client("sns")
def handler(event, context):
    body = event.get("body") or ""
    attrs = json.loads(os.environ.get("ATTRIBUTES") or "{}")
    sent = {}
    try:
        doc = json.loads(body)
    except ValueError:
        doc = {}
    for k, v in attrs.items():
        if v.startswith("${request.body.") and v.endswith("}"):
            v = str(doc.get(v[len("${request.body."):-1], ""))
        if v:
            sent[k] = {"DataType": "String", "StringValue": v}
    r = sns.publish(TopicArn=os.environ["TOPIC_ARN"], Message=body, MessageAttributes=sent)
    return {"statusCode": 200, "body": json.dumps({"MessageId": r["MessageId"]})}
`

const mockCode = `import os
def handler(event, context):
    return {"statusCode": int(os.environ["STATUS"]), "body": os.environ["BODY"]}
`

// forwarder adds the inline function that serves a topic or mock route.
func (x *exporter) forwarder(a API, r Route, iid string) string {
	fid := iid + "Function"
	role := fid + "Role"
	rp := mapNode("AssumeRolePolicyDocument", assumeBy("lambda.amazonaws.com"),
		"ManagedPolicyArns", seqNode(subNode("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")))
	var code string
	env := mapNode()
	route := mapNode("Api", strNode(a.Name), "Key", strNode(r.Key), "Type", strNode(r.Type), "Target", optStr(r.Target),
		"Parameters", strMap(r.Parameters))
	if r.Type == TargetTopic {
		tid := x.id(KindTopic, r.Target)
		code = publishCode
		set(env, "TOPIC_ARN", refNode(tid))
		set(env, "ATTRIBUTES", strNode(r.Parameters["MessageAttributes"]))
		set(rp, "Policies", seqNode(mapNode("PolicyName", strNode("publish"),
			"PolicyDocument", mapNode("Version", strNode("2012-10-17"), "Statement", seqNode(allow([]string{"sns:Publish"}, refNode(tid)))))))
	} else {
		code = mockCode
		status := r.MockStatus
		if status == 0 {
			status = 200
		}
		set(env, "STATUS", strNode(strconv.Itoa(status)))
		set(env, "BODY", strNode(r.MockBody))
		set(route, "MockStatus", intNode(r.MockStatus))
		set(route, "MockBody", strNode(r.MockBody))
	}
	x.add(fid, "AWS::Lambda::Function", mapNode("Description", strNode(fmt.Sprintf("Serves %s %s of API %s", r.Type, r.Key, a.Name)),
		"Runtime", strNode("python3.12"), "Handler", strNode("index.handler"), "Role", getAttNode(role, "Arn"),
		"Code", mapNode("ZipFile", strNode(code)), "Environment", mapNode("Variables", env)),
		"Metadata", mapNode("Skyport", mapNode("Route", route)))
	x.add(role, "AWS::IAM::Role", rp)
	return fid
}
