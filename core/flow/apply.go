package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/stream"
)

// Report says what Apply did, by node id.
type Report struct {
	Created []string // resources and connections made now
	Kept    []string // already there; left as they are
}

// Apply creates in c whatever of w is missing: resources first (dead-letter
// queues before the queues that use them), then subscriptions, event
// source mappings and API routes. What exists already is left alone, so
// applying the same workspace twice creates nothing the second time.
func Apply(ctx context.Context, c *core.Core, w *Workspace) (*Report, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	a := &applier{c: c, r: &Report{}}
	steps := []func(context.Context, *Workspace) error{
		a.queues, a.streams, a.functions, a.machines, a.topics, a.mappings, a.apis,
	}
	for _, step := range steps {
		if err := step(ctx, w); err != nil {
			return a.r, err
		}
	}
	return a.r, nil
}

type applier struct {
	c *core.Core
	r *Report
}

func (a *applier) note(created bool, id string) {
	if created {
		a.r.Created = append(a.r.Created, id)
	} else {
		a.r.Kept = append(a.r.Kept, id)
	}
}

func (a *applier) queues(ctx context.Context, w *Workspace) error {
	qs := a.c.Queues()
	byName := map[string]Queue{}
	for _, q := range w.Queues {
		byName[q.Name] = q
	}
	done := map[string]bool{}
	var create func(q Queue, depth int) error
	create = func(q Queue, depth int) error {
		if done[q.Name] {
			return nil
		}
		if depth > len(w.Queues) {
			return fmt.Errorf("queue %q: dead-letter queues form a cycle", q.Name)
		}
		done[q.Name] = true
		if qs.QueueExists(q.Name) {
			a.note(false, NodeID(KindQueue, q.Name))
			return nil
		}
		attrs := maps.Clone(q.Attributes)
		if attrs == nil {
			attrs = map[string]string{}
		}
		if q.FIFO() {
			attrs["FifoQueue"] = "true"
		}
		if dl := q.DeadLetter; dl != nil {
			if dlq, ok := byName[dl.Queue]; ok && dlq.Name != q.Name {
				if err := create(dlq, depth+1); err != nil {
					return err
				}
			}
			rp, _ := json.Marshal(map[string]any{"deadLetterTargetArn": qs.ARN(dl.Queue), "maxReceiveCount": dl.MaxReceiveCount})
			attrs["RedrivePolicy"] = string(rp)
		}
		if err := qs.CreateQueue(ctx, q.Name, attrs, q.Tags); err != nil {
			return fmt.Errorf("queue %q: %w", q.Name, err)
		}
		a.note(true, NodeID(KindQueue, q.Name))
		return nil
	}
	for _, q := range w.Queues {
		if err := create(q, 0); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) streams(ctx context.Context, w *Workspace) error {
	ss := a.c.Streams()
	for _, s := range w.Streams {
		id := NodeID(KindStream, s.Name)
		if ss.Exists(s.Name) {
			a.note(false, id)
			continue
		}
		in := stream.CreateInput{Name: s.Name, ShardCount: s.Shards, Mode: s.Mode, MaxRecordKB: s.MaxRecordKB, Tags: s.Tags}
		if in.Mode == "" && in.ShardCount == 0 {
			in.ShardCount = 1
		}
		if err := ss.Create(ctx, in); err != nil {
			return fmt.Errorf("stream %q: %w", s.Name, err)
		}
		if s.RetentionHours > stream.DefaultRetentionHours {
			if err := a.whenActive(ctx, s.Name, func() error { return ss.IncreaseRetention(ctx, s.Name, s.RetentionHours) }); err != nil {
				return fmt.Errorf("stream %q: retention: %w", s.Name, err)
			}
		}
		a.note(true, id)
	}
	return nil
}

// whenActive runs fn once the stream has left CREATING (streams opened
// with a transition delay take a moment on the core clock).
func (a *applier) whenActive(ctx context.Context, name string, fn func() error) error {
	ss := a.c.Streams()
	for {
		d, err := ss.Describe(name)
		if err != nil {
			return err
		}
		if d.Status == "ACTIVE" {
			return fn()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-a.c.Clock().After(10 * time.Millisecond):
		}
	}
}

func (a *applier) functions(ctx context.Context, w *Workspace) error {
	fs := a.c.Functions()
	for _, f := range w.Functions {
		id := NodeID(KindFunction, f.Name)
		if _, err := fs.GetFunction(f.Name); err == nil {
			a.note(false, id)
			continue
		}
		def := function.Definition{Name: f.Name, Command: slices.Clone(f.Command), Env: maps.Clone(f.Env), Dir: f.Dir,
			Mode: function.Mode(f.Mode), Timeout: time.Duration(f.TimeoutSeconds) * time.Second,
			MemoryMB: f.MemoryMB, Concurrency: f.Concurrency, Tags: maps.Clone(f.Tags)}
		if err := fs.CreateFunction(ctx, def); err != nil {
			return fmt.Errorf("function %q: %w", f.Name, err)
		}
		a.note(true, id)
	}
	return nil
}

func (a *applier) machines(ctx context.Context, w *Workspace) error {
	ms := a.c.Machines()
	have := map[string]bool{}
	for _, m := range ms.ListStateMachines() {
		have[m.Name] = true
	}
	for _, m := range w.StateMachines {
		id := NodeID(KindStateMachine, m.Name)
		if have[m.Name] {
			a.note(false, id)
			continue
		}
		in := machine.CreateInput{Name: m.Name, Definition: m.Definition, Type: m.Type, Description: m.Description, Tags: m.Tags,
			RoleArn: "arn:aws:iam::" + a.c.Account() + ":role/" + m.Name + "-role"}
		if _, err := ms.CreateStateMachine(ctx, in); err != nil {
			return fmt.Errorf("state machine %q: %w", m.Name, err)
		}
		a.note(true, id)
	}
	return nil
}

func (a *applier) topics(ctx context.Context, w *Workspace) error {
	ts := a.c.Topics()
	existing := map[string]map[string]bool{} // topic name → "protocol endpoint"
	for _, s := range ts.Topics() {
		subs := map[string]bool{}
		for _, sub := range s.Subscriptions {
			subs[sub.Protocol+" "+sub.Endpoint] = true
		}
		existing[s.Name] = subs
	}
	for _, t := range w.Topics {
		id := NodeID(KindTopic, t.Name)
		subs, ok := existing[t.Name]
		arn := ts.ARN(t.Name)
		if ok {
			a.note(false, id)
		} else {
			attrs := maps.Clone(t.Attributes)
			if t.FIFO() {
				if attrs == nil {
					attrs = map[string]string{}
				}
				attrs["FifoTopic"] = "true"
			}
			var err error
			if arn, err = ts.CreateTopic(ctx, t.Name, attrs, t.Tags); err != nil {
				return fmt.Errorf("topic %q: %w", t.Name, err)
			}
			a.note(true, id)
		}
		for _, s := range t.Subscriptions {
			endpoint := a.endpoint(s)
			sid := id + " → " + subscriptionNode(s)
			if subs[s.Protocol+" "+endpoint] {
				a.note(false, sid)
				continue
			}
			attrs := map[string]string{}
			if s.FilterPolicy != "" {
				attrs["FilterPolicy"] = s.FilterPolicy
			}
			if s.FilterPolicyScope != "" {
				attrs["FilterPolicyScope"] = s.FilterPolicyScope
			}
			if s.RawMessageDelivery {
				attrs["RawMessageDelivery"] = "true"
			}
			if _, err := ts.Subscribe(ctx, arn, s.Protocol, endpoint, attrs, true); err != nil {
				return fmt.Errorf("topic %q: subscription %s %s: %w", t.Name, s.Protocol, s.Target, err)
			}
			a.note(true, sid)
		}
	}
	return nil
}

// endpoint turns a subscription target into the endpoint SNS stores.
func (a *applier) endpoint(s Subscription) string {
	switch s.Protocol {
	case ProtocolQueue:
		return a.c.Queues().ARN(s.Target)
	case ProtocolFunction:
		return a.c.Functions().ARN(s.Target)
	}
	return s.Target
}

func (a *applier) mappings(ctx context.Context, w *Workspace) error {
	fs := a.c.Functions()
	for _, e := range w.EventSources {
		id := e.Source() + " → " + NodeID(KindFunction, e.Function)
		src := a.c.Queues().ARN(e.Queue)
		if e.Stream != "" {
			d, err := a.c.Streams().Describe(e.Stream)
			if err != nil {
				return fmt.Errorf("event source %s: %w", id, err)
			}
			src = d.ARN
		}
		if slices.ContainsFunc(fs.ListEventSourceMappings(e.Function), func(m function.Mapping) bool { return m.EventSourceArn == src }) {
			a.note(false, id)
			continue
		}
		cfg := function.MappingConfig{FunctionName: e.Function, EventSourceArn: src, Disabled: e.Disabled, BatchSize: e.BatchSize,
			MaximumBatchingWindow: time.Duration(e.BatchingWindowSeconds) * time.Second, StartingPosition: e.StartingPosition,
			BisectBatchOnFunctionError: e.BisectOnError, MaximumRetryAttempts: e.MaxRetryAttempts}
		if e.Stream != "" && cfg.StartingPosition == "" {
			cfg.StartingPosition = "LATEST"
		}
		if e.ReportBatchItemFailures {
			cfg.FunctionResponseTypes = []string{function.ReportBatchItemFailures}
		}
		if _, err := fs.CreateEventSourceMapping(ctx, cfg); err != nil {
			return fmt.Errorf("event source %s: %w", id, err)
		}
		a.note(true, id)
	}
	return nil
}

func (a *applier) apis(ctx context.Context, w *Workspace) error {
	gs := a.c.Gateway()
	for _, api := range w.APIs {
		id := NodeID(KindAPI, api.Name)
		have, err := gs.API(api.Name)
		if err != nil {
			if _, err := gs.CreateAPI(ctx, toGatewayAPI(api)); err != nil {
				return fmt.Errorf("API %q: %w", api.Name, err)
			}
			a.note(true, id)
			continue
		}
		a.note(false, id)
		for _, r := range api.Routes {
			rid := id + " " + strconv.Quote(r.Key)
			if slices.ContainsFunc(have.Routes, func(h gateway.Route) bool { return h.Key == r.Key }) {
				a.note(false, rid)
				continue
			}
			if _, err := gs.PutRoute(ctx, api.Name, toGatewayRoute(r)); err != nil {
				return fmt.Errorf("API %q route %q: %w", api.Name, r.Key, err)
			}
			a.note(true, rid)
		}
	}
	return nil
}
