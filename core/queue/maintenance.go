package queue

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/skyport-dev/skyport/core/store"
)

// The sweeper does the slow work off the hot path: deleting the rows of
// purged and deleted queues, deleting messages past their retention period
// and forgetting expired deduplication ids. Each store write it makes is
// small (at most sweepChunk rows), so sends and receives queued behind it
// wait little.

const (
	sweepInterval = 5 * time.Second
	sweepChunk    = 500
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// addCleanup schedules the deletion of rows no queue holds any more (a
// deleted queue's, a purge's) and wakes the sweeper. The store has no index
// of rows by queue: whoever drops messages from the index names their rows.
func (s *Service) addCleanup(ids []int64) {
	if len(ids) == 0 {
		return
	}
	s.cleanupMu.Lock()
	s.cleanups = append(s.cleanups, ids...)
	s.cleanupMu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// sweeper runs sweep when kicked and every sweepInterval of clock time.
func (s *Service) sweeper() {
	defer s.wg.Done()
	timer := s.clock.NewTimer(sweepInterval)
	defer timer.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-s.kick:
		case <-timer.C:
			timer.Reset(sweepInterval)
		}
		s.sweep()
	}
}

// sweep does one round of background work.
func (s *Service) sweep() {
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	s.runCleanups()
	now := s.nowMS()
	for _, q := range s.queues() {
		if s.closed() {
			return
		}
		s.expireMessages(q, now)
		q.pruneDedup(now)
	}
	_ = s.st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM queue_dedup WHERE expires_at <= ?`, now)
		return err
	})
}

// runCleanups deletes the scheduled rows chunk by chunk.
func (s *Service) runCleanups() {
	for !s.closed() {
		s.cleanupMu.Lock()
		chunk := s.cleanups[:min(len(s.cleanups), sweepChunk)]
		s.cleanupMu.Unlock()
		if len(chunk) == 0 {
			return
		}
		err := s.st.Write(context.Background(), func(tx *store.Tx) error { return deleteMessageRows(tx, chunk) })
		if err != nil {
			return // kept for the next sweep; a restart finds the rows again
		}
		for _, id := range chunk {
			s.cache.Del(uint64(id))
		}
		s.cleanupMu.Lock()
		s.cleanups = s.cleanups[len(chunk):]
		if len(s.cleanups) == 0 {
			s.cleanups = nil
		}
		s.cleanupMu.Unlock()
	}
}

// expireMessages deletes a queue's messages older than its retention
// period, oldest first, found through the index's send-time heap.
func (s *Service) expireMessages(q *queue, now int64) {
	for !s.closed() {
		q.mu.Lock()
		if q.deleted {
			q.mu.Unlock()
			return
		}
		ids := q.x.expire(now-int64(q.conf.retention)*1000, sweepChunk)
		if len(ids) > 0 {
			q.wake()
			q.armTimer(now)
		}
		q.mu.Unlock()
		if len(ids) == 0 {
			return
		}
		err := s.st.Write(context.Background(), func(tx *store.Tx) error { return deleteMessageRows(tx, ids) })
		for _, id := range ids {
			s.cache.Del(uint64(id))
		}
		if err != nil || len(ids) < sweepChunk {
			return
		}
	}
}
