package wire

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/skyport-dev/skyport/core/stream"
)

// shardQuery is one ListShards page request: from the parameters, or from
// the NextToken of the previous page (which carries them all).
type shardQuery struct {
	Stream  string `json:"s"`
	After   string `json:"a,omitempty"`
	Filter  string `json:"f,omitempty"`
	ShardID string `json:"i,omitempty"`
	At      int64  `json:"t,omitempty"` // filter timestamp, epoch ms
	Issued  int64  `json:"c"`           // token creation, epoch ms
	stream  string
	after   string
	max     int
	k       *kinesisServer
}

// nextTokenTTL is how long a ListShards NextToken stays valid.
const nextTokenTTL = 5 * time.Minute

func (k *kinesisServer) shardQuery(p kparams) (*shardQuery, error) {
	max, err := bounded(p, "MaxResults", 1, 10000, 1000)
	if err != nil {
		return nil, err
	}
	token, err := p.str("NextToken")
	if err != nil {
		return nil, err
	}
	if token != "" {
		if p.has("StreamName") || p.has("StreamARN") || p.has("ExclusiveStartShardId") || p.has("ShardFilter") {
			return nil, kInvalid("NextToken and StreamName or StreamARN, ExclusiveStartShardId or ShardFilter cannot be provided together.")
		}
		return k.decodeShardToken(token, max)
	}
	name, err := k.streamName(p)
	if err != nil {
		return nil, err
	}
	q := &shardQuery{Stream: name, stream: name, max: max, k: k}
	if q.After, err = p.str("ExclusiveStartShardId"); err != nil {
		return nil, err
	}
	q.after = q.After
	f, ok, err := p.object("ShardFilter")
	if err != nil || !ok {
		return q, err
	}
	if q.Filter, err = f.str("Type"); err != nil {
		return nil, err
	}
	if q.ShardID, err = f.str("ShardId"); err != nil {
		return nil, err
	}
	at, hasAt, err := f.timestamp("Timestamp")
	if err != nil {
		return nil, err
	}
	q.At = at.UnixMilli()
	switch q.Filter {
	case "AFTER_SHARD_ID":
		if q.ShardID == "" {
			return nil, kInvalid("ShardFilter type AFTER_SHARD_ID needs a ShardId.")
		}
	case "AT_TIMESTAMP", "FROM_TIMESTAMP":
		if !hasAt {
			return nil, kInvalid("ShardFilter type %s needs a Timestamp.", q.Filter)
		}
	case "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST":
	default:
		return nil, kValidation("1 validation error detected: Value '%s' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]", q.Filter)
	}
	return q, nil
}

func (k *kinesisServer) decodeShardToken(token string, max int) (*shardQuery, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	q := &shardQuery{}
	if err != nil || json.Unmarshal(b, q) != nil || q.Stream == "" {
		return nil, kInvalid("Invalid NextToken.")
	}
	if k.streams.Now().Sub(time.UnixMilli(q.Issued)) > nextTokenTTL {
		return nil, &stream.Error{Code: stream.ExpiredNextToken, Message: "The NextToken has expired; list the shards again."}
	}
	q.stream, q.after, q.max, q.k = q.Stream, q.After, max, k
	return q, nil
}

// token is the NextToken that continues after shard id last.
func (q *shardQuery) token(last string) string {
	t := *q
	t.After = last
	t.Issued = q.k.streams.Now().UnixMilli()
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// keep applies the ShardFilter to one shard.
func (q *shardQuery) keep(s stream.ShardInfo, d stream.Description, now time.Time) bool {
	horizon := now.Add(-time.Duration(d.RetentionHours) * time.Hour)
	openAt := func(t time.Time) bool {
		return !s.Created.After(t) && (s.Open() || s.Closed.After(t))
	}
	switch q.Filter {
	case "AFTER_SHARD_ID":
		return s.ID > q.ShardID
	case "AT_LATEST":
		return s.Open()
	case "AT_TRIM_HORIZON":
		// the shards open at the horizon, or the first generation when the stream is younger
		return openAt(horizon) || (d.Created.After(horizon) && s.Parent == "")
	case "FROM_TRIM_HORIZON":
		return s.Open() || s.Closed.After(horizon)
	case "AT_TIMESTAMP":
		at := time.UnixMilli(q.At)
		return openAt(at) || (d.Created.After(at) && s.Parent == "")
	case "FROM_TIMESTAMP":
		return s.Open() || s.Closed.After(time.UnixMilli(q.At))
	}
	return true
}
