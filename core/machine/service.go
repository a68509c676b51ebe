// Package machine implements AWS Step Functions semantics: Amazon States
// Language definitions (parsed and validated with every problem reported),
// an interpreter for every state type in both query languages (JSONPath
// with intrinsic functions, and JSONata) with variables, Retry and Catch,
// and executions — Standard ones persisted with their history through the
// store's group-commit writer and resumed after a restart, Express ones in
// memory. Time comes only from the core clock, so Wait states, retries and
// timeouts can be fast-forwarded.
package machine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// Config says what a Service runs on.
type Config struct {
	Store        *store.Store      // durable state; nil keeps everything in memory
	Clock        *clock.Clock      // the only source of time
	Events       event.Publisher   // may be nil
	Metrics      *metrics.Registry // may be nil
	Region       string            // for ARNs; "us-east-1" when empty
	Account      string            // for ARNs; "000000000000" when empty
	Integrations Integrations      // services Task states reach
	Chaos        *chaos.Registry   // fails or delays Task invocations (chaos.go); nil: none

	// MaxExpressTransitions bounds the states one Express execution may
	// enter (runaway loops); 0 means 1,000,000.
	MaxExpressTransitions int64

	// MaxHistoryEvents is the history quota of a Standard execution; 0
	// means AWS's 25,000.
	MaxHistoryEvents int
}

// Types of state machines.
const (
	Standard = "STANDARD"
	Express  = "EXPRESS"
)

// Execution statuses.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// StateMachine is a state machine as DescribeStateMachine shows it.
type StateMachine struct {
	Arn         string
	Name        string
	Type        string
	Definition  string
	RoleArn     string
	Description string
	Created     time.Time
	Updated     time.Time
	RevisionID  string
	Tags        map[string]string
	def         *Definition
}

// Execution is a snapshot of one execution.
type Execution struct {
	Arn             string
	Name            string
	StateMachineArn string
	Type            string
	Status          string
	Input           string
	Output          string // set when SUCCEEDED
	Error, Cause    string // set when FAILED, TIMED_OUT or ABORTED
	StartDate       time.Time
	StopDate        time.Time
	RoleArn         string
	Definition      string // the definition the execution runs
	TestCase        string // mock test case, "" for none

	machineName string
	input       any
}

// execution is the live record of an execution.
type execution struct {
	mu    sync.Mutex
	info  Execution
	run   *run
	done  chan struct{}
	order int64
}

// live returns the execution's run while it runs, nil after.
func (e *execution) live() *run {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.run
}

func (e *execution) snapshot() Execution {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.info
}

// Service is the state machine service.
type Service struct {
	cfg          Config
	st           *store.Store
	clock        *clock.Clock
	integrations Integrations

	mu       sync.RWMutex
	machines map[string]*StateMachine // by ARN
	execs    map[string]*execution    // by ARN
	express  []string                 // ARNs of finished Express executions, oldest first
	seq      int64
	// lastSweep is the clock time of the last retention sweep.
	lastSweep time.Time

	tokensMu sync.Mutex
	tokens   map[string]*pendingTask

	mocksMu sync.RWMutex
	mocks   *MockConfig

	watchMu  sync.RWMutex
	watchers map[*StepWatch]struct{}

	wg     sync.WaitGroup
	closed chan struct{}
	once   sync.Once

	started, succeeded, failed, aborted, timedOut *metrics.Counter
	transitions                                   *metrics.Counter
	reg                                           *metrics.Registry
}

// maxExpressKept is how many finished Express executions stay describable.
const maxExpressKept = 1000

// Open loads every state machine and execution from the store and resumes
// the Standard executions that were running.
func Open(cfg Config) (*Service, error) {
	if cfg.Clock == nil {
		return nil, errors.New("machine: Open needs a Clock")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.MaxHistoryEvents <= 0 {
		cfg.MaxHistoryEvents = maxHistoryEvents
	}
	if cfg.MaxExpressTransitions <= 0 {
		cfg.MaxExpressTransitions = maxExpressTransition
	}
	s := &Service{
		cfg: cfg, st: cfg.Store, clock: cfg.Clock, integrations: cfg.Integrations,
		machines: map[string]*StateMachine{}, execs: map[string]*execution{},
		tokens: map[string]*pendingTask{}, watchers: map[*StepWatch]struct{}{}, closed: make(chan struct{}),
	}
	reg := cfg.Metrics
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	s.reg = reg
	s.started = reg.Counter("skyport_sfn_executions_started_total", "Executions started (ExecutionsStarted).")
	s.succeeded = reg.Counter("skyport_sfn_executions_succeeded_total", "Executions that succeeded (ExecutionsSucceeded).")
	s.failed = reg.Counter("skyport_sfn_executions_failed_total", "Executions that failed (ExecutionsFailed).")
	s.aborted = reg.Counter("skyport_sfn_executions_aborted_total", "Executions stopped (ExecutionsAborted).")
	s.timedOut = reg.Counter("skyport_sfn_executions_timed_out_total", "Executions that timed out (ExecutionsTimedOut).")
	s.transitions = reg.Counter("skyport_sfn_state_transitions_total", "States entered by all executions.")
	if s.st != nil {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	s.maybeExpire() // what expired while the core was stopped
	return s, nil
}

// SetIntegrations replaces the services Task states reach (the core calls
// it once the other services are open).
func (s *Service) SetIntegrations(in Integrations) {
	s.mu.Lock()
	s.integrations = in
	s.mu.Unlock()
}

// Close stops every running execution's goroutine without changing its
// recorded status (Standard executions resume at the next Open).
func (s *Service) Close() error {
	s.once.Do(func() {
		close(s.closed)
		s.mu.RLock()
		for _, e := range s.execs {
			if r := e.live(); r != nil {
				r.cancel(errClosing)
			}
		}
		s.mu.RUnlock()
		s.wg.Wait()
	})
	return nil
}

var errClosing = errors.New("machine service closing")

func (s *Service) emit(kind event.Kind, level event.Level, resource, msg string) {
	if s.cfg.Events != nil {
		s.cfg.Events.Publish(event.Event{Time: s.clock.Now(), Kind: kind, Level: level, Service: "machine", Resource: resource, Message: msg})
	}
}

// ---- names and ARNs ----

var badName = regexp.MustCompile("[\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f-\\x9f]")

func checkName(what, name string) error {
	if name == "" || len(name) > 80 {
		return apiErr(InvalidName, "Invalid Name: '%s' (a %s name must be 1 to 80 characters)", name, what)
	}
	if badName.MatchString(name) {
		return apiErr(InvalidName, "Invalid Name: '%s' (a %s name cannot contain whitespace, brackets, wildcards or the characters \" # %% \\ ^ | ~ ` $ & , ; : /)", name, what)
	}
	return nil
}

func (s *Service) machineArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", s.cfg.Region, s.cfg.Account, name)
}

func (s *Service) executionArn(m *StateMachine, name string) string {
	kind := "execution"
	if m.Type == Express {
		kind = "express"
	}
	return fmt.Sprintf("arn:aws:states:%s:%s:%s:%s:%s", s.cfg.Region, s.cfg.Account, kind, m.Name, name)
}

// checkArn validates the shape of an ARN of the given resource type.
func checkArn(arn, resourceType string) error {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "states" || (parts[5] != resourceType && !(resourceType == "execution" && parts[5] == "express")) {
		return apiErr(InvalidArn, "Invalid Arn: '%s'", arn)
	}
	return nil
}

func newRevision() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ---- state machines ----

// CreateInput describes a new state machine.
type CreateInput struct {
	Name        string
	Definition  string
	RoleArn     string
	Type        string // Standard (default) or Express
	Description string
	Tags        map[string]string
}

// maxTags is the tag quota of one resource.
const maxTags = 50

// CreateStateMachine creates a state machine. Creating one that exists with
// the same definition, role and type returns it (AWS's idempotency);
// otherwise StateMachineAlreadyExists.
func (s *Service) CreateStateMachine(ctx context.Context, in CreateInput) (StateMachine, error) {
	if err := checkName("state machine", in.Name); err != nil {
		return StateMachine{}, err
	}
	if in.Type == "" {
		in.Type = Standard
	}
	if in.Type != Standard && in.Type != Express {
		return StateMachine{}, apiErr(ValidationException, "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", in.Type)
	}
	if len(in.Tags) > maxTags {
		return StateMachine{}, apiErr(TooManyTags, "a resource can have at most %d tags", maxTags)
	}
	def, err := parseForAPI(in.Definition)
	if err != nil {
		return StateMachine{}, err
	}
	now := s.clock.Now()
	m := &StateMachine{Arn: s.machineArn(in.Name), Name: in.Name, Type: in.Type, Definition: in.Definition, RoleArn: in.RoleArn,
		Description: in.Description, Created: now, Updated: now, RevisionID: newRevision(), Tags: copyTags(in.Tags), def: def}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.machines[m.Arn]; ok {
		if old.Definition == m.Definition && old.RoleArn == m.RoleArn && old.Type == m.Type {
			return *old, nil
		}
		return StateMachine{}, apiErr(StateMachineAlreadyExists, "State Machine Already Exists: '%s'", m.Arn)
	}
	if err := s.persistMachine(ctx, m, true); err != nil {
		return StateMachine{}, err
	}
	s.machines[m.Arn] = m
	s.emit(event.ResourceCreated, event.Info, m.Arn, fmt.Sprintf("state machine %s created (%s)", m.Name, m.Type))
	return *m, nil
}

func copyTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

// parseForAPI parses a definition, mapping problems to InvalidDefinition.
func parseForAPI(src string) (*Definition, error) {
	def, err := Parse(src)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return nil, &DefinitionError{Problems: ve.Problems}
		}
		return nil, apiErr(InvalidDefinition, "Invalid State Machine Definition: %v", err)
	}
	return def, nil
}

// DefinitionError is InvalidDefinition with every problem found.
type DefinitionError struct{ Problems []Problem }

func (e *DefinitionError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "Invalid State Machine Definition: '" + strings.Join(lines, ", ") + "'"
}

func (s *Service) machine(arn string) (*StateMachine, error) {
	if err := checkArn(arn, "stateMachine"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	m, ok := s.machines[arn]
	s.mu.RUnlock()
	if !ok {
		return nil, apiErr(StateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
	}
	return m, nil
}

// DescribeStateMachine returns a state machine.
func (s *Service) DescribeStateMachine(arn string) (StateMachine, error) {
	m, err := s.machine(arn)
	if err != nil {
		return StateMachine{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return *m, nil
}

// UpdateInput changes a state machine; nil fields stay.
type UpdateInput struct {
	Definition  *string
	RoleArn     *string
	Description *string
}

// UpdateStateMachine changes a state machine's definition or role. Running
// executions keep the definition they started with.
func (s *Service) UpdateStateMachine(ctx context.Context, arn string, in UpdateInput) (StateMachine, error) {
	m, err := s.machine(arn)
	if err != nil {
		return StateMachine{}, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.Description == nil {
		return StateMachine{}, apiErr(MissingRequiredParameter, "Either the definition or the roleArn must be specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := *m
	if in.Definition != nil {
		def, err := parseForAPI(*in.Definition)
		if err != nil {
			return StateMachine{}, err
		}
		next.Definition, next.def = *in.Definition, def
	}
	if in.RoleArn != nil {
		next.RoleArn = *in.RoleArn
	}
	if in.Description != nil {
		next.Description = *in.Description
	}
	next.Updated, next.RevisionID = s.clock.Now(), newRevision()
	if err := s.persistMachine(ctx, &next, false); err != nil {
		return StateMachine{}, err
	}
	*m = next
	s.emit(event.ResourceChanged, event.Info, m.Arn, "state machine "+m.Name+" updated")
	return next, nil
}

// DeleteStateMachine deletes a state machine and stops its running
// executions (their records stay).
func (s *Service) DeleteStateMachine(ctx context.Context, arn string) error {
	m, err := s.machine(arn)
	if err != nil {
		return err
	}
	s.mu.RLock()
	var running []*execution
	for _, e := range s.execs {
		if e.info.StateMachineArn == arn && e.live() != nil {
			running = append(running, e)
		}
	}
	s.mu.RUnlock()
	for _, e := range running {
		_, _ = s.StopExecution(ctx, e.info.Arn, "States.Aborted", "The state machine was deleted")
	}
	if err := s.deleteMachineRow(ctx, arn); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.machines, arn)
	s.mu.Unlock()
	s.removeMachineMetrics(m.Name)
	s.emit(event.ResourceDeleted, event.Info, arn, "state machine "+m.Name+" deleted")
	return nil
}

// ListStateMachines returns every state machine, by name.
func (s *Service) ListStateMachines() []StateMachine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]StateMachine, 0, len(s.machines))
	for _, m := range s.machines {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ---- tags ----

// TagResource adds tags to a state machine.
func (s *Service) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	m, err := s.taggable(arn)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := copyTags(m.Tags)
	for k, v := range tags {
		next[k] = v
	}
	if len(next) > maxTags {
		return apiErr(TooManyTags, "a resource can have at most %d tags", maxTags)
	}
	cp := *m
	cp.Tags = next
	if err := s.persistMachine(ctx, &cp, false); err != nil {
		return err
	}
	m.Tags = next
	return nil
}

// UntagResource removes tags from a state machine.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	m, err := s.taggable(arn)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := copyTags(m.Tags)
	for _, k := range keys {
		delete(next, k)
	}
	cp := *m
	cp.Tags = next
	if err := s.persistMachine(ctx, &cp, false); err != nil {
		return err
	}
	m.Tags = next
	return nil
}

// ListTags returns a state machine's tags.
func (s *Service) ListTags(arn string) (map[string]string, error) {
	m, err := s.taggable(arn)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return copyTags(m.Tags), nil
}

func (s *Service) taggable(arn string) (*StateMachine, error) {
	if strings.Contains(arn, ":activity:") {
		return nil, apiErr(ResourceNotFound, "Resource not found: '%s'", arn)
	}
	m, err := s.machine(arn)
	var ae *Error
	if errors.As(err, &ae) && ae.Code == StateMachineDoesNotExist {
		return nil, apiErr(ResourceNotFound, "Resource not found: '%s'", arn)
	}
	return m, err
}

// ---- validation ----

// Validate checks a definition and returns every problem (none: valid).
func (s *Service) Validate(src string) []Problem {
	_, err := Parse(src)
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Problems
	}
	return nil
}

// ---- task tokens ----

func (s *Service) newTaskToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "AQ" + hex.EncodeToString(b[:])
}

func (s *Service) registerToken(token, execArn string) *pendingTask {
	p := &pendingTask{execArn: execArn, done: make(chan tokenOutcome, 1), beat: make(chan struct{}, 1)}
	s.tokensMu.Lock()
	s.tokens[token] = p
	s.tokensMu.Unlock()
	return p
}

func (s *Service) dropToken(token string) {
	s.tokensMu.Lock()
	delete(s.tokens, token)
	s.tokensMu.Unlock()
}

func (s *Service) pending(token string) (*pendingTask, error) {
	if token == "" || len(token) > 2048 {
		return nil, apiErr(InvalidToken, "Invalid Token: '%s'", token)
	}
	s.tokensMu.Lock()
	p, ok := s.tokens[token]
	s.tokensMu.Unlock()
	if !ok {
		if !strings.HasPrefix(token, "AQ") {
			return nil, apiErr(InvalidToken, "Invalid Token: '%s'", token)
		}
		return nil, apiErr(TaskDoesNotExist, "Task Does Not Exist: '%s'", token)
	}
	return p, nil
}

func (s *Service) resolve(token string, out tokenOutcome) error {
	p, err := s.pending(token)
	if err != nil {
		return err
	}
	s.tokensMu.Lock()
	delete(s.tokens, token)
	s.tokensMu.Unlock()
	p.done <- out
	return nil
}

// SendTaskSuccess completes the task waiting for token with output (JSON).
func (s *Service) SendTaskSuccess(token, output string) error {
	if len(output) > maxPayload {
		return apiErr(InvalidOutput, "The output is larger than %d bytes", maxPayload)
	}
	v, err := decodeJSON(output)
	if err != nil {
		return apiErr(InvalidOutput, "Invalid Output: '%s'", truncate(output, 256))
	}
	return s.resolve(token, tokenOutcome{output: v})
}

// SendTaskFailure fails the task waiting for token.
func (s *Service) SendTaskFailure(token, errName, cause string) error {
	return s.resolve(token, tokenOutcome{failure: &Failure{Name: errName, Cause: cause}})
}

// SendTaskHeartbeat resets the heartbeat timer of the task waiting for token.
func (s *Service) SendTaskHeartbeat(token string) error {
	p, err := s.pending(token)
	if err != nil {
		return err
	}
	select {
	case p.beat <- struct{}{}:
	default:
	}
	return nil
}

// PendingTokens lists the task tokens executions wait for (for the GUI and
// tests), by execution ARN.
func (s *Service) PendingTokens() map[string][]string {
	s.tokensMu.Lock()
	defer s.tokensMu.Unlock()
	out := map[string][]string{}
	for tok, p := range s.tokens {
		out[p.execArn] = append(out[p.execArn], tok)
	}
	return out
}
