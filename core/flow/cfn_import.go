package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Local identity that imported references resolve to (the core's
// defaults), so a definition's ARNs and URLs point at local resources.
const (
	importRegion   = "us-east-1"
	importAccount  = "000000000000"
	importEndpoint = "http://127.0.0.1:4566"
)

// ImportReport lists what an import could not carry over. Nothing is
// dropped silently: every resource of a type Skyport does not model, and
// every connection whose other end is not in the template, is listed.
type ImportReport struct {
	Unsupported []Unsupported
	Skipped     []string // connections or settings left out, with the reason
}

// Unsupported is a template resource Skyport has no model for.
type Unsupported struct {
	LogicalID string
	Type      string
	Line      int
}

func (u Unsupported) String() string {
	return fmt.Sprintf("%s (%s, line %d)", u.LogicalID, u.Type, u.Line)
}

// derivedTypes are supported types that an export regenerates from the
// design (roles, policies, permissions, stages), so import reads them
// only for what they add.
var derivedTypes = map[string]bool{
	"AWS::IAM::Role": true, "AWS::SQS::QueuePolicy": true, "AWS::Lambda::Permission": true,
	"AWS::ApiGatewayV2::Stage": true,
}

// Import reads a CloudFormation or SAM template (YAML or JSON) or an ASL
// JSON file into a workspace; file names it in errors and names the
// state machine of an ASL file.
func Import(file string, data []byte) (*Workspace, *ImportReport, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &probe); err != nil {
			return nil, nil, jsonError(file, data, err)
		}
		if _, ok := probe["States"]; ok {
			w, err := ImportASL(file, filepath.Base(file), data)
			return w, &ImportReport{}, err
		}
	}
	return ImportTemplate(file, data)
}

type cfnResource struct {
	id, typ  string
	node     *yaml.Node // the resource mapping
	props    *yaml.Node // Properties, nil when absent
	metadata *yaml.Node
	line     int
}

type importer struct {
	file      string
	params    map[string]*yaml.Node
	resources map[string]*cfnResource
	order     []string
	names     map[string]string // logical id → resource name (memo)
	resolving map[string]bool
	report    *ImportReport
	w         *Workspace
}

// ImportTemplate reads a CloudFormation or SAM template.
func ImportTemplate(file string, data []byte) (*Workspace, *ImportReport, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, yamlError(file, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, &FileError{File: file, Line: 1, Reason: "not a CloudFormation template (not a mapping)"}
	}
	root := doc.Content[0]
	res := lookup(root, "Resources")
	if res == nil || res.Kind != yaml.MappingNode {
		return nil, nil, &FileError{File: file, Line: root.Line, Reason: "not a CloudFormation template (no Resources)"}
	}
	im := &importer{file: file, params: map[string]*yaml.Node{}, resources: map[string]*cfnResource{},
		names: map[string]string{}, resolving: map[string]bool{}, report: &ImportReport{},
		w: &Workspace{Version: FormatVersion}}
	if ps := lookup(root, "Parameters"); ps != nil && ps.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ps.Content); i += 2 {
			im.params[ps.Content[i].Value] = lookup(ps.Content[i+1], "Default")
		}
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		id, n := res.Content[i].Value, res.Content[i+1]
		typ := lookup(n, "Type")
		if typ == nil || typ.Kind != yaml.ScalarNode {
			return nil, nil, im.errAt(n, "resource %s has no Type", id)
		}
		props := lookup(n, "Properties")
		if props != nil && props.Kind != yaml.MappingNode {
			return nil, nil, im.errAt(props, "resource %s: Properties is not a mapping", id)
		}
		im.resources[id] = &cfnResource{id: id, typ: typ.Value, node: n, props: props, metadata: lookup(lookup(n, "Metadata"), "Skyport"), line: res.Content[i].Line}
		im.order = append(im.order, id)
	}
	if err := im.run(lookup(lookup(root, "Metadata"), "Skyport")); err != nil {
		return nil, nil, err
	}
	return im.w, im.report, nil
}

func (im *importer) errAt(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &FileError{File: im.file, Line: line, Reason: fmt.Sprintf(format, args...)}
}

// wrap gives err the line of n unless it already has one.
func (im *importer) wrap(n *yaml.Node, err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	return im.errAt(n, "%s", err)
}

func (im *importer) run(meta *yaml.Node) error {
	if err := im.readMetadata(meta); err != nil {
		return err
	}
	type step struct {
		typ string
		fn  func(*cfnResource) error
	}
	steps := []step{
		{"AWS::SQS::Queue", im.queue}, {"AWS::SNS::Topic", im.topic}, {"AWS::SNS::Subscription", im.subscription},
		{"AWS::Kinesis::Stream", im.stream}, {"AWS::StepFunctions::StateMachine", im.machine},
		{"AWS::Serverless::StateMachine", im.machine}, {"AWS::Lambda::Function", im.function},
		{"AWS::Serverless::Function", im.function}, {"AWS::Lambda::EventSourceMapping", im.mapping},
		{"AWS::ApiGatewayV2::Api", im.api}, {"AWS::ApiGatewayV2::Stage", im.stage}, {"AWS::ApiGatewayV2::Route", im.route},
	}
	known := map[string]bool{"AWS::ApiGatewayV2::Integration": true}
	for _, s := range steps {
		known[s.typ] = true
	}
	for _, s := range steps {
		for _, id := range im.order {
			if r := im.resources[id]; r.typ == s.typ {
				if err := s.fn(r); err != nil {
					return err
				}
			}
		}
	}
	for _, id := range im.order {
		r := im.resources[id]
		if !known[r.typ] && !derivedTypes[r.typ] {
			im.report.Unsupported = append(im.report.Unsupported, Unsupported{LogicalID: id, Type: r.typ, Line: r.line})
		}
	}
	for i, a := range im.w.APIs {
		if len(a.Stages) == 1 && a.Stages[0] == "$default" {
			im.w.APIs[i].Stages = nil // the default; named only beside others
		}
	}
	im.dropDangling()
	if err := im.w.Validate(); err != nil {
		return &FileError{File: im.file, Reason: err.Error()}
	}
	return nil
}

// ---- intrinsic functions ----

// name returns the physical name of a supported resource: its name
// property, or its logical id when the template leaves naming to AWS.
func (im *importer) name(id string) (string, error) {
	if n, ok := im.names[id]; ok {
		return n, nil
	}
	r, ok := im.resources[id]
	if !ok {
		return "", fmt.Errorf("no resource %s", id)
	}
	if im.resolving[id] {
		return "", fmt.Errorf("resource %s: its name refers to itself", id)
	}
	im.resolving[id] = true
	defer delete(im.resolving, id)
	prop := map[string]string{"AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName", "AWS::Kinesis::Stream": "Name",
		"AWS::StepFunctions::StateMachine": "StateMachineName", "AWS::Serverless::StateMachine": "Name",
		"AWS::Lambda::Function": "FunctionName", "AWS::Serverless::Function": "FunctionName", "AWS::ApiGatewayV2::Api": "Name"}[r.typ]
	name := id
	if n := lookup(r.props, prop); prop != "" && n != nil {
		v, err := im.str(n)
		if err != nil {
			return "", err
		}
		name = v
	}
	if r.typ == "AWS::SQS::Queue" && prop != "" && lookup(r.props, prop) == nil && im.boolProp(r, "FifoQueue") {
		name += ".fifo"
	}
	im.names[id] = name
	return name, nil
}

func (im *importer) boolProp(r *cfnResource, key string) bool {
	n := lookup(r.props, key)
	if n == nil {
		return false
	}
	v, err := im.resolve(n)
	return err == nil && v.Kind == yaml.ScalarNode && (v.Value == "true" || v.Value == "True")
}

// ref is what Ref returns for a logical id or parameter.
func (im *importer) ref(id string) (string, error) {
	switch id {
	case "AWS::Region":
		return importRegion, nil
	case "AWS::AccountId":
		return importAccount, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return "skyport", nil
	case "AWS::StackId":
		return "arn:aws:cloudformation:" + importRegion + ":" + importAccount + ":stack/skyport/local", nil
	case "AWS::NoValue":
		return "", nil
	}
	if p, ok := im.params[id]; ok {
		if p == nil {
			return "", fmt.Errorf("parameter %s has no Default", id)
		}
		return im.str(p)
	}
	r, ok := im.resources[id]
	if !ok {
		return "", fmt.Errorf("Ref %s: no such resource or parameter", id)
	}
	name, err := im.name(id)
	if err != nil {
		return "", err
	}
	switch r.typ {
	case "AWS::SQS::Queue":
		return importEndpoint + "/" + importAccount + "/" + name, nil
	case "AWS::SNS::Topic":
		return arn("sns", name), nil
	case "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine":
		return arn("states", "stateMachine:"+name), nil
	case "AWS::Kinesis::Stream", "AWS::Lambda::Function", "AWS::Serverless::Function", "AWS::ApiGatewayV2::Api":
		return name, nil
	}
	return id, nil
}

func arn(service, rest string) string {
	return "arn:aws:" + service + ":" + importRegion + ":" + importAccount + ":" + rest
}

// getAtt is what Fn::GetAtt returns.
func (im *importer) getAtt(id, attr string) (string, error) {
	r, ok := im.resources[id]
	if !ok {
		return "", fmt.Errorf("GetAtt %s.%s: no such resource", id, attr)
	}
	name, err := im.name(id)
	if err != nil {
		return "", err
	}
	switch r.typ + "." + attr {
	case "AWS::SQS::Queue.Arn":
		return arn("sqs", name), nil
	case "AWS::SQS::Queue.QueueName", "AWS::SNS::Topic.TopicName", "AWS::StepFunctions::StateMachine.Name",
		"AWS::Serverless::StateMachine.Name":
		return name, nil
	case "AWS::SQS::Queue.QueueUrl":
		return importEndpoint + "/" + importAccount + "/" + name, nil
	case "AWS::SNS::Topic.TopicArn":
		return arn("sns", name), nil
	case "AWS::Kinesis::Stream.Arn":
		return arn("kinesis", "stream/"+name), nil
	case "AWS::Lambda::Function.Arn", "AWS::Serverless::Function.Arn":
		return arn("lambda", "function:"+name), nil
	case "AWS::StepFunctions::StateMachine.Arn", "AWS::Serverless::StateMachine.Arn":
		return arn("states", "stateMachine:"+name), nil
	case "AWS::IAM::Role.Arn":
		return "arn:aws:iam::" + importAccount + ":role/" + id, nil
	case "AWS::ApiGatewayV2::Api.ApiEndpoint":
		return "http://127.0.0.1", nil
	case "AWS::ApiGatewayV2::Api.ApiId":
		return name, nil
	}
	return id + "." + attr, nil
}

// intrinsic returns the function name and argument of an intrinsic
// function node (short or long form), or "" when n is not one.
func intrinsic(n *yaml.Node) (string, *yaml.Node) {
	if n.Kind != yaml.MappingNode && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		arg := *n
		arg.Tag = ""
		switch arg.Kind {
		case yaml.ScalarNode:
			arg.Tag = "!!str"
		case yaml.SequenceNode:
			arg.Tag = "!!seq"
		}
		name := n.Tag[1:]
		if name != "Ref" && name != "Condition" {
			name = "Fn::" + name
		}
		return name, &arg
	}
	if n.Kind == yaml.MappingNode && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		arg := *n
		arg.Tag = "!!map"
		return "Fn::" + n.Tag[1:], &arg
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, n.Content[1]
		}
	}
	return "", nil
}

// resolve returns n with every intrinsic function evaluated.
func (im *importer) resolve(n *yaml.Node) (*yaml.Node, error) {
	if n.Kind == yaml.AliasNode {
		return im.resolve(n.Alias)
	}
	if fn, arg := intrinsic(n); fn != "" {
		v, err := im.call(fn, arg)
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, err
		}
		if err != nil {
			return nil, im.errAt(n, "%s", err)
		}
		return v, nil
	}
	if len(n.Content) == 0 {
		return n, nil
	}
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			out.Content[i] = c
			continue
		}
		v, err := im.resolve(c)
		if err != nil {
			return nil, err
		}
		out.Content[i] = v
	}
	return &out, nil
}

func (im *importer) call(fn string, arg *yaml.Node) (*yaml.Node, error) {
	switch fn {
	case "Ref":
		s, err := im.str(arg)
		if err != nil {
			return nil, err
		}
		v, err := im.ref(s)
		return strNode(v), err
	case "Fn::GetAtt":
		var id, attr string
		switch arg.Kind {
		case yaml.ScalarNode:
			var ok bool
			if id, attr, ok = strings.Cut(arg.Value, "."); !ok {
				return nil, fmt.Errorf("Fn::GetAtt %q: want Resource.Attribute", arg.Value)
			}
		case yaml.SequenceNode:
			if len(arg.Content) != 2 {
				return nil, errors.New("Fn::GetAtt: want [Resource, Attribute]")
			}
			var err error
			if id, err = im.str(arg.Content[0]); err != nil {
				return nil, err
			}
			if attr, err = im.str(arg.Content[1]); err != nil {
				return nil, err
			}
		default:
			return nil, errors.New("Fn::GetAtt: want Resource.Attribute")
		}
		v, err := im.getAtt(id, attr)
		return strNode(v), err
	case "Fn::Sub":
		return im.sub(arg)
	case "Fn::Join":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 2 {
			return nil, errors.New("Fn::Join: want [delimiter, [values]]")
		}
		delim, err := im.str(arg.Content[0])
		if err != nil {
			return nil, err
		}
		list, err := im.resolve(arg.Content[1])
		if err != nil {
			return nil, err
		}
		if list.Kind != yaml.SequenceNode {
			return nil, errors.New("Fn::Join: the values are not a list")
		}
		parts := make([]string, len(list.Content))
		for i, p := range list.Content {
			if parts[i], err = im.str(p); err != nil {
				return nil, err
			}
		}
		return strNode(strings.Join(parts, delim)), nil
	}
	return nil, fmt.Errorf("intrinsic function %s is not supported (Ref, Fn::GetAtt, Fn::Sub and Fn::Join are)", fn)
}

// sub evaluates Fn::Sub: "text ${Name} ${Res.Attr} ${!Literal}" or
// [text, {Var: value}].
func (im *importer) sub(arg *yaml.Node) (*yaml.Node, error) {
	text := arg
	vars := map[string]string{}
	if arg.Kind == yaml.SequenceNode {
		if len(arg.Content) != 2 {
			return nil, errors.New("Fn::Sub: want text or [text, {variables}]")
		}
		text = arg.Content[0]
		m, err := im.resolve(arg.Content[1])
		if err != nil {
			return nil, err
		}
		if m.Kind != yaml.MappingNode {
			return nil, errors.New("Fn::Sub: the variables are not a mapping")
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			v, err := im.str(m.Content[i+1])
			if err != nil {
				return nil, err
			}
			vars[m.Content[i].Value] = v
		}
	}
	if text.Kind != yaml.ScalarNode {
		return nil, errors.New("Fn::Sub: the text is not a string")
	}
	out, err := substitute(text.Value, func(name string) (string, error) {
		if v, ok := vars[name]; ok {
			return v, nil
		}
		if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			return im.getAtt(id, attr)
		}
		return im.ref(name)
	})
	return strNode(out), err
}

// substitute replaces ${name} in s with lookup(name); ${!x} is a literal ${x}.
func substitute(s string, lookup func(string) (string, error)) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unterminated ${ in %q", s)
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
		} else {
			v, err := lookup(strings.TrimSpace(name))
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		}
		s = s[i+j+1:]
	}
}

// str resolves n to a string scalar.
func (im *importer) str(n *yaml.Node) (string, error) {
	v, err := im.resolve(n)
	if err != nil {
		return "", err
	}
	if v.Kind != yaml.ScalarNode {
		return "", im.errAt(n, "want a string")
	}
	return v.Value, nil
}

// prop resolves an optional property to a string ("" when absent).
func (im *importer) prop(r *cfnResource, key string) (string, error) {
	n := lookup(r.props, key)
	if n == nil {
		return "", nil
	}
	return im.str(n)
}

func (im *importer) intProp(r *cfnResource, key string) (int, error) {
	s, err := im.prop(r, key)
	if err != nil || s == "" {
		return 0, err
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, im.errAt(lookup(r.props, key), "%s.%s: %q is not an integer", r.id, key, s)
	}
	return v, nil
}

// jsonProp resolves a Json property (an object, or a string of JSON) to
// compact JSON text.
func (im *importer) jsonProp(r *cfnResource, key string) (string, error) {
	n := lookup(r.props, key)
	if n == nil {
		return "", nil
	}
	v, err := im.resolve(n)
	if err != nil {
		return "", err
	}
	if v.Kind == yaml.ScalarNode {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(v.Value)); err != nil {
			return "", im.errAt(n, "%s.%s: not JSON: %v", r.id, key, err)
		}
		return buf.String(), nil
	}
	return nodeJSON(v)
}

func (im *importer) tags(r *cfnResource) (map[string]string, error) {
	n := lookup(r.props, "Tags")
	if n == nil {
		return nil, nil
	}
	v, err := im.resolve(n)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	switch v.Kind {
	case yaml.SequenceNode:
		for _, t := range v.Content {
			k, val := lookup(t, "Key"), lookup(t, "Value")
			if k != nil && val == nil && r.typ == "AWS::Lambda::Function" {
				val = strNode("") // a Lambda tag's Value is optional
			}
			if k == nil || val == nil {
				return nil, im.errAt(t, "%s: a tag needs Key and Value", r.id)
			}
			out[k.Value] = val.Value
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			out[v.Content[i].Value] = v.Content[i+1].Value
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// ---- resources ----

func (im *importer) readMetadata(meta *yaml.Node) error {
	if meta == nil {
		return nil
	}
	var m struct {
		Name        string              `yaml:"Name"`
		Description string              `yaml:"Description"`
		Layout      map[string]Position `yaml:"Layout"`
		Samples     []struct {
			Name       string            `yaml:"Name"`
			Target     string            `yaml:"Target"`
			Body       string            `yaml:"Body"`
			Attributes map[string]string `yaml:"Attributes"`
		} `yaml:"Samples"`
	}
	if err := meta.Decode(&m); err != nil {
		return yamlError(im.file, err)
	}
	for k, p := range m.Layout {
		if im.w.Layout == nil {
			im.w.Layout = map[string]Position{}
		}
		im.w.Layout[k] = p
	}
	im.w.Name, im.w.Description = m.Name, m.Description
	for _, s := range m.Samples {
		im.w.Samples = append(im.w.Samples, Sample{Name: s.Name, Target: s.Target, Body: s.Body, Attributes: s.Attributes})
	}
	return nil
}

func (im *importer) queue(r *cfnResource) error {
	name, err := im.name(r.id)
	if err != nil {
		return im.wrap(r.node, err)
	}
	q := Queue{Name: name}
	for _, k := range sortedKeys(queueProps) {
		kind := queueProps[k]
		var v string
		if kind == "j" {
			v, err = im.jsonProp(r, k)
		} else {
			v, err = im.prop(r, k)
		}
		if err != nil {
			return err
		}
		if v == "" {
			continue
		}
		if kind == "b" {
			v = strings.ToLower(v)
		}
		if q.Attributes == nil {
			q.Attributes = map[string]string{}
		}
		q.Attributes[k] = v
	}
	if rp, err := im.jsonProp(r, "RedrivePolicy"); err != nil {
		return err
	} else if rp != "" {
		dl, err := parseRedrive(rp)
		if err != nil {
			return im.errAt(lookup(r.props, "RedrivePolicy"), "%s: %v", r.id, err)
		}
		q.DeadLetter = dl
	}
	if q.Tags, err = im.tags(r); err != nil {
		return err
	}
	im.w.Queues = append(im.w.Queues, q)
	return nil
}

func (im *importer) topic(r *cfnResource) error {
	name, err := im.name(r.id)
	if err != nil {
		return im.wrap(r.node, err)
	}
	t := Topic{Name: name}
	for _, k := range sortedKeys(topicProps) {
		var v string
		if topicProps[k] == "j" {
			v, err = im.jsonProp(r, k)
		} else {
			v, err = im.prop(r, k)
		}
		if err != nil {
			return err
		}
		if v != "" {
			if t.Attributes == nil {
				t.Attributes = map[string]string{}
			}
			t.Attributes[k] = v
		}
	}
	if t.Tags, err = im.tags(r); err != nil {
		return err
	}
	if subs := lookup(r.props, "Subscription"); subs != nil {
		v, err := im.resolve(subs)
		if err != nil {
			return err
		}
		for _, s := range v.Content {
			p, e := lookup(s, "Protocol"), lookup(s, "Endpoint")
			if p == nil || e == nil {
				return im.errAt(s, "%s: a subscription needs Protocol and Endpoint", r.id)
			}
			t.Subscriptions = append(t.Subscriptions, Subscription{Protocol: p.Value, Target: endpointTarget(p.Value, e.Value)})
		}
	}
	im.w.Topics = append(im.w.Topics, t)
	return nil
}

// endpointTarget turns an SNS endpoint into a workspace target.
func endpointTarget(protocol, endpoint string) string {
	if protocol == ProtocolQueue || protocol == ProtocolFunction {
		if _, name, ok := parseLocalRef(endpoint); ok {
			return name
		}
		if protocol == ProtocolFunction && !strings.Contains(endpoint, ":") {
			return endpoint
		}
	}
	return endpoint
}

func (im *importer) subscription(r *cfnResource) error {
	topicARN, err := im.prop(r, "TopicArn")
	if err != nil {
		return err
	}
	protocol, err := im.prop(r, "Protocol")
	if err != nil {
		return err
	}
	endpoint, err := im.prop(r, "Endpoint")
	if err != nil {
		return err
	}
	kind, topicName, ok := parseLocalRef(topicARN)
	i := slices.IndexFunc(im.w.Topics, func(t Topic) bool { return ok && kind == KindTopic && t.Name == topicName })
	if i < 0 {
		im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("%s (line %d): subscription to %s, which is not a topic of this template", r.id, r.line, topicARN))
		return nil
	}
	s := Subscription{Protocol: protocol, Target: endpointTarget(protocol, endpoint)}
	if s.FilterPolicy, err = im.jsonProp(r, "FilterPolicy"); err != nil {
		return err
	}
	if s.FilterPolicyScope, err = im.prop(r, "FilterPolicyScope"); err != nil {
		return err
	}
	if s.FilterPolicyScope == "MessageAttributes" {
		s.FilterPolicyScope = ""
	}
	raw, err := im.prop(r, "RawMessageDelivery")
	if err != nil {
		return err
	}
	s.RawMessageDelivery = strings.EqualFold(raw, "true")
	im.w.Topics[i].Subscriptions = append(im.w.Topics[i].Subscriptions, s)
	return nil
}

func (im *importer) stream(r *cfnResource) error {
	name, err := im.name(r.id)
	if err != nil {
		return im.wrap(r.node, err)
	}
	s := Stream{Name: name}
	if s.Shards, err = im.intProp(r, "ShardCount"); err != nil {
		return err
	}
	if md := lookup(r.props, "StreamModeDetails"); md != nil {
		v, err := im.resolve(md)
		if err != nil {
			return err
		}
		if m := lookup(v, "StreamMode"); m != nil && m.Value != "PROVISIONED" {
			s.Mode = m.Value
		}
	}
	if s.RetentionHours, err = im.intProp(r, "RetentionPeriodHours"); err != nil {
		return err
	}
	if s.MaxRecordKB, err = im.intProp(r, "MaxRecordSizeInKiB"); err != nil {
		return err
	}
	if s.Tags, err = im.tags(r); err != nil {
		return err
	}
	im.w.Streams = append(im.w.Streams, s)
	return nil
}

func (im *importer) machine(r *cfnResource) error {
	name, err := im.name(r.id)
	if err != nil {
		return im.wrap(r.node, err)
	}
	m := StateMachine{Name: name}
	typeKey := "StateMachineType"
	if r.typ == "AWS::Serverless::StateMachine" {
		typeKey = "Type"
	}
	if m.Type, err = im.prop(r, typeKey); err != nil {
		return err
	}
	if m.Type == "STANDARD" {
		m.Type = ""
	}
	subs := map[string]string{}
	if sn := lookup(r.props, "DefinitionSubstitutions"); sn != nil {
		v, err := im.resolve(sn)
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(v.Content); i += 2 {
			subs[v.Content[i].Value] = v.Content[i+1].Value
		}
	}
	var def string
	switch {
	case lookup(r.props, "Definition") != nil:
		d, err := im.resolve(lookup(r.props, "Definition"))
		if err != nil {
			return err
		}
		if def, err = nodeJSON(d); err != nil {
			return im.errAt(d, "%s.Definition: %v", r.id, err)
		}
	case lookup(r.props, "DefinitionString") != nil:
		s, err := im.prop(r, "DefinitionString")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(s)); err != nil {
			return im.errAt(lookup(r.props, "DefinitionString"), "%s.DefinitionString: not JSON: %v", r.id, err)
		}
		def = buf.String()
	default:
		// DefinitionS3Location or SAM's DefinitionUri: the definition is
		// not in the template, so the state machine cannot be imported.
		im.report.Unsupported = append(im.report.Unsupported, Unsupported{LogicalID: r.id, Type: r.typ + " (definition outside the template)", Line: r.line})
		return nil
	}
	if len(subs) > 0 {
		// Substitute inside JSON strings only, escaping the values.
		def, err = substitute(def, func(k string) (string, error) {
			v, ok := subs[k]
			if !ok {
				return "${" + k + "}", nil
			}
			q, _ := json.Marshal(v)
			return string(q[1 : len(q)-1]), nil
		})
		if err != nil {
			return im.errAt(r.node, "%s: %v", r.id, err)
		}
	}
	m.Definition = def
	if d := lookup(r.metadata, "Description"); d != nil {
		m.Description = d.Value
	}
	if m.Tags, err = im.tags(r); err != nil {
		return err
	}
	im.w.StateMachines = append(im.w.StateMachines, m)
	return nil
}

// placeholderCommand stands in for a function that came from AWS: it
// fails every invocation with a message saying what to replace.
func placeholderCommand(handler, runtime string) []string {
	return []string{"sh", "-c", fmt.Sprintf("echo 'imported placeholder for handler %s (%s): set this function's command' >&2; exit 1", handler, runtime)}
}

func (im *importer) function(r *cfnResource) error {
	if route := lookup(r.metadata, "Route"); route != nil {
		return nil // a forwarder an export generated; its route is read with the API
	}
	name, err := im.name(r.id)
	if err != nil {
		return im.wrap(r.node, err)
	}
	f := Function{Name: name}
	if c := lookup(r.metadata, "Command"); c != nil {
		if err := c.Decode(&f.Command); err != nil {
			return yamlError(im.file, err)
		}
		if d := lookup(r.metadata, "Dir"); d != nil {
			f.Dir = d.Value
		}
		if m := lookup(r.metadata, "Mode"); m != nil {
			f.Mode = m.Value
		}
	} else {
		handler, _ := im.prop(r, "Handler")
		runtime, _ := im.prop(r, "Runtime")
		f.Command = placeholderCommand(handler, runtime)
	}
	if env := lookup(lookup(r.props, "Environment"), "Variables"); env != nil {
		v, err := im.resolve(env)
		if err != nil {
			return err
		}
		f.Env = map[string]string{}
		for i := 0; i+1 < len(v.Content); i += 2 {
			f.Env[v.Content[i].Value] = v.Content[i+1].Value
		}
	}
	if f.TimeoutSeconds, err = im.intProp(r, "Timeout"); err != nil {
		return err
	}
	if f.MemoryMB, err = im.intProp(r, "MemorySize"); err != nil {
		return err
	}
	if f.Concurrency, err = im.intProp(r, "ReservedConcurrentExecutions"); err != nil {
		return err
	}
	if f.Tags, err = im.tags(r); err != nil {
		return err
	}
	im.w.Functions = append(im.w.Functions, f)
	if r.typ == "AWS::Serverless::Function" {
		return im.samEvents(r, name)
	}
	return nil
}

// samEvents reads a SAM function's SQS and Kinesis events as event sources.
func (im *importer) samEvents(r *cfnResource, fn string) error {
	events := lookup(r.props, "Events")
	if events == nil {
		return nil
	}
	for i := 0; i+1 < len(events.Content); i += 2 {
		ev := events.Content[i+1]
		typ := lookup(ev, "Type")
		props, err := im.resolve(lookupOr(ev, "Properties"))
		if err != nil {
			return err
		}
		src := &cfnResource{id: r.id + "." + events.Content[i].Value, props: props, line: events.Content[i].Line}
		switch {
		case typ != nil && (typ.Value == "SQS" || typ.Value == "Kinesis"):
			key := "Queue"
			if typ.Value == "Kinesis" {
				key = "Stream"
			}
			sourceARN, err := im.prop(src, key)
			if err != nil {
				return err
			}
			if err := im.addMapping(src, fn, sourceARN); err != nil {
				return err
			}
		default:
			t := "?"
			if typ != nil {
				t = typ.Value
			}
			im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("%s (line %d): SAM event type %s is not imported", src.id, src.line, t))
		}
	}
	return nil
}

func lookupOr(m *yaml.Node, key string) *yaml.Node {
	if n := lookup(m, key); n != nil {
		return n
	}
	return mapNode()
}

func (im *importer) mapping(r *cfnResource) error {
	fn, err := im.prop(r, "FunctionName")
	if err != nil {
		return err
	}
	if _, name, ok := parseLocalRef(fn); ok {
		fn = name
	}
	src, err := im.prop(r, "EventSourceArn")
	if err != nil {
		return err
	}
	return im.addMapping(r, fn, src)
}

func (im *importer) addMapping(r *cfnResource, fn, sourceARN string) error {
	kind, name, ok := parseLocalRef(sourceARN)
	if !ok || (kind != KindQueue && kind != KindStream) {
		im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("%s (line %d): event source %s is not a queue or stream of this template", r.id, r.line, sourceARN))
		return nil
	}
	e := EventSource{Function: fn}
	if kind == KindQueue {
		e.Queue = name
	} else {
		e.Stream = name
	}
	var err error
	if e.BatchSize, err = im.intProp(r, "BatchSize"); err != nil {
		return err
	}
	if e.BatchingWindowSeconds, err = im.intProp(r, "MaximumBatchingWindowInSeconds"); err != nil {
		return err
	}
	if e.StartingPosition, err = im.prop(r, "StartingPosition"); err != nil {
		return err
	}
	if b, err := im.prop(r, "BisectBatchOnFunctionError"); err != nil {
		return err
	} else {
		e.BisectOnError = strings.EqualFold(b, "true")
	}
	if n := lookup(r.props, "MaximumRetryAttempts"); n != nil {
		v, err := im.intProp(r, "MaximumRetryAttempts")
		if err != nil {
			return err
		}
		e.MaxRetryAttempts = &v
	}
	if en, err := im.prop(r, "Enabled"); err != nil {
		return err
	} else {
		e.Disabled = strings.EqualFold(en, "false")
	}
	if frt := lookup(r.props, "FunctionResponseTypes"); frt != nil {
		v, err := im.resolve(frt)
		if err != nil {
			return err
		}
		for _, t := range v.Content {
			if t.Value == "ReportBatchItemFailures" {
				e.ReportBatchItemFailures = true
			}
		}
	}
	im.w.EventSources = append(im.w.EventSources, e)
	return nil
}

func (im *importer) api(r *cfnResource) error {
	name, err := im.name(r.id)
	if err != nil {
		return im.wrap(r.node, err)
	}
	if pt, _ := im.prop(r, "ProtocolType"); pt != "" && pt != "HTTP" {
		im.report.Unsupported = append(im.report.Unsupported, Unsupported{LogicalID: r.id, Type: r.typ + " (" + pt + ")", Line: r.line})
		return nil
	}
	a := API{Name: name}
	if p := lookup(r.metadata, "Port"); p != nil {
		a.Port, _ = strconv.Atoi(p.Value)
	}
	if a.Tags, err = im.tags(r); err != nil {
		return err
	}
	im.w.APIs = append(im.w.APIs, a)
	return nil
}

// apiIndex finds the workspace API a route or stage's ApiId names.
func (im *importer) apiIndex(r *cfnResource) (int, error) {
	id, err := im.prop(r, "ApiId")
	if err != nil {
		return -1, err
	}
	return slices.IndexFunc(im.w.APIs, func(a API) bool { return a.Name == id }), nil
}

func (im *importer) stage(r *cfnResource) error {
	i, err := im.apiIndex(r)
	if err != nil || i < 0 {
		return err
	}
	s, err := im.prop(r, "StageName")
	if err != nil {
		return err
	}
	im.w.APIs[i].Stages = append(im.w.APIs[i].Stages, s)
	return nil
}

func (im *importer) route(r *cfnResource) error {
	i, err := im.apiIndex(r)
	if err != nil {
		return err
	}
	key, err := im.prop(r, "RouteKey")
	if err != nil {
		return err
	}
	if i < 0 {
		im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("%s (line %d): route %s of an API not in this template", r.id, r.line, key))
		return nil
	}
	target, err := im.prop(r, "Target")
	if err != nil {
		return err
	}
	iid, ok := strings.CutPrefix(target, "integrations/")
	integ := im.resources[iid]
	if !ok || integ == nil || integ.typ != "AWS::ApiGatewayV2::Integration" {
		im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("%s (line %d): route %s has no integration of this template (%q)", r.id, r.line, key, target))
		return nil
	}
	rt, err := im.integration(integ)
	if err != nil {
		return err
	}
	if rt == nil {
		im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("%s (line %d): route %s: integration %s is not supported", r.id, r.line, key, iid))
		return nil
	}
	rt.Key = key
	im.w.APIs[i].Routes = append(im.w.APIs[i].Routes, *rt)
	return nil
}

// integration reads an HTTP API integration as a route; nil when Skyport
// has no matching integration.
func (im *importer) integration(r *cfnResource) (*Route, error) {
	typ, err := im.prop(r, "IntegrationType")
	if err != nil {
		return nil, err
	}
	subtype, err := im.prop(r, "IntegrationSubtype")
	if err != nil {
		return nil, err
	}
	uri, err := im.prop(r, "IntegrationUri")
	if err != nil {
		return nil, err
	}
	switch {
	case typ == "HTTP_PROXY":
		return &Route{Type: TargetHTTP, Target: uri}, nil
	case typ == "AWS_PROXY" && subtype == "":
		return im.functionRoute(uri)
	case typ == "AWS_PROXY":
		params := map[string]string{}
		if pn := lookup(r.props, "RequestParameters"); pn != nil {
			v, err := im.resolve(pn)
			if err != nil {
				return nil, err
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				params[v.Content[i].Value] = v.Content[i+1].Value
			}
		}
		rt := &Route{}
		var targetParam string
		switch subtype {
		case "SQS-SendMessage":
			rt.Type, targetParam = TargetQueue, "QueueUrl"
		case "Kinesis-PutRecord":
			rt.Type, targetParam = TargetStream, "StreamName"
		case "StepFunctions-StartExecution":
			rt.Type, targetParam = TargetStateMachine, "StateMachineArn"
		case "StepFunctions-StartSyncExecution":
			rt.Type, targetParam, rt.Sync = TargetStateMachine, "StateMachineArn", true
		default:
			return nil, nil
		}
		rt.Target = params[targetParam]
		if _, name, ok := parseLocalRef(rt.Target); ok {
			rt.Target = name
		}
		delete(params, targetParam)
		for k, v := range defaultParams[rt.Type] {
			if params[k] == v {
				delete(params, k)
			}
		}
		if len(params) > 0 {
			rt.Parameters = params
		}
		return rt, nil
	}
	return nil, nil
}

// functionRoute reads a Lambda proxy integration: a workspace function,
// or a forwarder an export generated for a topic or mock route.
func (im *importer) functionRoute(uri string) (*Route, error) {
	if i := strings.Index(uri, "/functions/"); i >= 0 {
		uri = strings.TrimSuffix(uri[i+len("/functions/"):], "/invocations")
	}
	name := uri
	if _, n, ok := parseLocalRef(uri); ok {
		name = n
	}
	for _, id := range im.order {
		r := im.resources[id]
		if r.typ != "AWS::Lambda::Function" && r.typ != "AWS::Serverless::Function" {
			continue
		}
		if n, err := im.name(id); err != nil || n != name {
			continue
		}
		if route := lookup(r.metadata, "Route"); route != nil {
			var m struct {
				Type       string            `yaml:"Type"`
				Target     string            `yaml:"Target"`
				Parameters map[string]string `yaml:"Parameters"`
				MockStatus int               `yaml:"MockStatus"`
				MockBody   string            `yaml:"MockBody"`
			}
			if err := route.Decode(&m); err != nil {
				return nil, yamlError(im.file, err)
			}
			return &Route{Type: m.Type, Target: m.Target, Parameters: m.Parameters, MockStatus: m.MockStatus, MockBody: m.MockBody}, nil
		}
	}
	return &Route{Type: TargetFunction, Target: name}, nil
}

// dropDangling removes connections to resources the template does not
// define, listing each in the report.
func (im *importer) dropDangling() {
	nodes := im.w.nodes()
	has := func(kind, name string) bool { return nodes[NodeID(kind, name)] }
	for i := range im.w.Queues {
		q := &im.w.Queues[i]
		if q.DeadLetter != nil && !has(KindQueue, q.DeadLetter.Queue) {
			im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("queue %s: dead-letter queue %s is not in this template", q.Name, q.DeadLetter.Queue))
			q.DeadLetter = nil
		}
	}
	for i := range im.w.Topics {
		t := &im.w.Topics[i]
		t.Subscriptions = slices.DeleteFunc(t.Subscriptions, func(s Subscription) bool {
			kind := map[string]string{ProtocolQueue: KindQueue, ProtocolFunction: KindFunction}[s.Protocol]
			if kind != "" && !has(kind, s.Target) {
				im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("topic %s: %s subscription to %s, which is not in this template", t.Name, s.Protocol, s.Target))
				return true
			}
			return false
		})
	}
	im.w.EventSources = slices.DeleteFunc(im.w.EventSources, func(e EventSource) bool {
		if !has(KindFunction, e.Function) {
			im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("event source %s → function %s, which is not in this template", e.Source(), e.Function))
			return true
		}
		return false
	})
	for i := range im.w.APIs {
		a := &im.w.APIs[i]
		a.Routes = slices.DeleteFunc(a.Routes, func(r Route) bool {
			if n := routeNode(r); n != "" && !strings.HasPrefix(n, KindURL+"/") && !nodes[n] {
				im.report.Skipped = append(im.report.Skipped, fmt.Sprintf("API %s route %s: %s is not in this template", a.Name, r.Key, n))
				return true
			}
			return false
		})
	}
	for id := range im.w.Layout {
		if !nodes[id] && !strings.HasPrefix(id, KindURL+"/") {
			delete(im.w.Layout, id)
		}
	}
	im.w.Samples = slices.DeleteFunc(im.w.Samples, func(s Sample) bool { return !nodes[s.Target] })
}
