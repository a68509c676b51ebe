package flow

import (
	"context"
	"maps"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// taggedWorkspace has a function and an HTTP API with tags.
func taggedWorkspace() *Workspace {
	return &Workspace{Version: FormatVersion, Name: "tagged",
		Functions: []Function{{Name: "resize", Command: []string{"cat"}, Tags: map[string]string{"team": "media", "note": ""}}},
		APIs: []API{{Name: "shop", Tags: map[string]string{"team": "web", "cost-center": "42"},
			Routes: []Route{{Key: "GET /hi", Type: TargetMock, MockStatus: 200, MockBody: "hi"}}}}}
}

func TestFunctionAndAPITagsApplyAndSnapshotBack(t *testing.T) {
	c := openCore(t)
	w := taggedWorkspace()
	if _, err := Apply(context.Background(), c, w); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Functions().ListTags("resize"); err != nil || !maps.Equal(got, w.Functions[0].Tags) {
		t.Fatalf("function tags in the core: %v, %v", got, err)
	}
	if got, err := c.Gateway().GetTags("shop"); err != nil || !maps.Equal(got, w.APIs[0].Tags) {
		t.Fatalf("API tags in the core: %v, %v", got, err)
	}
	snap, err := Snapshot(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Functions) != 1 || !maps.Equal(snap.Functions[0].Tags, w.Functions[0].Tags) {
		t.Fatalf("snapshot functions %+v", snap.Functions)
	}
	if len(snap.APIs) != 1 || !maps.Equal(snap.APIs[0].Tags, w.APIs[0].Tags) {
		t.Fatalf("snapshot APIs %+v", snap.APIs)
	}
	// A tag changed in the core shows in the next snapshot.
	if err := c.Gateway().UntagResource(context.Background(), "shop", []string{"cost-center"}); err != nil {
		t.Fatal(err)
	}
	if snap, _ = Snapshot(c); !maps.Equal(snap.APIs[0].Tags, map[string]string{"team": "web"}) {
		t.Fatalf("snapshot after untag: %v", snap.APIs[0].Tags)
	}
	// The workspace file keeps them.
	data, err := w.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("tagged.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Functions, w.Functions) || !reflect.DeepEqual(back.APIs, w.APIs) {
		t.Fatalf("workspace YAML lost tags:\n%s", data)
	}
}

// resourceProps returns the Properties of the template resource of type typ.
func resourceProps(t *testing.T, tpl []byte, typ string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(tpl, &doc); err != nil {
		t.Fatal(err)
	}
	res := lookup(doc.Content[0], "Resources")
	for i := 0; i+1 < len(res.Content); i += 2 {
		if ty := lookup(res.Content[i+1], "Type"); ty != nil && ty.Value == typ {
			return lookup(res.Content[i+1], "Properties")
		}
	}
	t.Fatalf("no %s in\n%s", typ, tpl)
	return nil
}

func TestTagsExportAsListForLambdaAndMapForHTTPAPIAndImportBack(t *testing.T) {
	w := taggedWorkspace()
	tpl, err := ExportCloudFormation(w)
	if err != nil {
		t.Fatal(err)
	}
	if problems := validateTemplate(loadSpec(t), tpl); len(problems) > 0 {
		t.Fatalf("template problems:\n%s\n\n%s", strings.Join(problems, "\n"), tpl)
	}
	ft := lookup(resourceProps(t, tpl, "AWS::Lambda::Function"), "Tags")
	if ft == nil || ft.Kind != yaml.SequenceNode || len(ft.Content) != 2 {
		t.Fatalf("AWS::Lambda::Function Tags is not a list of two:\n%s", tpl)
	}
	if k, v := lookup(ft.Content[0], "Key"), lookup(ft.Content[0], "Value"); k == nil || k.Value != "note" || v == nil || v.Value != "" {
		t.Fatalf("first Lambda tag is not {Key: note, Value: \"\"}:\n%s", tpl)
	}
	at := lookup(resourceProps(t, tpl, "AWS::ApiGatewayV2::Api"), "Tags")
	if at == nil || at.Kind != yaml.MappingNode {
		t.Fatalf("AWS::ApiGatewayV2::Api Tags is not a map:\n%s", tpl)
	}
	if v := lookup(at, "cost-center"); v == nil || v.Value != "42" || v.ShortTag() != "!!str" {
		t.Fatalf("API tag cost-center is not the string \"42\":\n%s", tpl)
	}
	got, rep, err := Import("tagged.cfn.yaml", tpl)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unsupported)+len(rep.Skipped) != 0 {
		t.Fatalf("left out %v %v", rep.Unsupported, rep.Skipped)
	}
	w.Normalize()
	got.Normalize()
	if !reflect.DeepEqual(got, w) {
		a, _ := got.Marshal()
		b, _ := w.Marshal()
		t.Fatalf("import of the export differs:\n%s\n--- want\n%s", a, b)
	}
}

const taggedTemplate = `{
  "Resources": {
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
      "FunctionName": "resize", "Runtime": "python3.12", "Handler": "index.handler",
      "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": "x"},
      "Tags": [{"Key": "team", "Value": {"Fn::Sub": "${Team}"}}, {"Key": "flag"}]}},
    "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
      "Name": "shop", "ProtocolType": "HTTP", "Tags": {"team": {"Ref": "Team"}, "tier": "1"}}}
  },
  "Parameters": {"Team": {"Type": "String", "Default": "media"}}
}`

func TestImportLambdaTagListAndHTTPAPITagMap(t *testing.T) {
	w, _, err := Import("stack.json", []byte(taggedTemplate))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Functions) != 1 || !maps.Equal(w.Functions[0].Tags, map[string]string{"team": "media", "flag": ""}) {
		t.Fatalf("function tags %+v", w.Functions)
	}
	if len(w.APIs) != 1 || !maps.Equal(w.APIs[0].Tags, map[string]string{"team": "media", "tier": "1"}) {
		t.Fatalf("API tags %+v", w.APIs)
	}
	// A tag of another type still needs its Value.
	_, _, err = Import("q.json", []byte(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q", "Tags": [{"Key": "a"}]}}}}`))
	if err == nil || !strings.Contains(err.Error(), "Q: a tag needs Key and Value") {
		t.Fatalf("queue tag without a Value: %v", err)
	}
}
