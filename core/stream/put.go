package stream

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// PutRecord appends one record and says where it went.
func (s *Service) PutRecord(ctx context.Context, name string, in PutInput) (PutResult, error) {
	res, err := s.put(ctx, name, []PutInput{in}, false)
	if err != nil {
		return PutResult{}, err
	}
	if res[0].ErrorCode != "" {
		return PutResult{}, &Error{Code: res[0].ErrorCode, Message: res[0].ErrorMessage}
	}
	return res[0], nil
}

// PutRecords appends up to 500 records. Records refused by the throughput
// emulation come back with an ErrorCode; the others are stored.
func (s *Service) PutRecords(ctx context.Context, name string, in []PutInput) ([]PutResult, error) {
	if len(in) == 0 {
		return nil, errorf(Validation, "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(in) > MaxPutRecords {
		return nil, errorf(Validation, "1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPutRecords)
	}
	return s.put(ctx, name, in, true)
}

// checkRecord validates one record against the stream's limits and returns
// its hash key.
func checkRecord(r PutInput, maxBytes int) (HashKey, *Error) {
	if n := utf8.RuneCountInString(r.PartitionKey); n < 1 || n > 256 {
		return HashKey{}, errorf(Validation, "1 validation error detected: Value at 'partitionKey' failed to satisfy constraint: Member must have length between 1 and 256")
	}
	if len(r.Data)+len(r.PartitionKey) > maxBytes {
		return HashKey{}, errorf(InvalidArgument, "Record size (%d bytes of data and partition key) exceeds the stream's maximum record size of %d bytes.", len(r.Data)+len(r.PartitionKey), maxBytes)
	}
	if r.OrderAfter != "" && !validSeqSyntax(r.OrderAfter) {
		return HashKey{}, errorf(InvalidArgument, "SequenceNumberForOrdering %s is not a valid sequence number.", r.OrderAfter)
	}
	if r.ExplicitHashKey != "" {
		k, ok := ParseHashKey(r.ExplicitHashKey)
		if !ok {
			return HashKey{}, errorf(InvalidArgument, "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", r.ExplicitHashKey)
		}
		return k, nil
	}
	return PartitionHash(r.PartitionKey), nil
}

// dataPlane returns st if it exists and takes reads and writes.
func (s *Service) dataPlane(name string) (*stream, int, error) {
	st, err := s.lookup(name)
	if err != nil {
		return nil, 0, err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	if st.status != StatusActive && st.status != StatusUpdating {
		return nil, 0, errorf(ResourceInUse, "Stream %s under account %s is %s and does not take reads or writes yet.", name, s.cfg.Account, st.status)
	}
	return st, st.maxRecordKB << 10, nil
}

// landed is where the records of one shard went in one write.
type landed struct {
	seq     uint64
	arrived int64
}

func (s *Service) put(ctx context.Context, name string, in []PutInput, batch bool) ([]PutResult, error) {
	st, maxBytes, err := s.dataPlane(name)
	if err != nil {
		return nil, err
	}
	keys := make([]HashKey, len(in))
	total := 0
	for i, r := range in {
		k, e := checkRecord(r, maxBytes)
		if e != nil {
			return nil, e
		}
		keys[i] = k
		total += len(r.Data) + len(r.PartitionKey)
	}
	if batch && total > MaxPutRecordsBytes {
		return nil, errorf(InvalidArgument, "Records size exceeds 5 MB limit (%d bytes).", total)
	}
	res := make([]PutResult, len(in))
	last := map[*shard]landed{}
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		clear(last)
		return s.appendRecords(tx, st, in, keys, res, last)
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, internal(err)
	}
	stored, bytes := 0, 0
	for sh, l := range last {
		storeMax(&sh.latest, l.seq, &sh.lastArrival, l.arrived)
		sh.wake()
	}
	for i, r := range res {
		if r.ErrorCode == "" {
			stored++
			bytes += len(in[i].Data) + len(in[i].PartitionKey)
		}
	}
	addCounter(st.met.records, stored)
	addCounter(st.met.bytes, bytes)
	s.publishCount(event.MessageSent, event.Debug, name, fmt.Sprintf("%d records put into %s", stored, name), stored)
	return res, nil
}

// appendRecords routes and inserts the records on the writer goroutine,
// where sequence numbers are handed out in commit order.
func (s *Service) appendRecords(tx *store.Tx, st *stream, in []PutInput, keys []HashKey, res []PutResult, last map[*shard]landed) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if st.deleted {
		return errorf(ResourceNotFound, "Stream %s under account %s not found.", st.name, s.cfg.Account)
	}
	now := s.clock.Now().UnixMilli()
	for i, r := range in {
		sh := st.route(keys[i])
		if sh == nil {
			return fmt.Errorf("stream %s: no open shard for hash key %s", st.name, keys[i])
		}
		if sh.limits != nil && !sh.limits.write(now, len(r.Data)+len(r.PartitionKey)) {
			res[i] = PutResult{ErrorCode: ThroughputExceeded,
				ErrorMessage: fmt.Sprintf("Rate exceeded for shard %s in stream %s under account %s.", sh.id, st.name, s.cfg.Account)}
			continue
		}
		arrived := max(now, sh.wArrival)
		seq := s.seq.Add(1)
		if _, err := tx.Exec(`INSERT INTO stream_records(seq, shard_id, arrived, partition_key, data) VALUES (?, ?, ?, ?, ?)`,
			int64(seq), sh.dbID, arrived, r.PartitionKey, r.Data); err != nil {
			return err
		}
		sh.wArrival = arrived
		last[sh] = landed{seq, arrived}
		res[i] = PutResult{ShardID: sh.id, SequenceNumber: formatSeq(seq)}
	}
	return nil
}
