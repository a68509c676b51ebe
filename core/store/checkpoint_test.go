package store

import (
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Under continuous concurrent writes, with readers running, the background
// checkpointer runs and the write-ahead log keeps restarting: the -wal file
// never grows much beyond the writer's automatic checkpoint threshold, and
// everything written is there, through the read pool and after a reopen.
func TestBackgroundCheckpointBoundsLog(t *testing.T) {
	cfg := fileConfig(t)
	s := openKV(t, cfg)
	ctx := context.Background()
	big := strings.Repeat("x", 60<<10) // about 16 frames a row
	const writers, perWriter = 16, 150 // about 39,000 frames (160 MB of log if it never restarted)
	var wg sync.WaitGroup
	var stop atomic.Bool
	var maxWAL atomic.Int64
	for range 2 {
		wg.Go(func() { // readers, and the log size watch
			for !stop.Load() {
				var n int
				if err := s.DB().QueryRow(`SELECT count(*) FROM kv`).Scan(&n); err != nil {
					t.Error(err)
					return
				}
				if fi, err := os.Stat(cfg.Path + "-wal"); err == nil && fi.Size() > maxWAL.Load() {
					maxWAL.Store(fi.Size())
				}
			}
		})
	}
	var writes sync.WaitGroup
	for w := range writers {
		writes.Go(func() {
			for i := range perWriter {
				err := s.Write(ctx, func(tx *Tx) error {
					_, err := tx.Exec(`INSERT INTO kv(id, v) VALUES (?, ?)`, w*perWriter+i, big)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	writes.Wait()
	stop.Store(true)
	wg.Wait()
	if got := count(t, s.DB()); got != writers*perWriter {
		t.Fatalf("%d rows, want %d", got, writers*perWriter)
	}
	st := s.Stats()
	if st.Checkpoints == 0 {
		t.Errorf("no background checkpoint ran (stats %+v)", st)
	}
	// The writer's checkpoint is skipped while a background one runs, and
	// commits go on meanwhile: the log may overshoot the threshold by what
	// is committed during one background checkpoint.
	const frame = 4096 + 24
	limit := int64(2*writerCheckpointFrames) * frame
	if m := maxWAL.Load(); m == 0 || m > limit {
		t.Errorf("the log reached %d bytes, want 0 < size <= %d", m, limit)
	}
	t.Logf("stats %+v; largest log %d KiB", st, maxWAL.Load()>>10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(cfg.Path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("the log holds %d bytes after Close, want it emptied", fi.Size())
	}
	again := openKV(t, cfg)
	if got := count(t, again.DB()); got != writers*perWriter {
		t.Fatalf("after reopening: %d rows, want %d", got, writers*perWriter)
	}
}

// A memory store has no checkpointer.
func TestMemoryStoreHasNoCheckpointer(t *testing.T) {
	s := openKV(t, Config{Memory: true})
	for i := range 100 {
		if err := insert(context.Background(), s, i); err != nil {
			t.Fatal(err)
		}
	}
	if s.w.ckpt != nil || s.Stats().Checkpoints != 0 {
		t.Fatalf("memory store checkpointer %v, stats %+v", s.w.ckpt, s.Stats())
	}
}
