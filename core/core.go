// Package core is Skyport's embedded serverless cloud: it opens the store,
// owns the clock, the event stream and the metrics, and exposes the typed Go
// API that both the GUI and the AWS wire protocols call. It never imports Fyne.
package core

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/store"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
)

// Version is the Skyport version, stamped at build time with
// -ldflags "-X github.com/skyport-dev/skyport/core.Version=…".
var Version = "0.1.0-dev"

// Build is the build number from FyneApp.toml, stamped the same way
// (-X github.com/skyport-dev/skyport/core.Build=…); "0" in an unstamped build.
var Build = "0"

// Clock is the core's single time source (see package clock).
type Clock = clock.Clock

// Defaults for the wire identity of local resources.
const (
	DefaultRegion  = "us-east-1"
	DefaultAccount = "000000000000"
	DefaultAddr    = "127.0.0.1:4566"
)

// Config says how to open a core.
type Config struct {
	DataPath   string           // database file; DefaultDataPath() when empty and not Memory
	Memory     bool             // keep everything in memory (tests, --memory)
	Durability store.Durability // store.Full unless relaxed on purpose
	Clock      *Clock           // nil: a real-time clock
	Region     string           // DefaultRegion when empty
	Account    string           // DefaultAccount when empty
	Streams    StreamOptions    // Kinesis emulation knobs
	// GatewayAnyPort gives an API defined without a port any free port
	// instead of the first free one from 8080 (tests).
	GatewayAnyPort bool
	// MaxLongPolls caps concurrent waiting receives (0: the service default).
	MaxLongPolls int
	// MaxInflight lowers the in-flight quota per queue (0: AWS's 120,000),
	// to try consumers against it without that many messages.
	MaxInflight int
	// FIFOQuotas makes FIFO queues enforce AWS's call rates (300 calls/s
	// per action, 3,000 messages/s batched) with AWS's throttling errors.
	FIFOQuotas bool
	// StoreFaults, when set, injects storage failures (tests, chaos runs).
	StoreFaults *store.Faults
	// ChaosSeed seeds the chaos policies' random source (0: random), so a
	// test with fractional knobs is repeatable.
	ChaosSeed uint64
}

// StreamOptions tunes the stream service (all off by default).
type StreamOptions struct {
	TransitionDelay time.Duration // time spent CREATING/UPDATING on the clock
	Throughput      bool          // emulate per-shard throughput limits
}

// Core is one running instance of the embedded cloud.
type Core struct {
	cfg      Config
	store    *store.Store
	clock    *Clock
	events   *event.Bus
	metrics  *metrics.Registry
	started  time.Time
	queues   *queue.Service
	topics   *topic.Service
	streams  *stream.Service
	machines *machine.Service

	functions *function.Service
	gateway   *gateway.Service
	chaos     *chaos.Registry

	monitor monitorState // live metric history for the GUI (monitoring.go)

	closeOnce sync.Once
	closeErr  error
}

// DefaultDataPath is where the GUI and `serve` keep data unless told otherwise:
// the user config dir's skyport/default.db.
func DefaultDataPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config directory: %w", err)
	}
	return filepath.Join(dir, "skyport", "default.db"), nil
}

// Open opens the store named by cfg (running its migrations and starting its
// group-commit writer) and returns a ready core.
func Open(cfg Config) (*Core, error) {
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.Account == "" {
		cfg.Account = DefaultAccount
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.New()
	}
	if !cfg.Memory && cfg.DataPath == "" {
		p, err := DefaultDataPath()
		if err != nil {
			return nil, err
		}
		cfg.DataPath = p
	}
	c := &Core{
		cfg:     cfg,
		clock:   cfg.Clock,
		events:  event.NewBus(),
		metrics: metrics.NewRegistry(),
		started: time.Now(),
	}
	commitTime := c.metrics.Histogram("skyport_store_commit_seconds",
		"Time one group commit took: the WAL write and its fdatasync (with full durability), and a checkpoint when one ran.", nil)
	st, err := store.Open(store.Config{Path: cfg.DataPath, Memory: cfg.Memory, Durability: cfg.Durability,
		Faults: cfg.StoreFaults, Health: c.storageHealth,
		OnCommit: func(took time.Duration, _ int) { commitTime.ObserveDuration(took) }})
	if err != nil {
		return nil, err
	}
	c.store = st
	c.registerCoreMetrics()
	c.openChaos()
	if err := c.openServices(); err != nil {
		st.Close()
		return nil, err
	}
	c.Emit(event.Event{Kind: event.CoreStarted, Level: event.Info, Service: "core",
		Message: fmt.Sprintf("Skyport %s started on %s (%s durability)", Version, c.DataLabel(), cfg.Durability)})
	return c, nil
}

// openServices starts each service on the shared store, clock, events and
// metrics, rebuilding its in-memory state from the store.
func (c *Core) openServices() error {
	// Each step opens one service; on a failure the ones already open are
	// closed again, newest first. Services that deliver to others open after
	// their targets, so every integration is wired the moment it exists.
	steps := []struct {
		name string
		open func() error
	}{
		{"queues", c.openQueues},
		{"streams", c.openStreams},
		{"state machines", c.openMachines},
		{"functions", c.openFunctions},
		{"topics", c.openTopics},
		{"API routes", c.openGateway},
	}
	for _, st := range steps {
		if err := st.open(); err != nil {
			c.closeServices()
			return fmt.Errorf("%s: %w", st.name, err)
		}
	}
	return nil
}

func (c *Core) openQueues() error {
	q, err := queue.Open(queue.Config{
		Store: c.store, Clock: c.clock, Events: publisher{c}, Metrics: c.metrics,
		Region: c.cfg.Region, Account: c.cfg.Account, MaxLongPolls: c.cfg.MaxLongPolls, MaxInflight: c.cfg.MaxInflight,
		QuotaEmulation: c.cfg.FIFOQuotas,
	})
	if err != nil {
		return err
	}
	c.queues = q
	return nil
}

func (c *Core) openStreams() error {
	sv, err := stream.Open(stream.Config{
		Store: c.store, Clock: c.clock, Events: publisher{c}, Metrics: c.metrics,
		Region: c.cfg.Region, Account: c.cfg.Account,
		TransitionDelay: c.cfg.Streams.TransitionDelay, Throughput: c.cfg.Streams.Throughput,
	})
	if err != nil {
		return err
	}
	c.streams = sv
	return nil
}

func (c *Core) openMachines() error {
	m, err := machine.Open(machine.Config{
		Store: c.store, Clock: c.clock, Events: publisher{c}, Metrics: c.metrics,
		Region: c.cfg.Region, Account: c.cfg.Account,
		Integrations: machine.Integrations{Queues: machineQueues{c.queues, c.chaos}, Topics: machineTopics{c}, Functions: machineFunctions{c}},
		Chaos:        c.chaos,
	})
	if err != nil {
		return err
	}
	c.machines = m
	// SFN_MOCK_CONFIG names a Step Functions Local MockConfigFile.json, as
	// Step Functions Local reads it, so existing mock setups work unchanged.
	if path := os.Getenv("SFN_MOCK_CONFIG"); path != "" {
		if err := m.LoadMockConfigFile(path); err != nil {
			return fmt.Errorf("SFN_MOCK_CONFIG: %w", err) // closeServices closes m
		}
	}
	return nil
}

// closeServices closes the services that are open, those that deliver to
// others first: the gateway stops taking requests, pollers and deliveries
// stop, then the services they feed close.
func (c *Core) closeServices() error {
	var errs []error
	if c.gateway != nil {
		errs = append(errs, c.gateway.Close())
	}
	if c.functions != nil {
		errs = append(errs, c.functions.Close())
	}
	if c.topics != nil {
		errs = append(errs, c.closeTopics())
	}
	if c.machines != nil {
		errs = append(errs, c.machines.Close())
	}
	if c.queues != nil {
		errs = append(errs, c.queues.Close())
	}
	if c.streams != nil {
		errs = append(errs, c.streams.Close())
	}
	return errors.Join(errs...)
}

// storageHealth turns the store's health reports into events for the GUI's
// banner and the activity log.
func (c *Core) storageHealth(fault error) {
	if fault != nil {
		c.Emit(event.Event{Kind: event.StorageFault, Level: event.Error, Service: "store", Resource: c.DataLabel(),
			Message: StorageFaultMessage(fault)})
		return
	}
	c.Emit(event.Event{Kind: event.StorageRecovered, Level: event.Info, Service: "store", Resource: c.DataLabel(),
		Message: "Writes succeed again."})
}

// StorageFaultMessage is what the storage.fault event says about fault.
func StorageFaultMessage(fault error) string {
	return "Writes are failing: " + fault.Error() + ". Reads keep working; free disk space to resume."
}

// StorageFault returns why the database cannot be written now, or nil.
func (c *Core) StorageFault() error { return c.store.Fault() }

// publisher lets services emit events stamped with the core clock.
type publisher struct{ c *Core }

func (p publisher) Publish(e event.Event) { p.c.Emit(e) }

// Queues returns the SQS-compatible queue service.
func (c *Core) Queues() *queue.Service { return c.queues }

// Streams returns the Kinesis-compatible stream service.
func (c *Core) Streams() *stream.Service { return c.streams }

// Machines returns the Step Functions-compatible state machine service.
func (c *Core) Machines() *machine.Service { return c.machines }

func (c *Core) registerCoreMetrics() {
	m := c.metrics
	m.GaugeFunc("skyport_uptime_seconds", "Seconds since the core started.", func() float64 { return time.Since(c.started).Seconds() })
	m.GaugeFunc("skyport_clock_offset_seconds", "How far the core clock has been fast-forwarded.", func() float64 { return c.clock.Advanced().Seconds() })
	m.GaugeFunc("skyport_store_commits_total", "Transactions committed by the group-commit writer.", func() float64 { return float64(c.store.Stats().Commits) })
	m.GaugeFunc("skyport_store_ops_total", "Write operations committed by the group-commit writer.", func() float64 { return float64(c.store.Stats().Ops) })
	m.GaugeFunc("skyport_store_fault", "1 while the database cannot be written (disk full, device failing).", func() float64 {
		if c.store.Fault() != nil {
			return 1
		}
		return 0
	})
	m.GaugeFunc("skyport_events_dropped_total", "Events dropped for slow subscribers.", func() float64 { return float64(c.events.Dropped()) })
	m.GaugeFunc("skyport_build_info", "Build information; the value is always 1.", func() float64 { return 1 }, metrics.Label{Name: "version", Value: Version})
}

// Emit stamps e with the core clock (when unset) and publishes it.
func (c *Core) Emit(e event.Event) {
	if e.Time.IsZero() {
		e.Time = c.clock.Now()
	}
	c.events.Publish(e)
}

// Events subscribes to the core's event stream; buffer is the subscriber's
// queue length (events beyond it are dropped for that subscriber only).
func (c *Core) Events(buffer int) *event.Subscription { return c.events.Subscribe(buffer) }

// Clock returns the core clock.
func (c *Core) Clock() *Clock { return c.clock }

// AdvanceClock fast-forwards the core clock and reports it on the event stream.
func (c *Core) AdvanceClock(d time.Duration) error {
	if d <= 0 {
		return errors.New("clock: advance must be positive")
	}
	c.clock.Advance(d)
	c.Emit(event.Event{Kind: event.ClockAdvanced, Level: event.Info, Service: "core",
		Message: fmt.Sprintf("clock advanced by %s (%s ahead in all)", d, c.clock.Advanced().Round(time.Second))})
	return nil
}

// Metrics returns the core's metric registry.
func (c *Core) Metrics() *metrics.Registry { return c.metrics }

// Store returns the core's store (for services wired by the core).
func (c *Core) Store() *store.Store { return c.store }

// Region returns the region used in ARNs.
func (c *Core) Region() string { return c.cfg.Region }

// Account returns the account id used in ARNs and queue URLs.
func (c *Core) Account() string { return c.cfg.Account }

// DataPath returns the database file, or "" in memory mode.
func (c *Core) DataPath() string {
	if c.cfg.Memory {
		return ""
	}
	return c.cfg.DataPath
}

// DataLabel names the data store for people: its path or "memory".
func (c *Core) DataLabel() string {
	if c.cfg.Memory {
		return "memory"
	}
	return c.cfg.DataPath
}

// Durability returns the configured durability.
func (c *Core) Durability() store.Durability { return c.cfg.Durability }

// Uptime returns real time elapsed since Open.
func (c *Core) Uptime() time.Duration { return time.Since(c.started) }

// Close flushes the writer and closes the store. It is safe to call twice.
func (c *Core) Close() error {
	c.closeOnce.Do(func() {
		c.Emit(event.Event{Kind: event.CoreStopping, Level: event.Info, Service: "core", Message: "Skyport core stopping"})
		c.stopMonitor()
		c.closeErr = errors.Join(c.closeServices(), c.store.Close())
		c.events.CloseAll()
	})
	return c.closeErr
}
