// Package soak drives mixed load through the AWS SDKs against a `skyport
// serve` process that is SIGKILLed and restarted while the load runs, and
// checks afterwards that the server kept every promise it acknowledged.
//
// Each service contributes a [Workload]: it creates its resources, runs its
// load while the server comes and goes, keeps a ledger of what the server
// acknowledged, and at the end verifies the ledger against what the server
// holds. The harness (soak_test.go) runs every workload in [Workloads] at
// once. Services add theirs to that list as they land (topics: publishes
// with fan-out; streams: put-records; state machines: executions).
package soak

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Target is the server under load as a workload sees it.
type Target struct {
	// Endpoint is the base URL (http://127.0.0.1:PORT). It stays the same
	// across restarts; while the server is down, calls fail.
	Endpoint string
	// Advance fast-forwards the server's clock (its /_skyport/clock/advance).
	Advance func(time.Duration) error
}

// Workload is one service's share of the soak.
type Workload interface {
	// Name names the workload in the report ("sqs", "sns", …).
	Name() string
	// Setup creates the workload's resources; the server is up.
	Setup(ctx context.Context, t Target) error
	// Run generates load until ctx ends, counting successful calls in ops.
	// The server is killed and restarted meanwhile: failed calls are part
	// of the game and must only be recorded as unacknowledged.
	Run(ctx context.Context, t Target, ops *atomic.Int64)
	// Verify runs after the last restart, with the load stopped, and checks
	// the ledger against the server. It may consume what the server holds.
	Verify(ctx context.Context, t Target) Report
	// Retire asks the server to drop everything the workload left, through
	// the service's own retention (for the before/after database size).
	Retire(ctx context.Context, t Target) error
}

// Settler is a workload whose service finishes work of its own after a
// restart (deliveries that were pending at the kill). The harness calls
// Settle on every Settler after the last restart and before any Verify:
// verifications move the clock by hours, and work the server would have
// finished within seconds of real time must not be pushed past windows
// such as FIFO deduplication's five minutes by that jump.
type Settler interface {
	Settle(ctx context.Context, t Target) error
}

// Workloads are the workloads a soak runs, one per service that has landed.
func Workloads() []Workload {
	return []Workload{NewSQS(SQSOptions{}), NewSNS(SNSOptions{}), NewKinesis(KinesisOptions{}), NewSFN(SFNOptions{})}
}

// Report is what a workload's verification found.
type Report struct {
	Workload string
	// Checked counts the acknowledged operations verified.
	Checked int
	// Mismatches lists each broken promise (lost, duplicated, out of
	// order, resurrected …); it must be empty.
	Mismatches []string
	// Notes are figures worth printing (counts, redeliveries …).
	Notes []string
}

// String formats the report on a few lines.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d acknowledged operations checked, %d mismatches", r.Workload, r.Checked, len(r.Mismatches))
	for _, n := range r.Notes {
		b.WriteString("\n  " + n)
	}
	for i, m := range r.Mismatches {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", len(r.Mismatches)-i)
			break
		}
		b.WriteString("\n  MISMATCH " + m)
	}
	return b.String()
}

// mismatches collects broken promises from many goroutines.
type mismatches struct {
	mu   sync.Mutex
	list []string
}

func (m *mismatches) addf(format string, a ...any) {
	m.mu.Lock()
	m.list = append(m.list, fmt.Sprintf(format, a...))
	m.mu.Unlock()
}

func (m *mismatches) sorted() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]string(nil), m.list...)
	sort.Strings(out)
	return out
}

// pause waits d or until ctx ends; it reports whether ctx is still live.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// metricSum adds up every sample of the Prometheus metric name (all label
// sets) the server at endpoint exposes on /metrics.
func metricSum(endpoint, name string) (float64, error) {
	resp, err := http.Get(endpoint + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("/metrics: HTTP %d", resp.StatusCode)
	}
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("/metrics line %q: %v", line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}
