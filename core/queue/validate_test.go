package queue

import (
	"strconv"
	"strings"
	"testing"
)

func TestCreateQueueValidation(t *testing.T) {
	f := newFixture(t)
	f.create("dlq", nil)
	f.createFIFO("dlq.fifo", nil)
	f.create("deny", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`})
	dlq, dlqFIFO, deny := f.svc.ARN("dlq"), f.svc.ARN("dlq.fifo"), f.svc.ARN("deny")
	redrive := func(arn, count string) string {
		return `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":` + count + `}`
	}
	cases := []struct {
		name  string
		queue string
		attrs map[string]string
		code  Code
	}{
		{"empty name", "", nil, InvalidParameterValue},
		{"space", "bad name", nil, InvalidParameterValue},
		{"dot", "a.b", nil, InvalidParameterValue},
		{"81 chars", strings.Repeat("a", 81), nil, InvalidParameterValue},
		{"fifo suffix without FifoQueue", "x.fifo", nil, InvalidParameterValue},
		{"FifoQueue without suffix", "x", map[string]string{"FifoQueue": "true"}, InvalidParameterValue},
		{"fifo name too long", strings.Repeat("a", 76) + ".fifo", map[string]string{"FifoQueue": "true"}, InvalidParameterValue},
		{"FifoQueue not boolean", "x", map[string]string{"FifoQueue": "yes"}, InvalidAttributeValue},
		{"unknown attribute", "x", map[string]string{"Colour": "red"}, InvalidAttributeName},
		{"read-only attribute", "x", map[string]string{"QueueArn": "arn"}, InvalidAttributeName},
		{"visibility negative", "x", map[string]string{"VisibilityTimeout": "-1"}, InvalidAttributeValue},
		{"visibility 43201", "x", map[string]string{"VisibilityTimeout": "43201"}, InvalidAttributeValue},
		{"visibility not a number", "x", map[string]string{"VisibilityTimeout": "1.5"}, InvalidAttributeValue},
		{"retention 59", "x", map[string]string{"MessageRetentionPeriod": "59"}, InvalidAttributeValue},
		{"retention 1209601", "x", map[string]string{"MessageRetentionPeriod": "1209601"}, InvalidAttributeValue},
		{"delay 901", "x", map[string]string{"DelaySeconds": "901"}, InvalidAttributeValue},
		{"max size 1023", "x", map[string]string{"MaximumMessageSize": "1023"}, InvalidAttributeValue},
		{"max size 1048577", "x", map[string]string{"MaximumMessageSize": "1048577"}, InvalidAttributeValue},
		{"wait 21", "x", map[string]string{"ReceiveMessageWaitTimeSeconds": "21"}, InvalidAttributeValue},
		{"kms reuse 59", "x", map[string]string{"KmsDataKeyReusePeriodSeconds": "59"}, InvalidAttributeValue},
		{"sse not boolean", "x", map[string]string{"SqsManagedSseEnabled": "maybe"}, InvalidAttributeValue},
		{"policy not JSON", "x", map[string]string{"Policy": "{"}, InvalidAttributeValue},
		{"content dedup on standard", "x", map[string]string{"ContentBasedDeduplication": "true"}, InvalidAttributeName},
		{"dedup scope on standard", "x", map[string]string{"DeduplicationScope": "queue"}, InvalidAttributeName},
		{"dedup scope value", "x.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "group"}, InvalidAttributeValue},
		{"throughput value", "x.fifo", map[string]string{"FifoQueue": "true", "FifoThroughputLimit": "fast"}, InvalidAttributeValue},
		{"per group limit needs group scope", "x.fifo", map[string]string{"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"}, InvalidAttributeValue},
		{"redrive not JSON", "x", map[string]string{"RedrivePolicy": "nope"}, InvalidParameterValue},
		{"redrive without arn", "x", map[string]string{"RedrivePolicy": `{"maxReceiveCount":3}`}, InvalidParameterValue},
		{"redrive without count", "x", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlq + `"}`}, InvalidParameterValue},
		{"redrive count 0", "x", map[string]string{"RedrivePolicy": redrive(dlq, "0")}, InvalidParameterValue},
		{"redrive count 1001", "x", map[string]string{"RedrivePolicy": redrive(dlq, `"1001"`)}, InvalidParameterValue},
		{"redrive to missing queue", "x", map[string]string{"RedrivePolicy": redrive(f.svc.ARN("nope"), "3")}, InvalidParameterValue},
		{"standard to FIFO dlq", "x", map[string]string{"RedrivePolicy": redrive(dlqFIFO, "3")}, InvalidParameterValue},
		{"FIFO to standard dlq", "x.fifo", map[string]string{"FifoQueue": "true", "RedrivePolicy": redrive(dlq, "3")}, InvalidParameterValue},
		{"dlq denies all", "x", map[string]string{"RedrivePolicy": redrive(deny, "3")}, InvalidParameterValue},
		{"allow policy permission", "x", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"some"}`}, InvalidParameterValue},
		{"allow policy byQueue without arns", "x", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue"}`}, InvalidParameterValue},
		{"allow policy 11 arns", "x", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["a","b","c","d","e","f","g","h","i","j","k"]}`}, InvalidParameterValue},
		{"allow policy arns with allowAll", "x", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"allowAll","sourceQueueArns":["a"]}`}, InvalidParameterValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := f.svc.CreateQueue(f.ctx, tc.queue, tc.attrs, nil)
			wantCode(t, err, tc.code)
			if f.svc.QueueExists(tc.queue) {
				t.Fatal("queue created anyway")
			}
		})
	}
}

func TestCreateQueueAccepts(t *testing.T) {
	f := newFixture(t)
	f.create("dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["` + f.svc.ARN("src") + `"]}`})
	ok := []struct {
		name  string
		attrs map[string]string
	}{
		{strings.Repeat("a", 80), nil},
		{"A-z_0-9", map[string]string{"FifoQueue": "false"}},
		{strings.Repeat("b", 75) + ".fifo", map[string]string{"FifoQueue": "true"}},
		{"bounds-low", map[string]string{"VisibilityTimeout": "0", "MessageRetentionPeriod": "60", "DelaySeconds": "0",
			"MaximumMessageSize": "1024", "ReceiveMessageWaitTimeSeconds": "0"}},
		{"bounds-high", map[string]string{"VisibilityTimeout": "43200", "MessageRetentionPeriod": "1209600", "DelaySeconds": "900",
			"MaximumMessageSize": "1048576", "ReceiveMessageWaitTimeSeconds": "20"}},
		{"kms", map[string]string{"KmsMasterKeyId": "alias/aws/sqs", "KmsDataKeyReusePeriodSeconds": "600"}},
		{"ht.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId",
			"ContentBasedDeduplication": "true"}},
		{"src", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":"1000"}`}},
	}
	for _, tc := range ok {
		if err := f.svc.CreateQueue(f.ctx, tc.name, tc.attrs, nil); err != nil {
			t.Errorf("CreateQueue %s %v: %v", tc.name, tc.attrs, err)
		}
	}
	// The allow policy lists only src: another queue may not use the DLQ.
	err := f.svc.CreateQueue(f.ctx, "other", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":1}`}, nil)
	wantCode(t, err, InvalidParameterValue)

	attrs, err := f.svc.GetQueueAttributes("kms", []string{"All"})
	if err != nil {
		t.Fatal(err)
	}
	if attrs["KmsMasterKeyId"] != "alias/aws/sqs" || attrs["KmsDataKeyReusePeriodSeconds"] != "600" || attrs["SqsManagedSseEnabled"] != "false" {
		t.Fatalf("KMS attributes: %v", attrs)
	}
	attrs, _ = f.svc.GetQueueAttributes("src", []string{"RedrivePolicy"})
	if want := `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":1000}`; attrs["RedrivePolicy"] != want {
		t.Fatalf("RedrivePolicy %q, want %q", attrs["RedrivePolicy"], want)
	}
}

func TestCreateQueueIdempotence(t *testing.T) {
	f := newFixture(t)
	f.create("q", map[string]string{"VisibilityTimeout": "60"})
	for _, attrs := range []map[string]string{nil, {"VisibilityTimeout": "60"}, {"DelaySeconds": "0"}} {
		if err := f.svc.CreateQueue(f.ctx, "q", attrs, nil); err != nil {
			t.Fatalf("re-create with %v: %v", attrs, err)
		}
	}
	err := f.svc.CreateQueue(f.ctx, "q", map[string]string{"VisibilityTimeout": "30"}, nil)
	wantCode(t, err, QueueNameExists)
	if !strings.Contains(err.Error(), "VisibilityTimeout") {
		t.Fatalf("message does not name the attribute: %v", err)
	}
}

func TestGetQueueAttributes(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	f.createFIFO("q.fifo", map[string]string{"ContentBasedDeduplication": "true"})
	_, err := f.svc.GetQueueAttributes("q", []string{"Colour"})
	wantCode(t, err, InvalidAttributeName)
	_, err = f.svc.GetQueueAttributes("none", []string{"All"})
	wantCode(t, err, QueueDoesNotExist)

	all, err := f.svc.GetQueueAttributes("q", []string{"All"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"VisibilityTimeout": "30", "MessageRetentionPeriod": "345600", "MaximumMessageSize": "1048576", "DelaySeconds": "0",
		"ReceiveMessageWaitTimeSeconds": "0", "ApproximateNumberOfMessages": "0", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:q",
		"CreatedTimestamp": strconv.FormatInt(epoch.Unix(), 10), "SqsManagedSseEnabled": "true",
	}
	for k, v := range want {
		if all[k] != v {
			t.Errorf("%s = %q, want %q", k, all[k], v)
		}
	}
	if _, ok := all["FifoQueue"]; ok {
		t.Error("standard queue reports FifoQueue")
	}
	fifo, _ := f.svc.GetQueueAttributes("q.fifo", []string{"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"})
	if fifo["FifoQueue"] != "true" || fifo["ContentBasedDeduplication"] != "true" || fifo["DeduplicationScope"] != "queue" ||
		fifo["FifoThroughputLimit"] != "perQueue" {
		t.Fatalf("FIFO attributes: %v", fifo)
	}
}

func TestSetQueueAttributes(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	f.advance(10 * 1e9)
	if err := f.svc.SetQueueAttributes(f.ctx, "q", map[string]string{"VisibilityTimeout": "5", "Policy": `{"Version":"2012-10-17"}`}); err != nil {
		t.Fatal(err)
	}
	a, _ := f.svc.GetQueueAttributes("q", []string{"VisibilityTimeout", "Policy", "LastModifiedTimestamp"})
	if a["VisibilityTimeout"] != "5" || a["Policy"] == "" || a["LastModifiedTimestamp"] != strconv.FormatInt(epoch.Unix()+10, 10) {
		t.Fatalf("after set: %v", a)
	}
	wantCode(t, f.svc.SetQueueAttributes(f.ctx, "q", map[string]string{"VisibilityTimeout": "50000"}), InvalidAttributeValue)
	wantCode(t, f.svc.SetQueueAttributes(f.ctx, "q", map[string]string{"FifoQueue": "true"}), InvalidAttributeName)
	wantCode(t, f.svc.SetQueueAttributes(f.ctx, "q", map[string]string{"ApproximateNumberOfMessages": "1"}), InvalidAttributeName)
	wantCode(t, f.svc.SetQueueAttributes(f.ctx, "none", map[string]string{"VisibilityTimeout": "1"}), QueueDoesNotExist)
	// A failed set changes nothing.
	a, _ = f.svc.GetQueueAttributes("q", []string{"VisibilityTimeout"})
	if a["VisibilityTimeout"] != "5" {
		t.Fatalf("failed set changed VisibilityTimeout to %s", a["VisibilityTimeout"])
	}
	// The new timeout applies to the next receive.
	f.send("q", "m")
	f.receiveN("q", 1)
	f.advance(5 * 1e9)
	if got := f.receiveN("q", 1); len(got) != 1 {
		t.Fatal("VisibilityTimeout 5 not applied")
	}
}

func TestSendValidation(t *testing.T) {
	f := newFixture(t)
	f.create("q", map[string]string{"MaximumMessageSize": "1024"})
	f.createFIFO("q.fifo", nil)
	f.createFIFO("cbd.fifo", map[string]string{"ContentBasedDeduplication": "true"})
	str := func(v string) MessageAttribute { return MessageAttribute{DataType: "String", StringValue: v} }
	many := map[string]MessageAttribute{}
	for i := range 11 {
		many["a"+strconv.Itoa(i)] = str("v")
	}
	cases := []struct {
		name  string
		queue string
		in    SendInput
		code  Code
	}{
		{"missing body", "q", SendInput{}, MissingParameter},
		{"bell", "q", SendInput{Body: "ding\x07"}, InvalidMessageContents},
		{"nul", "q", SendInput{Body: "\x00"}, InvalidMessageContents},
		{"surrogate-free but FFFE", "q", SendInput{Body: "\uFFFE"}, InvalidMessageContents},
		{"invalid UTF-8", "q", SendInput{Body: "\xff"}, InvalidMessageContents},
		{"over MaximumMessageSize", "q", SendInput{Body: strings.Repeat("x", 1025)}, InvalidParameterValue},
		{"attributes push over the size", "q", SendInput{Body: strings.Repeat("x", 1020), MessageAttributes: map[string]MessageAttribute{"k": str("v")}}, InvalidParameterValue},
		{"delay 901", "q", SendInput{Body: "x", DelaySeconds: intp(901)}, InvalidParameterValue},
		{"delay -1", "q", SendInput{Body: "x", DelaySeconds: intp(-1)}, InvalidParameterValue},
		{"11 attributes", "q", SendInput{Body: "x", MessageAttributes: many}, InvalidParameterValue},
		{"attribute name AWS.", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"AWS.x": str("v")}}, InvalidParameterValue},
		{"attribute name amazon.", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"amazon.x": str("v")}}, InvalidParameterValue},
		{"attribute name leading dot", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{".x": str("v")}}, InvalidParameterValue},
		{"attribute name double dot", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a..b": str("v")}}, InvalidParameterValue},
		{"attribute name space", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a b": str("v")}}, InvalidParameterValue},
		{"attribute name 257", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{strings.Repeat("n", 257): str("v")}}, InvalidParameterValue},
		{"attribute without type", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": {StringValue: "v"}}}, InvalidParameterValue},
		{"attribute type", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": {DataType: "Text", StringValue: "v"}}}, InvalidParameterValue},
		{"attribute empty label", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": {DataType: "String.", StringValue: "v"}}}, InvalidParameterValue},
		{"attribute empty string", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": str("")}}, InvalidParameterValue},
		{"attribute empty binary", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": {DataType: "Binary"}}}, InvalidParameterValue},
		{"attribute bad number", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": {DataType: "Number", StringValue: "12a"}}}, InvalidParameterValue},
		{"attribute huge number", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": {DataType: "Number", StringValue: "1e127"}}}, InvalidParameterValue},
		{"attribute 39 digits", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": {DataType: "Number", StringValue: strings.Repeat("9", 39)}}}, InvalidParameterValue},
		{"attribute bad chars", "q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{"a": str("\x01")}}, InvalidParameterValue},
		{"system attribute other than trace", "q", SendInput{Body: "x", MessageSystemAttributes: map[string]MessageAttribute{"Foo": str("v")}}, InvalidParameterValue},
		{"trace header binary", "q", SendInput{Body: "x", MessageSystemAttributes: map[string]MessageAttribute{"AWSTraceHeader": {DataType: "Binary", BinaryValue: []byte{1}}}}, InvalidParameterValue},
		{"dedup id on standard", "q", SendInput{Body: "x", MessageDeduplicationID: "d"}, InvalidParameterValue},
		{"group id too long on standard", "q", SendInput{Body: "x", MessageGroupID: strings.Repeat("g", 129)}, InvalidParameterValue},
		{"FIFO per-message delay", "q.fifo", SendInput{Body: "x", MessageGroupID: "g", MessageDeduplicationID: "d", DelaySeconds: intp(5)}, InvalidParameterValue},
		{"FIFO without group", "q.fifo", SendInput{Body: "x", MessageDeduplicationID: "d"}, MissingParameter},
		{"FIFO without dedup id", "q.fifo", SendInput{Body: "x", MessageGroupID: "g"}, InvalidParameterValue},
		{"FIFO group with space", "q.fifo", SendInput{Body: "x", MessageGroupID: "a b", MessageDeduplicationID: "d"}, InvalidParameterValue},
		{"FIFO dedup id 129", "q.fifo", SendInput{Body: "x", MessageGroupID: "g", MessageDeduplicationID: strings.Repeat("d", 129)}, InvalidParameterValue},
		{"no queue", "none", SendInput{Body: "x"}, QueueDoesNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.SendMessage(f.ctx, tc.queue, tc.in)
			wantCode(t, err, tc.code)
		})
	}
	if f.storedRows("q")+f.storedRows("q.fifo") != 0 {
		t.Fatal("a refused message was stored")
	}
	accepted := []struct {
		queue string
		in    SendInput
	}{
		{"q", SendInput{Body: strings.Repeat("x", 1024)}},
		{"q", SendInput{Body: "tab\tnl\ncr\r \u00e9 \U0001F600 \uE000 \uFFFD"}},
		{"q", SendInput{Body: "x", DelaySeconds: intp(900)}},
		{"q", SendInput{Body: "x", MessageAttributes: map[string]MessageAttribute{
			"attr.1øßä": str("v"), "n": {DataType: "Number.int", StringValue: "-1.5e10"}, "b": {DataType: "Binary.gz", BinaryValue: []byte{0}},
		}}},
		{"q", SendInput{Body: "x", MessageGroupID: "fair-group"}},
		{"q", SendInput{Body: "x", MessageSystemAttributes: map[string]MessageAttribute{"AWSTraceHeader": str("Root=1-5759e988-bd862e3fe1be46a994272793")}}},
		{"q.fifo", SendInput{Body: "x", MessageGroupID: "g!#$%", MessageDeduplicationID: "d~{}", DelaySeconds: intp(0)}},
		{"cbd.fifo", SendInput{Body: "x", MessageGroupID: "g"}},
	}
	for _, a := range accepted {
		if _, err := f.svc.SendMessage(f.ctx, a.queue, a.in); err != nil {
			t.Errorf("send %+v: %v", a.in, err)
		}
	}
}

func TestBatchValidation(t *testing.T) {
	f := newFixture(t)
	f.create("q", map[string]string{"MaximumMessageSize": "1024"})
	entries := func(n int) []SendBatchEntry {
		var out []SendBatchEntry
		for i := range n {
			out = append(out, SendBatchEntry{ID: "e" + strconv.Itoa(i), SendInput: SendInput{Body: "x"}})
		}
		return out
	}
	big := entries(2)
	big[0].Body, big[1].Body = strings.Repeat("x", 600_000), strings.Repeat("y", 600_000)
	cases := []struct {
		name    string
		entries []SendBatchEntry
		code    Code
	}{
		{"empty", nil, EmptyBatchRequest},
		{"eleven", entries(11), TooManyEntriesInBatchRequest},
		{"duplicate ids", []SendBatchEntry{{ID: "a", SendInput: SendInput{Body: "x"}}, {ID: "a", SendInput: SendInput{Body: "y"}}}, BatchEntryIdsNotDistinct},
		{"bad id", []SendBatchEntry{{ID: "a.b", SendInput: SendInput{Body: "x"}}}, InvalidBatchEntryID},
		{"empty id", []SendBatchEntry{{ID: "", SendInput: SendInput{Body: "x"}}}, InvalidBatchEntryID},
		{"id 81", []SendBatchEntry{{ID: strings.Repeat("i", 81), SendInput: SendInput{Body: "x"}}}, InvalidBatchEntryID},
		{"over 1 MiB", big, BatchRequestTooLong},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.SendMessageBatch(f.ctx, "q", tc.entries)
			wantCode(t, err, tc.code)
		})
	}
	// Per-entry failures: the others are sent.
	res, err := f.svc.SendMessageBatch(f.ctx, "q", []SendBatchEntry{
		{ID: "ok", SendInput: SendInput{Body: "fine"}},
		{ID: "bad", SendInput: SendInput{Body: "\x00"}},
		{ID: "big", SendInput: SendInput{Body: strings.Repeat("z", 1025)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].ID != "ok" || res[0].Err != nil || res[0].Result.MessageID == "" {
		t.Fatalf("entry ok: %+v", res[0])
	}
	if res[1].Err == nil || res[1].Err.Code != InvalidMessageContents || !res[1].SenderFault {
		t.Fatalf("entry bad: %+v", res[1])
	}
	if res[2].Err == nil || res[2].Err.Code != InvalidParameterValue {
		t.Fatalf("entry big: %+v", res[2])
	}
	if n := f.storedRows("q"); n != 1 {
		t.Fatalf("%d rows stored, want 1", n)
	}
	// The same request-wide checks hold for delete and visibility batches.
	_, err = f.svc.DeleteMessageBatch(f.ctx, "q", nil)
	wantCode(t, err, EmptyBatchRequest)
	_, err = f.svc.ChangeMessageVisibilityBatch(f.ctx, "q", []VisibilityBatchEntry{{ID: "a"}, {ID: "a"}})
	wantCode(t, err, BatchEntryIdsNotDistinct)
	_, err = f.svc.DeleteMessageBatch(f.ctx, "q", make([]DeleteBatchEntry, 11))
	wantCode(t, err, TooManyEntriesInBatchRequest)
}

func TestReceiveValidation(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	cases := []struct {
		name string
		in   ReceiveInput
		code Code
	}{
		{"eleven", ReceiveInput{MaxNumberOfMessages: 11}, InvalidParameterValue},
		{"negative", ReceiveInput{MaxNumberOfMessages: -1}, InvalidParameterValue},
		{"wait 21", ReceiveInput{WaitTimeSeconds: intp(21)}, InvalidParameterValue},
		{"wait -1", ReceiveInput{WaitTimeSeconds: intp(-1)}, InvalidParameterValue},
		{"visibility 43201", ReceiveInput{VisibilityTimeout: intp(43201)}, InvalidParameterValue},
		{"visibility -1", ReceiveInput{VisibilityTimeout: intp(-1)}, InvalidParameterValue},
		{"unknown attribute", ReceiveInput{AttributeNames: []string{"Colour"}}, InvalidAttributeName},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.ReceiveMessage(f.ctx, "q", tc.in)
			wantCode(t, err, tc.code)
		})
	}
	_, err := f.svc.ReceiveMessage(f.ctx, "none", ReceiveInput{})
	wantCode(t, err, QueueDoesNotExist)
}

func TestTagLimits(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	tags := map[string]string{}
	for i := range 50 {
		tags["k"+strconv.Itoa(i)] = "v"
	}
	if err := f.svc.TagQueue(f.ctx, "q", tags); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.TagQueue(f.ctx, "q", map[string]string{"one-more": "v"}), InvalidParameterValue)
	wantCode(t, f.svc.TagQueue(f.ctx, "q", map[string]string{"": "v"}), InvalidParameterValue)
	wantCode(t, f.svc.TagQueue(f.ctx, "q", map[string]string{"k0": strings.Repeat("v", 257)}), InvalidParameterValue)
	if err := f.svc.UntagQueue(f.ctx, "q", []string{"k0", "k1"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.ListQueueTags("q")
	if len(got) != 48 || got["k2"] != "v" {
		t.Fatalf("tags %v", got)
	}
	wantCode(t, f.svc.CreateQueue(f.ctx, "t", nil, map[string]string{"aws:x": "v"}), InvalidParameterValue)
}
