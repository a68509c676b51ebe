package queue

import "github.com/skyport-dev/skyport/core/store"

// rowIDBlock is how many message row ids one reservation covers: one
// extra row write per this many stored messages.
const rowIDBlock = 1 << 14

// rowIDs hands out the row ids of queue_messages, which has no
// AUTOINCREMENT: ids rise, are never used twice, not even across a crash,
// and a write knows them before it inserts its rows. Ids are reserved in
// blocks: queue_row_ids.below says every id used so far is below it, and a
// write that needs an id past the reservation raises it in the same
// transaction. A restart goes on from the stored mark, skipping what was
// reserved and not used.
//
// Only write functions call take, and the store runs them one at a time
// on its writer goroutine, so rowIDs needs no lock.
type rowIDs struct {
	next     int64 // the next id to hand out
	reserved int64 // ids below this are covered by the stored mark
}

// loadRowIDs reads the stored mark: ids start there, and above maxID, the
// highest id stored (a database the migration wrote has its mark above
// it already; this only guards the invariant).
func (s *Service) loadRowIDs(maxID int64) error {
	var below int64
	if err := s.st.DB().QueryRow(`SELECT below FROM queue_row_ids`).Scan(&below); err != nil {
		return err
	}
	s.ids = rowIDs{next: max(below, maxID+1)}
	s.ids.reserved = s.ids.next
	return nil
}

// take returns the first of n consecutive new ids. If tx rolls back, the
// ids are simply not used; the reservation it wrote is forgotten, so the
// next take writes one again.
func (r *rowIDs) take(tx *store.Tx, n int) (int64, error) {
	first := r.next
	if end := first + int64(n); end > r.reserved {
		mark := end + rowIDBlock
		if _, err := tx.Exec(`UPDATE queue_row_ids SET below = ?`, mark); err != nil {
			return 0, err
		}
		old := r.reserved
		r.reserved = mark
		// min: when a whole batch rolls back, the undos of several
		// reservations run, and the oldest mark is the stored one.
		tx.OnRollback(func() { r.reserved = min(r.reserved, old) })
	}
	r.next += int64(n)
	return first, nil
}

// used returns the highest id handed out so far (0 when none).
func (r *rowIDs) used() int64 { return r.next - 1 }
