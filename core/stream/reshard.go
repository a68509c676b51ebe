package stream

import (
	"context"
	"fmt"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// A reshard closes some open shards and opens their children in one write
// on the writer goroutine, so no record lands in a parent after its end:
// the parents' EndingSequenceNumber is a counter value reserved for the
// purpose and every child starts right after it.

// childSpec is one shard to open.
type childSpec struct {
	rng              HashRange
	parent, adjacent string
}

// reshard replaces parents by children (caller holds adminMu and has
// checked that st is ACTIVE and the plan is valid).
func (s *Service) reshard(ctx context.Context, st *stream, parents []*shard, kids []childSpec) error {
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		end := s.seq.Add(1)
		now := s.clock.Now()
		for _, p := range parents {
			if _, err := tx.Exec(`UPDATE stream_shards SET end_seq = ?, closed_at = ? WHERE id = ?`, int64(end), now.UnixMilli(), p.dbID); err != nil {
				return err
			}
		}
		next := st.nextShard
		var made []*shard
		for _, k := range kids {
			sh, err := s.insertShard(tx, st, k.rng, k.parent, k.adjacent, end+1)
			if err != nil {
				st.nextShard = next
				return err
			}
			made = append(made, sh)
		}
		// The shard map changes here, under st.mu on the writer, so the
		// puts queued behind this write route to the children; if the
		// batch does not commit, the undo puts the old map back before
		// any other write runs.
		before := struct {
			ends   []uint64
			closed []time.Time
			shards int
			next   int
			status string
		}{shards: len(st.shards), next: next, status: st.status}
		for _, p := range parents {
			before.ends = append(before.ends, p.endSeq)
			before.closed = append(before.closed, p.closed)
			p.endSeq = end
			p.closed = now
		}
		st.shards = append(st.shards, made...)
		st.reindex()
		s.settle(st, StatusUpdating)
		tx.OnRollback(func() {
			st.mu.Lock()
			defer st.mu.Unlock()
			for i, p := range parents {
				p.endSeq, p.closed = before.ends[i], before.closed[i]
			}
			clear(st.shards[before.shards:])
			st.shards = st.shards[:before.shards]
			st.nextShard = before.next
			st.reindex()
			st.status = before.status
		})
		return nil
	})
	if err != nil {
		return internal(err)
	}
	for _, p := range parents {
		p.wake()
	}
	s.publish(event.ResourceChanged, event.Info, st.name, fmt.Sprintf("stream %s resharded: %d shards closed, %d opened", st.name, len(parents), len(kids)))
	return nil
}

// prepare looks the stream up for a reshard and checks it is ACTIVE.
func (s *Service) prepare(name string) (*stream, error) {
	st, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	if e := st.requireActive(); e != nil {
		return nil, e
	}
	return st, nil
}

// openShard returns the named open shard (caller holds st.mu).
func (st *stream) openShard(id, param string) (*shard, *Error) {
	sh := st.shardByID(id)
	if sh == nil {
		return nil, errorf(ResourceNotFound, "Could not find shard %s in stream %s under account.", id, st.name)
	}
	if !sh.open() {
		return nil, errorf(InvalidArgument, "Shard %s in stream %s has already been merged or split, and thus is not eligible for %s.", id, st.name, param)
	}
	return sh, nil
}

// SplitShard splits an open shard at newStart: the children own
// [start, newStart-1] and [newStart, end].
func (s *Service) SplitShard(ctx context.Context, name, shardID, newStart string) error {
	key, ok := ParseHashKey(newStart)
	if !ok {
		return errorf(InvalidArgument, "NewStartingHashKey %s is not a decimal hash key between 0 and 2^128-1.", newStart)
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.prepare(name)
	if err != nil {
		return err
	}
	st.mu.RLock()
	sh, e := st.openShard(shardID, "splitting")
	st.mu.RUnlock()
	if e != nil {
		return e
	}
	if key.Cmp(sh.rng.Start) <= 0 || key.Cmp(sh.rng.End) > 0 {
		return errorf(InvalidArgument, "NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
			newStart, shardID, name, s.cfg.Account, sh.rng.Start, sh.rng.End)
	}
	if n := s.openShardCount(); n+1 > s.cfg.ShardLimit {
		return errorf(LimitExceeded, "This request would exceed the shard limit for the account %s in %s. Limit: %d.", s.cfg.Account, s.cfg.Region, s.cfg.ShardLimit)
	}
	return s.reshard(ctx, st, []*shard{sh}, []childSpec{
		{rng: HashRange{sh.rng.Start, key.Sub1()}, parent: sh.id},
		{rng: HashRange{key, sh.rng.End}, parent: sh.id},
	})
}

// MergeShards merges two adjacent open shards into one.
func (s *Service) MergeShards(ctx context.Context, name, shardID, adjacentID string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.prepare(name)
	if err != nil {
		return err
	}
	st.mu.RLock()
	a, e := st.openShard(shardID, "merging")
	var b *shard
	if e == nil {
		b, e = st.openShard(adjacentID, "merging")
	}
	st.mu.RUnlock()
	if e != nil {
		return e
	}
	lo, hi := a, b
	if b.rng.Start.Cmp(a.rng.Start) < 0 {
		lo, hi = b, a
	}
	if a == b || lo.rng.End.Add1() != hi.rng.Start {
		return errorf(InvalidArgument, "Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging.", shardID, adjacentID, name, s.cfg.Account)
	}
	return s.reshard(ctx, st, []*shard{a, b}, []childSpec{{rng: HashRange{lo.rng.Start, hi.rng.End}, parent: a.id, adjacent: b.id}})
}

// UpdateShardCount rescales a stream to target uniform shards: every open
// shard closes and each new shard's parents are the old shards holding its
// first and last hash keys. It returns the open shard count before.
func (s *Service) UpdateShardCount(ctx context.Context, name string, target int) (int, error) {
	if target < 1 {
		return 0, errorf(Validation, "1 validation error detected: Value '%d' at 'targetShardCount' failed to satisfy constraint: Member must have value greater than or equal to 1", target)
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.prepare(name)
	if err != nil {
		return 0, err
	}
	st.mu.RLock()
	parents := append([]*shard(nil), st.open...)
	st.mu.RUnlock()
	cur := len(parents)
	if target > 2*cur || 2*target < cur {
		return 0, errorf(InvalidArgument, "UpdateShardCount cannot scale up over double your current open shard count (%d) or scale down below half of it: target %d.", cur, target)
	}
	if n := s.openShardCount(); n-cur+target > s.cfg.ShardLimit {
		return 0, errorf(LimitExceeded, "This request would exceed the shard limit for the account %s in %s. Limit: %d.", s.cfg.Account, s.cfg.Region, s.cfg.ShardLimit)
	}
	owner := func(k HashKey) *shard {
		for _, p := range parents {
			if p.rng.Contains(k) {
				return p
			}
		}
		return parents[0]
	}
	var kids []childSpec
	for _, r := range UniformRanges(target) {
		first, last := owner(r.Start), owner(r.End)
		c := childSpec{rng: r, parent: first.id}
		if last != first {
			c.adjacent = last.id
		}
		kids = append(kids, c)
	}
	return cur, s.reshard(ctx, st, parents, kids)
}
