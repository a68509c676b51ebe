package function

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/internal/uuid"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// Kinds of events the function service emits (besides the resource ones).
const (
	Invoked event.Kind = "function.invoked" // one per finished invocation
	LogLine event.Kind = "function.log"     // one per line a function wrote

	// VisibilityExtended: a queue mapping kept its running batch invisible.
	VisibilityExtended event.Kind = "function.visibility"
)

// historySize is how many finished invocations are kept per function.
const historySize = 100

// Config says what a Service runs on.
type Config struct {
	Store   *store.Store      // durable definitions and mappings
	Clock   *clock.Clock      // the only source of time
	Events  event.Publisher   // may be nil
	Metrics *metrics.Registry // may be nil
	Region  string            // for ARNs; "us-east-1" when empty
	Account string            // for ARNs; "000000000000" when empty

	Queues       QueueSource  // queue event sources; nil: none
	Streams      StreamSource // stream event sources; nil: none
	Destinations Destinations // on-failure destinations of stream mappings; nil: none
}

// Service holds every function, its warm processes and its event source
// mappings.
type Service struct {
	cfg   Config
	st    *store.Store
	clock *clock.Clock

	mu    sync.RWMutex
	funcs map[string]*function

	mapMu    sync.Mutex
	mappings map[string]*mapping

	ctx    context.Context // ends on Close: background work stops
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

// function is one defined function and its live state.
type function struct {
	name  string
	slots chan struct{} // one token per running invocation

	mu      sync.Mutex
	def     Definition
	gen     uint64      // bumped on update; warm processes of older generations retire
	idle    []*instance // warm processes waiting for work
	procs   int         // live warm processes
	history []Invocation
	deleted bool

	active                         atomic.Int32 // invocations running with their timeout armed
	invocations, errors, throttles atomic.Uint64
}

// Open loads every function and mapping from the store and starts the
// mappings' pollers.
func Open(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, errors.New("function: Open needs a Store and a Clock")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	s := &Service{cfg: cfg, st: cfg.Store, clock: cfg.Clock,
		funcs: map[string]*function{}, mappings: map[string]*mapping{}, done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.loadFunctions(); err != nil {
		s.cancel()
		return nil, err
	}
	if err := s.loadMappings(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the mappings' pollers and kills every warm process. It does
// not close the store.
func (s *Service) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.cancel()
		s.mapMu.Lock()
		ms := make([]*mapping, 0, len(s.mappings))
		for _, m := range s.mappings {
			ms = append(ms, m)
		}
		s.mapMu.Unlock()
		for _, m := range ms {
			m.stop()
		}
		s.wg.Wait()
		s.mu.RLock()
		for _, f := range s.funcs {
			f.retireAll()
		}
		s.mu.RUnlock()
	})
	return nil
}

func (s *Service) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// ARN returns the ARN of the named function.
func (s *Service) ARN(name string) string {
	return "arn:aws:lambda:" + s.cfg.Region + ":" + s.cfg.Account + ":function:" + name
}

func newFunction(def Definition) *function {
	return &function{name: def.Name, def: def, slots: make(chan struct{}, def.Concurrency)}
}

func (s *Service) loadFunctions() error {
	rows, err := s.st.DB().Query(`SELECT definition FROM function_functions`)
	if err != nil {
		return fmt.Errorf("function: load: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return fmt.Errorf("function: load: %w", err)
		}
		var def Definition
		if err := json.Unmarshal([]byte(raw), &def); err != nil {
			return fmt.Errorf("function: load definition: %w", err)
		}
		def = withDefaults(def)
		s.funcs[def.Name] = s.track(newFunction(def))
	}
	return rows.Err()
}

// metricConcurrent is CloudWatch's ConcurrentExecutions, per function.
const metricConcurrent = "skyport_function_concurrent_executions"

// track registers f's live gauges.
func (s *Service) track(f *function) *function {
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.GaugeFunc(metricConcurrent, "Invocations running now (ConcurrentExecutions).",
			func() float64 { return float64(f.active.Load()) }, metrics.Label{Name: "function", Value: f.name})
	}
	return f
}

func (s *Service) untrack(name string) {
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.Remove(metricConcurrent, metrics.Label{Name: "function", Value: name})
	}
}

// CreateFunction defines a new function.
func (s *Service) CreateFunction(ctx context.Context, def Definition) error {
	def = cloneDef(withDefaults(def))
	if len(def.Tags) == 0 {
		def.Tags = nil
	}
	if err := validate(def); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.funcs[def.Name]; ok {
		return errorf(ResourceConflict, "Function already exist: %s", def.Name)
	}
	if err := s.save(ctx, def, true); err != nil {
		return err
	}
	s.funcs[def.Name] = s.track(newFunction(def))
	s.emit(event.ResourceCreated, event.Info, def.Name, "function "+def.Name+" created")
	return nil
}

// UpdateFunction replaces a function's definition. Invocations in progress
// finish on the old one; warm processes are replaced as they come free.
// The function keeps its tags (def.Tags is ignored): TagResource and
// UntagResource change them.
func (s *Service) UpdateFunction(ctx context.Context, def Definition) error {
	def = withDefaults(def)
	def.Tags = nil
	if err := validate(def); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.funcs[def.Name]
	if !ok {
		return errNotFound(def.Name)
	}
	old.mu.Lock()
	def.Tags = maps.Clone(old.def.Tags)
	old.mu.Unlock()
	if err := s.save(ctx, def, false); err != nil {
		return err
	}
	old.mu.Lock()
	if cap(old.slots) != def.Concurrency {
		old.slots = make(chan struct{}, def.Concurrency) // running ones release into the old channel
	}
	old.def = def
	old.gen++
	idle := old.idle
	old.idle = nil
	old.mu.Unlock()
	for _, in := range idle {
		in.kill()
	}
	s.emit(event.ResourceChanged, event.Info, def.Name, "function "+def.Name+" updated")
	return nil
}

// DeleteFunction removes a function and its event source mappings and
// kills its warm processes.
func (s *Service) DeleteFunction(ctx context.Context, name string) error {
	s.mu.Lock()
	f, ok := s.funcs[name]
	if !ok {
		s.mu.Unlock()
		return errNotFound(name)
	}
	err := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM function_functions WHERE name = ?`, name)
		return err
	})
	if err != nil {
		s.mu.Unlock()
		return err
	}
	delete(s.funcs, name)
	s.untrack(name)
	s.mu.Unlock()
	f.mu.Lock()
	f.deleted = true
	f.mu.Unlock()
	f.retireAll()
	for _, id := range s.mappingsOf(name) {
		_ = s.DeleteEventSourceMapping(ctx, id)
	}
	s.emit(event.ResourceDeleted, event.Info, name, "function "+name+" deleted")
	return nil
}

// GetFunction returns a function's definition.
func (s *Service) GetFunction(name string) (Definition, error) {
	f, err := s.lookup(name)
	if err != nil {
		return Definition{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneDef(f.def), nil
}

// List returns every function with live counts, by name.
func (s *Service) List() []Summary {
	s.mu.RLock()
	fs := make([]*function, 0, len(s.funcs))
	for _, f := range s.funcs {
		fs = append(fs, f)
	}
	s.mu.RUnlock()
	out := make([]Summary, 0, len(fs))
	for _, f := range fs {
		f.mu.Lock()
		sum := Summary{Definition: cloneDef(f.def), ARN: s.ARN(f.name), Running: int(f.active.Load()), WarmProcs: f.procs,
			Invocations: f.invocations.Load(), Errors: f.errors.Load(), Throttles: f.throttles.Load()}
		f.mu.Unlock()
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Invocations returns the most recent finished invocations of a function,
// oldest first, with their logs.
func (s *Service) Invocations(name string) ([]Invocation, error) {
	f, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Invocation(nil), f.history...), nil
}

// lookup finds a function by name, ARN or partial ARN (as Lambda's
// FunctionName accepts them; the only qualifier is $LATEST).
func (s *Service) lookup(nameOrARN string) (*function, error) {
	name, ok := s.resolveName(nameOrARN)
	if !ok {
		return nil, errNotFound(nameOrARN)
	}
	s.mu.RLock()
	f := s.funcs[name]
	s.mu.RUnlock()
	if f == nil {
		return nil, errNotFound(nameOrARN)
	}
	return f, nil
}

// resolveName returns the function name of NAME, NAME:$LATEST,
// ACCOUNT:function:NAME[:$LATEST] or arn:aws:lambda:REGION:ACCOUNT:function:NAME[:$LATEST].
func (s *Service) resolveName(ref string) (string, bool) {
	parts := strings.Split(ref, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda":
		if parts[1] != "aws" || parts[3] != s.cfg.Region || parts[4] != s.cfg.Account || parts[5] != "function" {
			return "", false
		}
		parts = parts[6:]
	case len(parts) >= 3 && parts[1] == "function":
		if parts[0] != s.cfg.Account {
			return "", false
		}
		parts = parts[2:]
	}
	switch {
	case len(parts) == 1:
		return parts[0], true
	case len(parts) == 2 && parts[1] == "$LATEST":
		return parts[0], true
	}
	return "", false
}

func (s *Service) save(ctx context.Context, def Definition, create bool) error {
	raw, err := json.Marshal(def)
	if err != nil {
		return errorf(ServiceError, "encode definition: %v", err)
	}
	now := s.clock.Now().UnixMilli()
	return s.write(ctx, func(tx *store.Tx) error {
		if create {
			_, err := tx.Exec(`INSERT INTO function_functions(name, definition, created_at, modified_at) VALUES (?, ?, ?, ?)`,
				def.Name, string(raw), now, now)
			return err
		}
		_, err := tx.Exec(`UPDATE function_functions SET definition = ?, modified_at = ? WHERE name = ?`, string(raw), now, def.Name)
		return err
	})
}

// write runs fn in the store's group commit; failures become ServiceError.
func (s *Service) write(ctx context.Context, fn func(tx *store.Tx) error) error {
	err := s.st.Write(ctx, fn)
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return errorf(ServiceError, "store: %v", err)
}

func (s *Service) emit(kind event.Kind, level event.Level, resource, msg string) {
	if s.cfg.Events == nil {
		return
	}
	s.cfg.Events.Publish(event.Event{Time: s.clock.Now(), Kind: kind, Level: level, Service: "function", Resource: resource, Message: msg})
}

// newID returns a random UUID (version 4) as Lambda formats request ids.
func newID() string { return uuid.New() }
