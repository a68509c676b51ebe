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

// cleanup is a range of rows to delete: every message of a queue (all) or
// those up to a row id (a purge).
type cleanup struct {
	queueID int64
	below   int64
	all     bool
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// addCleanup schedules a cleanup and wakes the sweeper.
func (s *Service) addCleanup(c cleanup) {
	s.cleanupMu.Lock()
	s.cleanups = append(s.cleanups, c)
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

// runCleanups deletes scheduled row ranges chunk by chunk.
func (s *Service) runCleanups() {
	for !s.closed() {
		s.cleanupMu.Lock()
		if len(s.cleanups) == 0 {
			s.cleanupMu.Unlock()
			return
		}
		c := s.cleanups[0]
		s.cleanupMu.Unlock()
		var n int64
		err := s.st.Write(context.Background(), func(tx *store.Tx) error {
			var res sql.Result
			var err error
			if c.all {
				res, err = tx.Exec(`DELETE FROM queue_messages WHERE id IN (SELECT id FROM queue_messages WHERE queue_id = ? LIMIT ?)`,
					c.queueID, sweepChunk)
			} else {
				res, err = tx.Exec(`DELETE FROM queue_messages WHERE id IN (SELECT id FROM queue_messages WHERE queue_id = ? AND id <= ? LIMIT ?)`,
					c.queueID, c.below, sweepChunk)
			}
			if err == nil {
				n, err = res.RowsAffected()
			}
			return err
		})
		if err != nil {
			return // the store is closing; the next Open schedules it again
		}
		if n < sweepChunk {
			s.cleanupMu.Lock()
			s.cleanups = s.cleanups[1:]
			s.cleanupMu.Unlock()
		}
	}
}

// expireMessages deletes a queue's messages older than its retention
// period, found through the (queue_id, sent_at) index.
func (s *Service) expireMessages(q *queue, now int64) {
	q.mu.Lock()
	cutoff, deleted := now-int64(q.conf.retention)*1000, q.deleted
	q.mu.Unlock()
	for !deleted && !s.closed() {
		ids, err := s.expiredIDs(q.id, cutoff)
		if err != nil || len(ids) == 0 {
			return
		}
		q.mu.Lock()
		for _, id := range ids {
			q.x.remove(id)
		}
		q.wake()
		q.armTimer(now)
		q.mu.Unlock()
		err = s.st.Write(context.Background(), func(tx *store.Tx) error { return deleteMessageRows(tx, ids) })
		for _, id := range ids {
			s.cache.Del(uint64(id))
		}
		if err != nil || len(ids) < sweepChunk {
			return
		}
	}
}

func (s *Service) expiredIDs(queueID, cutoff int64) ([]int64, error) {
	rows, err := s.st.DB().Query(`SELECT id FROM queue_messages WHERE queue_id = ? AND sent_at <= ? LIMIT ?`, queueID, cutoff, sweepChunk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
