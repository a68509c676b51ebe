// Package chaos holds Skyport's per-resource chaos policies: faults the
// services inject on their delivery paths so that consumers can be tried
// against loss, duplicates, latency, throttling and failures.
//
// A Policy names one resource (kind and name) and its knobs. What each knob
// means depends on the kind:
//
//	queue    (sends from SDKs and from inside the core alike: topic deliveries,
//	         state machine Tasks, API routes)
//	         drop      a send is acknowledged (a message id and MD5s come back)
//	                   but the message is discarded: loss between producer and queue
//	         duplicate the message is stored twice (a FIFO queue deduplicates the
//	                   copy within its 5-minute window, as SQS would)
//	         delay     extra delivery delay: a standard queue's message becomes
//	                   visible that much later (rounded up to whole seconds, at most
//	                   900 s in all); on a FIFO queue, where per-message delays are
//	                   invalid, the send itself is held that long
//	         throttle  SendMessage, SendMessageBatch, ReceiveMessage, DeleteMessage
//	                   and ChangeMessageVisibility calls beyond N a second fail with
//	                   RequestThrottled (HTTP 403, as the SQS model says)
//	         fail      the same calls fail with InternalError (HTTP 500)
//	topic    drop      per delivery to a subscription: the delivery is reported
//	                   done but never made
//	         duplicate per delivery: the subscription gets the message twice
//	         delay     per delivery: the attempt starts that much later (core clock)
//	         throttle  Publish and PublishBatch beyond N a second fail with
//	                   Throttled (HTTP 429, as the SNS model says)
//	         fail      Publish and PublishBatch fail with InternalError (HTTP 500)
//	stream   throttle  PutRecord, PutRecords and GetRecords beyond N a second fail
//	                   with ProvisionedThroughputExceededException (HTTP 400)
//	         fail      the same calls fail with InternalFailure (HTTP 500)
//	         delay     GetRecords answers that much later (real time)
//	machine  fail      a Task state's invocation (SQS, SNS, Lambda integration)
//	                   fails with States.TaskFailed before it is made
//	         delay     a Task state's invocation starts that much later
//	         throttle  StartExecution beyond N a second fails with ThrottlingException
//	                   (HTTP 400)
//	route    fail      the route answers 500 {"message":"Internal server error"}
//	                   without calling its integration
//	         delay     the route answers that much later (real time)
//	         throttle  requests beyond N a second get 429 {"message":"Too Many Requests"}
//
// A knob that means nothing for a kind (drop on a stream, say) is refused
// by Validate with a reason. Probabilities are fractions from 0 to 1; a
// delay is a fixed time or a range from which each act draws uniformly;
// throttle is a token bucket of N requests a second with a burst of N,
// refilled on the core clock (a frozen clock never refills it; fast-forward
// does).
//
// Policies live in memory only: they are test-time switches, and a restart
// that kept a forgotten 100% drop would look like data loss. The activity
// log shows every change and what chaos did: the first act on a resource
// at once, then at most one summary a second per resource, counting the
// acts since the last one (told with the next act after the second).
//
// The registry is consulted on every request, so the path without policies
// is a single atomic load and allocates nothing (see BenchmarkNoPolicy).
package chaos

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is a kind of resource a policy applies to.
type Kind string

// Kinds of resources with chaos.
const (
	Queue   Kind = "queue"
	Topic   Kind = "topic"
	Stream  Kind = "stream"
	Machine Kind = "machine"
	Route   Kind = "route"
)

// Kinds lists the kinds in a stable order.
var Kinds = []Kind{Queue, Topic, Stream, Machine, Route}

// knob names, as in JSON.
const (
	knobDrop      = "drop"
	knobDuplicate = "duplicate"
	knobDelay     = "delay"
	knobThrottle  = "throttle"
	knobFail      = "fail"
)

// supported says which knobs each kind honours.
var supported = map[Kind][]string{
	Queue:   {knobDrop, knobDuplicate, knobDelay, knobThrottle, knobFail},
	Topic:   {knobDrop, knobDuplicate, knobDelay, knobThrottle, knobFail},
	Stream:  {knobDelay, knobThrottle, knobFail},
	Machine: {knobDelay, knobThrottle, knobFail},
	Route:   {knobDelay, knobThrottle, knobFail},
}

// Supports reports whether kind k honours the knob named ("drop",
// "duplicate", "delay", "throttle", "fail").
func Supports(k Kind, knob string) bool {
	for _, s := range supported[k] {
		if s == knob {
			return true
		}
	}
	return false
}

// Delay is a fixed delay (Max zero or equal to Min) or a range.
type Delay struct {
	Min, Max time.Duration
}

// IsZero reports no delay.
func (d Delay) IsZero() bool { return d.Min == 0 && d.Max == 0 }

func (d Delay) String() string {
	if d.Max <= d.Min {
		return d.Min.String()
	}
	return d.Min.String() + "–" + d.Max.String()
}

// MarshalJSON writes milliseconds: a number, or "min-max" for a range.
func (d Delay) MarshalJSON() ([]byte, error) {
	if d.Max <= d.Min {
		return []byte(strconv.FormatInt(d.Min.Milliseconds(), 10)), nil
	}
	return json.Marshal(fmt.Sprintf("%d-%d", d.Min.Milliseconds(), d.Max.Milliseconds()))
}

// UnmarshalJSON reads a number of milliseconds, or a string: "250", "250ms",
// "1s", or a range "100-500" (milliseconds) or "100ms-2s".
func (d *Delay) UnmarshalJSON(b []byte) error {
	var n float64
	if err := json.Unmarshal(b, &n); err == nil {
		if n < 0 || math.IsNaN(n) || n > float64(MaxDelay/time.Millisecond) {
			return fmt.Errorf("delay %v ms is out of range 0 to %d", n, MaxDelay.Milliseconds())
		}
		*d = Delay{Min: time.Duration(n * float64(time.Millisecond))}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("delay must be milliseconds (250), a duration (\"1s\") or a range (\"100-500\")")
	}
	v, err := ParseDelay(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDelay reads "250", "250ms", "1s", "100-500" or "100ms-2s"; bare
// numbers are milliseconds.
func ParseDelay(s string) (Delay, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Delay{}, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		lo, hi, isRange = strings.Cut(s, "–")
	}
	min, err := parseMillis(lo)
	if err != nil {
		return Delay{}, err
	}
	d := Delay{Min: min}
	if isRange {
		if d.Max, err = parseMillis(hi); err != nil {
			return Delay{}, err
		}
		if d.Max < d.Min {
			return Delay{}, fmt.Errorf("delay range %q ends before it starts", s)
		}
	}
	if d.Min > MaxDelay || d.Max > MaxDelay {
		return Delay{}, fmt.Errorf("delay %q exceeds the maximum of %s", s, MaxDelay)
	}
	return d, nil
}

func parseMillis(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, fmt.Errorf("delay %q must be a non-negative number of milliseconds", s)
		}
		return time.Duration(n * float64(time.Millisecond)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("delay %q is neither milliseconds nor a duration like 250ms", s)
	}
	return d, nil
}

// MaxDelay bounds a delay: longer ones would look like a hang, not chaos.
const MaxDelay = 15 * time.Minute

// MaxThrottle bounds the throttle rate (requests a second).
const MaxThrottle = 1e6

// Policy is the chaos set on one resource. Zero knobs do nothing.
type Policy struct {
	Kind      Kind    `json:"kind"`
	Name      string  `json:"name"`
	Drop      float64 `json:"drop,omitempty"`      // fraction of messages discarded after acknowledging
	Duplicate float64 `json:"duplicate,omitempty"` // fraction of messages delivered twice
	Delay     Delay   `json:"delay,omitzero"`      // extra delay per act
	Throttle  float64 `json:"throttle,omitempty"`  // requests a second allowed; 0: unlimited
	Fail      float64 `json:"fail,omitempty"`      // fraction of calls failed with the service's internal error
}

// Empty reports a policy with every knob at zero.
func (p Policy) Empty() bool {
	return p.Drop == 0 && p.Duplicate == 0 && p.Delay.IsZero() && p.Throttle == 0 && p.Fail == 0
}

// Summary describes the knobs for people, e.g. "drop 10%, delay 100ms–1s".
func (p Policy) Summary() string {
	var parts []string
	pct := func(name string, f float64) {
		if f > 0 {
			parts = append(parts, name+" "+strconv.FormatFloat(f*100, 'g', 4, 64)+"%")
		}
	}
	pct(knobDrop, p.Drop)
	pct(knobDuplicate, p.Duplicate)
	if !p.Delay.IsZero() {
		parts = append(parts, "delay "+p.Delay.String())
	}
	if p.Throttle > 0 {
		parts = append(parts, "throttle "+strconv.FormatFloat(p.Throttle, 'g', 6, 64)+"/s")
	}
	pct(knobFail, p.Fail)
	if len(parts) == 0 {
		return "no chaos"
	}
	return strings.Join(parts, ", ")
}

// ValidationError is a policy the registry refuses, with the reason.
type ValidationError struct{ Reason string }

func (e *ValidationError) Error() string { return "chaos: " + e.Reason }

// ErrNotFound is returned (wrapped) for a policy on a resource that does
// not exist.
var ErrNotFound = errors.New("resource not found")

// Validate checks the knobs' ranges and that each set knob means something
// for the policy's kind.
func (p Policy) Validate() error {
	if _, ok := supported[p.Kind]; !ok {
		return &ValidationError{fmt.Sprintf("kind %q is not one of queue, topic, stream, machine, route", p.Kind)}
	}
	if p.Name == "" {
		return &ValidationError{"name is required"}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{knobDrop, p.Drop}, {knobDuplicate, p.Duplicate}, {knobFail, p.Fail}} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > 1 {
			return &ValidationError{fmt.Sprintf("%s must be a fraction from 0 to 1 (0.1 is 10%%), not %v", f.name, f.v)}
		}
	}
	if math.IsNaN(p.Throttle) || p.Throttle < 0 || p.Throttle > MaxThrottle {
		return &ValidationError{fmt.Sprintf("throttle must be requests a second from 0 (off) to %g, not %v", float64(MaxThrottle), p.Throttle)}
	}
	if p.Delay.Min < 0 || p.Delay.Max < 0 || p.Delay.Min > MaxDelay || p.Delay.Max > MaxDelay {
		return &ValidationError{fmt.Sprintf("delay must be from 0 to %s", MaxDelay)}
	}
	if p.Delay.Max != 0 && p.Delay.Max < p.Delay.Min {
		return &ValidationError{"delay range ends before it starts"}
	}
	set := map[string]bool{knobDrop: p.Drop > 0, knobDuplicate: p.Duplicate > 0, knobDelay: !p.Delay.IsZero(),
		knobThrottle: p.Throttle > 0, knobFail: p.Fail > 0}
	for _, knob := range []string{knobDrop, knobDuplicate, knobDelay, knobThrottle, knobFail} {
		if set[knob] && !Supports(p.Kind, knob) {
			return &ValidationError{fmt.Sprintf("%s does not apply to a %s (a %s honours %s)", knob, p.Kind, p.Kind, strings.Join(supported[p.Kind], ", "))}
		}
	}
	return nil
}

// Decision is what chaos does to one act (a send, a delivery, a call).
// The zero Decision does nothing.
type Decision struct {
	Throttle  bool          // refuse with the throttling error
	Fail      bool          // refuse with the internal error
	Drop      bool          // acknowledge but discard
	Duplicate bool          // deliver twice
	Delay     time.Duration // wait this long first
}

// Acted reports whether the decision changes anything.
func (d Decision) Acted() bool { return d != Decision{} }

// Event reports a change of policy or what chaos did.
type Event struct {
	Kind    Kind
	Name    string
	Changed bool   // a policy was set or cleared (else: an act summary)
	Message string // for the activity log
}

// Options configure a registry.
type Options struct {
	Seed   uint64           // seeds the random source; 0: a random seed
	Now    func() time.Time // time for the throttle buckets (the core clock); nil: time.Now
	Wall   func() time.Time // time for pacing act events; nil: time.Now
	Events func(Event)      // nil: no events
	// Exists reports whether a resource exists; nil: every resource does.
	Exists func(Kind, string) bool
	// EventEvery paces act summaries per resource; 0: one second.
	EventEvery time.Duration
}

type key struct {
	kind Kind
	name string
}

// Registry holds the policies. Its methods are safe for concurrent use; a
// nil *Registry has no policies.
type Registry struct {
	active atomic.Int64 // number of policies, read without the lock
	opts   Options

	mu    sync.RWMutex
	rules map[key]*Rule
	seed  atomic.Uint64 // next seed for a rule's random source
}

// New returns an empty registry.
func New(o Options) *Registry {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Wall == nil {
		o.Wall = time.Now
	}
	if o.EventEvery <= 0 {
		o.EventEvery = time.Second
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64() | 1
	}
	r := &Registry{opts: o, rules: map[key]*Rule{}}
	r.seed.Store(o.Seed)
	return r
}

// Rule is a policy in force with its random source, throttle bucket and
// act counters. Take one with For and ask it Decide.
type Rule struct {
	reg    *Registry
	policy Policy

	mu       sync.Mutex
	rng      *rand.Rand
	tokens   float64
	refilled time.Time
	counts   [5]int // throttled, failed, dropped, duplicated, delayed since the last summary
	reported time.Time
}

// Set puts p in force, replacing any policy on the same resource; an empty
// policy clears it.
func (r *Registry) Set(p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if r.opts.Exists != nil && !r.opts.Exists(p.Kind, p.Name) {
		return fmt.Errorf("chaos: %s %q: %w", p.Kind, p.Name, ErrNotFound)
	}
	if p.Empty() {
		r.Clear(p.Kind, p.Name)
		return nil
	}
	k := key{p.Kind, p.Name}
	seed := r.seed.Add(0x9e3779b97f4a7c15)
	rule := &Rule{reg: r, policy: p, rng: rand.New(rand.NewPCG(seed, seed^0xda3e39cb94b95bdb)),
		tokens: p.Throttle, refilled: r.opts.Now()} // reported zero: the first act is told at once
	r.mu.Lock()
	if _, had := r.rules[k]; !had {
		r.active.Add(1)
	}
	r.rules[k] = rule
	r.mu.Unlock()
	r.emit(Event{Kind: p.Kind, Name: p.Name, Changed: true, Message: fmt.Sprintf("chaos on %s %s: %s", p.Kind, p.Name, p.Summary())})
	return nil
}

// Clear removes the policy on one resource; it reports whether there was one.
func (r *Registry) Clear(kind Kind, name string) bool {
	r.mu.Lock()
	_, had := r.rules[key{kind, name}]
	if had {
		delete(r.rules, key{kind, name})
		r.active.Add(-1)
	}
	r.mu.Unlock()
	if had {
		r.emit(Event{Kind: kind, Name: name, Changed: true, Message: fmt.Sprintf("chaos on %s %s cleared", kind, name)})
	}
	return had
}

// ClearAll removes every policy and returns how many there were.
func (r *Registry) ClearAll() int {
	r.mu.Lock()
	old := r.rules
	r.rules = map[key]*Rule{}
	r.active.Store(0)
	r.mu.Unlock()
	for k := range old {
		r.emit(Event{Kind: k.kind, Name: k.name, Changed: true, Message: fmt.Sprintf("chaos on %s %s cleared", k.kind, k.name)})
	}
	return len(old)
}

// Get returns the policy on one resource.
func (r *Registry) Get(kind Kind, name string) (Policy, bool) {
	if rule := r.For(kind, name); rule != nil {
		return rule.policy, true
	}
	return Policy{Kind: kind, Name: name}, false
}

// List returns the policies in force, by kind and name.
func (r *Registry) List() []Policy {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	out := make([]Policy, 0, len(r.rules))
	for _, rule := range r.rules {
		out = append(out, rule.policy)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// For returns the rule in force on a resource, or nil. Without any policy
// it is one atomic load.
func (r *Registry) For(kind Kind, name string) *Rule {
	if r == nil || r.active.Load() == 0 {
		return nil
	}
	r.mu.RLock()
	rule := r.rules[key{kind, name}]
	r.mu.RUnlock()
	return rule
}

// Active reports whether any policy is in force (one atomic load).
func (r *Registry) Active() bool { return r != nil && r.active.Load() > 0 }

// Gate draws only throttling and failure for a call on kind/name that
// carries nothing to drop, duplicate or delay (a receive, a delete).
func (r *Registry) Gate(kind Kind, name string) Decision {
	rule := r.For(kind, name)
	if rule == nil {
		return Decision{}
	}
	return rule.decide(true, true, false)
}

// Effects draws only drop, duplicate and delay for one message of a call
// that Gate already admitted (an entry of a batch, a topic delivery).
func (rule *Rule) Effects() Decision { return rule.decide(false, false, true) }

// Faults draws failure, drop, duplicate and delay but never throttles:
// for acts inside something already admitted (a state machine's Task).
func (rule *Rule) Faults() Decision { return rule.decide(false, true, true) }

// Decide draws what chaos does to one act on kind/name; the zero Decision
// when no policy is set.
func (r *Registry) Decide(kind Kind, name string) Decision {
	rule := r.For(kind, name)
	if rule == nil {
		return Decision{}
	}
	return rule.Decide()
}

// Policy returns the rule's policy.
func (rule *Rule) Policy() Policy { return rule.policy }

// Decide draws what chaos does to one act. Throttling is checked first (a
// throttled call is refused before anything else happens), then failure;
// a call that gets through may be dropped or duplicated and delayed.
func (rule *Rule) Decide() Decision { return rule.decide(true, true, true) }

// Gate draws only throttling and failure for one call.
func (rule *Rule) Gate() Decision { return rule.decide(true, true, false) }

func (rule *Rule) decide(throttle, fail, effects bool) Decision {
	p := &rule.policy
	now := rule.reg.opts.Now()
	var d Decision
	rule.mu.Lock()
	if throttle && p.Throttle > 0 {
		if el := now.Sub(rule.refilled); el > 0 {
			rule.tokens = math.Min(p.Throttle, rule.tokens+el.Seconds()*p.Throttle)
			rule.refilled = now
		}
		if rule.tokens >= 1 {
			rule.tokens--
		} else {
			d.Throttle = true
		}
	}
	if fail && !d.Throttle && p.Fail > 0 && rule.rng.Float64() < p.Fail {
		d.Fail = true
	}
	if !d.Throttle && !d.Fail && effects {
		if p.Drop > 0 && rule.rng.Float64() < p.Drop {
			d.Drop = true
		} else if p.Duplicate > 0 && rule.rng.Float64() < p.Duplicate {
			d.Duplicate = true
		}
		if !p.Delay.IsZero() {
			d.Delay = p.Delay.Min
			if p.Delay.Max > p.Delay.Min {
				d.Delay += time.Duration(rule.rng.Int64N(int64(p.Delay.Max-p.Delay.Min) + 1))
			}
		}
	}
	var summary string
	if d.Acted() {
		for i, b := range []bool{d.Throttle, d.Fail, d.Drop, d.Duplicate, d.Delay > 0} {
			if b {
				rule.counts[i]++
			}
		}
		if wall := rule.reg.opts.Wall(); wall.Sub(rule.reported) >= rule.reg.opts.EventEvery {
			summary = rule.summaryLocked(wall)
		}
	}
	rule.mu.Unlock()
	if summary != "" {
		rule.reg.emit(Event{Kind: p.Kind, Name: p.Name, Message: summary})
	}
	return d
}

var actNames = [5]string{"throttled", "failed", "dropped", "duplicated", "delayed"}

func (rule *Rule) summaryLocked(now time.Time) string {
	var parts []string
	for i, n := range rule.counts {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", actNames[i], n))
		}
	}
	rule.counts = [5]int{}
	rule.reported = now
	return fmt.Sprintf("chaos on %s %s: %s", rule.policy.Kind, rule.policy.Name, strings.Join(parts, ", "))
}

func (r *Registry) emit(e Event) {
	if r.opts.Events != nil {
		r.opts.Events(e)
	}
}
