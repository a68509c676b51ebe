package stream

import (
	"context"
	"time"
)

// This file is the Go API the GUI's shard view uses on top of the AWS
// actions: where a partition key lands and the latest records of a shard.

// Landing says where a partition key goes.
type Landing struct {
	ShardID string
	Hash    HashKey
	Range   HashRange
}

// ShardFor returns the open shard that a partition key (or an explicit
// hash key, when not empty) lands in.
func (s *Service) ShardFor(name, partitionKey, explicitHashKey string) (Landing, error) {
	st, err := s.lookup(name)
	if err != nil {
		return Landing{}, err
	}
	k := PartitionHash(partitionKey)
	if explicitHashKey != "" {
		var ok bool
		if k, ok = ParseHashKey(explicitHashKey); !ok {
			return Landing{}, errorf(InvalidArgument, "Invalid ExplicitHashKey %s.", explicitHashKey)
		}
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	sh := st.route(k)
	if sh == nil {
		return Landing{}, errorf(ResourceInUse, "Stream %s has no open shard.", name)
	}
	return Landing{ShardID: sh.id, Hash: k, Range: sh.rng}, nil
}

// Read returns up to limit records of a shard starting where an iterator
// of the given type would (TRIM_HORIZON, LATEST, AT_/AFTER_SEQUENCE_NUMBER
// with in.Sequence, AT_TIMESTAMP with in.At), for browsing without keeping
// an iterator.
func (s *Service) Read(ctx context.Context, in IteratorInput, limit int) (GetResult, error) {
	it, err := s.GetShardIterator(ctx, in)
	if err != nil {
		return GetResult{}, err
	}
	return s.GetRecords(ctx, it, limit)
}

// Recent returns the last n records of a shard (within retention), oldest
// first, read backwards through the shard's sequence index.
func (s *Service) Recent(ctx context.Context, name, shardID string, n int) ([]Record, error) {
	st, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	st.mu.RLock()
	sh := st.shardByID(shardID)
	retention := st.retention
	st.mu.RUnlock()
	if sh == nil {
		return nil, errorf(ResourceNotFound, "Shard %s in stream %s does not exist.", shardID, name)
	}
	if n < 1 || n > MaxGetRecords {
		return nil, errorf(InvalidArgument, "Ask for 1 to %d records.", MaxGetRecords)
	}
	cutoff := s.clock.Now().Add(-time.Duration(retention) * time.Hour).UnixMilli()
	rows, err := s.st.DB().QueryContext(ctx, `SELECT seq, arrived, partition_key, data FROM stream_records INDEXED BY stream_records_shard
		WHERE shard_id = ? AND arrived >= ? ORDER BY seq DESC LIMIT ?`, sh.dbID, cutoff, n)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var seq, arrived int64
		var r Record
		if err := rows.Scan(&seq, &arrived, &r.PartitionKey, &r.Data); err != nil {
			return nil, internal(err)
		}
		r.SequenceNumber = formatSeq(uint64(seq))
		r.Arrival = time.UnixMilli(arrived)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
