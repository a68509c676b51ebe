package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// kvMigrations is the real schema plus a test table.
func kvMigrations() []Migration {
	return append(slices.Clone(migrations), Migration{
		Version: len(migrations) + 1,
		Name:    "test kv",
		SQL:     `CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`,
	})
}

// openKV opens a store with the kv table and closes it at cleanup.
func openKV(t testing.TB, cfg Config) *Store {
	t.Helper()
	s, err := openWith(cfg, kvMigrations())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fileConfig returns a config for a fresh database in a temp folder.
func fileConfig(t testing.TB) Config {
	return Config{Path: filepath.Join(t.TempDir(), "data", "skyport.db")}
}

// insert writes one kv row.
func insert(ctx context.Context, s *Store, id int) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, ?)`, id, "v")
		return err
	})
}

// count returns the number of kv rows seen through the read pool.
func count(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM kv`).Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

// has reports whether kv row id is visible through the read pool.
func has(t testing.TB, db *sql.DB, id int) bool {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM kv WHERE id = ?`, id).Scan(&n); err != nil {
		t.Fatalf("has %d: %v", id, err)
	}
	return n == 1
}

// blockWriter occupies the writer with an op that waits until the returned
// function is called, so that later ops queue up and form one batch.
func blockWriter(t *testing.T, s *Store) (release func(), errc <-chan error) {
	t.Helper()
	started, gate := make(chan struct{}), make(chan struct{})
	ec := make(chan error, 1)
	go func() {
		ec <- s.Write(context.Background(), func(*Tx) error {
			close(started)
			<-gate
			return nil
		})
	}()
	<-started
	var once sync.Once
	return func() { once.Do(func() { close(gate) }) }, ec
}

// waitQueued waits until n ops are queued behind the blocked writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.ops) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d ops queued", len(s.ops), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestParseDurability(t *testing.T) {
	for _, d := range []Durability{Full, Relaxed} {
		got, err := ParseDurability(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDurability(%q) = %v, %v", d.String(), got, err)
		}
	}
	if _, err := ParseDurability("fast"); err == nil {
		t.Error("ParseDurability(fast): no error")
	}
}

func TestConcurrentWrites(t *testing.T) {
	const writers, each = 64, 200
	cfg := fileConfig(t)
	s := openKV(t, cfg)
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				id := g*each + i
				if err := insert(context.Background(), s, id); err != nil {
					errc <- fmt.Errorf("insert %d: %w", id, err)
					return
				}
				if i%8 == 0 && !has(t, s.DB(), id) { // acknowledged => visible to readers
					errc <- fmt.Errorf("row %d acknowledged but not readable", id)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if n := count(t, s.DB()); n != writers*each {
		t.Fatalf("count = %d, want %d", n, writers*each)
	}
	st := s.Stats()
	t.Logf("stats %+v, average batch %.1f", st, st.AverageBatch())
	if st.Ops != writers*each || st.Failed != 0 || st.AverageBatch() <= 1 {
		t.Errorf("stats %+v: want %d ops, 0 failed, average batch > 1", st, writers*each)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openKV(t, cfg)
	if n := count(t, s2.DB()); n != writers*each {
		t.Fatalf("after reopen count = %d, want %d", n, writers*each)
	}
}

func TestFailureIsolation(t *testing.T) {
	for _, mem := range []bool{false, true} {
		t.Run(fmt.Sprintf("memory=%v", mem), func(t *testing.T) {
			cfg := fileConfig(t)
			cfg.Memory = mem
			testFailureIsolation(t, openKV(t, cfg))
		})
	}
}

func testFailureIsolation(t *testing.T, s *Store) {
	release, blocked := blockWriter(t, s)
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Write(context.Background(), func(tx *Tx) error {
				if _, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, ?)`, i, "v"); err != nil {
					return err
				}
				switch {
				case i == 7:
					panic("boom 7")
				case i%5 == 0:
					return fmt.Errorf("op %d refuses", i)
				case i == 13: // a SQL error: duplicate key
					_, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, ?)`, i, "dup")
					return err
				}
				return nil
			})
		})
	}
	waitQueued(t, s, n)
	release()
	wg.Wait()
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		fails := i == 7 || i%5 == 0 || i == 13
		if fails != (err != nil) {
			t.Errorf("op %d: err = %v, want failure %v", i, err, fails)
		}
		if fails == has(t, s.DB(), i) {
			t.Errorf("op %d: row present = %v, want %v", i, !fails, fails)
		}
	}
	if !strings.Contains(fmt.Sprint(errs[7]), "boom 7") {
		t.Errorf("panic error %q does not name the panic", errs[7])
	}
	// The queued ops join the blocking op's transaction as it runs.
	if st := s.Stats(); st.Commits != 1 || st.MaxBatchSeen != n+1 || st.Failed != 6 {
		t.Errorf("stats %+v: want 1 commit of %d ops, 6 failed", st, n+1)
	}
}

func TestPragmas(t *testing.T) {
	for _, d := range []Durability{Full, Relaxed} {
		cfg := fileConfig(t)
		cfg.Durability = d
		s := openKV(t, cfg)
		want := map[string]string{"journal_mode": "wal", "synchronous": map[Durability]string{Full: "2", Relaxed: "1"}[d],
			"busy_timeout": "5000", "foreign_keys": "1", "query_only": "0"}
		err := s.Write(context.Background(), func(tx *Tx) error {
			for name, v := range want {
				var got string
				if err := tx.QueryRow("PRAGMA " + name).Scan(&got); err != nil || got != v {
					return fmt.Errorf("writer %s: PRAGMA %s = %q, %v; want %q", d, name, got, err, v)
				}
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		for name, v := range map[string]string{"busy_timeout": "5000", "query_only": "1", "journal_mode": "wal"} {
			var got string
			if err := s.DB().QueryRow("PRAGMA " + name).Scan(&got); err != nil || got != v {
				t.Errorf("read pool: PRAGMA %s = %q, %v; want %q", name, got, err, v)
			}
		}
	}
}

func TestAbortedTransaction(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	if err := insert(context.Background(), s, 100); err != nil {
		t.Fatal(err)
	}
	release, blocked := blockWriter(t, s)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Write(context.Background(), func(tx *Tx) error {
				q := `INSERT INTO kv(id, v) VALUES (?, 'v')`
				if i == 1 { // rolls back the whole transaction, not just this op
					q = `INSERT OR ROLLBACK INTO kv(id, v) VALUES (100 + ? - 1, 'dup')`
				}
				_, err := tx.Exec(q, i)
				return err
			})
		})
		waitQueued(t, s, i+1) // keep the order 0, 1, 2
	}
	release()
	wg.Wait()
	<-blocked
	for i, err := range errs {
		t.Logf("op %d: %v", i, err)
		if present := has(t, s.DB(), i); present != (err == nil) {
			t.Errorf("op %d: err %v but row present %v", i, err, present)
		}
	}
	if errs[0] == nil || errs[1] == nil {
		t.Error("ops of the aborted transaction reported success")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	cfg := fileConfig(t)
	s := openKV(t, cfg)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := readFile(t, cfg.Path)

	_, err = Open(cfg)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open: %v, want ErrNewerSchema", err)
	}
	want := fmt.Sprintf("database %s has schema version 99, newer than this Skyport build supports (%d)", cfg.Path, len(migrations))
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err, want)
	}
	t.Log(err)
	if !bytes.Equal(before, readFile(t, cfg.Path)) {
		t.Error("refused database file was modified")
	}
	if s, err := Open(cfg); err == nil { // the lock was released on failure
		s.Close()
		t.Fatal("second Open succeeded")
	} else if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("second Open: %v", err)
	}
}

// readFile returns the bytes of path.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCorruptFile(t *testing.T) {
	valid := validDatabase(t)
	random := make([]byte, max(8192, len(valid)))
	for i := range random {
		random[i] = byte(i*7919 + i>>3)
	}
	garbled := slices.Clone(valid)
	copy(garbled[100:], random) // page 1 (the schema) and beyond
	cases := map[string][]byte{
		"random":    random,
		"truncated": valid[:50],
		"garbled":   garbled,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(Config{Path: path})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			t.Log(err)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path+" is not a Skyport database or is corrupted") {
				t.Errorf("Open: %v, want ErrCorrupt naming the path", err)
			}
			if !bytes.Equal(content, readFile(t, path)) {
				t.Error("corrupt file was modified")
			}
		})
	}
}

func TestForeignDatabase(t *testing.T) {
	for name, setup := range map[string]string{
		"tables without version": `CREATE TABLE people (name TEXT)`,
		"version without meta":   `CREATE TABLE people (name TEXT); PRAGMA user_version = 1`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(setup); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			before := readFile(t, path)
			_, err = Open(Config{Path: path})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path+" is not a Skyport database") {
				t.Fatalf("Open: %v, want ErrCorrupt naming the path", err)
			}
			if !bytes.Equal(before, readFile(t, path)) {
				t.Error("foreign database was modified")
			}
		})
	}
	dir := t.TempDir()
	if _, err := Open(Config{Path: dir}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Open of a folder: %v", err)
	}
}

// validDatabase returns the bytes of a closed, checkpointed database.
func validDatabase(t *testing.T) []byte {
	cfg := fileConfig(t)
	s := openKV(t, cfg)
	for i := range 50 {
		if err := insert(context.Background(), s, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return readFile(t, cfg.Path)
}

func TestLockedSameProcess(t *testing.T) {
	if !lockSupported {
		t.Skip("no process lock on this platform")
	}
	cfg := fileConfig(t)
	s := openKV(t, cfg)
	_, err := Open(cfg)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), cfg.Path+": another Skyport process is using it") {
		t.Fatalf("second Open: %v, want ErrLocked naming the path", err)
	}
	t.Log(err)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openKV(t, cfg) // released by Close
	s2.Close()
}

func TestUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "sub", "skyport.db") // folder under a file
	_, err := Open(Config{Path: path})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open: %v, want an error naming %s", err, path)
	}
	t.Log(err)
}

func TestPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores permissions")
	}
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(ro, "skyport.db")
	if _, err := Open(Config{Path: path}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open read-only folder: %v, want an error naming %s", err, path)
	}
	file := filepath.Join(dir, "ro.db")
	if err := os.WriteFile(file, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Config{Path: file}); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("Open read-only file: %v, want an error naming %s", err, file)
	}
}

func TestFileModes(t *testing.T) {
	cfg := fileConfig(t)
	s := openKV(t, cfg)
	defer s.Close()
	modes := map[string]os.FileMode{filepath.Dir(cfg.Path): 0o700, cfg.Path: 0o600,
		cfg.Path + "-wal": 0o600, cfg.Path + "-shm": 0o600, cfg.Path + ".lock": 0o600}
	for path, want := range modes {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
	if s.Path() != cfg.Path {
		t.Errorf("Path() = %q, want %q", s.Path(), cfg.Path)
	}
}

func TestOddPath(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "we?ird #dir %20&x=1", "sky port.db")}
	s := openKV(t, cfg)
	if err := insert(context.Background(), s, 1); err != nil {
		t.Fatal(err)
	}
	if !has(t, s.DB(), 1) {
		t.Fatal("row not readable")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cfg.Path); err != nil {
		t.Fatalf("database not at the given path: %v", err)
	}
}

func TestMigrations(t *testing.T) {
	cfg := fileConfig(t)
	base := len(migrations)
	migs := append(slices.Clone(migrations),
		Migration{Version: base + 1, Name: "log", SQL: `CREATE TABLE log (n INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT); INSERT INTO log(name) VALUES ('a')`},
		Migration{Version: base + 2, Name: "log b", SQL: `INSERT INTO log(name) VALUES ('b')`},
	)
	for range 2 { // the second open must apply nothing
		s, err := openWith(cfg, migs)
		if err != nil {
			t.Fatal(err)
		}
		if v := s.SchemaVersion(); v != base+2 {
			t.Errorf("SchemaVersion = %d, want %d", v, base+2)
		}
		if got := logNames(t, s.DB()); got != "a,b" {
			t.Errorf("applied %q, want a,b", got)
		}
		var created string
		if err := s.DB().QueryRow(`SELECT value FROM meta WHERE key = 'created_at'`).Scan(&created); err != nil || created == "" {
			t.Errorf("meta created_at = %q, %v", created, err)
		}
		s.Close()
	}
	bad := append(migs, Migration{Version: base + 3, Name: "broken", SQL: `INSERT INTO log(name) VALUES ('c'); INSERT INTO nosuch VALUES (1)`})
	want := fmt.Sprintf("migration %d (broken)", base+3)
	if _, err := openWith(cfg, bad); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("broken migration: %v, want %q", err, want)
	}
	s, err := openWith(cfg, migs) // would be ErrNewerSchema had the version moved
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := s.SchemaVersion(); v != base+2 {
		t.Errorf("after failed migration SchemaVersion = %d, want %d", v, base+2)
	}
	if got := logNames(t, s.DB()); got != "a,b" {
		t.Errorf("after failed migration log = %q, want a,b", got)
	}
	if _, err := openWith(Config{Memory: true}, []Migration{{Version: 2, Name: "gap"}}); err == nil {
		t.Error("misnumbered migrations accepted")
	}
}

// logNames returns the names in the migration test's log table, in order.
func logNames(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM log ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

func TestMemoryReadersAndWriters(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	if s.Path() != memoryPath {
		t.Errorf("Path() = %q", s.Path())
	}
	const writers, each = 16, 100
	var wg sync.WaitGroup
	var stop atomic.Bool
	errc := make(chan error, writers+8)
	for range 8 {
		wg.Go(func() { errc <- readMonotonic(s.DB(), &stop) })
	}
	var ww sync.WaitGroup
	for g := range writers {
		ww.Go(func() {
			for i := range each {
				if err := insert(context.Background(), s, g*each+i); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	ww.Wait()
	stop.Store(true)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, s.DB()); n != writers*each {
		t.Fatalf("count = %d, want %d", n, writers*each)
	}
	if _, err := s.DB().Exec(`INSERT INTO kv(id, v) VALUES (-1, 'x')`); err == nil {
		t.Error("write through the read pool succeeded")
	}
}

// readMonotonic counts kv rows until stop, failing if the count goes down.
func readMonotonic(db *sql.DB, stop *atomic.Bool) error {
	last := 0
	for !stop.Load() {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM kv`).Scan(&n); err != nil {
			return err
		}
		if n < last {
			return fmt.Errorf("count went from %d to %d", last, n)
		}
		last = n
	}
	return nil
}

func TestWriteAfterClose(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := insert(context.Background(), s, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCloseFlushesQueued(t *testing.T) {
	cfg := fileConfig(t)
	s, err := openWith(cfg, kvMigrations())
	if err != nil {
		t.Fatal(err)
	}
	release, blocked := blockWriter(t, s)
	const n = 100
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- insert(context.Background(), s, i) }()
	}
	waitQueued(t, s, n)
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	time.Sleep(20 * time.Millisecond) // let Close stop the queue
	if err := insert(context.Background(), s, -1); !errors.Is(err, ErrClosed) {
		t.Errorf("Write during Close: %v, want ErrClosed", err)
	}
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("queued write: %v", err)
		}
	}
	s2 := openKV(t, cfg)
	if got := count(t, s2.DB()); got != n {
		t.Errorf("after reopen count = %d, want %d", got, n)
	}
}

func TestCloseRacingWrites(t *testing.T) {
	cfg := fileConfig(t)
	s, err := openWith(cfg, kvMigrations())
	if err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				err := insert(context.Background(), s, int(next.Add(1)))
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				acked.Add(1)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	var cw sync.WaitGroup
	for range 3 { // concurrent Close calls
		cw.Go(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	cw.Wait()
	wg.Wait()
	s2 := openKV(t, cfg)
	if got := count(t, s2.DB()); int64(got) != acked.Load() {
		t.Errorf("rows %d, acknowledged %d", got, acked.Load())
	}
}

func TestContextCancelledBeforeStart(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	var ran atomic.Bool
	fn := func(*Tx) error { ran.Store(true); return nil }

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Write(ctx, fn); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write with cancelled ctx: %v", err)
	}

	release, blocked := blockWriter(t, s)
	ctx, cancel = context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { errc <- s.Write(ctx, fn) }()
	waitQueued(t, s, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Write cancelled while queued: %v", err)
	}
	release()
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), func(*Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Fatal("a cancelled write ran")
	}
}

func TestStartedWriteRunsToEnd(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Write(ctx, func(tx *Tx) error {
		cancel()
		_, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (1, 'x')`)
		return err
	})
	if err != nil || !has(t, s.DB(), 1) {
		t.Fatalf("started write: %v, row present %v", err, has(t, s.DB(), 1))
	}
}

func TestTxQueriesAndDone(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	var kept *Tx
	err := s.Write(context.Background(), func(tx *Tx) error {
		kept = tx
		for i := range 3 {
			if _, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
				return err
			}
		}
		var v string
		if err := tx.QueryRow(`SELECT v FROM kv WHERE id = ?`, 2).Scan(&v); err != nil || v != "v2" {
			return fmt.Errorf("QueryRow = %q, %v", v, err)
		}
		rows, err := tx.Query(`SELECT id FROM kv ORDER BY id`)
		if err != nil {
			return err
		}
		rows.Next() // left open on purpose: closed when fn returns
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Exec(`DELETE FROM kv`); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Exec on finished Tx: %v", err)
	}
	if _, err := kept.Query(`SELECT 1`); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Query on finished Tx: %v", err)
	}
	var n int
	if err := kept.QueryRow(`SELECT 1`).Scan(&n); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("QueryRow on finished Tx: %v", err)
	}
	if n := count(t, s.DB()); n != 3 {
		t.Errorf("count %d, want 3", n)
	}
}

func TestStatementCache(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	var first *sql.Stmt
	for i := range 50 {
		if err := insert(context.Background(), s, i); err != nil {
			t.Fatal(err)
		}
		st := s.w.stmts[`INSERT INTO kv(id, v) VALUES (?, ?)`] // writer idle: safe after Write
		if first == nil {
			first = st
		}
		if st == nil || st != first {
			t.Fatalf("write %d: statement not reused", i)
		}
	}
	err := s.Write(context.Background(), func(tx *Tx) error {
		for i := range maxCachedStmts + 20 {
			if _, err := tx.Exec(fmt.Sprintf(`UPDATE kv SET v = 'x' WHERE id = %d`, i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.w.stmts); n > maxCachedStmts {
		t.Errorf("%d cached statements, bound %d", n, maxCachedStmts)
	}
}

// TestFailingFirstWriteOfBatch covers the first write of a batch, which
// runs without a savepoint: when it fails, the transaction is rolled back
// and begun again, so nothing of it stays and the writes queued behind it
// commit in the same batch. The second write fails too (it is then first in
// the new transaction); the others succeed.
func TestFailingFirstWriteOfBatch(t *testing.T) {
	for _, mem := range []bool{false, true} {
		for _, how := range []string{"error", "panic", "sql"} {
			t.Run(fmt.Sprintf("memory=%v/%s", mem, how), func(t *testing.T) {
				cfg := fileConfig(t)
				cfg.Memory = mem
				s := openKV(t, cfg)
				if err := insert(context.Background(), s, 100); err != nil {
					t.Fatal(err)
				}
				before := s.Stats()
				fail := func(tx *Tx, id int) error {
					if _, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, 'v')`, id); err != nil {
						return err
					}
					switch how {
					case "panic":
						panic(fmt.Sprintf("boom %d", id))
					case "sql": // a duplicate key after the row went in
						_, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (100, 'dup')`)
						return err
					}
					return fmt.Errorf("op %d refuses", id)
				}
				started, gate := make(chan struct{}), make(chan struct{})
				errs := make([]error, 4)
				var wg sync.WaitGroup
				wg.Go(func() {
					errs[0] = s.Write(context.Background(), func(tx *Tx) error {
						close(started)
						<-gate
						return fail(tx, 0)
					})
				})
				<-started
				for i := 1; i < len(errs); i++ {
					wg.Go(func() {
						errs[i] = s.Write(context.Background(), func(tx *Tx) error {
							if i == 1 {
								return fail(tx, i)
							}
							_, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, 'v')`, i)
							return err
						})
					})
					waitQueued(t, s, i) // keep the order 1, 2, 3
				}
				close(gate)
				wg.Wait()
				for i, err := range errs {
					fails := i < 2
					if fails != (err != nil) {
						t.Errorf("op %d: err = %v, want failure %v", i, err, fails)
					}
					if fails == has(t, s.DB(), i) {
						t.Errorf("op %d: row present = %v, want %v", i, !fails, !fails)
					}
				}
				if !has(t, s.DB(), 100) || count(t, s.DB()) != 3 {
					t.Errorf("rows: %d, want 100, 2 and 3", count(t, s.DB()))
				}
				st := s.Stats()
				if st.Commits-before.Commits != 1 || st.Ops-before.Ops != 4 || st.Failed-before.Failed != 2 {
					t.Errorf("stats %+v after %+v: want 1 commit of 4 ops, 2 failed", st, before)
				}
			})
		}
	}
}

// OnCommit hears of every commit, with the writes it made durable: a
// refused write in a batch of its own commits nothing.
func TestOnCommitReportsCommits(t *testing.T) {
	cfg := fileConfig(t)
	var mu sync.Mutex
	var writes []int
	var took []time.Duration
	cfg.OnCommit = func(d time.Duration, n int) {
		mu.Lock()
		defer mu.Unlock()
		writes, took = append(writes, n), append(took, d)
	}
	s := openKV(t, cfg)
	for id := range 3 {
		if err := insert(context.Background(), s, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Write(context.Background(), func(*Tx) error { return errors.New("no") }); err == nil {
		t.Fatal("the refusing write succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(writes) != 4 || writes[0] != 1 || writes[1] != 1 || writes[2] != 1 || writes[3] != 0 {
		t.Fatalf("OnCommit heard writes %v, want [1 1 1 0]", writes)
	}
	for i, d := range took[:3] {
		if d <= 0 {
			t.Fatalf("commit %d took %v", i, d)
		}
	}
}
