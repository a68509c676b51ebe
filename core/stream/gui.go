package stream

import "context"

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
