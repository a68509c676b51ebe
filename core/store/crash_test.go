package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment variables that turn a re-executed test binary into a child.
const (
	crashChildEnv = "SKYPORT_STORE_CRASH_CHILD" // database path
	crashRoundEnv = "SKYPORT_STORE_CRASH_ROUND" // id prefix of this round
	lockChildEnv  = "SKYPORT_STORE_LOCK_CHILD"  // database path
)

// crashMigrations adds the table the crash child writes to.
func crashMigrations() []Migration {
	return append(slices.Clone(migrations), Migration{
		Version: len(migrations) + 1,
		Name:    "crash ids",
		SQL:     `CREATE TABLE crash (id TEXT PRIMARY KEY) WITHOUT ROWID`,
	})
}

// child returns a command re-running this test binary as the named test.
func child(test string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	// A race-enabled binary sleeps 1s at exit unless told otherwise.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), append(env, "GORACE="+gorace)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestCrash kills a writing child process with SIGKILL and checks that every
// write it saw acknowledged is in the database, over three rounds.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in short mode")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	total := 0
	for round := range 3 {
		acked := crashRound(t, path, round)
		total += len(acked)
		s, err := openWith(Config{Path: path}, crashMigrations())
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		missing := missingIDs(t, s, acked)
		var rows int
		s.DB().QueryRow(`SELECT count(*) FROM crash`).Scan(&rows)
		s.Close()
		if len(missing) > 0 {
			t.Fatalf("round %d: %d acknowledged ids lost, e.g. %v", round, len(missing), missing[:min(5, len(missing))])
		}
		t.Logf("round %d: %d acknowledged ids all present (%d rows in total)", round, len(acked), rows)
		if rows < total {
			t.Fatalf("round %d: %d rows, fewer than %d acknowledged", round, rows, total)
		}
	}
}

// crashRound runs one child, kills it after a while and returns the ids it
// printed as acknowledged.
func crashRound(t *testing.T, path string, round int) []string {
	cmd := child("TestCrashChild", crashChildEnv+"="+path, fmt.Sprintf("%s=r%d", crashRoundEnv, round))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	var mu sync.Mutex
	readDone := make(chan struct{})
	go func() { // read continuously so the child never blocks on the pipe
		defer close(readDone)
		r := bufio.NewReader(out)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // a last line without '\n' is incomplete: ignored
			}
			if id, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "ack "); ok {
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}
	}()
	waitAcked(&mu, &acked, 3000, time.Duration(300+200*round)*time.Millisecond, 10*time.Second)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-readDone
	_ = cmd.Wait() // "signal: killed"
	if len(acked) == 0 {
		t.Fatalf("round %d: the child acknowledged nothing", round)
	}
	return acked
}

// waitAcked waits for at least min, until at least n ids, or at most max.
func waitAcked(mu *sync.Mutex, acked *[]string, n int, least, most time.Duration) {
	start := time.Now()
	for {
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		got := len(*acked)
		mu.Unlock()
		el := time.Since(start)
		if el >= most || (el >= least && (got >= n || got > 0 && el >= 2*least)) {
			return
		}
	}
}

// missingIDs returns the ids not found in the crash table.
func missingIDs(t *testing.T, s *Store, ids []string) []string {
	stmt, err := s.DB().Prepare(`SELECT count(*) FROM crash WHERE id = ?`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	var missing []string
	for _, id := range ids {
		var n int
		if err := stmt.QueryRow(id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			missing = append(missing, id)
		}
	}
	return missing
}

// TestCrashChild is the child of TestCrash: 16 goroutines insert unique ids
// and print each one after its Write returned nil, until killed. It does
// nothing unless SKYPORT_STORE_CRASH_CHILD is set.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		return
	}
	s, err := openWith(Config{Path: path, Durability: Full}, crashMigrations())
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	prefix := os.Getenv(crashRoundEnv)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("%s-%d-%d", prefix, g, i)
				err := s.Write(context.Background(), func(tx *Tx) error {
					_, err := tx.Exec(`INSERT INTO crash(id) VALUES (?)`, id)
					return err
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "crash child:", err)
					os.Exit(3)
				}
				mu.Lock()
				_, err = io.WriteString(os.Stdout, "ack "+id+"\n") // unbuffered: one write per line
				mu.Unlock()
				if err != nil {
					os.Exit(4)
				}
			}
		})
	}
	wg.Wait()
}

// TestLockedOtherProcess opens a store here and checks that a child
// process cannot open it.
func TestLockedOtherProcess(t *testing.T) {
	if !lockSupported {
		t.Skip("no process lock on this platform")
	}
	cfg := fileConfig(t)
	s := openKV(t, cfg)
	defer s.Close()
	out, err := child("TestLockChild", lockChildEnv+"="+cfg.Path).Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	got := string(out)
	if !strings.Contains(got, "locked: true") || !strings.Contains(got, cfg.Path+": another Skyport process is using it") {
		t.Fatalf("child output %q: want ErrLocked naming %s", got, cfg.Path)
	}
}

// TestLockChild is the child of TestLockedOtherProcess: it tries to open
// the store and prints the outcome. It does nothing unless
// SKYPORT_STORE_LOCK_CHILD is set.
func TestLockChild(t *testing.T) {
	path := os.Getenv(lockChildEnv)
	if path == "" {
		return
	}
	s, err := Open(Config{Path: path})
	if err == nil {
		s.Close()
	}
	fmt.Printf("locked: %v\nerror: %v\n", errors.Is(err, ErrLocked), err)
}
