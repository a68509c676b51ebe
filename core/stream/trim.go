package stream

import (
	"context"
	"strconv"
	"time"

	"github.com/skyport-dev/skyport/core/store"
)

// trimBatch is how many expired records one trimming write deletes, so the
// writes queued behind it wait little.
const trimBatch = 1000

// Kick asks the trimmer to run now.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// trimmer deletes records older than their stream's retention every
// TrimInterval on the core clock, and on Kick. Deadlines are absolute, so
// a clock pushed forward while a trim runs still gets its trim: the next
// one is due an interval after the previous one started.
func (s *Service) trimmer(due time.Time) {
	defer s.wg.Done()
	for {
		if wait := due.Sub(s.clock.Now()); wait > 0 {
			t := s.clock.NewTimer(wait)
			select {
			case <-t.C:
			case <-s.kick:
				t.Stop()
			case <-s.done:
				t.Stop()
				return
			}
		}
		started := s.clock.Now()
		_, _ = s.Trim(context.Background())
		due = started.Add(s.cfg.TrimInterval)
		select {
		case <-s.done:
			return
		default:
		}
	}
}

// Trim purges the records of deleted streams, deletes every record past
// its stream's retention and forgets closed shards whose records have all
// expired. It returns how many records went.
func (s *Service) Trim(ctx context.Context) (int, error) {
	if _, err := s.purgeDeleted(ctx); err != nil {
		return 0, err
	}
	s.mu.RLock()
	all := make([]*stream, 0, len(s.byID))
	for _, st := range s.byID {
		all = append(all, st)
	}
	s.mu.RUnlock()
	total := 0
	for _, st := range all {
		n, err := s.trimStream(ctx, st)
		total += n
		if err != nil {
			return total, err
		}
	}
	if s.trimmed != nil && total > 0 {
		s.trimmed.Add(uint64(total))
	}
	return total, nil
}

// purgeDeleted deletes, in batches, the records of shards whose stream was
// deleted, and returns how many went.
func (s *Service) purgeDeleted(ctx context.Context) (int, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT shard_id FROM stream_purge`)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	total := 0
	for _, id := range ids {
		for {
			var n int64
			err := s.st.Write(ctx, func(tx *store.Tx) error {
				res, err := tx.Exec(`DELETE FROM stream_records WHERE seq IN (SELECT seq FROM stream_records INDEXED BY stream_records_shard
					WHERE shard_id = ? LIMIT ?)`, id, trimBatch)
				if err != nil {
					return err
				}
				if n, err = res.RowsAffected(); err != nil {
					return err
				}
				if n < trimBatch {
					_, err = tx.Exec(`DELETE FROM stream_purge WHERE shard_id = ?`, id)
				}
				return err
			})
			if err != nil {
				return total, err
			}
			total += int(n)
			if n < trimBatch {
				break
			}
		}
	}
	return total, nil
}

func (s *Service) trimStream(ctx context.Context, st *stream) (int, error) {
	st.mu.RLock()
	cutoff := s.clock.Now().Add(-time.Duration(st.retention) * time.Hour)
	shards := append([]*shard(nil), st.shards...)
	st.mu.RUnlock()
	total := 0
	for _, sh := range shards {
		for {
			var n int64
			err := s.st.Write(ctx, func(tx *store.Tx) error {
				// Keep the counter's high-water mark: the newest records may go.
				if _, err := tx.Exec(`INSERT OR REPLACE INTO stream_settings(key, value) VALUES ('seq_floor', ?)`,
					[]byte(strconv.FormatUint(s.seq.Load(), 10))); err != nil {
					return err
				}
				res, err := tx.Exec(`DELETE FROM stream_records WHERE seq IN (SELECT seq FROM stream_records INDEXED BY stream_records_arrival
					WHERE shard_id = ? AND arrived < ? LIMIT ?)`, sh.dbID, cutoff.UnixMilli(), trimBatch)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return total, err
			}
			total += int(n)
			if n < trimBatch {
				break
			}
		}
		if err := s.forgetExpiredShard(ctx, st, sh, cutoff); err != nil {
			return total, err
		}
	}
	return total, nil
}

// forgetExpiredShard drops a shard that closed before the retention cutoff:
// nothing of it can be read any more.
func (s *Service) forgetExpiredShard(ctx context.Context, st *stream, sh *shard, cutoff time.Time) error {
	st.mu.RLock()
	expired := !sh.open() && sh.closed.Before(cutoff)
	st.mu.RUnlock()
	if !expired {
		return nil
	}
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM stream_shards WHERE id = ?`, sh.dbID)
		return err
	})
	if err != nil {
		return err
	}
	st.mu.Lock()
	for i, x := range st.shards {
		if x == sh {
			st.shards = append(st.shards[:i], st.shards[i+1:]...)
			break
		}
	}
	st.mu.Unlock()
	return nil
}
