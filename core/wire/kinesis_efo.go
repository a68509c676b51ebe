package wire

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/aws/smithy-go/eventstream"

	"github.com/skyport-dev/skyport/core/stream"
)

// Enhanced fan-out: consumer registration is plain JSON 1.1 / CBOR;
// SubscribeToShard answers with an event stream
// (application/vnd.amazon.eventstream): an initial-response message, then
// SubscribeToShardEvent messages as records are committed (or every few
// seconds when idle), for up to five minutes.

const subscribeToShard = "SubscribeToShard"

func init() {
	for name, a := range map[string]kinesisAction{
		"RegisterStreamConsumer":   (*kinesisServer).registerConsumer,
		"DescribeStreamConsumer":   (*kinesisServer).describeConsumer,
		"ListStreamConsumers":      (*kinesisServer).listConsumers,
		"DeregisterStreamConsumer": (*kinesisServer).deregisterConsumer,
	} {
		kinesisActions[name] = a
	}
}

func consumerJSON(c stream.Consumer, withStream bool) obj {
	o := obj{"ConsumerName": c.Name, "ConsumerARN": c.ARN, "ConsumerStatus": c.Status, "ConsumerCreationTimestamp": c.Created}
	if withStream {
		o["StreamARN"] = c.StreamARN
	}
	return o
}

func (k *kinesisServer) streamARNName(p kparams) (string, error) {
	arn, err := p.str("StreamARN")
	if err != nil {
		return "", err
	}
	if arn == "" {
		return "", kValidation("1 validation error detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null")
	}
	return k.streams.NameFromARN(arn)
}

func (k *kinesisServer) registerConsumer(r *kreq) (obj, error) {
	name, err := k.streamARNName(r.p)
	if err != nil {
		return nil, err
	}
	cname, err := r.p.str("ConsumerName")
	if err != nil {
		return nil, err
	}
	c, err := k.streams.RegisterConsumer(r.ctx, name, cname)
	if err != nil {
		return nil, err
	}
	return obj{"Consumer": consumerJSON(c, false)}, nil
}

// consumerRef reads ConsumerARN, or StreamARN and ConsumerName.
func (k *kinesisServer) consumerRef(p kparams) (arn, streamName, name string, err error) {
	if arn, err = p.str("ConsumerARN"); err != nil || arn != "" {
		return arn, "", "", err
	}
	if streamName, err = k.streamARNName(p); err != nil {
		return "", "", "", err
	}
	if name, err = p.str("ConsumerName"); err == nil && name == "" {
		err = kInvalid("Either ConsumerARN, or StreamARN and ConsumerName, must be provided.")
	}
	return "", streamName, name, err
}

func (k *kinesisServer) describeConsumer(r *kreq) (obj, error) {
	arn, sn, name, err := k.consumerRef(r.p)
	if err != nil {
		return nil, err
	}
	c, err := k.streams.DescribeConsumer(arn, sn, name)
	if err != nil {
		return nil, err
	}
	return obj{"ConsumerDescription": consumerJSON(c, true)}, nil
}

func (k *kinesisServer) deregisterConsumer(r *kreq) (obj, error) {
	arn, sn, name, err := k.consumerRef(r.p)
	if err != nil {
		return nil, err
	}
	return nil, k.streams.DeregisterConsumer(r.ctx, arn, sn, name)
}

func (k *kinesisServer) listConsumers(r *kreq) (obj, error) {
	name, err := k.streamARNName(r.p)
	if err != nil {
		return nil, err
	}
	max, err := bounded(r.p, "MaxResults", 1, 10000, 100)
	if err != nil {
		return nil, err
	}
	token, err := r.p.str("NextToken")
	if err != nil {
		return nil, err
	}
	after := ""
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(b) == 0 {
			return nil, kInvalid("Invalid NextToken.")
		}
		after = string(b)
	}
	all, err := k.streams.ListConsumers(name)
	if err != nil {
		return nil, err
	}
	list := []any{}
	out := obj{}
	last := ""
	for _, c := range all {
		if c.Name <= after {
			continue
		}
		if len(list) == max {
			out["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte(last))
			break
		}
		list = append(list, consumerJSON(c, false))
		last = c.Name
	}
	out["Consumers"] = list
	return out, nil
}

// subscribeStart reads StartingPosition.
func subscribeStart(p kparams) (stream.IteratorInput, error) {
	var in stream.IteratorInput
	sp, ok, err := p.object("StartingPosition")
	if err != nil {
		return in, err
	}
	if !ok {
		return in, kValidation("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null")
	}
	if in.Type, err = sp.str("Type"); err != nil {
		return in, err
	}
	if in.Sequence, err = sp.str("SequenceNumber"); err != nil {
		return in, err
	}
	in.At, _, err = sp.timestamp("Timestamp")
	return in, err
}

// subscribe serves SubscribeToShard: errors found before the stream starts
// are ordinary error responses; later ones are exception messages.
func (k *kinesisServer) subscribe(w http.ResponseWriter, req *http.Request, p kparams, useCBOR bool) {
	fail := func(err error) { writeKinesisError(w, useCBOR, kinesisWireError(err)) }
	arn, err := p.str("ConsumerARN")
	if err != nil {
		fail(err)
		return
	}
	shard, err := p.str("ShardId")
	if err != nil {
		fail(err)
		return
	}
	if arn == "" || shard == "" {
		fail(kValidation("1 validation error detected: ConsumerARN and ShardId must not be null"))
		return
	}
	start, err := subscribeStart(p)
	if err != nil {
		fail(err)
		return
	}
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	go func() {
		select {
		case <-k.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	sub, err := k.streams.Subscribe(ctx, arn, shard, start)
	if err != nil {
		fail(err)
		return
	}
	defer sub.Close()
	ct := kinesisJSONType
	encode := encodeKinesisJSON
	if useCBOR {
		ct, encode = kinesisCBORType, encodeKinesisCBOR
	}
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	enc := eventstream.NewEncoder()
	send := func(eventType string, payload []byte) error {
		var h eventstream.Headers
		h.Set(eventstream.MessageTypeHeader, eventstream.StringValue("event"))
		h.Set(eventstream.EventTypeHeader, eventstream.StringValue(eventType))
		h.Set(eventstream.ContentTypeHeader, eventstream.StringValue(ct))
		if err := enc.Encode(w, eventstream.Message{Headers: h, Payload: payload}); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	}
	if send("initial-response", encode(obj{})) != nil {
		return
	}
	for {
		ev, err := sub.Next(ctx)
		if errors.Is(err, stream.ErrSubscriptionEnded) || errors.Is(err, context.Canceled) {
			return
		}
		if err != nil {
			e := kinesisWireError(err)
			var h eventstream.Headers
			h.Set(eventstream.MessageTypeHeader, eventstream.StringValue("exception"))
			h.Set(eventstream.ExceptionTypeHeader, eventstream.StringValue(e.Code))
			h.Set(eventstream.ContentTypeHeader, eventstream.StringValue(ct))
			_ = enc.Encode(w, eventstream.Message{Headers: h, Payload: encode(obj{"message": e.Message})})
			return
		}
		if send("SubscribeToShardEvent", encode(subscribeEventJSON(ev))) != nil {
			return
		}
	}
}

func subscribeEventJSON(ev stream.SubscribeEvent) obj {
	recs := make([]any, len(ev.Records))
	for i, x := range ev.Records {
		recs[i] = obj{"SequenceNumber": x.SequenceNumber, "PartitionKey": x.PartitionKey, "Data": x.Data,
			"ApproximateArrivalTimestamp": x.Arrival, "EncryptionType": "NONE"}
	}
	out := obj{"Records": recs, "MillisBehindLatest": ev.MillisBehindLatest, "ContinuationSequenceNumber": optStr(ev.Continuation)}
	if ev.Continuation == "" {
		out["ChildShards"] = childShardsJSON(ev.ChildShards)
	}
	return out
}
