package wire

import (
	"context"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/stream"
)

// kinesisChaos applies a stream's chaos policy to PutRecord, PutRecords
// and GetRecords: throttling answers ProvisionedThroughputExceededException,
// failure InternalFailure, and a delay holds GetRecords before it reads.
func (k *kinesisServer) kinesisChaos(ctx context.Context, action string, p kparams) error {
	var name string
	switch action {
	case "PutRecord", "PutRecords":
		n, err := k.streamName(p)
		if err != nil {
			return nil // the action reports it
		}
		name = n
	case "GetRecords":
		it, err := p.str("ShardIterator")
		if err != nil {
			return nil
		}
		n, ok := k.streams.IteratorStream(it)
		if !ok {
			return nil
		}
		name = n
	default:
		return nil
	}
	rule := k.chaos.For(chaos.Stream, name)
	if rule == nil {
		return nil
	}
	d := rule.Decide()
	switch {
	case d.Throttle:
		return &stream.Error{Code: stream.ThroughputExceeded, Message: "Rate exceeded for stream " + name + " (Skyport chaos)."}
	case d.Fail:
		return &stream.Error{Code: stream.InternalFailure, Message: "Internal service failure (Skyport chaos on stream " + name + ")."}
	}
	if d.Delay > 0 && action == "GetRecords" {
		t := time.NewTimer(d.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
