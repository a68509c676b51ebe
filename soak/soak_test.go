package soak

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/skyport-dev/skyport/cli"
)

var (
	soakDuration = flag.Duration("soak.duration", 60*time.Second, "how long the load runs")
	soakKills    = flag.Int("soak.kills", 0, "SIGKILLs during the load (0: one every 15 s, at least 3)")
	soakKeep     = flag.String("soak.keep", "", "copy the database, as it is before retention, to this `file` (to study it)")
)

// childEnv marks the test binary re-executed as the server: it then runs
// `skyport serve` (the CLI without the GUI) with the arguments in
// SKYPORT_SOAK_ARGS, so the soak needs no build of the desktop app.
const childEnv = "SKYPORT_SOAK_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		args := strings.Fields(os.Getenv("SKYPORT_SOAK_ARGS"))
		os.Exit(cli.Main(args, cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

// server is the `skyport serve` child, restarted on the same port and file.
type server struct {
	t        *testing.T
	addr     string
	data     string
	cmd      *exec.Cmd
	peakRSS  atomic.Int64 // bytes, over every run
	sampling sync.WaitGroup
	stop     chan struct{}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the child and waits until /health answers.
func (s *server) start() {
	s.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "SKYPORT_SOAK_ARGS=serve --addr "+s.addr+" --data "+s.data)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() { // keep the pipe drained
		sc := bufio.NewScanner(out)
		for sc.Scan() {
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			s.t.Fatalf("server did not come up: %v; stderr: %s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.cmd = cmd
	s.stop = make(chan struct{})
	s.sampling.Add(1)
	go s.sample(cmd.Process.Pid, s.stop)
}

// sample records the child's peak resident set size (Linux: VmHWM).
func (s *server) sample(pid int, stop <-chan struct{}) {
	defer s.sampling.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if rss := peakRSS(pid); rss > s.peakRSS.Load() {
			s.peakRSS.Store(rss)
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// peakRSS reads VmHWM from /proc; 0 where there is no /proc.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// kill SIGKILLs the child (or stops it with SIGTERM) and reaps it.
func (s *server) end(sig syscall.Signal) {
	s.t.Helper()
	if rss := peakRSS(s.cmd.Process.Pid); rss > s.peakRSS.Load() {
		s.peakRSS.Store(rss)
	}
	close(s.stop)
	s.sampling.Wait()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	err := s.cmd.Wait()
	if sig == syscall.SIGTERM && err != nil {
		s.t.Fatalf("server did not stop cleanly: %v", err)
	}
}

func (s *server) advance(d time.Duration) error {
	resp, err := http.Post("http://"+s.addr+"/_skyport/clock/advance?by="+d.String(), "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("clock advance: HTTP %d", resp.StatusCode)
	}
	return nil
}

// fileSize is the database file plus its write-ahead log.
func fileSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// dbSize measures a closed database: its file (with any write-ahead log),
// the bytes in use (pages not on the free list) and the size VACUUM INTO
// a copy gives, which is what the file shrinks to once compacted.
type dbSize struct{ file, live, vacuumed int64 }

func measure(t *testing.T, path string) dbSize {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pages, free, size int64
	for q, v := range map[string]*int64{"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &size} {
		if err := db.QueryRow(q).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	into := filepath.Join(t.TempDir(), "vacuumed.db")
	if _, err := db.Exec("VACUUM INTO ?", into); err != nil {
		t.Fatal(err)
	}
	return dbSize{file: fileSize(path), live: (pages - free) * size, vacuumed: fileSize(into)}
}

func (d dbSize) String() string {
	return fmt.Sprintf("file %s, %s in use, %s vacuumed", mib(d.file), mib(d.live), mib(d.vacuumed))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// TestSoak runs every workload against a server that is SIGKILLed and
// restarted during the load, then checks every ledger. `make soak` runs it
// for longer: go test ./soak -run TestSoak -soak.duration=10m.
func TestSoak(t *testing.T) {
	kills := *soakKills
	if kills <= 0 {
		kills = max(3, int(*soakDuration/(15*time.Second)))
	}
	s := &server{t: t, addr: freePort(t), data: filepath.Join(t.TempDir(), "soak.db")}
	s.start()
	target := Target{Endpoint: "http://" + s.addr, Advance: s.advance}
	ctx := context.Background()
	workloads := Workloads()
	for _, w := range workloads {
		if err := w.Setup(ctx, target); err != nil {
			t.Fatalf("%s setup: %v", w.Name(), err)
		}
	}

	loadCtx, stopLoad := context.WithCancel(ctx)
	ops := make([]atomic.Int64, len(workloads)) // successful calls, per workload
	sum := func() (n int64) {
		for i := range ops {
			n += ops[i].Load()
		}
		return n
	}
	var wg sync.WaitGroup
	for i, w := range workloads {
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(loadCtx, target, &ops[i]) }()
	}
	began := time.Now()
	interval := *soakDuration / time.Duration(kills+1)
	var down time.Duration
	for k := 1; k <= kills; k++ {
		time.Sleep(time.Until(began.Add(time.Duration(k) * interval)))
		s.end(syscall.SIGKILL)
		t0 := time.Now()
		s.start()
		down += time.Since(t0)
		var kinds []string
		for i, w := range workloads {
			kinds = append(kinds, fmt.Sprintf("%s %d", w.Name(), ops[i].Load()))
		}
		t.Logf("kill %d/%d at %s: %d operations so far (%s), server back in %s",
			k, kills, time.Since(began).Round(time.Second), sum(), strings.Join(kinds, ", "), time.Since(t0).Round(time.Millisecond))
	}
	time.Sleep(time.Until(began.Add(*soakDuration)))
	loadSize := fileSize(s.data)
	s.end(syscall.SIGKILL) // the last kill lands mid-load too
	elapsed := time.Since(began)
	stopLoad()
	wg.Wait()
	total := sum()
	var perKind []string
	for i, w := range workloads {
		n := ops[i].Load()
		perKind = append(perKind, fmt.Sprintf("%s %.0f/s", w.Name(), float64(n)/elapsed.Seconds()))
		if n < 100 {
			t.Errorf("%s: only %d operations succeeded: its load did not run", w.Name(), n)
		}
	}

	s.start()
	for _, w := range workloads {
		if st, ok := w.(Settler); ok {
			t0 := time.Now()
			if err := st.Settle(ctx, target); err != nil {
				t.Errorf("%s settle: %v", w.Name(), err)
			}
			t.Logf("%s settled in %s", w.Name(), time.Since(t0).Round(time.Millisecond))
		}
	}
	mismatches := 0
	for _, w := range workloads {
		t0 := time.Now()
		r := w.Verify(ctx, target)
		t.Logf("%s (verified in %s)", r, time.Since(t0).Round(time.Millisecond))
		mismatches += len(r.Mismatches)
		if len(r.Mismatches) > 0 {
			t.Errorf("%s: %d ledger mismatches", w.Name(), len(r.Mismatches))
		}
	}
	// What is left after the checks, measured on the closed file; then
	// every workload lets retention drop its share, and the file is
	// measured again.
	s.end(syscall.SIGTERM)
	before := measure(t, s.data)
	if *soakKeep != "" {
		b, err := os.ReadFile(s.data)
		if err == nil {
			err = os.WriteFile(*soakKeep, b, 0o600)
		}
		if err != nil {
			t.Errorf("keep the database: %v", err)
		}
	}
	s.start()
	for _, w := range workloads {
		t0 := time.Now()
		if err := w.Retire(ctx, target); err != nil {
			t.Errorf("%s retire: %v", w.Name(), err)
		}
		t.Logf("%s retired in %s", w.Name(), time.Since(t0).Round(time.Millisecond))
	}
	s.end(syscall.SIGTERM)
	after := measure(t, s.data)

	t.Logf("SOAK %s of load: %d operations (%.0f/s held: %s), %d SIGKILLs survived (%s down in all), %d ledger mismatches, "+
		"peak RSS %s, database %s at the end of the load; before retention %s; after retention %s",
		elapsed.Round(time.Second), total, float64(total)/elapsed.Seconds(), strings.Join(perKind, ", "), kills+1, down.Round(time.Millisecond),
		mismatches, mib(s.peakRSS.Load()), mib(loadSize), before, after)
	if after.live >= before.live {
		t.Errorf("retention did not shrink the data in use: %s before, %s after", mib(before.live), mib(after.live))
	}
	if total < 1000 {
		t.Errorf("only %d operations succeeded: the load did not run", total)
	}
	if rss := s.peakRSS.Load(); rss > 1<<30 {
		t.Errorf("peak RSS %s: memory is not bounded", mib(rss))
	}
}
