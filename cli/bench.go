package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/bench"
	"github.com/skyport-dev/skyport/core"
)

// benchScenarios are the scenarios `skyport bench` knows, in run order.
var benchScenarios = []string{"send", "send-batch", "receive-delete", "latency", "publish-fanout", "put-records", "transitions"}

// runBench drives a live SQS endpoint (Skyport or any other emulator)
// through the AWS SDK and prints one line per scenario.
func runBench(args []string, env Env) int {
	fs := newFlagSet("bench", "skyport bench [flags]",
		"Measure a live SQS endpoint through the AWS SDK for Go v2: SendMessage, SendMessageBatch(10),\n"+
			"Receive(10)+DeleteMessageBatch and send→receive latency with long polling; SNS publish fan-out to\n"+
			"--fanout queues, Kinesis PutRecords(100) and Step Functions transitions (Express, StartSyncExecution).")
	endpoint := fs.String("endpoint", "http://"+core.DefaultAddr, "`URL` of the endpoint to measure")
	clients := fs.Int("clients", 16, "concurrent SDK callers")
	duration := fs.Duration("duration", 3*time.Second, "how long each scenario runs")
	size := fs.Int("size", 256, "message body `bytes`")
	queue := fs.String("queue", "skyport-bench", "queue `name` (created when missing)")
	only := fs.String("scenarios", strings.Join(benchScenarios, ","), "comma-separated `list` of scenarios")
	rate := fs.Int("rate", 100, "messages per second for the latency scenario")
	asJSON := fs.Bool("json", false, "print the results as one JSON array instead of a table")
	fanout := fs.Int("fanout", 4, "queues subscribed to the topic in the publish-fanout scenario")
	if code, done := parse(fs, args, env); done {
		return code
	}
	if *clients < 1 || *duration <= 0 || *size < 1 || *rate < 1 {
		fmt.Fprintln(env.Stderr, "skyport bench: --clients, --duration, --size and --rate must be positive")
		return ExitUsage
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		s = strings.TrimSpace(s)
		if !contains(benchScenarios, s) {
			fmt.Fprintf(env.Stderr, "skyport bench: unknown scenario %q (want %s)\n", s, strings.Join(benchScenarios, ", "))
			return ExitUsage
		}
		want[s] = true
	}
	ctx := context.Background()
	r, err := bench.NewRunner(ctx, bench.Config{Endpoint: *endpoint, Queue: *queue, Clients: *clients, Duration: *duration, Size: *size})
	if err != nil {
		fmt.Fprintf(env.Stderr, "skyport bench: %v\n", err)
		return ExitError
	}
	if !*asJSON {
		fmt.Fprintf(env.Stdout, "skyport bench: %s, %d clients, %s per scenario, %d-byte bodies\n", *endpoint, *clients, *duration, *size)
	}
	var results []benchJSON
	for _, s := range benchScenarios {
		if !want[s] {
			continue
		}
		var res bench.Result
		stop := showProgress(env, s, *duration)
		switch s {
		case "send":
			res = r.Send(ctx)
		case "send-batch":
			res = r.SendBatch(ctx)
		case "receive-delete":
			if err := r.Fill(ctx, *clients*2000); err != nil {
				stop()
				fmt.Fprintf(env.Stderr, "skyport bench: fill: %v\n", err)
				return ExitError
			}
			res = r.ReceiveDelete(ctx)
		case "publish-fanout", "put-records", "transitions":
			var err error
			if res, err = runServiceScenario(ctx, r, s, *fanout); err != nil {
				stop()
				fmt.Fprintf(env.Stderr, "skyport bench: %s: %v\n", s, err)
				return ExitError
			}
		case "latency":
			// Its own queue: leftovers of the drain scenario would delay it.
			lr, err := bench.NewRunner(ctx, bench.Config{Endpoint: *endpoint, Queue: *queue + "-latency", Duration: *duration})
			if err == nil {
				res, err = lr.Latency(ctx, *rate)
			}
			if err != nil {
				stop()
				fmt.Fprintf(env.Stderr, "skyport bench: latency: %v\n", err)
				return ExitError
			}
		}
		stop()
		if *asJSON {
			results = append(results, toBenchJSON(res))
			continue
		}
		fmt.Fprintln(env.Stdout, res)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(results)
	}
	return ExitOK
}

// benchJSON is one scenario's result in `skyport bench --json`.
type benchJSON struct {
	Scenario          string  `json:"scenario"`
	Clients           int     `json:"clients"`
	Calls             int64   `json:"calls"`
	Messages          int64   `json:"messages"`
	Errors            int64   `json:"errors"`
	Seconds           float64 `json:"seconds"`
	MessagesPerSecond float64 `json:"messagesPerSecond"`
	CallsPerSecond    float64 `json:"callsPerSecond"`
	P50Ms             float64 `json:"p50Ms"`
	P99Ms             float64 `json:"p99Ms"`
	FirstError        string  `json:"firstError,omitempty"`
}

func toBenchJSON(r bench.Result) benchJSON {
	out := benchJSON{Scenario: r.Scenario, Clients: r.Clients, Calls: r.Calls, Messages: r.Messages, Errors: r.Errors,
		Seconds: r.Elapsed.Seconds(), MessagesPerSecond: r.MessagesPerSecond(), CallsPerSecond: r.CallsPerSecond(),
		P50Ms: float64(r.P50) / float64(time.Millisecond), P99Ms: float64(r.P99) / float64(time.Millisecond)}
	if r.FirstErr != nil {
		out.FirstError = r.FirstErr.Error()
	}
	return out
}

// runServiceScenario runs the SNS, Kinesis and Step Functions scenarios.
func runServiceScenario(ctx context.Context, r *bench.Runner, s string, fanout int) (bench.Result, error) {
	switch s {
	case "publish-fanout":
		return r.PublishFanOut(ctx, fanout)
	case "put-records":
		return r.PutRecords(ctx)
	}
	return r.Transitions(ctx)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// showProgress draws a progress bar for a running scenario on standard
// error when it is a terminal; stop clears it.
func showProgress(env Env, scenario string, d time.Duration) (stop func()) {
	f, ok := env.Stderr.(*os.File)
	if !ok {
		return func() {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	began := time.Now()
	go func() {
		defer close(finished)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			frac := min(float64(time.Since(began))/float64(d), 1)
			n := int(frac * 30)
			fmt.Fprintf(f, "\r%-16s [%s%s] %3.0f%%", scenario, strings.Repeat("#", n), strings.Repeat(" ", 30-n), frac*100)
			select {
			case <-done:
				fmt.Fprintf(f, "\r%s\r", strings.Repeat(" ", 60))
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
