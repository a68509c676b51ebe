package queue

import (
	"strings"
	"testing"
)

// TestMD5OfMessageAttributes checks the digest against values published
// with other SQS implementations and tools, computed by AWS.
func TestMD5OfMessageAttributes(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]MessageAttribute
		want  string
	}{
		// LocalStack's unit test (the value AWS returns for this attribute).
		{"number timestamp", map[string]MessageAttribute{
			"timestamp": {DataType: "Number", StringValue: "1493147359900"},
		}, "235c5c510d26fb653d073faed50ae77c"},
		// The aws-md5-of-message-attributes package's documented examples.
		{"string", map[string]MessageAttribute{
			"attribName1": {DataType: "String", StringValue: "attribValue 1"},
		}, "19e27d4e946b072f3f58da80d94fd778"},
		{"custom number type", map[string]MessageAttribute{
			"customNumberTypeAttrib": {DataType: "Number.float", StringValue: "4563442423554324324264524243.32543234"},
		}, "9fe1b90bbd9965bdf77bac517c7d2495"},
		{"binary", map[string]MessageAttribute{
			"binaryAttribute": {DataType: "Binary", BinaryValue: []byte("Hello binary world!")},
		}, "31a92b15d92f8db860eda32aceb656c3"},
		{"three, sorted by name", map[string]MessageAttribute{
			"attribName1":            {DataType: "String", StringValue: "attribValue 1"},
			"customNumberTypeAttrib": {DataType: "Number.float", StringValue: "4563442423554324324264524243.32543234"},
			"binaryAttribute":        {DataType: "Binary", BinaryValue: []byte("Hello binary world!")},
		}, "c932db14a896c663f83c260297d594ff"},
		// sqslite's test, checked with the AWS SDK.
		{"number and string", map[string]MessageAttribute{
			"ordinal":  {DataType: "Number", StringValue: "1"},
			"category": {DataType: "String", StringValue: "test"},
		}, "d21ae90c49061e927f57df5f5d72be1f"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := md5OfAttributes(tc.attrs); got != tc.want {
				t.Fatalf("md5 %s, want %s", got, tc.want)
			}
		})
	}
	if md5OfAttributes(nil) != "" {
		t.Fatal("no attributes must give no digest")
	}
}

// TestMD5RoundTrip: what SendMessage acknowledges, ReceiveMessage returns.
func TestMD5RoundTrip(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	attrs := map[string]MessageAttribute{"timestamp": {DataType: "Number", StringValue: "1493147359900"}}
	res, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: "hello", MessageAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if res.MD5OfMessageBody != "5d41402abc4b2a76b9719d911017c592" || res.MD5OfMessageAttributes != "235c5c510d26fb653d073faed50ae77c" {
		t.Fatalf("send result %+v", res)
	}
	f.svc.cache.Clear() // the receive reads the message back from the store
	m := f.receiveN("q", 1)[0]
	if m.MD5OfBody != res.MD5OfMessageBody || m.MD5OfMessageAttributes != res.MD5OfMessageAttributes ||
		m.MessageAttributes["timestamp"].StringValue != "1493147359900" {
		t.Fatalf("received %+v", m)
	}
}

func TestReceiptHandles(t *testing.T) {
	c := newHandleCodec([]byte("0123456789abcdef0123456789abcdef"))
	r := receipt{queueID: 7, msgID: 123456789, rc: 3, receivedAt: 1748779200000}
	h := c.encode(r)
	got, err := c.decode(h)
	if err != nil || got != r {
		t.Fatalf("decode(encode) = %+v, %v", got, err)
	}
	other := newHandleCodec([]byte("another secret, another store..."))
	if _, err := other.decode(h); err == nil {
		t.Fatal("a handle from another store was accepted")
	}
	for _, bad := range []string{"", "x", h[:len(h)-1], h + "A", strings.Repeat("A", 200), "!!!!", h[:5] + "*" + h[6:]} {
		if _, err := c.decode(bad); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
}

func TestAttributeBlob(t *testing.T) {
	attrs := map[string]MessageAttribute{
		"s": {DataType: "String.x", StringValue: "v"},
		"n": {DataType: "Number", StringValue: "1"},
		"b": {DataType: "Binary", BinaryValue: []byte{0, 1, 2}},
	}
	got, err := decodeAttrs(encodeAttrs(attrs))
	if err != nil || len(got) != 3 || got["b"].BinaryValue[2] != 2 || got["s"].StringValue != "v" || got["s"].DataType != "String.x" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := decodeAttrs([]byte{1, 200}); err == nil {
		t.Fatal("damaged blob accepted")
	}
}
