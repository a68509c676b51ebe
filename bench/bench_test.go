package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/store"
	"github.com/skyport-dev/skyport/core/wire"
)

// The benchmarks run each server in a child process (this test binary
// re-executed), so the server's CPU time can be read apart from the client's.
const childEnv = "SKYPORT_BENCH_SERVER"

func TestMain(m *testing.M) {
	if kind := os.Getenv(childEnv); kind != "" {
		serveChild(kind)
		return
	}
	os.Exit(m.Run())
}

// serveChild runs "skyport:DATA" (a durable core on DATA) or "ceiling" and
// prints its URL; it exits when stdin closes.
func serveChild(kind string) {
	// SKYPORT_BENCH_SERVER_CPUPROFILE=FILE profiles the Skyport child and
	// SKYPORT_BENCH_CEILING_CPUPROFILE=FILE the ceiling (the test's own
	// -cpuprofile sees only the client).
	profile := os.Getenv(childEnv + "_CPUPROFILE")
	if kind == "ceiling" {
		profile = os.Getenv("SKYPORT_BENCH_CEILING_CPUPROFILE")
	}
	if path := profile; path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	var url string
	switch {
	case kind == "ceiling":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		go http.Serve(ln, Ceiling{})
		url = "http://" + ln.Addr().String()
	case strings.HasPrefix(kind, "skyport:"):
		// SKYPORT_BENCH_DURABILITY=relaxed measures the cost of the
		// per-commit fsync (the targets are for full).
		cfg := core.Config{DataPath: strings.TrimPrefix(kind, "skyport:")}
		if os.Getenv("SKYPORT_BENCH_DURABILITY") == "relaxed" {
			cfg.Durability = store.Relaxed
		}
		c, err := core.Open(cfg)
		if err != nil {
			panic(err)
		}
		defer c.Close()
		srv, err := wire.Listen(c, "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		url = srv.URL()
	}
	fmt.Println(url)
	bufio.NewReader(os.Stdin).ReadString('\n')
}

type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(b *testing.B, kind string) *child {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+kind)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	return &child{cmd: cmd, url: strings.TrimSpace(line)}
}

// cpu returns the child's user+system CPU time so far (Linux /proc).
func (c *child) cpu() time.Duration {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(c.cmd.Process.Pid), "stat"))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

type measured struct {
	res Result
	cpu time.Duration
	// Store writes and group commits during the run (Skyport only): how
	// many writes share an fsync, and how long commits took.
	ops, commits float64
	commitP99    time.Duration
}

// storeSnap is the child's store counters at one moment (zeros from the
// ceiling, which has none): writes, commits, and the commit-time
// histogram's cumulative buckets by upper bound.
type storeSnap struct {
	ops, commits float64
	bounds       []float64
	cum          []float64
}

// storeCounters reads the store's counters from the child's /metrics.
func (c *child) storeCounters() storeSnap {
	var sn storeSnap
	resp, err := http.Get(c.url + "/metrics")
	if err != nil {
		return sn
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(value, 64)
		switch {
		case name == "skyport_store_ops_total":
			sn.ops = v
		case name == "skyport_store_commits_total":
			sn.commits = v
		case strings.HasPrefix(name, `skyport_store_commit_seconds_bucket{le="`):
			le := strings.TrimSuffix(strings.TrimPrefix(name, `skyport_store_commit_seconds_bucket{le="`), `"}`)
			bound, err := strconv.ParseFloat(le, 64)
			if le == "+Inf" {
				bound, err = math.Inf(1), nil
			}
			if err == nil {
				sn.bounds, sn.cum = append(sn.bounds, bound), append(sn.cum, v)
			}
		}
	}
	return sn
}

// commitQuantile returns the bucket bound under which the q quantile of
// the commits between a and b took, or 0 when none happened.
func commitQuantile(a, b storeSnap, q float64) time.Duration {
	if len(b.cum) == 0 || len(a.cum) != len(b.cum) {
		return 0
	}
	total := b.cum[len(b.cum)-1] - a.cum[len(a.cum)-1]
	if total == 0 {
		return 0
	}
	for i := range b.cum {
		if b.cum[i]-a.cum[i] >= q*total {
			return time.Duration(b.bounds[i] * float64(time.Second))
		}
	}
	return 0
}

func measure(b *testing.B, c *child, name string, clients int, scenario func(*Runner, context.Context) Result) measured {
	ctx := context.Background()
	r, err := NewRunner(ctx, Config{Endpoint: c.url, Queue: "bench-" + name, Clients: clients, Duration: 3 * time.Second, Size: 256})
	if err != nil {
		b.Fatal(err)
	}
	if name == "receive-delete" {
		if err := r.Fill(ctx, 80000); err != nil {
			b.Fatal(err)
		}
	}
	s0 := c.storeCounters()
	before := c.cpu()
	res := scenario(r, ctx)
	m := measured{res: res, cpu: c.cpu() - before}
	s1 := c.storeCounters()
	m.ops, m.commits, m.commitP99 = s1.ops-s0.ops, s1.commits-s0.commits, commitQuantile(s0, s1, 0.99)
	return m
}

// benchScenario reports whether SKYPORT_BENCH_SCENARIOS (a comma-separated
// list such as "send-16,latency"; unset: all) names the scenario key, so
// that a profile of one child can cover one scenario.
func benchScenario(key string) bool {
	only := os.Getenv("SKYPORT_BENCH_SCENARIOS")
	return only == "" || slices.Contains(strings.Split(only, ","), key)
}

// BenchmarkSQSVersusCeiling measures Skyport (durable, full fsync) against
// the canned-response ceiling with the same SDK client and concurrency, and
// reports each rate and its ratio. Run with -benchtime=1x.
func BenchmarkSQSVersusCeiling(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sky := startChild(b, "skyport:"+filepath.Join(b.TempDir(), "bench.db"))
		ceil := startChild(b, "ceiling")
		scenarios := []struct {
			name    string
			clients int
			run     func(*Runner, context.Context) Result
		}{
			{"send", 1, (*Runner).Send},
			{"send", 16, (*Runner).Send},
			{"send-batch", 16, (*Runner).SendBatch},
			{"receive-delete", 16, (*Runner).ReceiveDelete},
		}
		for _, s := range scenarios {
			key := fmt.Sprintf("%s-%d", s.name, s.clients)
			if !benchScenario(key) {
				continue
			}
			got := measure(b, sky, s.name, s.clients, s.run)
			ref := measure(b, ceil, s.name, s.clients, s.run)
			ratio := got.res.MessagesPerSecond() / ref.res.MessagesPerSecond()
			b.ReportMetric(got.res.MessagesPerSecond(), key+"-msgs/s")
			b.ReportMetric(ratio, key+"-ratio")
			cpuSky := float64(got.cpu) / float64(got.res.Calls) * 1000 / float64(time.Millisecond)
			cpuRef := float64(ref.cpu) / float64(ref.res.Calls) * 1000 / float64(time.Millisecond)
			b.Logf("%s\n  skyport: %s cpu/1000 calls=%.1fms writes/commit=%.1f commit p99≤%v\n  ceiling: %s cpu/1000 calls=%.1fms\n  ratio %.2f, cpu ratio %.2f",
				key, got.res, cpuSky, got.ops/max(got.commits, 1), got.commitP99, ref.res, cpuRef, ratio, cpuSky/cpuRef)
			if s.name == "send" && s.clients == 16 {
				b.ReportMetric(cpuSky/cpuRef, "send-cpu-ratio")
			}
		}
		if !benchScenario("latency") {
			continue
		}
		r, err := NewRunner(context.Background(), Config{Endpoint: sky.url, Queue: "bench-latency", Duration: 5 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		s0 := sky.storeCounters()
		lat, err := r.Latency(context.Background(), 100)
		if err != nil {
			b.Fatal(err)
		}
		s1 := sky.storeCounters()
		cp50, cp99 := commitQuantile(s0, s1, 0.5), commitQuantile(s0, s1, 0.99)
		b.Logf("latency at 100 msg/s with long polling: %s; commits p50≤%v p99≤%v", lat, cp50, cp99)
		// The commits' own tail, next to the latency's: how much of it is
		// the disk's (the log above is cut after a few lines by go test).
		b.ReportMetric(float64(cp99.Microseconds())/1000, "latency-commit-p99≤ms")
		b.ReportMetric(float64(lat.P99.Microseconds())/1000, "latency-p99-ms")
		b.ReportMetric(float64(lat.P50.Microseconds())/1000, "latency-p50-ms")
	}
}
