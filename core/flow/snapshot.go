package flow

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/stream"
)

// queueDefaults are the attribute values of a new queue; Snapshot leaves
// them out so a workspace names only what was chosen.
var queueDefaults = map[string]string{
	"DelaySeconds": "0", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600",
	"ReceiveMessageWaitTimeSeconds": "0", "VisibilityTimeout": "30", "ContentBasedDeduplication": "false",
	"DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue", "SqsManagedSseEnabled": "true",
	"KmsDataKeyReusePeriodSeconds": "300",
}

// queueComputed are attributes the queue reports but a workspace does not
// set (counts, timestamps, the ARN, FifoQueue which the name implies).
var queueComputed = map[string]bool{
	"ApproximateNumberOfMessages": true, "ApproximateNumberOfMessagesNotVisible": true,
	"ApproximateNumberOfMessagesDelayed": true, "CreatedTimestamp": true, "LastModifiedTimestamp": true,
	"QueueArn": true, "FifoQueue": true, "RedrivePolicy": true,
}

// topicDefaults are topic attribute values Snapshot leaves out; topicKept
// are the topic attributes a workspace carries at all.
var (
	topicDefaults = map[string]string{"SignatureVersion": "1", "TracingConfig": "PassThrough",
		"ContentBasedDeduplication": "false", "FifoThroughputScope": "Topic", "DisplayName": ""}
	topicKept = []string{"DisplayName", "DeliveryPolicy", "KmsMasterKeyId", "SignatureVersion", "TracingConfig",
		"ContentBasedDeduplication", "FifoThroughputScope", "ArchivePolicy"}
)

// Snapshot reads the design of everything defined in c. Canvas positions
// and samples are not part of the core; carry them over from the open
// workspace with Merge.
func Snapshot(c *core.Core) (*Workspace, error) {
	w := &Workspace{Version: FormatVersion}
	steps := []func(*core.Core, *Workspace) error{snapQueues, snapTopics, snapStreams, snapMachines, snapFunctions, snapAPIs}
	for _, step := range steps {
		if err := step(c, w); err != nil {
			return nil, err
		}
	}
	w.Normalize()
	return w, nil
}

// Merge copies what only a workspace file holds (name, description,
// layout, samples) from prev into w.
func (w *Workspace) Merge(prev *Workspace) {
	if prev == nil {
		return
	}
	w.Name, w.Description = prev.Name, prev.Description
	w.Layout = maps.Clone(prev.Layout)
	w.Samples = append([]Sample(nil), prev.Samples...)
}

func snapQueues(c *core.Core, w *Workspace) error {
	qs := c.Queues()
	for _, s := range qs.List() {
		attrs, err := qs.GetQueueAttributes(s.Name, []string{"All"})
		if err != nil {
			return fmt.Errorf("queue %q: %w", s.Name, err)
		}
		tags, err := qs.ListQueueTags(s.Name)
		if err != nil {
			return fmt.Errorf("queue %q: %w", s.Name, err)
		}
		q := Queue{Name: s.Name, Tags: nonEmpty(tags)}
		for k, v := range attrs {
			if queueComputed[k] || queueDefaults[k] == v {
				continue
			}
			if q.Attributes == nil {
				q.Attributes = map[string]string{}
			}
			q.Attributes[k] = v
		}
		if rp := attrs["RedrivePolicy"]; rp != "" {
			dl, err := parseRedrive(rp)
			if err != nil {
				return fmt.Errorf("queue %q: %w", s.Name, err)
			}
			q.DeadLetter = dl
		}
		w.Queues = append(w.Queues, q)
	}
	return nil
}

// parseRedrive reads an SQS RedrivePolicy (maxReceiveCount may be a
// number or a string, as SQS accepts both).
func parseRedrive(rp string) (*DeadLetter, error) {
	var p struct {
		DeadLetterTargetArn string      `json:"deadLetterTargetArn"`
		MaxReceiveCount     json.Number `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(rp), &p); err != nil {
		return nil, fmt.Errorf("RedrivePolicy: %w", err)
	}
	n, err := p.MaxReceiveCount.Int64()
	if err != nil {
		return nil, fmt.Errorf("RedrivePolicy: maxReceiveCount: %w", err)
	}
	kind, name, ok := parseLocalRef(p.DeadLetterTargetArn)
	if !ok || kind != KindQueue {
		return nil, fmt.Errorf("RedrivePolicy: %q is not a queue ARN", p.DeadLetterTargetArn)
	}
	return &DeadLetter{Queue: name, MaxReceiveCount: int(n)}, nil
}

func snapTopics(c *core.Core, w *Workspace) error {
	ts := c.Topics()
	for _, s := range ts.Topics() {
		attrs, err := ts.GetTopicAttributes(s.ARN)
		if err != nil {
			return fmt.Errorf("topic %q: %w", s.Name, err)
		}
		tags, err := ts.ListTagsForResource(s.ARN)
		if err != nil {
			return fmt.Errorf("topic %q: %w", s.Name, err)
		}
		t := Topic{Name: s.Name, Tags: nonEmpty(tags)}
		for _, k := range topicKept {
			if v, ok := attrs[k]; ok && v != topicDefaults[k] {
				if t.Attributes == nil {
					t.Attributes = map[string]string{}
				}
				t.Attributes[k] = v
			}
		}
		for _, sub := range s.Subscriptions {
			t.Subscriptions = append(t.Subscriptions, snapSubscription(ts, sub.ARN, sub.Protocol, sub.Endpoint))
		}
		w.Topics = append(w.Topics, t)
	}
	return nil
}

type subscriptionReader interface {
	GetSubscriptionAttributes(arn string) (map[string]string, error)
}

func snapSubscription(ts subscriptionReader, arn, protocol, endpoint string) Subscription {
	sub := Subscription{Protocol: protocol, Target: endpoint}
	if _, name, ok := parseLocalRef(endpoint); ok && (protocol == ProtocolQueue || protocol == ProtocolFunction) {
		sub.Target = name
	}
	attrs, err := ts.GetSubscriptionAttributes(arn)
	if err != nil {
		return sub // pending confirmation: no attributes yet
	}
	sub.FilterPolicy = attrs["FilterPolicy"]
	if scope := attrs["FilterPolicyScope"]; scope != "MessageAttributes" {
		sub.FilterPolicyScope = scope
	}
	sub.RawMessageDelivery = attrs["RawMessageDelivery"] == "true"
	return sub
}

func snapStreams(c *core.Core, w *Workspace) error {
	ss := c.Streams()
	for _, s := range ss.List() {
		d, err := ss.Describe(s.Name)
		if err != nil {
			return fmt.Errorf("stream %q: %w", s.Name, err)
		}
		st := Stream{Name: d.Name, Tags: nonEmpty(d.Tags)}
		if d.Mode == stream.ModeOnDemand {
			st.Mode = d.Mode
		} else {
			st.Shards = d.OpenShards
		}
		if d.RetentionHours != stream.DefaultRetentionHours {
			st.RetentionHours = d.RetentionHours
		}
		if d.MaxRecordKB != stream.DefaultMaxRecordKiB {
			st.MaxRecordKB = d.MaxRecordKB
		}
		w.Streams = append(w.Streams, st)
	}
	return nil
}

func snapMachines(c *core.Core, w *Workspace) error {
	for _, m := range c.Machines().ListStateMachines() {
		sm := StateMachine{Name: m.Name, Description: m.Description, Definition: m.Definition, Tags: nonEmpty(m.Tags)}
		if m.Type != machine.Standard {
			sm.Type = m.Type
		}
		w.StateMachines = append(w.StateMachines, sm)
	}
	return nil
}

func snapFunctions(c *core.Core, w *Workspace) error {
	fs := c.Functions()
	for _, s := range fs.List() {
		d := s.Definition
		f := Function{Name: d.Name, Command: d.Command, Env: nonEmpty(d.Env), Dir: d.Dir, Tags: nonEmpty(d.Tags)}
		if d.Mode != function.PerEvent {
			f.Mode = string(d.Mode)
		}
		if d.Timeout != function.DefaultTimeout {
			f.TimeoutSeconds = int(d.Timeout / time.Second)
		}
		if d.MemoryMB != function.DefaultMemoryMB {
			f.MemoryMB = d.MemoryMB
		}
		if d.Concurrency != function.MaxConcurrency {
			f.Concurrency = d.Concurrency
		}
		w.Functions = append(w.Functions, f)
	}
	for _, m := range fs.ListEventSourceMappings("") {
		w.EventSources = append(w.EventSources, snapMapping(m))
	}
	return nil
}

func snapMapping(m function.Mapping) EventSource {
	e := EventSource{Function: m.FunctionName, Disabled: m.Disabled || m.State == "Disabled",
		BatchingWindowSeconds: int(m.MaximumBatchingWindow / time.Second),
		StartingPosition:      m.StartingPosition, BisectOnError: m.BisectBatchOnFunctionError}
	kind, name, _ := parseLocalRef(m.EventSourceArn)
	defaultBatch := 10
	if kind == KindStream {
		e.Stream = name
		defaultBatch = 100
	} else {
		e.Queue = name
	}
	if m.BatchSize != defaultBatch {
		e.BatchSize = m.BatchSize
	}
	for _, t := range m.FunctionResponseTypes {
		if t == function.ReportBatchItemFailures {
			e.ReportBatchItemFailures = true
		}
	}
	if r := m.MaximumRetryAttempts; r != nil && *r >= 0 {
		v := *r
		e.MaxRetryAttempts = &v
	}
	return e
}

func snapAPIs(c *core.Core, w *Workspace) error {
	gs := c.Gateway()
	for _, info := range gs.APIs() {
		a, err := gs.API(info.Name)
		if err != nil {
			return fmt.Errorf("API %q: %w", info.Name, err)
		}
		w.APIs = append(w.APIs, fromGatewayAPI(a))
	}
	return nil
}

func fromGatewayAPI(a gateway.API) API {
	out := API{Name: a.Name, Port: a.Port, Tags: nonEmpty(a.Tags)}
	for _, r := range a.Routes {
		rt := Route{Key: r.Key, Type: string(r.Integration.Type), Target: r.Integration.Target,
			Sync: r.Integration.Sync, Parameters: nonEmpty(r.Integration.Parameters)}
		if m := r.Integration.Mock; m != nil {
			rt.MockStatus, rt.MockBody = m.Status, m.Body
		}
		out.Routes = append(out.Routes, rt)
	}
	for _, s := range a.Stages {
		if s.Name != gateway.DefaultStage || len(a.Stages) > 1 {
			out.Stages = append(out.Stages, s.Name)
		}
	}
	return out
}

func toGatewayAPI(a API) gateway.API {
	out := gateway.API{Name: a.Name, Port: a.Port, Tags: maps.Clone(a.Tags)}
	for _, r := range a.Routes {
		out.Routes = append(out.Routes, toGatewayRoute(r))
	}
	for _, s := range a.Stages {
		out.Stages = append(out.Stages, gateway.Stage{Name: s})
	}
	return out
}

func toGatewayRoute(r Route) gateway.Route {
	in := gateway.Integration{Type: gateway.IntegrationType(r.Type), Target: r.Target, Sync: r.Sync, Parameters: maps.Clone(r.Parameters)}
	if r.Type == TargetMock {
		in.Mock = &gateway.MockResponse{Status: r.MockStatus, Body: r.MockBody}
	}
	return gateway.Route{Key: r.Key, Integration: in}
}

func nonEmpty[M ~map[string]string](m M) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(map[string]string(m))
}
