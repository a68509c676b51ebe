package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// memoryPath is what Path returns for a memory store.
const memoryPath = ":memory:"

// busyTimeoutMS is how long a connection waits for a lock held by another.
const busyTimeoutMS = 5000

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// opener holds what Open has acquired so far, to release it on failure.
type opener struct {
	cfg      Config
	migs     []Migration
	path     string
	writeDSN string
	readDSN  string
	lock     *fileLock
	wdb      *sql.DB
	conn     *sql.Conn
	rdb      *sql.DB
}

// openWith is Open with an explicit migration list (tests add their own).
func openWith(cfg Config, migs []Migration) (*Store, error) {
	if err := checkConfig(cfg, migs); err != nil {
		return nil, err
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	o := &opener{cfg: cfg, migs: migs}
	s, err := o.open()
	if err != nil {
		o.cleanup()
		return nil, err
	}
	return s, nil
}

// checkConfig rejects a bad configuration or migration list.
func checkConfig(cfg Config, migs []Migration) error {
	if cfg.Durability != Full && cfg.Durability != Relaxed {
		return fmt.Errorf("store: invalid durability %d", int(cfg.Durability))
	}
	if cfg.MaxBatch < 0 {
		return fmt.Errorf("store: invalid MaxBatch %d", cfg.MaxBatch)
	}
	if !cfg.Memory && cfg.Path == "" {
		return errors.New("store: no database path given")
	}
	for i, m := range migs {
		if m.Version != i+1 {
			return fmt.Errorf("store: migration %q has version %d, want %d", m.Name, m.Version, i+1)
		}
	}
	return nil
}

// open performs the steps of Open in order.
func (o *opener) open() (*Store, error) {
	if err := o.prepare(); err != nil {
		return nil, err
	}
	if err := o.openWriter(); err != nil {
		return nil, err
	}
	version, err := o.probe()
	if err != nil {
		return nil, err
	}
	if err := o.setJournal(); err != nil {
		return nil, err
	}
	if version, err = migrate(o.conn, o.path, version, o.migs); err != nil {
		return nil, err
	}
	o.syncDir()
	if err := o.openReader(); err != nil {
		return nil, err
	}
	return o.start(version)
}

// prepare sets the DSNs and, for a file, creates its folder, takes the
// process lock and checks the file before SQLite sees it.
func (o *opener) prepare() error {
	if o.cfg.Memory {
		return o.prepareMemory()
	}
	abs, err := filepath.Abs(o.cfg.Path)
	if err != nil {
		return fmt.Errorf("store %s: %w", o.cfg.Path, err)
	}
	o.path = abs
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return fmt.Errorf("store %s: create folder: %w", abs, err)
	}
	if o.lock, err = lockFile(abs); err != nil {
		return err
	}
	if err := checkFile(abs); err != nil {
		return err
	}
	useFdatasync()
	o.writeDSN = fileDSN(abs, "_pragma=synchronous("+o.cfg.Durability.synchronous()+")")
	o.readDSN = fileDSN(abs, "mode=ro", "_pragma=query_only(1)")
	return nil
}

// prepareMemory names a private in-memory database shared by the write
// connection and the read pool through SQLite's memdb VFS.
func (o *opener) prepareMemory() error {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("store %s: %w", memoryPath, err)
	}
	name := "file:/skyport-" + hex.EncodeToString(b[:]) + "?vfs=memdb"
	o.path = memoryPath
	o.writeDSN = name + "&" + commonParams()
	o.readDSN = name + "&" + commonParams() + "&_pragma=query_only(1)"
	return nil
}

// fdatasyncOnce switches SQLite's commits to fdatasync(2) once per process.
var fdatasyncOnce sync.Once

// useFdatasync makes SQLite sync with fdatasync(2), as SQLite's own Linux
// builds do, instead of the transpiled library's default fsync(2).
// fdatasync flushes a file's data and the metadata needed to read it back
// (its size included), so an acknowledged commit is as durable; it skips the
// timestamp update that makes each fsync a journal commit on ext4. Measured
// in the SQS benchmark: server CPU per durable SendMessage fell by about a
// fifth. Where the platform has no fdatasync the setting stays fsync.
func useFdatasync() {
	fdatasyncOnce.Do(func() { _, _ = sqlite.Fdatasync(true) })
}

// commonParams are the DSN parameters of every connection.
func commonParams() string {
	return fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", busyTimeoutMS)
}

// fileDSN returns a SQLite URI for path with the common and extra params.
func fileDSN(path string, extra ...string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:/C:/…
	}
	u := url.URL{Scheme: "file", OmitHost: true, Path: p}
	return u.String() + "?" + strings.Join(append([]string{commonParams()}, extra...), "&")
}

// checkFile refuses a file that is not a SQLite database, without writing
// to it, and creates a missing one with mode 0600.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return createFile(path)
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("store %s: not a regular file (%v)", path, err)
	}
	if err := checkHeader(f); err != nil {
		return corruptError(path, err)
	}
	w, err := os.OpenFile(path, os.O_RDWR, 0) // writable? (does not modify)
	if err != nil {
		return fmt.Errorf("store %s: %w", path, err)
	}
	return w.Close()
}

// createFile creates an empty database file readable only by its owner.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store %s: create: %w", path, err)
	}
	return f.Close()
}

// checkHeader accepts an empty file (a new database, or one whose content
// is still in the WAL) or one starting with a full SQLite header.
func checkHeader(r io.Reader) error {
	var h [100]byte
	n, err := io.ReadFull(r, h[:])
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		return nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated header (%d bytes)", n)
	case err != nil:
		return err
	case !bytes.HasPrefix(h[:], []byte(sqliteMagic)):
		return errors.New("not a SQLite file")
	}
	return nil
}

// openWriter opens the single write connection. Nothing is written yet.
func (o *opener) openWriter() error {
	db, err := sql.Open("sqlite", o.writeDSN)
	if err != nil {
		return fmt.Errorf("store %s: %w", o.path, err)
	}
	o.wdb = db
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if o.conn, err = db.Conn(context.Background()); err != nil {
		return o.classify("open", err)
	}
	return nil
}

// probe reads the schema version and checks the schema, before anything is
// written to the file: a damaged file fails here, and so does another
// application's SQLite database (objects but no schema version, or a
// version but no meta table from migration 1).
func (o *opener) probe() (int, error) {
	ctx := context.Background()
	var version, objects, meta int
	err := o.conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	if err == nil {
		err = o.conn.QueryRowContext(ctx, `SELECT count(*), count(CASE WHEN type = 'table' AND name = 'meta' THEN 1 END)
FROM sqlite_schema`).Scan(&objects, &meta)
	}
	switch {
	case err != nil:
		return 0, o.classify("read schema", err)
	case version > len(o.migs):
		return 0, newerSchemaError(o.path, version, len(o.migs))
	case version == 0 && objects > 0, version > 0 && meta == 0:
		return 0, corruptError(o.path, fmt.Errorf("schema version %d with %d schema objects", version, objects))
	}
	return version, nil
}

// setJournal switches a file database to WAL mode.
func (o *opener) setJournal() error {
	if o.cfg.Memory {
		return nil // memdb has no WAL; it uses its default rollback journal
	}
	var mode string
	err := o.conn.QueryRowContext(context.Background(), "PRAGMA journal_mode=WAL").Scan(&mode)
	if err != nil {
		return o.classify("set WAL mode", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store %s: cannot use WAL mode (journal mode is %q)", o.path, mode)
	}
	return nil
}

// syncDir makes the creation of the database and WAL files durable by
// syncing their folder. Best effort: some systems cannot sync a folder.
func (o *opener) syncDir() {
	if o.cfg.Memory {
		return
	}
	if d, err := os.Open(filepath.Dir(o.path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// openReader opens the read-only pool and checks that it can connect.
func (o *opener) openReader() error {
	db, err := sql.Open("sqlite", o.readDSN)
	if err != nil {
		return fmt.Errorf("store %s: read pool: %w", o.path, err)
	}
	o.rdb = db
	n := max(4, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.Ping(); err != nil {
		return o.classify("open read pool", err)
	}
	return nil
}

// start builds the Store and starts its writer goroutine.
func (o *opener) start(version int) (*Store, error) {
	doneTx, err := o.endedTx()
	if err != nil {
		return nil, err
	}
	s := &Store{path: o.path, version: version, read: o.rdb, lock: o.lock}
	s.ops = make(chan *op, o.cfg.MaxBatch)
	s.opPool.New = func() any { return &op{done: make(chan error, 1)} }
	s.w = &writer{
		path: o.path, db: o.wdb, conn: o.conn, ctx: context.Background(),
		queue: s.ops, recycle: s.recycle, maxBatch: o.cfg.MaxBatch,
		checkpoint: !o.cfg.Memory, doneTx: doneTx,
		stmts: make(map[string]*sql.Stmt), exited: make(chan struct{}),
		faults: o.cfg.Faults, health: o.cfg.Health, onCommit: o.cfg.OnCommit,
	}
	if err := s.w.prepareControl(); err != nil {
		return nil, err
	}
	go s.w.run()
	return s, nil
}

// endedTx returns a transaction that has already been rolled back: its
// QueryRow yields a Row whose Scan reports sql.ErrTxDone, which is what a
// Tx used after its Write function returned hands out.
func (o *opener) endedTx() (*sql.Tx, error) {
	tx, err := o.rdb.Begin()
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", o.path, err)
	}
	_ = tx.Rollback()
	return tx, nil
}

// classify wraps err, as ErrCorrupt when SQLite says the file is damaged.
func (o *opener) classify(step string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return corruptError(o.path, err)
		}
	}
	return fmt.Errorf("store %s: %s: %w", o.path, step, err)
}

// cleanup releases whatever a failed Open acquired, the lock last.
func (o *opener) cleanup() {
	if o.rdb != nil {
		_ = o.rdb.Close()
	}
	if o.conn != nil {
		_ = o.conn.Close()
	}
	if o.wdb != nil {
		_ = o.wdb.Close()
	}
	_ = o.lock.release()
}

// migrate applies, in order, each migration newer than have, each in its
// own transaction with the user_version bump, and returns the new version.
func migrate(conn *sql.Conn, path string, have int, migs []Migration) (int, error) {
	for _, m := range migs {
		if m.Version <= have {
			continue
		}
		if err := applyMigration(conn, m); err != nil {
			return have, fmt.Errorf("store %s: migration %d (%s): %w", path, m.Version, m.Name, err)
		}
		have = m.Version
	}
	return have, nil
}

// applyMigration runs one migration and records its version atomically.
func applyMigration(conn *sql.Conn, m Migration) (err error) {
	ctx := context.Background()
	if _, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	if _, err = conn.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err = conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}
