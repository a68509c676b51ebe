package store

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrUnavailable means the database cannot be written right now: the disk
// is full, the file system went read-only, or the device fails. Writes that
// fail with it were rolled back (nothing of them is stored, nothing already
// committed is touched); reads keep working, and writes succeed again once
// the cause is gone. Services report it as the protocol's
// ServiceUnavailable.
var ErrUnavailable = errors.New("store: storage unavailable")

// Faults injects storage failures into a store's writer, for tests and for
// chaos runs. While it fails, every transaction runs its writes and then,
// instead of committing, rolls back and fails with ErrUnavailable — what a
// full disk does to a SQLite commit. The zero value injects nothing; it is
// safe for concurrent use.
type Faults struct {
	err atomic.Pointer[error]
}

// Fail makes every commit fail with cause (syscall.ENOSPC when nil) until
// Heal.
func (f *Faults) Fail(cause error) {
	if cause == nil {
		cause = syscall.ENOSPC
	}
	f.err.Store(&cause)
}

// Heal stops injecting failures.
func (f *Faults) Heal() { f.err.Store(nil) }

// current returns the injected failure, or nil.
func (f *Faults) current() error {
	if f == nil {
		return nil
	}
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

// isStorageFault tells an error of the storage itself (space, device,
// permissions) from one of the statement or its data.
func isStorageFault(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EROFS)
}

// unavailable wraps a storage fault as ErrUnavailable (keeping the cause).
func unavailable(path string, err error) error {
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	if path == memoryPath {
		// SQLite's memdb VFS caps a database at 1 GiB
		// (SQLITE_MEMDB_DEFAULT_MAXSIZE): "disk full" means that cap.
		return newFailure(ErrUnavailable, err, fmt.Sprintf(
			"store %s: the in-memory database is full (1 GiB, SQLite's memdb limit); "+
				"purge or delete data, or run with a data file: %v", path, err))
	}
	return newFailure(ErrUnavailable, err, fmt.Sprintf(
		"store %s: cannot write the database (disk full or not writable): %v", path, err))
}

// Fault returns the storage fault that made the last transaction fail, or
// nil when the last one committed (or none ran yet). The GUI shows a banner
// while it is set.
func (s *Store) Fault() error {
	if p := s.w.fault.Load(); p != nil {
		return *p
	}
	return nil
}

// noteHealth records the outcome of a transaction and reports a change
// (healthy → faulted, faulted → healthy) to Config.Health. Writer only.
func (w *writer) noteHealth(fault error) {
	was := w.fault.Load() != nil
	if fault == nil {
		if was {
			w.fault.Store(nil)
			w.report(nil)
		}
		return
	}
	w.fault.Store(&fault)
	if !was {
		w.report(fault)
	}
}

func (w *writer) report(fault error) {
	if w.health != nil {
		w.health(fault)
	}
}
