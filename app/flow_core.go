package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/flow"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
)

// Link kinds: what an edge of the canvas stands for in the core.
const (
	linkRedrive      = "redrive"      // queue → queue: RedrivePolicy
	linkSubscription = "subscription" // topic → queue or function
	linkMapping      = "mapping"      // queue or stream → function: event source mapping
	linkIntegration  = "integration"  // route → queue, topic, stream, state machine or function
	linkTask         = "task"         // state machine → what its Task states call (read from the definition)
)

// link is one connection in the core, with what it takes to make it again
// (an undo of its deletion).
type link struct {
	kind     string
	from, to string // node ids

	max int // redrive: maxReceiveCount

	subARN   string // subscription
	protocol string
	filter   string // FilterPolicy JSON, "" for none
	scope    string // FilterPolicyScope
	raw      bool

	batch int // mapping: batch size, 0 for the default

	route gateway.Route // integration: the route as it is with this integration

	state string // task: the state that calls the target
}

func (l link) id() string { return l.from + "→" + l.to }

// coreState is what the canvas shows of the core, read in one go.
type coreState struct {
	queues    []queue.Summary
	topics    []topic.Summary
	streams   []stream.Summary
	apis      []gateway.API
	machines  []machine.StateMachine
	functions []function.Summary
	links     []link
}

// readServices reads every kind but queues (which come with their own
// events) and then the links between all of them.
func readServices(c *core.Core, st *coreState) {
	st.topics, st.streams, st.apis, st.machines, st.functions = nil, nil, nil, nil, nil
	if ts := c.Topics(); ts != nil {
		st.topics = ts.Topics()
	}
	if ss := c.Streams(); ss != nil {
		st.streams = ss.List()
	}
	if gw := c.Gateway(); gw != nil {
		for _, info := range gw.APIs() {
			st.apis = append(st.apis, info.API)
		}
	}
	if ms := c.Machines(); ms != nil {
		st.machines = ms.ListStateMachines()
	}
	if fs := c.Functions(); fs != nil {
		st.functions = fs.List()
	}
	st.links = readLinks(c, st)
}

// readLinks lists every connection among the resources of st.
func readLinks(c *core.Core, st *coreState) []link {
	return append(redriveLinks(c, st.queues), serviceLinks(c, st)...)
}

// redriveLinks lists the queues' dead-letter redrives.
func redriveLinks(c *core.Core, sums []queue.Summary) []link {
	var out []link
	qs := c.Queues()
	for _, s := range sums {
		if s.DeadLetter == "" {
			continue
		}
		l := link{kind: linkRedrive, from: nodeID(nodeQueue, s.Name), to: nodeID(nodeQueue, s.DeadLetter)}
		if attrs, err := qs.GetQueueAttributes(s.Name, []string{"RedrivePolicy"}); err == nil {
			var p struct {
				Max json.Number `json:"maxReceiveCount"`
			}
			if json.Unmarshal([]byte(attrs["RedrivePolicy"]), &p) == nil {
				n, _ := p.Max.Int64()
				l.max = int(n)
			}
		}
		out = append(out, l)
	}
	return out
}

// serviceLinks lists the subscriptions, event source mappings, route
// integrations and Task state calls.
func serviceLinks(c *core.Core, st *coreState) []link {
	var out []link
	ts := c.Topics()
	for _, t := range st.topics {
		for _, sub := range t.Subscriptions {
			var to string
			switch sub.Protocol {
			case flow.ProtocolQueue:
				to = nodeID(nodeQueue, lastSegment(sub.Endpoint))
			case flow.ProtocolFunction:
				to = nodeID(nodeFunction, functionOfARN(sub.Endpoint))
			default:
				continue // http endpoints are not on the canvas
			}
			l := link{kind: linkSubscription, from: nodeID(nodeTopic, t.Name), to: to, subARN: sub.ARN, protocol: sub.Protocol}
			if attrs, err := ts.GetSubscriptionAttributes(sub.ARN); err == nil {
				l.filter, l.raw, l.scope = attrs["FilterPolicy"], attrs["RawMessageDelivery"] == "true", attrs["FilterPolicyScope"]
			}
			out = append(out, l)
		}
	}
	if fs := c.Functions(); fs != nil {
		for _, m := range fs.ListEventSourceMappings("") {
			from := nodeID(nodeQueue, lastSegment(m.EventSourceArn))
			if strings.HasPrefix(m.EventSourceArn, "arn:aws:kinesis:") {
				name, err := c.Streams().NameFromARN(m.EventSourceArn)
				if err != nil {
					continue
				}
				from = nodeID(nodeStream, name)
			}
			out = append(out, link{kind: linkMapping, from: from, to: nodeID(nodeFunction, m.FunctionName), batch: m.BatchSize})
		}
	}
	for _, a := range st.apis {
		for _, r := range a.Routes {
			if kind := integrationNode(r.Integration.Type); kind != "" {
				out = append(out, link{kind: linkIntegration, from: routeNode(a.Name, r.Key),
					to: nodeID(kind, r.Integration.Target), route: r})
			}
		}
	}
	return append(out, taskLinks(st)...)
}

// taskLinks reads what the state machines' Task states call, as the
// workspace does.
func taskLinks(st *coreState) []link {
	w := &flow.Workspace{}
	for _, s := range st.queues {
		w.Queues = append(w.Queues, flow.Queue{Name: s.Name})
	}
	for _, t := range st.topics {
		w.Topics = append(w.Topics, flow.Topic{Name: t.Name})
	}
	for _, s := range st.streams {
		w.Streams = append(w.Streams, flow.Stream{Name: s.Name})
	}
	for _, f := range st.functions {
		w.Functions = append(w.Functions, flow.Function{Name: f.Name})
	}
	for _, m := range st.machines {
		w.StateMachines = append(w.StateMachines, flow.StateMachine{Name: m.Name, Definition: m.Definition})
	}
	var out []link
	seen := map[string]bool{}
	for _, c := range w.Connections() {
		l := link{kind: linkTask, from: c.From, to: c.To, state: c.Label}
		if c.Kind == flow.ConnTask && !seen[l.id()] {
			seen[l.id()] = true
			out = append(out, l)
		}
	}
	return out
}

// integrationNode is the node kind a route's integration type sends to,
// "" for mock and HTTP integrations.
func integrationNode(t gateway.IntegrationType) string {
	switch t {
	case gateway.Queue:
		return nodeQueue
	case gateway.Topic:
		return nodeTopic
	case gateway.Stream:
		return nodeStream
	case gateway.StateMachine:
		return nodeMachine
	case gateway.Function:
		return nodeFunction
	}
	return ""
}

var integrationTypes = map[string]gateway.IntegrationType{
	nodeQueue: gateway.Queue, nodeTopic: gateway.Topic, nodeStream: gateway.Stream,
	nodeMachine: gateway.StateMachine, nodeFunction: gateway.Function,
}

// lastSegment takes the name from an ARN whose name is its last
// ':'-separated part (SQS queues, SNS topics).
func lastSegment(arn string) string { return arn[strings.LastIndex(arn, ":")+1:] }

// functionOfARN takes the function name from a Lambda ARN.
func functionOfARN(arn string) string {
	parts := strings.Split(arn, ":")
	for i, p := range parts {
		if p == "function" && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return parts[len(parts)-1]
}

// label is what an edge says about its link.
func (l link) label() string {
	switch l.kind {
	case linkRedrive:
		if l.max == 0 {
			return "dead letter"
		}
		return fmt.Sprintf("dead letter after %d", l.max)
	case linkSubscription:
		s := "all messages"
		if l.filter != "" {
			s = "filter " + filterSummary(l.filter)
		}
		if l.raw {
			s += " · raw"
		}
		return s
	case linkMapping:
		if l.batch == 0 {
			return "event source"
		}
		return fmt.Sprintf("batch %d", l.batch)
	case linkIntegration:
		switch integrationNode(l.route.Integration.Type) {
		case nodeQueue:
			return "sends message"
		case nodeTopic:
			return "publishes"
		case nodeStream:
			return "puts record"
		case nodeMachine:
			return "starts execution"
		}
		return "invokes"
	case linkTask:
		return l.state
	}
	return l.kind
}

// filterSummary names a filter policy's top-level keys.
func filterSummary(policy string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(policy), &m) != nil {
		return "(invalid)"
	}
	keys := slices.Sorted(maps.Keys(m))
	return strings.Join(keys, ", ")
}

// ---- resources ----

// resourceExists tells whether the core has the resource of a node.
func resourceExists(c *core.Core, id string) bool {
	kind, name := parseNode(id)
	switch kind {
	case nodeQueue:
		return c.Queues().QueueExists(name)
	case nodeTopic:
		_, err := c.Topics().GetTopicAttributes(c.Topics().ARN(name))
		return err == nil
	case nodeStream:
		return c.Streams().Exists(name)
	case nodeAPI:
		_, err := c.Gateway().API(name)
		return err == nil
	case nodeRoute:
		api, key := routeOf(name)
		_, ok := findRoute(c, api, key)
		return ok
	case nodeMachine:
		_, ok := findMachine(c, name)
		return ok
	case nodeFunction:
		_, err := c.Functions().GetFunction(name)
		return err == nil
	}
	return false
}

func findRoute(c *core.Core, api, key string) (gateway.Route, bool) {
	a, err := c.Gateway().API(api)
	if err != nil {
		return gateway.Route{}, false
	}
	i := slices.IndexFunc(a.Routes, func(r gateway.Route) bool { return r.Key == key })
	if i < 0 {
		return gateway.Route{}, false
	}
	return a.Routes[i], true
}

func findMachine(c *core.Core, name string) (machine.StateMachine, bool) {
	for _, m := range c.Machines().ListStateMachines() {
		if m.Name == name {
			return m, true
		}
	}
	return machine.StateMachine{}, false
}

// recreator makes a deleted resource again, as it was when captured.
type recreator func(ctx context.Context, c *core.Core) error

// captureResource reads what it takes to make a node's resource again.
func captureResource(c *core.Core, id string) (recreator, error) {
	kind, name := parseNode(id)
	switch kind {
	case nodeQueue:
		attrs, err := c.Queues().GetQueueAttributes(name, []string{"All"})
		if err != nil {
			return nil, err
		}
		keep := map[string]string{}
		for _, k := range []string{"FifoQueue", "VisibilityTimeout", "DelaySeconds", "MessageRetentionPeriod",
			"MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "ContentBasedDeduplication"} {
			if v, ok := attrs[k]; ok && (k != "FifoQueue" || v == "true") {
				keep[k] = v
			}
		}
		tags, err := c.Queues().ListQueueTags(name)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *core.Core) error { return c.Queues().CreateQueue(ctx, name, keep, tags) }, nil
	case nodeTopic:
		arn := c.Topics().ARN(name)
		all, err := c.Topics().GetTopicAttributes(arn)
		if err != nil {
			return nil, err
		}
		tags, err := c.Topics().ListTagsForResource(arn)
		if err != nil {
			return nil, err
		}
		attrs := map[string]string{}
		kept := []string{"DisplayName", "DeliveryPolicy", "SignatureVersion", "TracingConfig", "KmsMasterKeyId", "ArchivePolicy"}
		if strings.HasSuffix(name, ".fifo") {
			attrs["FifoTopic"] = "true"
			kept = append(kept, "ContentBasedDeduplication")
		}
		for _, k := range kept {
			if v := all[k]; v != "" {
				attrs[k] = v
			}
		}
		return func(ctx context.Context, c *core.Core) error {
			_, err := c.Topics().CreateTopic(ctx, name, attrs, tags)
			return err
		}, nil
	case nodeStream:
		d, err := c.Streams().Describe(name)
		if err != nil {
			return nil, err
		}
		in := stream.CreateInput{Name: name, Mode: d.Mode, MaxRecordKB: d.MaxRecordKB, Tags: d.Tags}
		if d.Mode != stream.ModeOnDemand {
			in.ShardCount = max(1, d.OpenShards)
		}
		return func(ctx context.Context, c *core.Core) error { return c.Streams().Create(ctx, in) }, nil
	case nodeAPI:
		a, err := c.Gateway().API(name)
		if err != nil {
			return nil, err
		}
		a.ID = ""
		return func(ctx context.Context, c *core.Core) error { _, err := c.Gateway().CreateAPI(ctx, a); return err }, nil
	case nodeRoute:
		api, key := routeOf(name)
		r, ok := findRoute(c, api, key)
		if !ok {
			return nil, fmt.Errorf("API %s has no route %s", api, key)
		}
		return func(ctx context.Context, c *core.Core) error { _, err := c.Gateway().PutRoute(ctx, api, r); return err }, nil
	case nodeMachine:
		m, ok := findMachine(c, name)
		if !ok {
			return nil, fmt.Errorf("state machine %s does not exist", name)
		}
		in := machine.CreateInput{Name: m.Name, Definition: m.Definition, RoleArn: m.RoleArn, Type: m.Type, Description: m.Description,
			Tags: m.Tags}
		return func(ctx context.Context, c *core.Core) error {
			_, err := c.Machines().CreateStateMachine(ctx, in)
			return err
		}, nil
	case nodeFunction:
		def, err := c.Functions().GetFunction(name)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *core.Core) error { return c.Functions().CreateFunction(ctx, def) }, nil
	}
	return nil, fmt.Errorf("unknown node %s", id)
}

// deleteResource deletes a node's resource.
func deleteResource(ctx context.Context, c *core.Core, id string) error {
	kind, name := parseNode(id)
	switch kind {
	case nodeQueue:
		return c.Queues().DeleteQueue(ctx, name)
	case nodeTopic:
		return c.Topics().DeleteTopic(ctx, c.Topics().ARN(name))
	case nodeStream:
		return c.Streams().Delete(ctx, name)
	case nodeAPI:
		return c.Gateway().DeleteAPI(ctx, name)
	case nodeRoute:
		api, key := routeOf(name)
		return c.Gateway().DeleteRoute(ctx, api, key)
	case nodeMachine:
		m, ok := findMachine(c, name)
		if !ok {
			return nil
		}
		return c.Machines().DeleteStateMachine(ctx, m.Arn)
	case nodeFunction:
		return c.Functions().DeleteFunction(ctx, name)
	}
	return fmt.Errorf("unknown node %s", id)
}

// ---- links ----

// findLink reads the link between two nodes from the core.
func findLink(c *core.Core, from, to string) (link, bool) {
	probe := coreState{queues: c.Queues().List()}
	readServices(c, &probe)
	for _, l := range probe.links {
		if l.from == from && l.to == to {
			return l, true
		}
	}
	return link{}, false
}

// makeLink creates a link in the core.
func makeLink(ctx context.Context, c *core.Core, l link) error {
	_, src := parseNode(l.from)
	tk, dst := parseNode(l.to)
	switch l.kind {
	case linkRedrive:
		policy, _ := json.Marshal(map[string]any{"deadLetterTargetArn": c.Queues().ARN(dst), "maxReceiveCount": max(1, l.max)})
		return c.Queues().SetQueueAttributes(ctx, src, map[string]string{"RedrivePolicy": string(policy)})
	case linkSubscription:
		endpoint, protocol := c.Queues().ARN(dst), flow.ProtocolQueue
		if tk == nodeFunction {
			endpoint, protocol = c.Functions().ARN(dst), flow.ProtocolFunction
		}
		attrs := map[string]string{}
		if l.filter != "" {
			attrs["FilterPolicy"] = l.filter
			if l.scope != "" {
				attrs["FilterPolicyScope"] = l.scope
			}
		}
		if l.raw {
			attrs["RawMessageDelivery"] = "true"
		}
		_, err := c.Topics().Subscribe(ctx, c.Topics().ARN(src), protocol, endpoint, attrs, true)
		return err
	case linkMapping:
		arn := c.Queues().ARN(src)
		cfg := function.MappingConfig{FunctionName: dst, BatchSize: l.batch}
		if fk, _ := parseNode(l.from); fk == nodeStream {
			d, err := c.Streams().Describe(src)
			if err != nil {
				return err
			}
			arn, cfg.StartingPosition = d.ARN, "LATEST"
		}
		cfg.EventSourceArn = arn
		_, err := c.Functions().CreateEventSourceMapping(ctx, cfg)
		return err
	case linkIntegration:
		api, key := routeOf(src)
		r, ok := findRoute(c, api, key)
		if !ok {
			return fmt.Errorf("API %s has no route %s", api, key)
		}
		if l.route.Key != "" {
			r.Integration = l.route.Integration
		} else {
			r.Integration = gateway.Integration{Type: integrationTypes[tk], Target: dst}
		}
		_, err := c.Gateway().PutRoute(ctx, api, r)
		return err
	case linkTask:
		return nil // part of the state machine's definition, which stays as it is
	}
	return fmt.Errorf("unknown link %s", l.kind)
}

// removeLink deletes a link from the core; one whose ends went first is
// gone already.
func removeLink(ctx context.Context, c *core.Core, l link) error {
	_, src := parseNode(l.from)
	switch l.kind {
	case linkRedrive:
		err := c.Queues().SetQueueAttributes(ctx, src, map[string]string{"RedrivePolicy": ""})
		var qe *queue.Error
		if errors.As(err, &qe) && qe.Code == queue.QueueDoesNotExist {
			return nil
		}
		return err
	case linkSubscription:
		for _, t := range c.Topics().Topics() {
			if nodeID(nodeTopic, t.Name) != l.from {
				continue
			}
			for _, s := range t.Subscriptions {
				if s.Protocol == l.protocol && subscriptionTarget(s) == l.to {
					return c.Topics().Unsubscribe(ctx, s.ARN)
				}
			}
		}
		return nil
	case linkMapping:
		_, fn := parseNode(l.to)
		for _, m := range c.Functions().ListEventSourceMappings(fn) {
			if mappingSource(c, m) == l.from {
				return c.Functions().DeleteEventSourceMapping(ctx, m.UUID)
			}
		}
		return nil
	case linkIntegration:
		api, key := routeOf(src)
		r, ok := findRoute(c, api, key)
		if !ok {
			return nil
		}
		r.Integration = gateway.Integration{Type: gateway.Mock}
		_, err := c.Gateway().PutRoute(ctx, api, r)
		return err
	}
	return nil
}

func subscriptionTarget(s topic.SubscriptionSummary) string {
	if s.Protocol == flow.ProtocolFunction {
		return nodeID(nodeFunction, functionOfARN(s.Endpoint))
	}
	return nodeID(nodeQueue, lastSegment(s.Endpoint))
}

func mappingSource(c *core.Core, m function.Mapping) string {
	if strings.HasPrefix(m.EventSourceArn, "arn:aws:kinesis:") {
		name, _ := c.Streams().NameFromARN(m.EventSourceArn)
		return nodeID(nodeStream, name)
	}
	return nodeID(nodeQueue, lastSegment(m.EventSourceArn))
}

// inWords drops the AWS code and parameter echo from a core error, keeping
// the reason a person reads.
func inWords(err error) error {
	if err == nil {
		return nil
	}
	msg := ""
	var (
		qe *queue.Error
		te *topic.Error
		se *stream.Error
		fe *function.Error
		ge *gateway.Error
		me *machine.Error
	)
	switch {
	case errors.As(err, &qe):
		msg = qe.Message
	case errors.As(err, &te):
		msg = te.Message
	case errors.As(err, &se):
		msg = se.Message
	case errors.As(err, &fe):
		msg = fe.Message
	case errors.As(err, &ge):
		msg = ge.Message
	case errors.As(err, &me):
		msg = me.Message
	default:
		return err
	}
	if _, reason, ok := strings.Cut(msg, "Reason: "); ok {
		return errors.New(reason)
	}
	return errors.New(msg)
}

// sortedLinks orders links by id, for stable drawing.
func sortedLinks(ls []link) []link {
	slices.SortFunc(ls, func(a, b link) int {
		if c := strings.Compare(a.from, b.from); c != 0 {
			return c
		}
		return strings.Compare(a.to, b.to)
	})
	return ls
}
