package queue

import (
	"fmt"
	"strings"

	"github.com/skyport-dev/skyport/core/store"
)

// rowsPerStatement is how many message rows one batched statement changes:
// a batch call's 10 entries, a receive's 10 messages. Each statement costs
// its own trip through database/sql and SQLite's VDBE set-up, so a receive
// or a delete batch runs one statement, not ten. The writer caches one
// prepared statement per arity.
const rowsPerStatement = 10

// idList returns "?,?,…" with n placeholders.
func idList(n int) string {
	return "?" + strings.Repeat(",?", n-1)
}

// deleteMessageRows deletes the rows of ids.
func deleteMessageRows(tx *store.Tx, ids []int64) error {
	return chunked(ids, func(part []int64) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		_, err := tx.Exec(`DELETE FROM queue_messages WHERE id IN (`+idList(len(part))+`)`, args...)
		return err
	})
}

// setVisibleAt sets the visibility deadline of the rows of ids.
func setVisibleAt(tx *store.Tx, ids []int64, deadline int64) error {
	return chunked(ids, func(part []int64) error {
		args := make([]any, 1, len(part)+1)
		args[0] = deadline
		for _, id := range part {
			args = append(args, id)
		}
		_, err := tx.Exec(`UPDATE queue_messages SET visible_at = ? WHERE id IN (`+idList(len(part))+`)`, args...)
		return err
	})
}

// markReceived records a receive of got: each message's new receive
// count, the deadline, and the first receive time where there was none.
// Messages taken together mostly share their count (fresh ones are all at
// 1), so each run of equal counts is one UPDATE … WHERE id IN: measured,
// 2-3% less server CPU per Receive(10)+DeleteMessageBatch than one
// UPDATE … FROM (VALUES …) joining each id to its count.
func markReceived(tx *store.Tx, got []taken, deadline, now int64) error {
	for len(got) > 0 {
		n := 1
		for n < len(got) && got[n].rc == got[0].rc {
			n++
		}
		run := got[:n]
		got = got[n:]
		err := chunked(run, func(part []taken) error {
			args := make([]any, 3, 3+len(part))
			args[0], args[1], args[2] = part[0].rc, deadline, now
			for _, t := range part {
				args = append(args, t.id)
			}
			_, err := tx.Exec(`UPDATE queue_messages SET receive_count = ?, visible_at = ?, `+
				`first_receive_at = CASE WHEN first_receive_at = 0 THEN ? ELSE first_receive_at END `+
				`WHERE id IN (`+idList(len(part))+`)`, args...)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// chunked calls fn with consecutive parts of rows of at most
// rowsPerStatement, stopping at the first error.
func chunked[T any](rows []T, fn func([]T) error) error {
	for len(rows) > 0 {
		part := rows[:min(len(rows), rowsPerStatement)]
		rows = rows[len(part):]
		if err := fn(part); err != nil {
			return err
		}
	}
	return nil
}

// insertMessageRows inserts the messages of a standard queue's batch with
// one statement per rowsPerStatement rows and sets their ids. The single
// writer gives a multi-row INSERT consecutive row ids, in the order of its
// VALUES; the statement's last id and row count say which they are.
func insertMessageRows(tx *store.Tx, queueID int64, outs []*outgoing, now int64) error {
	return chunked(outs, func(part []*outgoing) error {
		args := make([]any, 0, 11*len(part))
		for _, o := range part {
			args = append(args, queueID, o.messageID, o.body, o.blob, nullString(o.trace),
				nullString(o.group), nullString(o.dedupID), now, now+o.delayMS, o.md5Body, nullString(o.md5Attrs))
		}
		res, err := tx.Exec(insertMessageSQL+strings.Repeat(","+insertMessageRow, len(part)-1), args...)
		if err != nil {
			return err
		}
		last, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(part)) {
			return fmt.Errorf("queue: batch insert stored %d of %d messages (%v)", n, len(part), err)
		}
		for i, o := range part {
			o.id = last - int64(len(part)-1-i)
		}
		return nil
	})
}
