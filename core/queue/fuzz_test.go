package queue

import (
	"maps"
	"testing"
)

// FuzzReceiptHandle: decoding never panics, accepts only what encode made
// (with this secret), and round-trips.
func FuzzReceiptHandle(f *testing.F) {
	c := newHandleCodec([]byte("fuzz-secret-fuzz-secret-fuzz-sec"))
	f.Add(c.encode(receipt{queueID: 1, msgID: 1, rc: 1, receivedAt: 1}))
	f.Add(c.encode(receipt{queueID: 1 << 40, msgID: 1 << 50, rc: 1<<32 - 1, receivedAt: 1 << 45}))
	f.Add("")
	f.Add("AQEBAeCw99ryMjx1mioezc9iGfFHjg")
	f.Add("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := c.decode(s)
		if err != nil {
			return
		}
		if again := c.encode(r); again != s {
			// Base64 without padding has one canonical form per byte
			// string only when the trailing bits are zero; decode of a
			// non-canonical form must still name the same receipt.
			r2, err := c.decode(again)
			if err != nil || r2 != r {
				t.Fatalf("re-encoding %+v: %q (%v)", r, again, err)
			}
		}
	})
}

// FuzzMessageAttributes: validation never panics, and an accepted set
// round-trips through the stored form with a stable digest.
func FuzzMessageAttributes(f *testing.F) {
	f.Add("color", "String", "red", []byte(nil), "n", "Number.int", "-1.5e3", []byte(nil))
	f.Add("b", "Binary", "", []byte{0, 1}, "AWS.x", "String", "v", []byte(nil))
	f.Add("a..b", "Text", "\x00", []byte(nil), ".x", "Number", "1e999", []byte(nil))
	f.Fuzz(func(t *testing.T, n1, t1, s1 string, b1 []byte, n2, t2, s2 string, b2 []byte) {
		attrs := map[string]MessageAttribute{
			n1: {DataType: t1, StringValue: s1, BinaryValue: b1},
			n2: {DataType: t2, StringValue: s2, BinaryValue: b2},
		}
		if _, err := validateMessageAttributes(attrs); err != nil {
			if err.Code != InvalidParameterValue || err.Message == "" {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		got, err := decodeAttrs(encodeAttrs(attrs))
		if err != nil {
			t.Fatal(err)
		}
		// The stored form keeps only the value of the attribute's type.
		want := maps.Clone(attrs)
		for k, a := range want {
			if baseType(a.DataType) == "Binary" {
				a.StringValue = ""
			} else {
				a.BinaryValue = nil
			}
			want[k] = a
		}
		if md5OfAttributes(got) != md5OfAttributes(want) {
			t.Fatalf("digest changed through storage: %+v vs %+v", got, want)
		}
	})
}

// FuzzQueueAttributes: attribute validation never panics and a value it
// accepts is accepted again when read back (as after a restart).
func FuzzQueueAttributes(f *testing.F) {
	f.Add("VisibilityTimeout", "30", false)
	f.Add("RedrivePolicy", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:d","maxReceiveCount":"5"}`, false)
	f.Add("RedriveAllowPolicy", `{"redrivePermission":"byQueue","sourceQueueArns":["a"]}`, false)
	f.Add("ContentBasedDeduplication", "TRUE", true)
	f.Add("DeduplicationScope", "messageGroup", true)
	f.Add("Policy", `{"Version":"2012-10-17"}`, false)
	f.Add("MaximumMessageSize", "1048577", false)
	f.Fuzz(func(t *testing.T, name, value string, fifo bool) {
		c := defaultConfig()
		resolve := func(string) (bool, *allowPolicy, bool) { return fifo, nil, true }
		if err := c.apply(map[string]string{name: value}, fifo, "arn:aws:sqs:us-east-1:000000000000:q", resolve); err != nil {
			if err.Message == "" {
				t.Fatal("error without a message")
			}
			return
		}
		reloaded := defaultConfig()
		if err := reloaded.apply(c.set, fifo, "arn:aws:sqs:us-east-1:000000000000:q", nil); err != nil {
			t.Fatalf("stored attributes %v refused on reload: %v", c.set, err)
		}
		if !maps.Equal(reloaded.values(fifo), c.values(fifo)) {
			t.Fatalf("reload changed values: %v vs %v", reloaded.values(fifo), c.values(fifo))
		}
	})
}
