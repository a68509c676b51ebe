package queue

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/store"
)

func TestIndexAges(t *testing.T) {
	x := newIndex(false)
	// Row ids and send times need not agree: a message moved to a standard
	// dead-letter queue keeps its first send time under a new id.
	for _, m := range []struct{ id, sent int64 }{{1, 500}, {2, 300}, {3, 900}, {4, 100}, {5, 700}} {
		x.insert(m.id, m.sent, m.sent, 0, "", 1000)
	}
	if at, ok := x.oldest(); !ok || at != 100 {
		t.Fatalf("oldest = %d, %v; want 100", at, ok)
	}
	x.remove(4)
	if at, _ := x.oldest(); at != 300 {
		t.Fatalf("oldest after removing it = %d, want 300", at)
	}
	if got := x.expire(500, 10); !slices.Equal(got, []int64{2, 1}) {
		t.Fatalf("expire(500) = %v, want [2 1] (oldest first, the removed one skipped)", got)
	}
	if _, ok := x.msgs[2]; ok || x.visible != 2 {
		t.Fatalf("expired messages still indexed: %v, visible %d", x.msgs, x.visible)
	}
	if got := x.expire(1000, 1); !slices.Equal(got, []int64{5}) {
		t.Fatalf("expire(1000, max 1) = %v, want [5]", got)
	}
	x.remove(3)
	if _, ok := x.oldest(); ok || len(x.expire(1<<62, 10)) != 0 {
		t.Fatal("an empty index still has an oldest message")
	}
}

// TestIndexAgesStayBounded: removed messages' entries do not pile up in a
// queue that many messages pass through.
func TestIndexAgesStayBounded(t *testing.T) {
	x := newIndex(false)
	for id := int64(1); id <= 200_000; id++ {
		x.insert(id, id, id, 0, "", id)
		if id > 10 {
			x.remove(id - 10)
		}
		if x.ages.len() > 2*len(x.msgs)+1025 {
			t.Fatalf("after %d sends, %d age entries for %d messages", id, x.ages.len(), len(x.msgs))
		}
	}
	if at, ok := x.oldest(); !ok || at != 199_991 {
		t.Fatalf("oldest = %d, %v; want 199991", at, ok)
	}
}

func TestOldestAgeFollowsDeletesAndRestarts(t *testing.T) {
	f := newFileFixture(t)
	f.create("q", nil)
	oldest := func() time.Duration {
		t.Helper()
		for _, s := range f.svc.List() {
			if s.Name == "q" {
				return s.OldestAge
			}
		}
		t.Fatal("no q in List")
		return 0
	}
	f.send("q", "a")
	f.advance(10 * time.Second)
	f.send("q", "b")
	f.advance(5 * time.Second)
	if got := oldest(); got != 15*time.Second {
		t.Fatalf("oldest age %v, want 15s", got)
	}
	got := f.receiveN("q", 2)
	for _, m := range got {
		if m.Body == "a" {
			f.del("q", m)
		}
	}
	if got := oldest(); got != 5*time.Second {
		t.Fatalf("oldest age after deleting the oldest: %v, want 5s", got)
	}
	f.restart()
	if got := oldest(); got != 5*time.Second {
		t.Fatalf("oldest age after a restart: %v, want 5s", got)
	}
	if err := f.svc.PurgeQueue(f.ctx, "q"); err != nil {
		t.Fatal(err)
	}
	if got := oldest(); got != 0 {
		t.Fatalf("oldest age after a purge: %v, want 0", got)
	}
}

// TestRetentionCountsFromTheFirstSendInADeadLetterQueue: a message moved to
// a standard dead-letter queue keeps its enqueue time, so it expires there
// when its first send is a retention period old.
func TestRetentionCountsFromTheFirstSendInADeadLetterQueue(t *testing.T) {
	f := newFileFixture(t)
	f.create("dlq", map[string]string{"MessageRetentionPeriod": "120"})
	f.create("q", map[string]string{"VisibilityTimeout": "10",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":1}`})
	f.send("q", "m")
	f.receiveN("q", 1)
	f.advance(60 * time.Second)
	if got := f.receive("q", ReceiveInput{}); len(got) != 0 { // moves it
		t.Fatalf("received %+v past maxReceiveCount", got)
	}
	if c := f.counts("dlq"); c != [3]int{1, 0, 0} {
		t.Fatalf("dead-letter queue counts %v, want one visible", c)
	}
	f.advance(59 * time.Second)
	f.svc.sweep()
	if n := f.storedRows("dlq"); n != 1 {
		t.Fatalf("%d rows 119 s after the first send, want 1", n)
	}
	f.advance(time.Second)
	f.svc.sweep()
	if n, c := f.storedRows("dlq"), f.counts("dlq"); n != 0 || c != [3]int{} {
		t.Fatalf("120 s after the first send: %d rows, counts %v; want it expired", n, c)
	}
}

// TestRowsLeftByACrashAreCleanedAtOpen: rows of a deleted queue and of a
// purged range that a crash left in the store are found by the scan at
// open and deleted; the queue's other rows stay.
func TestRowsLeftByACrashAreCleanedAtOpen(t *testing.T) {
	f := newFileFixture(t)
	f.create("p", nil)
	f.send("p", "purged")
	f.close()
	st, err := store.Open(store.Config{Path: f.path})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Exec(`UPDATE queue_queues SET purge_below = (SELECT max(id) FROM queue_messages) WHERE name = 'p'`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO queue_messages(queue_id, message_id, body, sent_at, visible_at) VALUES (9999, 'm1', 'orphan', 0, 0), (9999, 'm2', 'orphan', 0, 0)`)
		return err
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	f.open()
	f.send("p", "kept")
	f.svc.sweep()
	var bodies []string
	rows, err := f.st.DB().Query(`SELECT body FROM queue_messages ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	rows.Close()
	if !slices.Equal(bodies, []string{"kept"}) {
		t.Fatalf("rows after the sweep: %q, want only the one sent after the purge", bodies)
	}
	if got := f.receiveN("p", 10); len(got) != 1 || got[0].Body != "kept" {
		t.Fatalf("received %+v", got)
	}
}
