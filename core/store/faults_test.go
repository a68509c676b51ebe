package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// healthLog collects what Config.Health reports.
type healthLog struct {
	mu     sync.Mutex
	events []error
}

func (h *healthLog) note(err error) {
	h.mu.Lock()
	h.events = append(h.events, err)
	h.mu.Unlock()
}

func (h *healthLog) get() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.events...)
}

func integrityOK(t *testing.T, s *Store) {
	t.Helper()
	var res string
	if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity check: %q %v", res, err)
	}
}

// With the disk "full" (injected at commit), every write fails with
// ErrUnavailable and is rolled back, reads go on, the health callback and
// Fault report it once, and writes resume when space returns. Nothing
// committed before is lost, nothing failed shows up after a reopen.
func TestInjectedDiskFull(t *testing.T) {
	cfg := fileConfig(t)
	faults := &Faults{}
	health := &healthLog{}
	cfg.Faults, cfg.Health = faults, health.note
	s := openKV(t, cfg)
	ctx := context.Background()
	for i := 1; i <= 10; i++ {
		if err := insert(ctx, s, i); err != nil {
			t.Fatal(err)
		}
	}

	faults.Fail(nil)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = insert(ctx, s, 100+i)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("write %d while the disk is full: %v", i, err)
		}
	}
	if count(t, s.DB()) != 10 || !has(t, s.DB(), 7) {
		t.Fatal("reads while the disk is full do not see the committed rows")
	}
	if s.Fault() == nil {
		t.Fatal("Fault is nil while writes fail")
	}
	if ev := health.get(); len(ev) != 1 || !errors.Is(ev[0], ErrUnavailable) {
		t.Fatalf("health reports while full: %v", ev)
	}

	faults.Heal()
	if err := insert(ctx, s, 11); err != nil {
		t.Fatalf("write after space returned: %v", err)
	}
	if s.Fault() != nil {
		t.Fatalf("Fault after recovery: %v", s.Fault())
	}
	if ev := health.get(); len(ev) != 2 || ev[1] != nil {
		t.Fatalf("health reports after recovery: %v", ev)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openKV(t, Config{Path: cfg.Path})
	if n := count(t, s.DB()); n != 11 {
		t.Fatalf("%d rows after reopen, want 11", n)
	}
	for i := range errs {
		if has(t, s.DB(), 100+i) {
			t.Fatalf("failed write %d is in the database", 100+i)
		}
	}
	integrityOK(t, s)
}

// A real SQLITE_FULL from SQLite itself (the database may not grow beyond
// max_page_count, as a full disk stops it) is classified the same way, the
// connection stays usable, and writes resume once the limit is raised.
func TestSQLiteFullIsUnavailable(t *testing.T) {
	health := &healthLog{}
	cfg := fileConfig(t)
	cfg.Health = health.note
	s := openKV(t, cfg)
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		if err := insert(ctx, s, i); err != nil {
			t.Fatal(err)
		}
	}
	setMaxPages := func(n int) {
		t.Helper()
		err := s.Write(ctx, func(tx *Tx) error {
			_, err := tx.Exec("PRAGMA max_page_count = " + strconv.Itoa(n))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	big := strings.Repeat("x", 1<<20)
	writeBig := func(id int) error {
		return s.Write(ctx, func(tx *Tx) error {
			_, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, ?)`, id, big)
			return err
		})
	}
	setMaxPages(1) // SQLite keeps the current size: the file may not grow
	err := writeBig(6)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("write beyond max_page_count: %v", err)
	}
	if count(t, s.DB()) != 5 {
		t.Fatal("reads fail while the database is full")
	}
	if ev := health.get(); len(ev) != 1 {
		t.Fatalf("health reports: %v", ev)
	}
	setMaxPages(1 << 30)
	if err := writeBig(7); err != nil {
		t.Fatalf("write after the limit was raised: %v", err)
	}
	if count(t, s.DB()) != 6 || has(t, s.DB(), 6) {
		t.Fatal("wrong rows after recovery")
	}
	integrityOK(t, s)
}

// OnRollback undoes run, newest first, for a function that fails and for
// every function of a batch whose commit fails; never for a committed one.
func TestOnRollback(t *testing.T) {
	cfg := fileConfig(t)
	faults := &Faults{}
	cfg.Faults = faults
	s := openKV(t, cfg)
	ctx := context.Background()
	var log []string
	write := func(id int, fail error) error {
		return s.Write(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, ?)`, id, "v"); err != nil {
				return err
			}
			tx.OnRollback(func() { log = append(log, "undo "+strconv.Itoa(id)+"a") })
			tx.OnRollback(func() { log = append(log, "undo "+strconv.Itoa(id)+"b") })
			return fail
		})
	}
	if err := write(1, nil); err != nil {
		t.Fatal(err)
	}
	if len(log) != 0 {
		t.Fatalf("committed write undone: %v", log)
	}
	if err := write(2, errors.New("refused")); err == nil {
		t.Fatal("failing function succeeded")
	}
	if strings.Join(log, ",") != "undo 2b,undo 2a" {
		t.Fatalf("failed function's undo: %v", log)
	}
	log = nil
	faults.Fail(nil)
	if err := write(3, nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("write on a full disk: %v", err)
	}
	faults.Heal()
	if strings.Join(log, ",") != "undo 3b,undo 3a" {
		t.Fatalf("rolled-back batch's undo: %v", log)
	}
	if n := count(t, s.DB()); n != 1 {
		t.Fatalf("rows after the rollbacks: %d, want 1", n)
	}
}

// A full memory store says so in words: memdb's cap, not a disk.
func TestMemoryStoreFullSaysWhy(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	ctx := context.Background()
	if err := insert(ctx, s, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("PRAGMA max_page_count = 1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (2, ?)`, strings.Repeat("x", 1<<20))
		return err
	})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "in-memory database is full") {
		t.Fatalf("write to a full memory store: %v", err)
	}
	if n := count(t, s.DB()); n != 1 {
		t.Fatalf("rows readable: %d", n)
	}
}
