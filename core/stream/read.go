package stream

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// GetShardIterator returns an iterator positioned as asked.
func (s *Service) GetShardIterator(ctx context.Context, in IteratorInput) (string, error) {
	st, _, err := s.dataPlane(in.Stream)
	if err != nil {
		return "", err
	}
	st.mu.RLock()
	sh := st.shardByID(in.ShardID)
	st.mu.RUnlock()
	if sh == nil {
		return "", errorf(ResourceNotFound, "Shard %s in stream %s under account %s does not exist", in.ShardID, in.Stream, s.cfg.Account)
	}
	st.mu.RLock()
	endSeq := sh.endSeq
	st.mu.RUnlock()
	latest := sh.latest.Load()
	tip := max(latest+1, sh.startSeq)
	if endSeq != 0 {
		tip = endSeq + 1
	}
	var next uint64
	switch in.Type {
	case TrimHorizon:
		next = sh.startSeq
	case Latest:
		next = tip
	case AtSequenceNumber, AfterSequenceNumber:
		n, e := s.checkStartSeq(in, sh, endSeq)
		if e != nil {
			return "", e
		}
		next = n
		if in.Type == AfterSequenceNumber {
			next++
		}
	case AtTimestamp:
		if in.At.IsZero() {
			return "", errorf(InvalidArgument, "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		next, err = s.seqAtTime(ctx, sh, in.At, tip)
		if err != nil {
			return "", internal(err)
		}
	case "":
		return "", errorf(Validation, "1 validation error detected: Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null")
	default:
		return "", errorf(Validation, "1 validation error detected: Value '%s' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, LATEST]", in.Type)
	}
	return encodeIterator(s.key, position{streamID: st.id, shardDB: sh.dbID, next: next, issued: s.clock.Now()}), nil
}

// checkStartSeq validates StartingSequenceNumber against the shard.
func (s *Service) checkStartSeq(in IteratorInput, sh *shard, endSeq uint64) (uint64, *Error) {
	if in.Sequence == "" {
		return 0, errorf(InvalidArgument, "Must specify StartingSequenceNumber for iterator of type %s.", in.Type)
	}
	if !validSeqSyntax(in.Sequence) {
		return 0, errorf(Validation, "1 validation error detected: Value '%s' at 'startingSequenceNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})", in.Sequence)
	}
	n, ok := parseSeq(in.Sequence)
	low := sh.startSeq
	if in.Type == AfterSequenceNumber {
		low-- // "after the one before the first": the ContinuationSequenceNumber of an empty shard
	}
	if !ok || n < low || (endSeq != 0 && n > endSeq) {
		return 0, errorf(InvalidArgument, "StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid because it did not come from this stream.",
			in.Sequence, sh.id, in.Stream, s.cfg.Account)
	}
	return n, nil
}

// seqAtTime returns the first sequence counter of sh that arrived at or
// after t, or tip when none has.
func (s *Service) seqAtTime(ctx context.Context, sh *shard, t time.Time, tip uint64) (uint64, error) {
	var seq int64
	err := s.st.DB().QueryRowContext(ctx, `SELECT seq FROM stream_records INDEXED BY stream_records_arrival
		WHERE shard_id = ? AND arrived >= ? ORDER BY arrived, seq LIMIT 1`, sh.dbID, t.UnixMilli()).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return tip, nil
	}
	return uint64(seq), err
}

// resolve checks an iterator and finds its stream and shard.
func (s *Service) resolve(it string) (position, *stream, *shard, error) {
	p, ok := decodeIterator(s.key, it)
	if !ok {
		return p, nil, nil, errorf(InvalidArgument, "Invalid ShardIterator.")
	}
	now := s.clock.Now()
	if now.Sub(p.issued) > IteratorTTL {
		return p, nil, nil, errorf(ExpiredIterator, "Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			p.issued.UTC().Format(time.RFC1123), now.UTC().Format(time.RFC1123), IteratorTTL.Milliseconds())
	}
	s.mu.RLock()
	st := s.byID[p.streamID]
	s.mu.RUnlock()
	if st == nil {
		return p, nil, nil, errorf(ResourceNotFound, "The stream this shard iterator belongs to no longer exists.")
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	for _, sh := range st.shards {
		if sh.dbID == p.shardDB {
			return p, st, sh, nil
		}
	}
	return p, nil, nil, errorf(ResourceNotFound, "The shard this iterator belongs to no longer exists in stream %s.", st.name)
}

// GetRecords reads from where the iterator points: at most limit records
// (0 means 10,000) and 10 MiB.
func (s *Service) GetRecords(ctx context.Context, iterator string, limit int) (GetResult, error) {
	return s.getRecords(ctx, iterator, limit, true)
}

// getRecords is GetRecords; throttled says whether the shard's emulated
// read throughput applies (enhanced fan-out has its own).
func (s *Service) getRecords(ctx context.Context, iterator string, limit int, throttled bool) (GetResult, error) {
	if limit == 0 {
		limit = MaxGetRecords
	}
	if limit < 1 || limit > MaxGetRecords {
		return GetResult{}, errorf(Validation, "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000", limit)
	}
	p, st, sh, err := s.resolve(iterator)
	if err != nil {
		return GetResult{}, err
	}
	now := s.clock.Now()
	if throttled && sh.limits != nil && !sh.limits.readCall(now.UnixMilli()) {
		return GetResult{}, errorf(ThroughputExceeded, "Rate exceeded for shard %s in stream %s under account %s.", sh.id, st.name, s.cfg.Account)
	}
	st.mu.RLock()
	endSeq, retention := sh.endSeq, st.retention
	st.mu.RUnlock()
	cutoff := now.Add(-time.Duration(retention) * time.Hour).UnixMilli()
	out, hasMore, nextArrival, err := s.readRange(ctx, sh, p.next, cutoff, limit)
	if err != nil {
		return GetResult{}, internal(err)
	}
	next := p.next
	size := 0
	for _, r := range out.Records {
		size += len(r.Data)
	}
	if n := len(out.Records); n > 0 {
		last, _ := parseSeq(out.Records[n-1].SequenceNumber)
		next = last + 1
	}
	if throttled && sh.limits != nil {
		sh.limits.read(size)
	}
	if hasMore {
		out.MillisBehindLatest = max(0, now.UnixMilli()-nextArrival)
	}
	if endSeq != 0 && !hasMore {
		st.mu.RLock()
		out.ChildShards = st.children(sh)
		st.mu.RUnlock()
	} else {
		out.NextIterator = encodeIterator(s.key, position{streamID: st.id, shardDB: sh.dbID, next: next, issued: now})
	}
	st.iteratorAge.Store(out.MillisBehindLatest)
	sh.iteratorAge.Store(out.MillisBehindLatest)
	addCounter(st.met.outgoing, len(out.Records))
	return out, nil
}

// readRange reads records of sh from sequence next on, newer than cutoff,
// through the (shard, seq) index. hasMore says a record was left unread;
// nextArrival is its arrival.
func (s *Service) readRange(ctx context.Context, sh *shard, next uint64, cutoff int64, limit int) (GetResult, bool, int64, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT seq, arrived, partition_key, data FROM stream_records INDEXED BY stream_records_shard
		WHERE shard_id = ? AND seq >= ? AND arrived >= ? ORDER BY seq LIMIT ?`, sh.dbID, int64(next), cutoff, limit+1)
	if err != nil {
		return GetResult{}, false, 0, err
	}
	defer rows.Close()
	var out GetResult
	bytes := 0
	for rows.Next() {
		var seq, arrived int64
		var r Record
		if err := rows.Scan(&seq, &arrived, &r.PartitionKey, &r.Data); err != nil {
			return GetResult{}, false, 0, err
		}
		if len(out.Records) == limit || (len(out.Records) > 0 && bytes+len(r.Data) > MaxGetRecordsBytes) {
			return out, true, arrived, nil
		}
		bytes += len(r.Data)
		r.SequenceNumber = formatSeq(uint64(seq))
		r.Arrival = time.UnixMilli(arrived)
		out.Records = append(out.Records, r)
	}
	return out, false, 0, rows.Err()
}
