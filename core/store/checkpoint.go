package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"

	"modernc.org/sqlite"
)

// Checkpointing a file database. A checkpoint copies the pages committed to
// the write-ahead log back into the database file and syncs that file.
// SQLite's automatic checkpoint does it inside the COMMIT that crosses its
// threshold, on the writer goroutine, so every write queued behind that
// commit waits for the copy and the sync. The copy grows with the database:
// with 100 stored messages the same few dozen pages are rewritten over and
// over, while with 1,000,000 (BenchmarkReceiveWithStored) receives and
// sends walk through the file and nearly every frame is a distinct page.
// Measured there: the writer's checkpoint CPU went from 7 to 30 µs per call,
// plus one database-file sync per ~100 calls (3.5 ms on average, 20 ms at
// the 99th percentile) with the whole queue of writes waiting.
//
// So the bulk of the copying runs on its own connection and goroutine, with
// PASSIVE checkpoints that never block the writer. A passive checkpoint only
// ever copies the frames committed before it started, and the log restarts
// from its beginning only when a write transaction finds it completely
// copied — which a checkpoint running beside a busy writer rarely achieves.
// The writer's automatic checkpoint therefore stays on, at
// writerCheckpointFrames: when the log gets there, the commit that crosses
// it copies what the background has not copied yet (it skips the attempt,
// at no cost, while the background holds the checkpoint lock, and tries
// again at its next commit), and the next transaction restarts the log.
// The log stays bounded: writerCheckpointFrames plus what is committed
// during one background checkpoint (plus what long-running readers pin, as
// with SQLite's own checkpoints), and the writer copies about one frame in
// eight itself.
//
// Durability is unchanged: a commit is acknowledged once its frames are in
// the synced log, before any checkpoint; a checkpoint syncs the log before
// it copies and the database file after, with the connection's synchronous
// setting, and a checkpoint cut short by a crash is redone from the log on
// the next open.
const (
	backgroundCheckpointFrames = 1000 // frames committed between background checkpoints (SQLite's default threshold)
	writerCheckpointFrames     = 8000 // the writer's automatic checkpoint (about 32 MiB of log with 4 KiB pages)
)

// checkpointer runs passive checkpoints on its own connection when the
// writer signals that enough frames were committed since the last one.
type checkpointer struct {
	path   string
	db     *sql.DB
	conn   *sql.Conn
	wake   chan struct{} // capacity 1: the writer never blocks signalling
	exited chan struct{}

	runs atomic.Uint64 // checkpoints run
}

// openCheckpointer opens the checkpoint connection with the write
// connection's DSN (its synchronous setting decides the checkpoint's syncs)
// and starts its goroutine.
func openCheckpointer(path, dsn string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: checkpoint connection: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	conn, err := db.Conn(context.Background())
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store %s: checkpoint connection: %w", path, err)
	}
	c := &checkpointer{path: path, db: db, conn: conn, wake: make(chan struct{}, 1), exited: make(chan struct{})}
	go c.run()
	return c, nil
}

// signal asks for a checkpoint; one already asked for and not yet started
// covers this request too.
func (c *checkpointer) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run checkpoints once per signal until stop.
func (c *checkpointer) run() {
	defer close(c.exited)
	for range c.wake {
		// An error is a storage fault, which the writer's commits report
		// themselves; the next signal tries again, and the writer's own
		// automatic checkpoint still bounds the log meanwhile.
		var busy, logFrames, copied int
		_ = c.conn.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied)
		c.runs.Add(1)
	}
}

// count returns the checkpoints run so far (0 without a checkpointer).
func (c *checkpointer) count() uint64 {
	if c == nil {
		return 0
	}
	return c.runs.Load()
}

// stop ends the goroutine, after a checkpoint in progress, and closes the
// connection.
func (c *checkpointer) stop() error {
	close(c.wake)
	<-c.exited
	err := c.conn.Close()
	if cerr := c.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// framesWritten returns how many pages the write connection has written
// to the log since it opened (SQLITE_DBSTATUS_CACHE_WRITE: in WAL mode
// every page a commit writes is one log frame).
func (w *writer) framesWritten() int {
	var n int
	_ = w.conn.Raw(func(dc any) error {
		st, ok := dc.(sqlite.DBStatus)
		if !ok {
			return nil
		}
		n, _, _ = st.Status(sqlite.DBStatusCacheWrite, false)
		return nil
	})
	return n
}

// committed is called by the writer after each commit: every
// backgroundCheckpointFrames frames it wakes the checkpointer.
func (w *writer) committed() {
	if w.ckpt == nil {
		return
	}
	n := w.framesWritten()
	if n < w.ckptFrames { // SQLite's counter is a C int: it wrapped
		w.ckptFrames = n
	}
	if n-w.ckptFrames >= backgroundCheckpointFrames {
		w.ckptFrames = n
		w.ckpt.signal()
	}
}
