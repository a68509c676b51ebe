package flow

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// cfnSpec is the subset of the CloudFormation resource specification in
// testdata/cfn-spec.json.
type cfnSpec struct {
	PropertyTypes map[string]struct {
		Properties map[string]specProp
	}
	ResourceTypes map[string]struct {
		Properties map[string]specProp
	}
}

type specProp struct {
	PrimitiveType     string
	PrimitiveItemType string
	Type              string
	ItemType          string
	Required          bool
}

func loadSpec(t *testing.T) *cfnSpec {
	t.Helper()
	data, err := os.ReadFile("testdata/cfn-spec.json")
	if err != nil {
		t.Fatal(err)
	}
	var s cfnSpec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

var pseudoParams = map[string]bool{"AWS::Region": true, "AWS::AccountId": true, "AWS::Partition": true,
	"AWS::StackName": true, "AWS::StackId": true, "AWS::URLSuffix": true, "AWS::NoValue": true}

// specValidator checks a template against the specification.
type specValidator struct {
	spec     *cfnSpec
	logical  map[string]bool
	problems []string
}

func (v *specValidator) fail(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func validateTemplate(spec *cfnSpec, src []byte) []string {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return []string{err.Error()}
	}
	root := doc.Content[0]
	v := &specValidator{spec: spec, logical: map[string]bool{}}
	resources := lookup(root, "Resources")
	if resources == nil || resources.Kind != yaml.MappingNode {
		return []string{"no Resources mapping"}
	}
	for i := 0; i < len(resources.Content); i += 2 {
		v.logical[resources.Content[i].Value] = true
	}
	for i := 0; i < len(resources.Content); i += 2 {
		id, r := resources.Content[i].Value, resources.Content[i+1]
		typ := lookup(r, "Type")
		if typ == nil {
			v.fail("%s: no Type", id)
			continue
		}
		rt, ok := spec.ResourceTypes[typ.Value]
		if !ok {
			v.fail("%s: resource type %s is not in the specification", id, typ.Value)
			continue
		}
		v.object(id, typ.Value, rt.Properties, lookup(r, "Properties"))
		v.refs(id, r)
	}
	if out := lookup(root, "Outputs"); out != nil {
		v.refs("Outputs", out)
	}
	return v.problems
}

func (v *specValidator) object(path, resType string, props map[string]specProp, n *yaml.Node) {
	seen := map[string]bool{}
	if n != nil {
		if n.Kind != yaml.MappingNode {
			v.fail("%s: properties are not a mapping", path)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			name := n.Content[i].Value
			seen[name] = true
			p, ok := props[name]
			if !ok {
				v.fail("%s: unknown property %s", path, name)
				continue
			}
			v.value(path+"."+name, resType, p, n.Content[i+1])
		}
	}
	for name, p := range props {
		if p.Required && !seen[name] {
			v.fail("%s: required property %s is missing", path, name)
		}
	}
}

func isIntrinsic(n *yaml.Node) bool {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func (v *specValidator) value(path, resType string, p specProp, n *yaml.Node) {
	if isIntrinsic(n) {
		return
	}
	switch {
	case p.PrimitiveType != "":
		v.primitive(path, p.PrimitiveType, n)
	case p.Type == "List":
		if n.Kind != yaml.SequenceNode {
			v.fail("%s: want a list", path)
			return
		}
		for i, item := range n.Content {
			v.item(fmt.Sprintf("%s[%d]", path, i), resType, p, item)
		}
	case p.Type == "Map":
		if n.Kind != yaml.MappingNode {
			v.fail("%s: want a map", path)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v.item(path+"."+n.Content[i].Value, resType, p, n.Content[i+1])
		}
	default:
		v.propertyType(path, resType, p.Type, n)
	}
}

func (v *specValidator) item(path, resType string, p specProp, n *yaml.Node) {
	if isIntrinsic(n) {
		return
	}
	if p.PrimitiveItemType != "" {
		v.primitive(path, p.PrimitiveItemType, n)
		return
	}
	v.propertyType(path, resType, p.ItemType, n)
}

func (v *specValidator) propertyType(path, resType, name string, n *yaml.Node) {
	pt, ok := v.spec.PropertyTypes[resType+"."+name]
	if !ok {
		pt, ok = v.spec.PropertyTypes[name]
	}
	if !ok {
		v.fail("%s: property type %s is not in the specification", path, name)
		return
	}
	v.object(path, resType, pt.Properties, n)
}

func (v *specValidator) primitive(path, typ string, n *yaml.Node) {
	tag := n.ShortTag()
	ok := false
	switch typ {
	case "String":
		ok = n.Kind == yaml.ScalarNode && tag == "!!str"
	case "Integer", "Long":
		ok = n.Kind == yaml.ScalarNode && tag == "!!int"
	case "Double":
		ok = n.Kind == yaml.ScalarNode && (tag == "!!int" || tag == "!!float")
	case "Boolean":
		ok = n.Kind == yaml.ScalarNode && tag == "!!bool"
	case "Json":
		ok = n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode || (n.Kind == yaml.ScalarNode && tag == "!!str")
	default:
		v.fail("%s: unknown primitive type %s in the specification", path, typ)
		return
	}
	if !ok {
		v.fail("%s: want %s, got %s %q", path, typ, tag, n.Value)
	}
}

// refs checks that every !Ref, !GetAtt and ${…} of !Sub names a resource
// of the template or a pseudo parameter.
func (v *specValidator) refs(path string, n *yaml.Node) {
	switch n.Tag {
	case "!Ref":
		if !v.logical[n.Value] && !pseudoParams[n.Value] {
			v.fail("%s: !Ref %s names nothing", path, n.Value)
		}
	case "!GetAtt":
		id, _, _ := strings.Cut(n.Value, ".")
		if !v.logical[id] {
			v.fail("%s: !GetAtt %s names nothing", path, n.Value)
		}
	case "!Sub":
		s := n.Value
		for {
			i := strings.Index(s, "${")
			if i < 0 {
				break
			}
			j := strings.Index(s[i:], "}")
			if j < 0 {
				v.fail("%s: unterminated ${ in !Sub", path)
				break
			}
			name, _, _ := strings.Cut(s[i+2:i+j], ".")
			if !v.logical[name] && !pseudoParams[name] {
				v.fail("%s: !Sub ${%s} names nothing", path, name)
			}
			s = s[i+j:]
		}
	}
	for _, c := range n.Content {
		v.refs(path, c)
	}
}

func TestDemoTemplateMatchesResourceSpecification(t *testing.T) {
	spec := loadSpec(t)
	tpl, err := ExportCloudFormation(Demo())
	if err != nil {
		t.Fatal(err)
	}
	if problems := validateTemplate(spec, tpl); len(problems) > 0 {
		t.Fatalf("template problems:\n%s\n\n%s", strings.Join(problems, "\n"), tpl)
	}
	types := map[string]bool{}
	var doc map[string]any
	if err := yaml.Unmarshal(tpl, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc["Resources"].(map[string]any) {
		types[r.(map[string]any)["Type"].(string)] = true
	}
	for _, want := range []string{"AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::SNS::Topic", "AWS::SNS::Subscription",
		"AWS::Kinesis::Stream", "AWS::StepFunctions::StateMachine", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route",
		"AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Stage", "AWS::Lambda::Function",
		"AWS::Lambda::EventSourceMapping", "AWS::Lambda::Permission", "AWS::IAM::Role"} {
		if !types[want] {
			t.Errorf("the demo template has no %s", want)
		}
	}
}

func TestValidatorCatchesBadTemplates(t *testing.T) {
	spec := loadSpec(t)
	cases := map[string]string{
		"unknown type":      "Resources:\n  A:\n    Type: AWS::SQS::Kew\n",
		"unknown property":  "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      Colour: red\n",
		"wrong type":        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: soon\n",
		"missing required":  "Resources:\n  A:\n    Type: AWS::SNS::Subscription\n    Properties:\n      Protocol: sqs\n",
		"dangling ref":      "Resources:\n  A:\n    Type: AWS::SQS::QueuePolicy\n    Properties:\n      Queues: [!Ref B]\n      PolicyDocument: {}\n",
		"bad list item":     "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags:\n        - Key: a\n",
		"HTTP API tag list": "Resources:\n  A:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      Name: a\n      ProtocolType: HTTP\n      Tags:\n        - Key: a\n          Value: b\n",
		"Lambda tag map":    "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: arn:aws:iam::1:role/r\n      Code: {ZipFile: x}\n      Tags: {a: b}\n",
	}
	for name, src := range cases {
		if problems := validateTemplate(spec, []byte(src)); len(problems) == 0 {
			t.Errorf("%s: the validator found nothing wrong", name)
		}
	}
}
