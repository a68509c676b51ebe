package queue

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"

	"github.com/skyport-dev/skyport/internal/cputime"
)

// The benchmarks run the service in process on a durable (full fsync)
// database file, on the real clock, so they measure what the wire adds
// nothing to: the index, the group-commit writer and the body cache.

func openBench(b *testing.B) *Service {
	b.Helper()
	st, err := store.Open(store.Config{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: clock.New(), Events: event.NewBus(), Metrics: metrics.NewRegistry()})
	if err != nil {
		st.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		svc.Close()
		st.Close()
	})
	return svc
}

func benchQueue(b *testing.B, svc *Service, name string) {
	b.Helper()
	if err := svc.CreateQueue(context.Background(), name, nil, nil); err != nil {
		b.Fatal(err)
	}
}

// parallel runs op from clients goroutines until b.N calls are done and
// reports calls/s and messages/s (op returns the messages it handled).
func parallel(b *testing.B, clients int, op func(ctx context.Context) (int, error)) {
	b.Helper()
	ctx := context.Background()
	var next, msgs atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	stopProfile := startLoopProfile(b)
	start, cpu0 := time.Now(), cputime.Process()
	for range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				n, err := op(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				msgs.Add(int64(n))
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cputime.Process()-cpu0
	stopProfile()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	// CPU time per call is the work done, whatever else the machine runs.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/call")
	b.ReportMetric(float64(msgs.Load())/elapsed.Seconds(), "msgs/s")
}

var body256 = strings.Repeat("b", 256)

func BenchmarkSendMessage(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			svc := openBench(b)
			benchQueue(b, svc, "send")
			parallel(b, clients, func(ctx context.Context) (int, error) {
				_, err := svc.SendMessage(ctx, "send", SendInput{Body: body256})
				return 1, err
			})
		})
	}
}

func batchOf(n int, body string) []SendBatchEntry {
	entries := make([]SendBatchEntry, n)
	for i := range entries {
		entries[i] = SendBatchEntry{ID: strconv.Itoa(i), SendInput: SendInput{Body: body}}
	}
	return entries
}

func BenchmarkSendMessageBatch10(b *testing.B) {
	svc := openBench(b)
	benchQueue(b, svc, "batch")
	entries := batchOf(10, body256)
	parallel(b, 16, func(ctx context.Context) (int, error) {
		res, err := svc.SendMessageBatch(ctx, "batch", entries)
		return len(res), err
	})
}

// fill stores n messages of body in queue name with 16 batch senders.
func fill(b *testing.B, svc *Service, name string, n int, body string) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	entries := batchOf(10, body)
	for range 16 {
		wg.Go(func() {
			for next.Add(10) <= int64(n) {
				if _, err := svc.SendMessageBatch(context.Background(), name, entries); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// receiveDelete receives up to 10 messages and deletes them in one batch.
func receiveDelete(ctx context.Context, svc *Service, name string) (int, error) {
	msgs, err := svc.ReceiveMessage(ctx, name, ReceiveInput{MaxNumberOfMessages: 10})
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	del := make([]DeleteBatchEntry, len(msgs))
	for i, m := range msgs {
		del[i] = DeleteBatchEntry{ID: strconv.Itoa(i), ReceiptHandle: m.ReceiptHandle}
	}
	_, err = svc.DeleteMessageBatch(ctx, name, del)
	return len(msgs), err
}

// BenchmarkReceiveDeleteBatch drains a filled queue with Receive(10) +
// DeleteMessageBatch from 16 consumers.
func BenchmarkReceiveDeleteBatch(b *testing.B) {
	svc := openBench(b)
	benchQueue(b, svc, "drain")
	fill(b, svc, "drain", 10*b.N+10, body256)
	parallel(b, 16, func(ctx context.Context) (int, error) { return receiveDelete(ctx, svc, "drain") })
}

// BenchmarkReceiveWithStored compares a queue holding 100 messages with one
// holding 1,000,000 (1 KiB each): each call receives 10, deletes them and
// sends 10 new ones, so the stored count stays where it was. The cost must
// not grow with the number stored. It also reports the process's resident
// memory once the queue is full.
func BenchmarkReceiveWithStored(b *testing.B) {
	body := strings.Repeat("k", 1024)
	for _, stored := range storedSizes(b) {
		b.Run("stored="+strconv.Itoa(stored), func(b *testing.B) {
			svc := openBench(b)
			benchQueue(b, svc, "stored")
			fill(b, svc, "stored", stored, body)
			runtime.GC()
			rss, rssErr := residentMiB()
			entries := batchOf(10, body)
			parallel(b, 16, func(ctx context.Context) (int, error) {
				n, err := receiveDelete(ctx, svc, "stored")
				if err != nil {
					return n, err
				}
				_, err = svc.SendMessageBatch(ctx, "stored", entries)
				return n, err
			})
			if rssErr == nil {
				b.ReportMetric(rss, "RSS-MiB") // after parallel: ResetTimer clears metrics
			}
			if c := svc.List()[0]; c.Visible+c.InFlight < int64(stored)-200 {
				b.Fatalf("the queue shrank to %d visible + %d in flight", c.Visible, c.InFlight)
			}
		})
	}
}

// loopProfileFlag names a folder where parallel writes one CPU profile of
// its measured loop per benchmark run (the fill before it is left out, unlike
// -cpuprofile), named after the benchmark and b.N.
var loopProfileFlag = flag.String("loopprofile", "", "folder for CPU profiles of the measured loops only")

// startLoopProfile starts the -loopprofile CPU profile of this run and
// returns what stops it. Runs with b.N == 1 (the framework's probe) are not
// profiled.
func startLoopProfile(b *testing.B) func() {
	if *loopProfileFlag == "" || b.N == 1 {
		return func() {}
	}
	name := strings.NewReplacer("/", "_", "=", "-").Replace(b.Name()) + "-" + strconv.Itoa(b.N) + ".pprof"
	f, err := os.Create(filepath.Join(*loopProfileFlag, name))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}

var storedFlag = flag.String("stored", "100,1000000", "comma-separated stored-message counts for BenchmarkReceiveWithStored")

func storedSizes(b *testing.B) []int {
	var out []int
	for _, f := range strings.Split(*storedFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("-stored: bad count %q", f)
		}
		out = append(out, n)
	}
	return out
}

// residentMiB reads this process's resident set size from /proc.
func residentMiB() (float64, error) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb); err != nil {
				return 0, err
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}
