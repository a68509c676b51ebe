// Package cli parses Skyport's command line and runs its subcommands: the
// GUI (no subcommand), `serve` (the headless core) and `version`.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/store"
	"github.com/skyport-dev/skyport/core/wire"
)

// Exit statuses.
const (
	ExitOK    = 0
	ExitError = 1 // the program failed while running
	ExitUsage = 2 // bad flags, unusable data path, port in use
)

// Options are the settings shared by the GUI and `serve`.
type Options struct {
	Addr       string
	DataPath   string
	Memory     bool
	Durability store.Durability
	// Credentials is a file of access key / secret pairs; when set, every
	// AWS request must carry a valid SigV4 signature by one of them.
	Credentials string
	// FIFOQuotas and StreamThroughput turn on AWS's rate limits (FIFO
	// queue call rates, Kinesis per-shard throughput), off by default.
	FIFOQuotas       bool
	StreamThroughput bool
	// GUI only: Demo opens the demo workspace with its traffic at start;
	// StateDump is a file the window writes its state to on SIGUSR1 (for
	// the real-window test).
	Demo      bool
	StateDump string
	// Pprof, when set, is a loopback host:port serving Go's runtime
	// profiles (net/http/pprof) for as long as the command runs.
	Pprof string
}

// GUI starts the desktop app with the given options; main supplies it so this
// package stays free of Fyne.
type GUI func(Options) error

// Env is what a command may touch: its output streams and the signal source.
type Env struct {
	Stdout, Stderr io.Writer
	GUI            GUI
	// Signals, when non-nil, replaces SIGINT/SIGTERM delivery (tests).
	Signals <-chan os.Signal
}

const usage = `Skyport — a local serverless cloud (SQS, SNS, Kinesis, API Gateway, Step Functions, functions) on one port.

Usage:
  skyport [flags]            open the desktop app (GUI)
  skyport serve [flags]      run the core headless
  skyport bench [flags]      measure a live SQS endpoint through the AWS SDK
  skyport export [flags] WS  export a workspace as CloudFormation (YAML) or ASL JSON
  skyport import FILE        read a CloudFormation/SAM template or ASL file as a workspace
  skyport version            print the version
  skyport help               show this help

Run 'skyport serve --help' for the flags.
`

// Main runs the command named by args (without the program name) and returns
// the process exit status.
func Main(args []string, env Env) int {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "", "gui":
		return runGUI(args, env)
	case "serve":
		return runServe(args, env)
	case "version":
		return runVersion(args, env)
	case "bench":
		return runBench(args, env)
	case "export":
		return runExport(args, env)
	case "import":
		return runImport(args, env)
	case "help":
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "skyport: unknown command %q (run 'skyport help')\n", cmd)
	return ExitUsage
}

func runVersion(args []string, env Env) int {
	fs := newFlagSet("version", "skyport version", "Print the Skyport version.")
	if code, done := parse(fs, args, env); done {
		return code
	}
	fmt.Fprintf(env.Stdout, "skyport %s\n", core.Version)
	return ExitOK
}

// coreFlags registers the flags shared by the GUI and serve.
func coreFlags(fs *flag.FlagSet, o *Options, durability *string) {
	fs.StringVar(&o.Addr, "addr", core.DefaultAddr, "`host:port` of the AWS endpoint")
	fs.StringVar(&o.DataPath, "data", "", "database `file` (default: the user config dir's skyport/default.db)")
	fs.BoolVar(&o.Memory, "memory", false, "keep everything in memory; nothing is written to disk")
	fs.StringVar(durability, "durability", "full", "`full` (fsync every commit) or relaxed (fsync at checkpoints)")
	fs.StringVar(&o.Credentials, "credentials", "", "`file` of 'ACCESS_KEY SECRET' lines: verify every request's SigV4 signature")
	fs.BoolVar(&o.FIFOQuotas, "fifo-quotas", false, "FIFO queues enforce AWS's 300 calls/s per action (3,000 messages/s batched)")
	fs.BoolVar(&o.StreamThroughput, "kinesis-throughput", false,
		"streams enforce Kinesis's per-shard limits (1 MiB/s or 1,000 records/s in, 2 MiB/s out)")
	fs.StringVar(&o.Pprof, "pprof", "", "loopback `host:port` serving Go runtime profiles at /debug/pprof/ (heap, CPU) for debugging")
}

// withPprof runs fn while the --pprof endpoint, if asked for, serves.
func withPprof(fs *flag.FlagSet, o Options, env Env, fn func() int) int {
	url, stop, err := startPprof(o.Pprof)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", prog(fs), err)
		return ExitUsage
	}
	defer stop()
	if url != "" {
		fmt.Fprintf(env.Stderr, "%s: runtime profiles at %s\n", prog(fs), url)
	}
	return fn()
}

func runGUI(args []string, env Env) int {
	var o Options
	var durability string
	fs := newFlagSet("skyport", "skyport [flags]", "Open the Skyport desktop app with the core and its AWS endpoint in-process.")
	coreFlags(fs, &o, &durability)
	fs.BoolVar(&o.Demo, "demo", false, "open the demo workspace and drive its traffic, as File › Open demo does")
	fs.StringVar(&o.StateDump, "state-dump", "", "on SIGUSR1, write what the window shows (nodes, edges, charts) as JSON to `file`")
	if code, done := parse(fs, args, env); done {
		return code
	}
	if code, ok := finishOptions(fs, &o, durability, env); !ok {
		return code
	}
	if env.GUI == nil {
		fmt.Fprintln(env.Stderr, "skyport: this build has no GUI; use 'skyport serve'")
		return ExitUsage
	}
	return withPprof(fs, o, env, func() int {
		if err := env.GUI(o); err != nil {
			fmt.Fprintf(env.Stderr, "skyport: %v\n", err)
			return statusFor(err)
		}
		return ExitOK
	})
}

func runServe(args []string, env Env) int {
	var o Options
	var durability string
	fs := newFlagSet("serve", "skyport serve [flags]", "Run the Skyport core headless: the AWS endpoint plus GET /health and GET /metrics.")
	coreFlags(fs, &o, &durability)
	if code, done := parse(fs, args, env); done {
		return code
	}
	if code, ok := finishOptions(fs, &o, durability, env); !ok {
		return code
	}
	return withPprof(fs, o, env, func() int {
		if err := serve(o, env); err != nil {
			fmt.Fprintf(env.Stderr, "skyport serve: %v\n", err)
			return statusFor(err)
		}
		return ExitOK
	})
}

// finishOptions checks what the flags alone cannot.
func finishOptions(fs *flag.FlagSet, o *Options, durability string, env Env) (int, bool) {
	d, err := store.ParseDurability(durability)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: --durability: %v\n", prog(fs), err)
		return ExitUsage, false
	}
	o.Durability = d
	if o.Memory && o.DataPath != "" {
		fmt.Fprintf(env.Stderr, "%s: --memory and --data exclude each other\n", prog(fs))
		return ExitUsage, false
	}
	return ExitOK, true
}

// startupError marks failures to start (data path, port): exit status 2.
type startupError struct{ err error }

func (e startupError) Error() string { return e.err.Error() }
func (e startupError) Unwrap() error { return e.err }

func statusFor(err error) int {
	var se startupError
	if errors.As(err, &se) {
		return ExitUsage
	}
	return ExitError
}

// Start opens the core and its listener as both the GUI and serve do.
// Failures are startup errors (exit status 2).
func Start(o Options) (*core.Core, *wire.Server, error) {
	var opts []wire.Option
	if o.Credentials != "" {
		creds, err := wire.LoadCredentials(o.Credentials)
		if err != nil {
			return nil, nil, startupError{err}
		}
		opts = append(opts, wire.WithCredentials(creds))
	}
	c, err := core.Open(core.Config{DataPath: o.DataPath, Memory: o.Memory, Durability: o.Durability,
		FIFOQuotas: o.FIFOQuotas, Streams: core.StreamOptions{Throughput: o.StreamThroughput}})
	if err != nil {
		return nil, nil, startupError{err}
	}
	srv, err := wire.Listen(c, o.Addr, opts...)
	if err != nil {
		c.Close()
		return nil, nil, startupError{err}
	}
	return c, srv, nil
}

// Stop shuts the listener (letting requests finish for up to grace) and
// closes the core, flushing the writer.
func Stop(c *core.Core, srv *wire.Server, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	errSrv := srv.Shutdown(ctx)
	errCore := c.Close()
	return errors.Join(errSrv, errCore)
}

func serve(o Options, env Env) error {
	sigs := env.Signals
	if sigs == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(ch)
		sigs = ch
	}
	c, srv, err := Start(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "skyport %s serving on %s (data: %s, durability: %s)\n", core.Version, srv.URL(), c.DataLabel(), c.Durability())
	sig := <-sigs
	fmt.Fprintf(env.Stdout, "skyport: %v received, shutting down\n", sig)
	if err := Stop(c, srv, 10*time.Second); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "skyport: stopped cleanly")
	return nil
}

func newFlagSet(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: %s\n\n%s\n\nFlags:\n", synopsis, about)
		fs.VisitAll(func(f *flag.Flag) {
			typ, help := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if typ != "" {
				line += " " + typ
			}
			fmt.Fprintf(out, "%-30s %s", line, help)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(out, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(out)
		})
	}
	return fs
}

// parse parses flags; done is true when the command should stop with code
// (after --help, a flag error, or stray arguments).
func parse(fs *flag.FlagSet, args []string, env Env) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(env.Stdout)
		fs.Usage()
		return ExitOK, true
	case err != nil:
		fmt.Fprintf(env.Stderr, "%s: %v (run '%s --help')\n", prog(fs), err, prog(fs))
		return ExitUsage, true
	case fs.NArg() > 0:
		fmt.Fprintf(env.Stderr, "%s: unexpected argument %q (run '%s --help')\n", prog(fs), fs.Arg(0), prog(fs))
		return ExitUsage, true
	}
	return ExitOK, false
}

// prog names the command as typed: "skyport" or "skyport serve".
func prog(fs *flag.FlagSet) string {
	if fs.Name() == "skyport" {
		return "skyport"
	}
	return "skyport " + fs.Name()
}
