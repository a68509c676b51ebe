package wire_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
)

// kinesisFuzzRouter is a router over an in-memory core holding stream
// "fuzz" (2 shards, one record) and the iterator of its first shard.
func kinesisFuzzRouter(f *testing.F) (http.Handler, string) {
	c, err := core.Open(core.Config{Memory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	r := wire.NewRouter(c, func() string { return "http://127.0.0.1:4566" })
	send := func(action, body string) []byte {
		req := httptest.NewRequest("POST", "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", "Kinesis_20131202."+action)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != 200 {
			f.Fatalf("%s: %d %s", action, w.Code, w.Body)
		}
		return w.Body.Bytes()
	}
	send("CreateStream", `{"StreamName":"fuzz","ShardCount":2}`)
	send("PutRecord", `{"StreamName":"fuzz","PartitionKey":"k","Data":"AAE="}`)
	var it struct{ ShardIterator string }
	_ = json.Unmarshal(send("GetShardIterator", `{"StreamName":"fuzz","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`), &it)
	return r, it.ShardIterator
}

// keepFixture swaps the actions that would remove the fixture.
func keepFixture(action string) string {
	switch action {
	case "DeleteStream":
		return "DescribeStream"
	case "RegisterStreamConsumer":
		// No consumer ever exists, so SubscribeToShard always fails before
		// its (up to five-minute) event stream starts.
		return "ListStreamConsumers"
	}
	return action
}

// FuzzKinesisJSON feeds arbitrary JSON bodies to every Kinesis action: the
// answer is a success or a JSON __type error with a 4xx status, never a
// panic or a 5xx.
func FuzzKinesisJSON(f *testing.F) {
	r, it := kinesisFuzzRouter(f)
	for _, seed := range []struct{ action, body string }{
		{"PutRecord", `{"StreamName":"fuzz","PartitionKey":"p","Data":"aGVsbG8=","ExplicitHashKey":"340282366920938463463374607431768211455"}`},
		{"PutRecords", `{"StreamName":"fuzz","Records":[{"PartitionKey":"a","Data":"AA=="},{"PartitionKey":"b","Data":"!!"}]}`},
		{"GetShardIterator", `{"StreamName":"fuzz","ShardId":"shardId-000000000001","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1.7e9}`},
		{"GetShardIterator", `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/fuzz","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"100000000000000000001"}`},
		{"GetRecords", `{"ShardIterator":"` + it + `","Limit":1}`},
		{"GetRecords", `{"ShardIterator":"` + it[:len(it)-2] + `xx"}`},
		{"ListShards", `{"StreamName":"fuzz","ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":0},"MaxResults":1}`},
		{"ListShards", `{"NextToken":"eyJzIjoiZnV6eiJ9"}`},
		{"SplitShard", `{"StreamName":"fuzz","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1"}`},
		{"MergeShards", `{"StreamName":"fuzz","ShardToMerge":"shardId-000000000000","AdjacentShardToMerge":"shardId-000000000001"}`},
		{"UpdateShardCount", `{"StreamName":"fuzz","TargetShardCount":3,"ScalingType":"UNIFORM_SCALING"}`},
		{"CreateStream", `{"StreamName":"x","StreamModeDetails":{"StreamMode":"ON_DEMAND"},"Tags":{"a":"b"}}`},
		{"AddTagsToStream", `{"StreamName":"fuzz","Tags":{"k":1}}`},
		{"DescribeStream", `{"StreamName":"fuzz","Limit":99999999999999999999}`},
		{"ListStreams", `{"NextToken":"%%%"}`},
		{"IncreaseStreamRetentionPeriod", `{"StreamName":"fuzz","RetentionPeriodHours":-1}`},
		{"SubscribeToShard", `{"ConsumerARN":"arn:aws:kinesis:us-east-1:000000000000:stream/fuzz/consumer/c:1","ShardId":"shardId-000000000000","StartingPosition":{"Type":"LATEST"}}`},
		{"ListStreamConsumers", `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/fuzz","NextToken":"@@"}`},
		{"Nope", `[]`},
	} {
		f.Add(seed.action, seed.body)
	}
	f.Fuzz(func(t *testing.T, action, body string) {
		req := httptest.NewRequest("POST", "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", "Kinesis_20131202."+keepFixture(action))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: status %d %s", action, body, w.Code, w.Body)
		}
		if w.Code != 200 {
			var e struct {
				Type string `json:"__type"`
			}
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Type == "" {
				t.Fatalf("%s %q: malformed error %d %s", action, body, w.Code, w.Body)
			}
		}
	})
}

// FuzzKinesisCBOR feeds arbitrary CBOR bodies to every Kinesis action.
func FuzzKinesisCBOR(f *testing.F) {
	r, it := kinesisFuzzRouter(f)
	seeds := []struct {
		action string
		body   cbor.Value
	}{
		{"PutRecord", cbor.Map{"StreamName": cbor.String("fuzz"), "PartitionKey": cbor.String("k"), "Data": cbor.Slice("x")}},
		{"PutRecords", cbor.Map{"StreamName": cbor.String("fuzz"), "Records": cbor.List{cbor.Map{"PartitionKey": cbor.String("k"), "Data": cbor.Slice("y")}}}},
		{"GetShardIterator", cbor.Map{"StreamName": cbor.String("fuzz"), "ShardId": cbor.String("shardId-000000000000"), "ShardIteratorType": cbor.String("AT_TIMESTAMP"), "Timestamp": &cbor.Tag{ID: 1, Value: cbor.NegInt(5)}}},
		{"GetRecords", cbor.Map{"ShardIterator": cbor.String(it), "Limit": cbor.Float64(2.5)}},
		{"ListShards", cbor.Map{"StreamName": cbor.String("fuzz"), "MaxResults": cbor.Uint(1 << 40)}},
		{"DescribeStream", cbor.List{cbor.String("x")}},
	}
	for _, s := range seeds {
		f.Add(s.action, cbor.Encode(s.body))
	}
	f.Add("PutRecord", []byte{0xbf, 0x61, 0x61}) // truncated indefinite map
	f.Fuzz(func(t *testing.T, action string, body []byte) {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "Kinesis_20131202."+keepFixture(action))
		req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %x: status %d", action, body, w.Code)
		}
		if w.Code != 200 {
			v, err := cbor.Decode(w.Body.Bytes())
			m, ok := v.(cbor.Map)
			if err != nil || !ok || m["__type"] == nil {
				t.Fatalf("%s %x: malformed error %d", action, body, w.Code)
			}
		}
	})
}
