package wire

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/skyport-dev/skyport/core/stream"
)

var kinesisActions = map[string]kinesisAction{
	"CreateStream":                  (*kinesisServer).createStream,
	"DeleteStream":                  (*kinesisServer).deleteStream,
	"DescribeStream":                (*kinesisServer).describeStream,
	"DescribeStreamSummary":         (*kinesisServer).describeStreamSummary,
	"ListStreams":                   (*kinesisServer).listStreams,
	"ListShards":                    (*kinesisServer).listShards,
	"PutRecord":                     (*kinesisServer).putRecord,
	"PutRecords":                    (*kinesisServer).putRecords,
	"GetShardIterator":              (*kinesisServer).getShardIterator,
	"GetRecords":                    (*kinesisServer).getRecords,
	"IncreaseStreamRetentionPeriod": (*kinesisServer).increaseRetention,
	"DecreaseStreamRetentionPeriod": (*kinesisServer).decreaseRetention,
	"UpdateShardCount":              (*kinesisServer).updateShardCount,
	"SplitShard":                    (*kinesisServer).splitShard,
	"MergeShards":                   (*kinesisServer).mergeShards,
	"UpdateStreamMode":              (*kinesisServer).updateStreamMode,
	"UpdateMaxRecordSize":           (*kinesisServer).updateMaxRecordSize,
	"AddTagsToStream":               (*kinesisServer).addTags,
	"RemoveTagsFromStream":          (*kinesisServer).removeTags,
	"ListTagsForStream":             (*kinesisServer).listTagsForStream,
	"TagResource":                   (*kinesisServer).tagResource,
	"UntagResource":                 (*kinesisServer).untagResource,
	"ListTagsForResource":           (*kinesisServer).listTagsForResource,
	"DescribeLimits":                (*kinesisServer).describeLimits,
}

func kInvalid(format string, a ...any) error {
	return &stream.Error{Code: stream.InvalidArgument, Message: fmt.Sprintf(format, a...)}
}

func kValidation(format string, a ...any) error {
	return &stream.Error{Code: stream.Validation, Message: fmt.Sprintf(format, a...)}
}

// streamName reads StreamName or StreamARN.
func (k *kinesisServer) streamName(p kparams) (string, error) {
	name, err := p.str("StreamName")
	if err != nil {
		return "", err
	}
	arn, err := p.str("StreamARN")
	if err != nil {
		return "", err
	}
	if arn != "" {
		fromARN, err := k.streams.NameFromARN(arn)
		if err != nil {
			return "", err
		}
		if name != "" && name != fromARN {
			return "", kInvalid("StreamName %s and StreamARN %s name different streams.", name, arn)
		}
		return fromARN, nil
	}
	if name == "" {
		return "", kInvalid("Either StreamName or StreamARN must be provided.")
	}
	return name, nil
}

// existing is streamName for a stream that must exist.
func (k *kinesisServer) existing(p kparams) (string, error) {
	name, err := k.streamName(p)
	if err != nil {
		return "", err
	}
	if !k.streams.Exists(name) {
		return "", &stream.Error{Code: stream.ResourceNotFound, Message: "Stream " + name + " under account not found."}
	}
	return name, nil
}

// bounded reads an optional integer member within [lo, hi], def when absent.
func bounded(p kparams, name string, lo, hi, def int) (int, error) {
	n, ok, err := p.smallInt(name)
	if err != nil {
		return 0, err
	}
	if !ok {
		return def, nil
	}
	if n < lo || n > hi {
		return 0, kValidation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value between %d and %d", n, lowerFirst(name), lo, hi)
	}
	return n, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func (k *kinesisServer) createStream(r *kreq) (obj, error) {
	name, err := r.p.str("StreamName")
	if err != nil {
		return nil, err
	}
	in := stream.CreateInput{Name: name, Mode: stream.ModeProvisioned}
	mode, ok, err := r.p.object("StreamModeDetails")
	if err != nil {
		return nil, err
	}
	if ok {
		if in.Mode, err = mode.str("StreamMode"); err != nil {
			return nil, err
		}
	}
	n, hasCount, err := r.p.smallInt("ShardCount")
	if err != nil {
		return nil, err
	}
	if hasCount && n < 1 {
		return nil, kValidation("1 validation error detected: Value '%d' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1", n)
	}
	if hasCount && in.Mode == stream.ModeOnDemand {
		return nil, kInvalid("ShardCount must not be given for an ON_DEMAND stream.")
	}
	in.ShardCount = n
	if in.MaxRecordKB, _, err = r.p.smallInt("MaxRecordSizeInKiB"); err != nil {
		return nil, err
	}
	if in.Tags, err = r.p.strMap("Tags"); err != nil {
		return nil, err
	}
	return nil, k.streams.Create(r.ctx, in)
}

func (k *kinesisServer) deleteStream(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	return nil, k.streams.Delete(r.ctx, name)
}

func shardJSON(s stream.ShardInfo) obj {
	o := obj{
		"ShardId":      s.ID,
		"HashKeyRange": rangeJSON(s.Range),
		"SequenceNumberRange": obj{
			"StartingSequenceNumber": s.StartSeq,
			"EndingSequenceNumber":   optStr(s.EndSeq),
		},
		"ParentShardId":         optStr(s.Parent),
		"AdjacentParentShardId": optStr(s.AdjacentParent),
	}
	return o
}

func rangeJSON(r stream.HashRange) obj {
	return obj{"StartingHashKey": r.Start.String(), "EndingHashKey": r.End.String()}
}

// optStr is s, or nil (left out) when empty.
func optStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func modeJSON(mode string) obj { return obj{"StreamMode": mode} }

func (k *kinesisServer) describeStream(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	limit, err := bounded(r.p, "Limit", 1, 10000, 100)
	if err != nil {
		return nil, err
	}
	after, err := r.p.str("ExclusiveStartShardId")
	if err != nil {
		return nil, err
	}
	d, err := k.streams.Describe(name)
	if err != nil {
		return nil, err
	}
	shards := []any{}
	more := false
	for _, s := range d.Shards {
		if after != "" && s.ID <= after {
			continue
		}
		if len(shards) == limit {
			more = true
			break
		}
		shards = append(shards, shardJSON(s))
	}
	return obj{"StreamDescription": obj{
		"StreamName": d.Name, "StreamARN": d.ARN, "StreamStatus": d.Status,
		"StreamModeDetails": modeJSON(d.Mode), "Shards": shards, "HasMoreShards": more,
		"RetentionPeriodHours": d.RetentionHours, "StreamCreationTimestamp": d.Created,
		"EnhancedMonitoring": []any{obj{"ShardLevelMetrics": []any{}}}, "EncryptionType": "NONE",
	}}, nil
}

func (k *kinesisServer) describeStreamSummary(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	d, err := k.streams.Describe(name)
	if err != nil {
		return nil, err
	}
	return obj{"StreamDescriptionSummary": obj{
		"StreamName": d.Name, "StreamARN": d.ARN, "StreamStatus": d.Status,
		"StreamModeDetails": modeJSON(d.Mode), "RetentionPeriodHours": d.RetentionHours,
		"StreamCreationTimestamp": d.Created, "OpenShardCount": d.OpenShards, "ConsumerCount": d.Consumers,
		"MaxRecordSizeInKiB": d.MaxRecordKB, "EnhancedMonitoring": []any{obj{"ShardLevelMetrics": []any{}}},
		"EncryptionType": "NONE",
	}}, nil
}

func (k *kinesisServer) listStreams(r *kreq) (obj, error) {
	limit, err := bounded(r.p, "Limit", 1, 10000, 100)
	if err != nil {
		return nil, err
	}
	after, err := r.p.str("ExclusiveStartStreamName")
	if err != nil {
		return nil, err
	}
	token, err := r.p.str("NextToken")
	if err != nil {
		return nil, err
	}
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || !strings.HasPrefix(string(b), "streams:") {
			return nil, kInvalid("Invalid NextToken.")
		}
		after = strings.TrimPrefix(string(b), "streams:")
	}
	names, summaries := []any{}, []any{}
	more := false
	last := ""
	for _, s := range k.streams.List() {
		if after != "" && s.Name <= after {
			continue
		}
		if len(names) == limit {
			more = true
			break
		}
		names = append(names, s.Name)
		summaries = append(summaries, obj{"StreamName": s.Name, "StreamARN": s.ARN, "StreamStatus": s.Status,
			"StreamModeDetails": modeJSON(s.Mode), "StreamCreationTimestamp": s.Created})
		last = s.Name
	}
	out := obj{"StreamNames": names, "StreamSummaries": summaries, "HasMoreStreams": more}
	if more {
		out["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte("streams:" + last))
	}
	return out, nil
}

func (k *kinesisServer) putRecord(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	in, err := putInput(r.p)
	if err != nil {
		return nil, err
	}
	if in.OrderAfter, err = r.p.str("SequenceNumberForOrdering"); err != nil {
		return nil, err
	}
	res, err := k.streams.PutRecord(r.ctx, name, in)
	if err != nil {
		return nil, err
	}
	return obj{"ShardId": res.ShardID, "SequenceNumber": res.SequenceNumber, "EncryptionType": "NONE"}, nil
}

// putInput reads Data, PartitionKey and ExplicitHashKey of one record.
func putInput(p kparams) (stream.PutInput, error) {
	var in stream.PutInput
	data, ok, err := p.blob("Data")
	if err != nil {
		return in, err
	}
	if !ok {
		return in, kValidation("1 validation error detected: Value null at 'data' failed to satisfy constraint: Member must not be null")
	}
	in.Data = data
	if in.PartitionKey, err = p.str("PartitionKey"); err != nil {
		return in, err
	}
	if !p.has("PartitionKey") {
		return in, kValidation("1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: Member must not be null")
	}
	in.ExplicitHashKey, err = p.str("ExplicitHashKey")
	return in, err
}

func (k *kinesisServer) putRecords(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	entries, err := r.p.objects("Records")
	if err != nil {
		return nil, err
	}
	in := make([]stream.PutInput, len(entries))
	for i, e := range entries {
		if in[i], err = putInput(e); err != nil {
			return nil, err
		}
	}
	res, err := k.streams.PutRecords(r.ctx, name, in)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(res))
	failed := 0
	for i, x := range res {
		if x.ErrorCode != "" {
			failed++
			out[i] = obj{"ErrorCode": string(x.ErrorCode), "ErrorMessage": x.ErrorMessage}
			continue
		}
		out[i] = obj{"ShardId": x.ShardID, "SequenceNumber": x.SequenceNumber}
	}
	return obj{"FailedRecordCount": failed, "Records": out, "EncryptionType": "NONE"}, nil
}

func (k *kinesisServer) getShardIterator(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	in := stream.IteratorInput{Stream: name}
	if in.ShardID, err = r.p.str("ShardId"); err != nil {
		return nil, err
	}
	if in.ShardID == "" {
		return nil, kValidation("1 validation error detected: Value null at 'shardId' failed to satisfy constraint: Member must not be null")
	}
	if in.Type, err = r.p.str("ShardIteratorType"); err != nil {
		return nil, err
	}
	if in.Sequence, err = r.p.str("StartingSequenceNumber"); err != nil {
		return nil, err
	}
	if in.At, _, err = r.p.timestamp("Timestamp"); err != nil {
		return nil, err
	}
	it, err := k.streams.GetShardIterator(r.ctx, in)
	if err != nil {
		return nil, err
	}
	return obj{"ShardIterator": it}, nil
}

func (k *kinesisServer) getRecords(r *kreq) (obj, error) {
	it, err := r.p.str("ShardIterator")
	if err != nil {
		return nil, err
	}
	if it == "" {
		return nil, kValidation("1 validation error detected: Value null at 'shardIterator' failed to satisfy constraint: Member must not be null")
	}
	limit, err := bounded(r.p, "Limit", 1, stream.MaxGetRecords, stream.MaxGetRecords)
	if err != nil {
		return nil, err
	}
	res, err := k.streams.GetRecords(r.ctx, it, limit)
	if err != nil {
		return nil, err
	}
	recs := make([]any, len(res.Records))
	for i, x := range res.Records {
		recs[i] = obj{"SequenceNumber": x.SequenceNumber, "PartitionKey": x.PartitionKey, "Data": x.Data,
			"ApproximateArrivalTimestamp": x.Arrival, "EncryptionType": "NONE"}
	}
	out := obj{"Records": recs, "MillisBehindLatest": res.MillisBehindLatest, "NextShardIterator": optStr(res.NextIterator)}
	if res.NextIterator == "" {
		out["ChildShards"] = childShardsJSON(res.ChildShards)
	}
	return out, nil
}

func childShardsJSON(cs []stream.ChildShard) []any {
	kids := []any{}
	for _, c := range cs {
		parents := make([]any, len(c.Parents))
		for i, p := range c.Parents {
			parents[i] = p
		}
		kids = append(kids, obj{"ShardId": c.ShardID, "ParentShards": parents, "HashKeyRange": rangeJSON(c.Range)})
	}
	return kids
}

func (k *kinesisServer) retention(r *kreq, increase bool) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	h, ok, err := r.p.smallInt("RetentionPeriodHours")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, kValidation("1 validation error detected: Value null at 'retentionPeriodHours' failed to satisfy constraint: Member must not be null")
	}
	if increase {
		return nil, k.streams.IncreaseRetention(r.ctx, name, h)
	}
	return nil, k.streams.DecreaseRetention(r.ctx, name, h)
}

func (k *kinesisServer) increaseRetention(r *kreq) (obj, error) { return k.retention(r, true) }
func (k *kinesisServer) decreaseRetention(r *kreq) (obj, error) { return k.retention(r, false) }

func (k *kinesisServer) updateShardCount(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	target, ok, err := r.p.smallInt("TargetShardCount")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, kValidation("1 validation error detected: Value null at 'targetShardCount' failed to satisfy constraint: Member must not be null")
	}
	if st, err := r.p.str("ScalingType"); err != nil {
		return nil, err
	} else if st != "UNIFORM_SCALING" {
		return nil, kValidation("1 validation error detected: Value '%s' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]", st)
	}
	cur, err := k.streams.UpdateShardCount(r.ctx, name, target)
	if err != nil {
		return nil, err
	}
	d, _ := k.streams.Describe(name)
	return obj{"StreamName": name, "StreamARN": d.ARN, "CurrentShardCount": cur, "TargetShardCount": target}, nil
}

func (k *kinesisServer) splitShard(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	shard, key, err := requiredPair(r.p, "ShardToSplit", "NewStartingHashKey")
	if err != nil {
		return nil, err
	}
	return nil, k.streams.SplitShard(r.ctx, name, shard, key)
}

func (k *kinesisServer) mergeShards(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	a, b, err := requiredPair(r.p, "ShardToMerge", "AdjacentShardToMerge")
	if err != nil {
		return nil, err
	}
	return nil, k.streams.MergeShards(r.ctx, name, a, b)
}

// requiredPair reads two string members that must both be present.
func requiredPair(p kparams, first, second string) (string, string, error) {
	a, err := p.str(first)
	if err != nil {
		return "", "", err
	}
	b, err := p.str(second)
	if err != nil {
		return "", "", err
	}
	if a == "" || b == "" {
		return "", "", kValidation("1 validation error detected: %s and %s must not be null", first, second)
	}
	return a, b, nil
}

func (k *kinesisServer) updateStreamMode(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	m, ok, err := r.p.object("StreamModeDetails")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, kValidation("1 validation error detected: Value null at 'streamModeDetails' failed to satisfy constraint: Member must not be null")
	}
	mode, err := m.str("StreamMode")
	if err != nil {
		return nil, err
	}
	return nil, k.streams.UpdateMode(r.ctx, name, mode)
}

func (k *kinesisServer) updateMaxRecordSize(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	n, ok, err := r.p.smallInt("MaxRecordSizeInKiB")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, kValidation("1 validation error detected: Value null at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must not be null")
	}
	return nil, k.streams.UpdateMaxRecordSize(r.ctx, name, n)
}

func (k *kinesisServer) addTags(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	tags, err := r.p.strMap("Tags")
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, kValidation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have at least 1 entry")
	}
	return nil, k.streams.AddTags(r.ctx, name, tags)
}

func (k *kinesisServer) removeTags(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	keys, err := r.p.strings("TagKeys")
	if err != nil {
		return nil, err
	}
	return nil, k.streams.RemoveTags(r.ctx, name, keys)
}

// tagList writes tags sorted by key after the exclusive start, at most limit.
func tagList(tags map[string]string, after string, limit int) ([]any, bool) {
	keys := make([]string, 0, len(tags))
	for key := range tags {
		if key > after {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	more := len(keys) > limit
	if more {
		keys = keys[:limit]
	}
	out := make([]any, len(keys))
	for i, key := range keys {
		out[i] = obj{"Key": key, "Value": tags[key]}
	}
	return out, more
}

func (k *kinesisServer) listTagsForStream(r *kreq) (obj, error) {
	name, err := k.streamName(r.p)
	if err != nil {
		return nil, err
	}
	limit, err := bounded(r.p, "Limit", 1, 50, 50)
	if err != nil {
		return nil, err
	}
	after, err := r.p.str("ExclusiveStartTagKey")
	if err != nil {
		return nil, err
	}
	tags, err := k.streams.Tags(name)
	if err != nil {
		return nil, err
	}
	list, more := tagList(tags, after, limit)
	return obj{"Tags": list, "HasMoreTags": more}, nil
}

// resourceStream reads ResourceARN as a stream.
func (k *kinesisServer) resourceStream(p kparams) (string, error) {
	arn, err := p.str("ResourceARN")
	if err != nil {
		return "", err
	}
	if arn == "" {
		return "", kValidation("1 validation error detected: Value null at 'resourceARN' failed to satisfy constraint: Member must not be null")
	}
	return k.streams.NameFromARN(arn)
}

func (k *kinesisServer) tagResource(r *kreq) (obj, error) {
	name, err := k.resourceStream(r.p)
	if err != nil {
		return nil, err
	}
	tags, err := r.p.strMap("Tags")
	if err != nil {
		return nil, err
	}
	return nil, k.streams.AddTags(r.ctx, name, tags)
}

func (k *kinesisServer) untagResource(r *kreq) (obj, error) {
	name, err := k.resourceStream(r.p)
	if err != nil {
		return nil, err
	}
	keys, err := r.p.strings("TagKeys")
	if err != nil {
		return nil, err
	}
	return nil, k.streams.RemoveTags(r.ctx, name, keys)
}

func (k *kinesisServer) listTagsForResource(r *kreq) (obj, error) {
	name, err := k.resourceStream(r.p)
	if err != nil {
		return nil, err
	}
	tags, err := k.streams.Tags(name)
	if err != nil {
		return nil, err
	}
	list, _ := tagList(tags, "", 50)
	return obj{"Tags": list}, nil
}

func (k *kinesisServer) describeLimits(r *kreq) (obj, error) {
	open, onDemand := 0, 0
	for _, s := range k.streams.List() {
		open += s.OpenShards
		if s.Mode == stream.ModeOnDemand {
			onDemand++
		}
	}
	return obj{"ShardLimit": k.streams.ShardLimit(), "OpenShardCount": open,
		"OnDemandStreamCount": onDemand, "OnDemandStreamCountLimit": 50}, nil
}

// listShards pages through a stream's shards (filters in kinesis_shards.go).
func (k *kinesisServer) listShards(r *kreq) (obj, error) {
	q, err := k.shardQuery(r.p)
	if err != nil {
		return nil, err
	}
	d, err := k.streams.Describe(q.stream)
	if err != nil {
		return nil, err
	}
	now := k.streams.Now()
	shards := []any{}
	last := ""
	more := false
	for _, s := range d.Shards {
		if q.after != "" && s.ID <= q.after {
			continue
		}
		if !q.keep(s, d, now) {
			continue
		}
		if len(shards) == q.max {
			more = true
			break
		}
		shards = append(shards, shardJSON(s))
		last = s.ID
	}
	out := obj{"Shards": shards}
	if more {
		out["NextToken"] = q.token(last)
	}
	return out, nil
}
