// Package store is the durable storage of the Skyport core: one SQLite
// database (modernc.org/sqlite, pure Go) in WAL mode, written by a single
// group-commit writer and read through a separate read-only pool.
//
// Every write goes through [Store.Write]: the function passed to it runs on
// the writer goroutine inside a transaction shared with whatever other
// writes were queued at the same moment, in its own savepoint, so a failing
// write is rolled back alone. Write returns once that transaction has
// committed; with [Full] durability the write is then on disk.
//
// Reads use [Store.DB], a pool of read-only connections that can be used
// from any goroutine and see every acknowledged write.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Durability says how hard a commit waits for the disk.
type Durability int

const (
	// Full syncs the write-ahead log on every commit (PRAGMA
	// synchronous=FULL): an acknowledged write survives power loss.
	Full Durability = iota
	// Relaxed syncs only at checkpoints (PRAGMA synchronous=NORMAL): an
	// acknowledged write survives a crash of the process but the last
	// commits may be lost on power loss.
	Relaxed
)

// ParseDurability parses "full" or "relaxed" (case-insensitive).
func ParseDurability(s string) (Durability, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "full":
		return Full, nil
	case "relaxed":
		return Relaxed, nil
	}
	return Full, fmt.Errorf("store: unknown durability %q (want full or relaxed)", s)
}

// String returns "full" or "relaxed".
func (d Durability) String() string {
	switch d {
	case Full:
		return "full"
	case Relaxed:
		return "relaxed"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

// synchronous returns the PRAGMA synchronous value for d.
func (d Durability) synchronous() string {
	if d == Relaxed {
		return "NORMAL"
	}
	return "FULL"
}

// DefaultMaxBatch is the number of writes per transaction used when
// Config.MaxBatch is zero.
const DefaultMaxBatch = 512

// Config says which database to open and how.
type Config struct {
	Path       string     // database file; its folder is created 0700, the file 0600 if new
	Memory     bool       // no disk at all (tests, --memory); Path is ignored
	Durability Durability // Full (default) or Relaxed
	MaxBatch   int        // max writes per transaction; 0 means DefaultMaxBatch
	// Health, when set, is told on the writer goroutine when transactions
	// start failing with ErrUnavailable (the fault) and when one commits
	// again (nil). It must not block.
	Health func(fault error)
	// Faults, when set, lets a test (or a chaos run) make commits fail.
	Faults *Faults
	// OnCommit, when set, is told on the writer goroutine how long each
	// successful COMMIT took (with full durability, mostly the WAL's
	// fdatasync, and the checkpoint when one runs) and how many writes it
	// made durable. It must be quick.
	OnCommit func(took time.Duration, writes int)
}

// Sentinel errors returned (wrapped) by this package; test with errors.Is.
var (
	// ErrClosed is returned by Write once Close has been called.
	ErrClosed = errors.New("store: closed")
	// ErrNewerSchema means the database was written by a newer Skyport.
	ErrNewerSchema = errors.New("store: database schema is newer than this build")
	// ErrLocked means another Skyport process has the database open.
	ErrLocked = errors.New("store: database is in use by another process")
	// ErrCorrupt means the file is not a SQLite database or is damaged.
	ErrCorrupt = errors.New("store: database is corrupted")
)

// Stats counts the work of the writer since Open.
type Stats struct {
	Commits      uint64 // transactions committed (or attempted)
	Ops          uint64 // writes run
	Failed       uint64 // writes that returned an error to their caller
	MaxBatchSeen int    // largest number of writes in one transaction
}

// AverageBatch returns Ops/Commits, the mean number of writes per
// transaction, or 0 before the first commit.
func (st Stats) AverageBatch() float64 {
	if st.Commits == 0 {
		return 0
	}
	return float64(st.Ops) / float64(st.Commits)
}

// Store is an open Skyport database. All methods are safe for concurrent use.
type Store struct {
	path    string
	version int
	read    *sql.DB
	lock    *fileLock
	w       *writer

	mu     sync.RWMutex // held for reading while enqueueing; for writing by Close
	closed bool
	ops    chan *op
	opPool sync.Pool

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the database described by cfg, applies
// pending migrations and starts the writer.
func Open(cfg Config) (*Store, error) {
	return openWith(cfg, migrations)
}

// Path returns the database file, or ":memory:" for a memory store.
func (s *Store) Path() string { return s.path }

// DB returns the read-only connection pool. It may be used from any
// goroutine; writes through it fail. It is closed by Close.
func (s *Store) DB() *sql.DB { return s.read }

// SchemaVersion returns the migration version of the open database.
func (s *Store) SchemaVersion() int { return s.version }

// Stats returns the writer's counters.
func (s *Store) Stats() Stats { return s.w.stats() }

// Write runs fn inside a write transaction and returns once that
// transaction has committed. It returns fn's error (the writes fn made are
// then rolled back to fn's savepoint and nothing else is affected; a panic
// in fn becomes such an error), or the commit's error. A nil result means
// the writes are committed (and on disk with Full durability).
//
// If ctx ends before fn has started, fn is not run and ctx.Err() is
// returned; once fn has started it runs to the end and Write waits for the
// commit. After Close, Write returns an error wrapping ErrClosed.
//
// fn runs on the writer goroutine: it must not call Write, must not keep tx,
// must not run transaction statements (BEGIN, COMMIT, SAVEPOINT…), and
// should be quick, since the writes batched with it wait for it. If an
// error in fn makes SQLite abandon the whole transaction (INSERT OR
// ROLLBACK, disk full), the writes that ran before it in the same batch are
// rolled back and fail too.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if fn == nil {
		return fmt.Errorf("store %s: Write with nil function", s.path)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	o := s.opPool.Get().(*op)
	o.fn = fn
	o.state.Store(opPending)
	if err := s.enqueue(ctx, o); err != nil {
		o.fn = nil
		s.opPool.Put(o)
		return err
	}
	return s.await(ctx, o)
}

// enqueue hands o to the writer unless the store is closed or ctx ends.
func (s *Store) enqueue(ctx context.Context, o *op) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return fmt.Errorf("store %s: %w", s.path, ErrClosed)
	}
	select {
	case s.ops <- o:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// await waits for o's result. If ctx ends first and the writer has not
// started o yet, o is cancelled and left for the writer to recycle.
func (s *Store) await(ctx context.Context, o *op) error {
	select {
	case err := <-o.done:
		s.recycle(o)
		return err
	case <-ctx.Done():
		if o.state.CompareAndSwap(opPending, opCancelled) {
			return ctx.Err()
		}
		err := <-o.done
		s.recycle(o)
		return err
	}
}

// recycle returns a finished op to the pool.
func (s *Store) recycle(o *op) {
	o.fn = nil
	o.err = nil
	s.opPool.Put(o)
}

// Close stops accepting writes (Write then returns ErrClosed), commits every
// write already queued, checkpoints the write-ahead log into the database
// file, closes all connections and releases the process lock. It is
// idempotent and safe to call concurrently with Write.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.shutdown() })
	return s.closeErr
}

// shutdown does the work of Close, once.
func (s *Store) shutdown() error {
	s.mu.Lock()
	s.closed = true
	close(s.ops)
	s.mu.Unlock()
	<-s.w.exited

	errs := []error{s.read.Close(), s.w.close(), s.lock.release()}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store %s: close: %w", s.path, err)
	}
	return nil
}

// counters are the writer's statistics, updated atomically.
type counters struct {
	commits, ops, failed atomic.Uint64
	maxSeen              atomic.Int64
}

// failure is an error with its own complete message that still matches a
// sentinel (and its cause) through errors.Is and errors.As.
type failure struct {
	msg  string
	errs []error
}

// Error returns the message.
func (f *failure) Error() string { return f.msg }

// Unwrap returns the sentinel and the cause.
func (f *failure) Unwrap() []error { return f.errs }

// newFailure builds a failure matching sentinel and cause (which may be nil).
func newFailure(sentinel, cause error, msg string) error {
	errs := []error{sentinel}
	if cause != nil {
		errs = append(errs, cause)
	}
	return &failure{msg: msg, errs: errs}
}

// lockedError reports that another process holds the lock of dbPath.
func lockedError(dbPath, lockPath string) error {
	return newFailure(ErrLocked, nil, fmt.Sprintf(
		"store: %s: another Skyport process is using it (lock %s is held)", dbPath, lockPath))
}

// corruptError reports that dbPath is not a usable SQLite database.
func corruptError(dbPath string, cause error) error {
	return newFailure(ErrCorrupt, cause, fmt.Sprintf(
		"store: %s is not a Skyport database or is corrupted: %v", dbPath, cause))
}

// newerSchemaError reports a database written by a newer build.
func newerSchemaError(dbPath string, have, known int) error {
	return newFailure(ErrNewerSchema, nil, fmt.Sprintf(
		"store: database %s has schema version %d, newer than this Skyport build supports (%d); "+
			"upgrade Skyport or use another --data file", dbPath, have, known))
}
