package queue

import "testing"

// rowIDState returns the highest message row id stored, and the stored mark.
func (f *fixture) rowIDState() (maxID, below int64) {
	f.t.Helper()
	if err := f.st.DB().QueryRow(`SELECT COALESCE(max(id), 0) FROM queue_messages`).Scan(&maxID); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.DB().QueryRow(`SELECT below FROM queue_row_ids`).Scan(&below); err != nil {
		f.t.Fatal(err)
	}
	return maxID, below
}

// Row ids are never used twice, across restarts: a purge marks every id up
// to the last one handed out, the cleaner deletes those rows (the highest
// among them too), and a message sent after a restart must still get an id
// above the mark, or it would be taken for a purged one and never served.
func TestRowIDsNotReusedAfterPurgeAndRestart(t *testing.T) {
	f := newFileFixture(t)
	f.create("q", nil)
	for _, b := range []string{"a", "b", "c"} {
		f.send("q", b)
	}
	if err := f.svc.PurgeQueue(f.ctx, "q"); err != nil {
		t.Fatal(err)
	}
	f.svc.sweep()
	if n := f.storedRows("q"); n != 0 {
		t.Fatalf("%d rows left after the purge's cleanup", n)
	}
	f.restart()
	f.send("q", "after")
	got := f.receiveN("q", 10)
	if len(got) != 1 || got[0].Body != "after" {
		t.Fatalf("after purge, cleanup and restart received %v, want the new message", got)
	}
	f.del("q", got[0])

	// The highest row deleted, then a restart: the next id is above it.
	f.send("q", "x")
	last := f.receiveN("q", 1)[0]
	lastID, _ := f.rowIDState()
	f.del("q", last)
	f.restart()
	f.send("q", "y")
	if id, below := f.rowIDState(); id <= lastID || below <= id {
		t.Fatalf("new id %d after deleting id %d and restarting (mark %d)", id, lastID, below)
	}
}

// A reservation whose write is rolled back is forgotten: the next write
// that takes an id stores one again, so the stored mark stays above every
// id in the table.
func TestRowIDReservationRolledBack(t *testing.T) {
	f, faults := newFaultFixture(t)
	f.create("q", nil)
	f.svc.ids.reserved = f.svc.ids.next // the next send must reserve
	faults.Fail(nil)
	if _, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: "lost"}); err == nil {
		t.Fatal("send committed on a failing store")
	}
	faults.Heal()
	if f.svc.ids.reserved > f.svc.ids.next {
		t.Fatalf("reservation to %d kept after its write failed (next id %d)", f.svc.ids.reserved, f.svc.ids.next)
	}
	f.send("q", "kept")
	if id, below := f.rowIDState(); id == 0 || below <= id {
		t.Fatalf("stored mark %d not above row id %d", below, id)
	}
	// Batches take consecutive ids under one reservation.
	res, err := f.svc.SendMessageBatch(f.ctx, "q", batchOf(10, "b"))
	if err != nil || len(res) != 10 {
		t.Fatalf("batch: %v %v", res, err)
	}
	if id, below := f.rowIDState(); below <= id {
		t.Fatalf("stored mark %d not above row id %d after a batch", below, id)
	}
	var n int
	if err := f.st.DB().QueryRow(`SELECT count(DISTINCT id) FROM queue_messages`).Scan(&n); err != nil || n != 11 {
		t.Fatalf("%d distinct rows, want 11 (%v)", n, err)
	}
}
