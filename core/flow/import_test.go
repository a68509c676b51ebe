package flow

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestExportImportRoundTrip(t *testing.T) {
	demo := Demo()
	tpl, err := ExportCloudFormation(demo)
	if err != nil {
		t.Fatal(err)
	}
	got, rep, err := Import("demo.cfn.yaml", tpl)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unsupported) != 0 || len(rep.Skipped) != 0 {
		t.Fatalf("the demo's own export left out %v %v", rep.Unsupported, rep.Skipped)
	}
	want := Demo()
	want.Normalize()
	got.Normalize()
	if !reflect.DeepEqual(got, want) {
		a, _ := got.Marshal()
		b, _ := want.Marshal()
		t.Fatalf("import of the export differs:\n%s\n--- want\n%s", a, b)
	}
}

const jsonTemplate = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
  "Resources": {
    "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {
      "QueueName": {"Fn::Join": ["-", [{"Ref": "Env"}, "jobs"]]},
      "VisibilityTimeout": 45,
      "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]}, "maxReceiveCount": "4"}}},
    "Dead": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${Env}-dead"}}},
    "Events": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": ["${Prefix}-events", {"Prefix": {"Ref": "Env"}}]}}},
    "Sub": {"Type": "AWS::SNS::Subscription", "Properties": {
      "TopicArn": {"Ref": "Events"}, "Protocol": "sqs", "Endpoint": {"Fn::GetAtt": ["Jobs", "Arn"]},
      "FilterPolicy": "{\"kind\": [\"job\"]}", "RawMessageDelivery": "true"}},
    "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "t"}},
    "Flow": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
      "RoleArn": "arn:aws:iam::123456789012:role/x",
      "DefinitionString": {"Fn::Sub": "{\"StartAt\":\"S\",\"States\":{\"S\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::sqs:sendMessage\",\"Parameters\":{\"QueueUrl\":\"${Jobs}\",\"MessageBody.$\":\"$\"},\"End\":true}}}"}}}
  }
}`

func TestImportJSONTemplateWithIntrinsics(t *testing.T) {
	w, rep, err := Import("stack.json", []byte(jsonTemplate))
	if err != nil {
		t.Fatal(err)
	}
	w.Normalize()
	if len(w.Queues) != 2 || w.Queues[0].Name != "dev-dead" || w.Queues[1].Name != "dev-jobs" {
		t.Fatalf("queues %+v", w.Queues)
	}
	jobs := w.Queues[1]
	if jobs.Attributes["VisibilityTimeout"] != "45" || jobs.DeadLetter == nil || *jobs.DeadLetter != (DeadLetter{Queue: "dev-dead", MaxReceiveCount: 4}) {
		t.Fatalf("jobs queue %+v", jobs)
	}
	if len(w.Topics) != 1 || w.Topics[0].Name != "dev-events" {
		t.Fatalf("topics %+v", w.Topics)
	}
	sub := w.Topics[0].Subscriptions
	if len(sub) != 1 || sub[0] != (Subscription{Protocol: "sqs", Target: "dev-jobs", FilterPolicy: `{"kind":["job"]}`, RawMessageDelivery: true}) {
		t.Fatalf("subscriptions %+v", sub)
	}
	if len(w.StateMachines) != 1 || !strings.Contains(w.StateMachines[0].Definition, `"QueueUrl":"http://127.0.0.1:4566/000000000000/dev-jobs"`) {
		t.Fatalf("state machines %+v", w.StateMachines)
	}
	if len(rep.Unsupported) != 1 || rep.Unsupported[0].LogicalID != "Table" || rep.Unsupported[0].Type != "AWS::DynamoDB::Table" || rep.Unsupported[0].Line == 0 {
		t.Fatalf("unsupported %+v", rep.Unsupported)
	}
}

const samTemplate = `Transform: AWS::Serverless-2016-10-31
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  Bucket:
    Type: AWS::S3::Bucket
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Timeout: 20
      Environment:
        Variables:
          QUEUE: !Ref Inbox
      Events:
        FromInbox:
          Type: SQS
          Properties:
            Queue: !GetAtt Inbox.Arn
            BatchSize: 7
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Bucket
`

func TestImportSAMListsWhatItCannotCarry(t *testing.T) {
	w, rep, err := Import("template.yaml", []byte(samTemplate))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Functions) != 1 || w.Functions[0].Name != "Worker" || w.Functions[0].TimeoutSeconds != 20 ||
		w.Functions[0].Env["QUEUE"] != "http://127.0.0.1:4566/000000000000/Inbox" {
		t.Fatalf("functions %+v", w.Functions)
	}
	if !strings.Contains(strings.Join(w.Functions[0].Command, " "), "app.handler") {
		t.Fatalf("the placeholder command does not name the handler: %q", w.Functions[0].Command)
	}
	if len(w.EventSources) != 1 || w.EventSources[0] != (EventSource{Function: "Worker", Queue: "Inbox", BatchSize: 7}) {
		t.Fatalf("event sources %+v", w.EventSources)
	}
	if len(rep.Unsupported) != 1 || rep.Unsupported[0].LogicalID != "Bucket" || rep.Unsupported[0].Line != 5 {
		t.Fatalf("unsupported %+v", rep.Unsupported)
	}
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0], "S3") {
		t.Fatalf("skipped %v", rep.Skipped)
	}
}

func TestImportErrorsNameFileLineAndReason(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		reason    string
	}{
		{"yaml", "Resources:\n  A: b: c\n", 2, "mapping values"},
		{"json", "{\"Resources\": {\"A\": }}", 1, "invalid character"},
		{"no resources", "Description: x\n", 1, "no Resources"},
		{"no type", "Resources:\n  A:\n    Properties: {}\n", 3, "no Type"},
		{"unsupported intrinsic", "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !If [c, a, b]\n", 5, "Fn::If is not supported"},
		{"dangling ref", "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Nope\n", 5, "Nope"},
		{"bad integer", "Resources:\n  A:\n    Type: AWS::Kinesis::Stream\n    Properties:\n      ShardCount: lots\n", 5, "not an integer"},
		{"asl without StartAt", "{\"States\": {}}", 1, "StartAt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Import("in.yaml", []byte(tc.src))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("want a *FileError, got %v", err)
			}
			if fe.File != "in.yaml" || fe.Line != tc.line || !strings.Contains(fe.Reason, tc.reason) {
				t.Fatalf("got %q line %d %q; want line %d with %q", fe.File, fe.Line, fe.Reason, tc.line, tc.reason)
			}
		})
	}
}

func TestImportASLFile(t *testing.T) {
	out, err := ExportASL(Demo())
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := Import("dir/fulfil-order.asl.json", out["fulfil-order"])
	if err != nil {
		t.Fatal(err)
	}
	if len(w.StateMachines) != 1 || w.StateMachines[0].Name != "fulfil-order" || w.StateMachines[0].Definition != Demo().StateMachines[0].Definition {
		t.Fatalf("got %+v", w.StateMachines)
	}
}

func TestKitchenSinkExportValidatesAndImportsBack(t *testing.T) {
	w, err := Load("testdata/kitchen-sink.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := ExportCloudFormation(w)
	if err != nil {
		t.Fatal(err)
	}
	if problems := validateTemplate(loadSpec(t), tpl); len(problems) > 0 {
		t.Fatalf("template problems:\n%s\n\n%s", strings.Join(problems, "\n"), tpl)
	}
	for _, want := range []string{
		"StreamARN: ${MetricsStreamArn}", "TopicArn: ${AlertsTopicArn}", "Resource: ${NotifyFunctionArn}",
		"IntegrationSubtype: StepFunctions-StartSyncExecution", "Action: states:StartSyncExecution",
		"Principal: sns.amazonaws.com", "IntegrationType: HTTP_PROXY", "StageName: prod",
	} {
		if !strings.Contains(string(tpl), want) {
			t.Errorf("template lacks %q", want)
		}
	}
	golden(t, "kitchen-sink.cfn.yaml", tpl)
	got, rep, err := Import("kitchen-sink.cfn.yaml", tpl)
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

func TestImportShortFormIntrinsics(t *testing.T) {
	src := `Parameters:
  Stage: {Type: String, Default: prod}
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [!Ref Stage, !Ref "AWS::Region", q]]
  T:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub
        - ${Base}-topic
        - Base: !GetAtt [Q, QueueName]
  S:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref T
      Protocol: sqs
      Endpoint: !Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Q.QueueName}"
      FilterPolicy: {a: [!Sub "${!literal}"]}
`
	w, _, err := Import("short.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Queues) != 1 || w.Queues[0].Name != "prod-us-east-1-q" {
		t.Fatalf("queues %+v", w.Queues)
	}
	if len(w.Topics) != 1 || w.Topics[0].Name != "prod-us-east-1-q-topic" {
		t.Fatalf("topics %+v", w.Topics)
	}
	want := Subscription{Protocol: "sqs", Target: "prod-us-east-1-q", FilterPolicy: `{"a":["${literal}"]}`}
	if subs := w.Topics[0].Subscriptions; len(subs) != 1 || subs[0] != want {
		t.Fatalf("subscriptions %+v", subs)
	}
}

func TestImportListsStateMachineWithDefinitionOutsideTemplate(t *testing.T) {
	src := "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: r\n      DefinitionS3Location: {Bucket: b, Key: k}\n"
	w, rep, err := Import("s3.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.StateMachines) != 0 || len(rep.Unsupported) != 1 || rep.Unsupported[0].LogicalID != "M" || rep.Unsupported[0].Line != 2 {
		t.Fatalf("machines %+v unsupported %+v", w.StateMachines, rep.Unsupported)
	}
}
