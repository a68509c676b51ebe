// Package flow holds the design of a Skyport workspace: its resources with
// their settings, the connections between them, canvas positions and
// sample payloads. A workspace saves to a readable YAML file, is taken from
// a running core (Snapshot) and applied to one (Apply), and exports to an
// AWS CloudFormation template or plain ASL JSON and imports them back.
package flow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// FormatVersion is the workspace file format this package writes.
const FormatVersion = 1

// Workspace is the whole design. Connections are held by the resources
// they belong to (a subscription by its topic, a redrive by its queue, an
// event source by its function's mapping, an integration by its route);
// Connections lists them all.
type Workspace struct {
	Version       int                 `yaml:"version"`
	Name          string              `yaml:"name,omitempty"`
	Description   string              `yaml:"description,omitempty"`
	Queues        []Queue             `yaml:"queues,omitempty"`
	Topics        []Topic             `yaml:"topics,omitempty"`
	Streams       []Stream            `yaml:"streams,omitempty"`
	StateMachines []StateMachine      `yaml:"stateMachines,omitempty"`
	Functions     []Function          `yaml:"functions,omitempty"`
	EventSources  []EventSource       `yaml:"eventSources,omitempty"`
	APIs          []API               `yaml:"apis,omitempty"`
	Layout        map[string]Position `yaml:"layout,omitempty"` // node id (see NodeID) → canvas position
	Samples       []Sample            `yaml:"samples,omitempty"`
}

// Queue is an SQS queue. Attributes are SQS attribute names and values
// (VisibilityTimeout, DelaySeconds, …) other than RedrivePolicy, which is
// DeadLetter.
type Queue struct {
	Name       string            `yaml:"name"`
	Attributes map[string]string `yaml:"attributes,omitempty"`
	Tags       map[string]string `yaml:"tags,omitempty"`
	DeadLetter *DeadLetter       `yaml:"deadLetter,omitempty"`
}

// DeadLetter is a queue's redrive policy: after MaxReceiveCount receives a
// message moves to Queue.
type DeadLetter struct {
	Queue           string `yaml:"queue"`
	MaxReceiveCount int    `yaml:"maxReceiveCount"`
}

// FIFO reports whether the queue is a FIFO queue.
func (q Queue) FIFO() bool { return strings.HasSuffix(q.Name, ".fifo") }

// Topic is an SNS topic with its subscriptions.
type Topic struct {
	Name          string            `yaml:"name"`
	Attributes    map[string]string `yaml:"attributes,omitempty"`
	Tags          map[string]string `yaml:"tags,omitempty"`
	Subscriptions []Subscription    `yaml:"subscriptions,omitempty"`
}

// FIFO reports whether the topic is a FIFO topic.
func (t Topic) FIFO() bool { return strings.HasSuffix(t.Name, ".fifo") }

// Subscription protocols a workspace names by resource.
const (
	ProtocolQueue    = "sqs"
	ProtocolFunction = "lambda"
)

// Subscription delivers a topic's messages. Target is a queue name
// (protocol sqs), a function name (lambda) or a URL (http, https).
type Subscription struct {
	Protocol           string `yaml:"protocol"`
	Target             string `yaml:"target"`
	FilterPolicy       string `yaml:"filterPolicy,omitempty"`      // JSON
	FilterPolicyScope  string `yaml:"filterPolicyScope,omitempty"` // MessageAttributes (default) or MessageBody
	RawMessageDelivery bool   `yaml:"rawMessageDelivery,omitempty"`
}

// Stream is a Kinesis data stream.
type Stream struct {
	Name           string            `yaml:"name"`
	Shards         int               `yaml:"shards,omitempty"`         // provisioned streams
	Mode           string            `yaml:"mode,omitempty"`           // "" (PROVISIONED) or ON_DEMAND
	RetentionHours int               `yaml:"retentionHours,omitempty"` // 0: 24
	MaxRecordKB    int               `yaml:"maxRecordKB,omitempty"`    // 0: 1024
	Tags           map[string]string `yaml:"tags,omitempty"`
}

// StateMachine is a Step Functions state machine; Definition is its ASL
// JSON, which refers to local resources by their local ARNs and URLs.
type StateMachine struct {
	Name        string            `yaml:"name"`
	Type        string            `yaml:"type,omitempty"` // "" (STANDARD) or EXPRESS
	Description string            `yaml:"description,omitempty"`
	Definition  string            `yaml:"definition"`
	Tags        map[string]string `yaml:"tags,omitempty"`
}

// Function is a local function: a command run per event or kept warm.
type Function struct {
	Name           string            `yaml:"name"`
	Command        []string          `yaml:"command,flow"`
	Env            map[string]string `yaml:"env,omitempty"`
	Dir            string            `yaml:"dir,omitempty"`
	Mode           string            `yaml:"mode,omitempty"`           // "" (event) or warm
	TimeoutSeconds int               `yaml:"timeoutSeconds,omitempty"` // 0: 3
	MemoryMB       int               `yaml:"memoryMB,omitempty"`       // 0: 128
	Concurrency    int               `yaml:"concurrency,omitempty"`    // 0: unlimited (1000)
	Tags           map[string]string `yaml:"tags,omitempty"`
}

// EventSource feeds a queue or a stream to a function (an event source
// mapping).
type EventSource struct {
	Function                string `yaml:"function"`
	Queue                   string `yaml:"queue,omitempty"`
	Stream                  string `yaml:"stream,omitempty"`
	BatchSize               int    `yaml:"batchSize,omitempty"`
	BatchingWindowSeconds   int    `yaml:"batchingWindowSeconds,omitempty"`
	ReportBatchItemFailures bool   `yaml:"reportBatchItemFailures,omitempty"`
	StartingPosition        string `yaml:"startingPosition,omitempty"` // streams: TRIM_HORIZON or LATEST
	BisectOnError           bool   `yaml:"bisectOnError,omitempty"`
	MaxRetryAttempts        *int   `yaml:"maxRetryAttempts,omitempty"`
	Disabled                bool   `yaml:"disabled,omitempty"`
}

// Source names the mapping's source node.
func (e EventSource) Source() string {
	if e.Stream != "" {
		return NodeID(KindStream, e.Stream)
	}
	return NodeID(KindQueue, e.Queue)
}

// API is an HTTP API with its routes.
type API struct {
	Name   string            `yaml:"name"`
	Port   int               `yaml:"port,omitempty"`
	Routes []Route           `yaml:"routes,omitempty"`
	Stages []string          `yaml:"stages,omitempty"` // none: $default
	Tags   map[string]string `yaml:"tags,omitempty"`
}

// Integration types a route can have (as package gateway names them).
const (
	TargetFunction     = "function"
	TargetQueue        = "queue"
	TargetTopic        = "topic"
	TargetStream       = "stream"
	TargetStateMachine = "state-machine"
	TargetHTTP         = "http"
	TargetMock         = "mock"
)

// Route maps a route key ("POST /orders") to an integration.
type Route struct {
	Key        string            `yaml:"key"`
	Type       string            `yaml:"type"`
	Target     string            `yaml:"target,omitempty"` // resource name, or the URL of an http integration
	Sync       bool              `yaml:"sync,omitempty"`
	Parameters map[string]string `yaml:"parameters,omitempty"`
	MockStatus int               `yaml:"mockStatus,omitempty"`
	MockBody   string            `yaml:"mockBody,omitempty"`
}

// Position is a node's place on the flow canvas.
type Position struct {
	X float64 `yaml:"x"`
	Y float64 `yaml:"y"`
}

// Sample is a saved test payload for a resource (a message to send or
// publish, a record to put, an execution input, a request body).
type Sample struct {
	Name       string            `yaml:"name"`
	Target     string            `yaml:"target"` // node id
	Body       string            `yaml:"body"`
	Attributes map[string]string `yaml:"attributes,omitempty"`
}

// Node kinds, the first part of a node id.
const (
	KindQueue        = "queue"
	KindTopic        = "topic"
	KindStream       = "stream"
	KindStateMachine = "state-machine"
	KindFunction     = "function"
	KindAPI          = "api"
	KindURL          = "url"
)

// NodeID names a resource on the canvas: "queue/orders".
func NodeID(kind, name string) string { return kind + "/" + name }

// Connection is an edge of the flow graph.
type Connection struct {
	From, To string // node ids
	Kind     string // subscription, redrive, event-source, integration, task
	Label    string // route key, filter summary, …
}

// Connection kinds.
const (
	ConnSubscription = "subscription"
	ConnRedrive      = "redrive"
	ConnEventSource  = "event-source"
	ConnIntegration  = "integration"
	ConnTask         = "task"
)

// Connections lists every edge of the design, in a stable order.
func (w *Workspace) Connections() []Connection {
	var out []Connection
	for _, q := range w.Queues {
		if q.DeadLetter != nil {
			out = append(out, Connection{From: NodeID(KindQueue, q.Name), To: NodeID(KindQueue, q.DeadLetter.Queue),
				Kind: ConnRedrive, Label: fmt.Sprintf("after %d receives", q.DeadLetter.MaxReceiveCount)})
		}
	}
	for _, t := range w.Topics {
		for _, s := range t.Subscriptions {
			out = append(out, Connection{From: NodeID(KindTopic, t.Name), To: subscriptionNode(s), Kind: ConnSubscription, Label: s.FilterPolicy})
		}
	}
	for _, e := range w.EventSources {
		out = append(out, Connection{From: e.Source(), To: NodeID(KindFunction, e.Function), Kind: ConnEventSource})
	}
	for _, a := range w.APIs {
		for _, r := range a.Routes {
			if to := routeNode(r); to != "" {
				out = append(out, Connection{From: NodeID(KindAPI, a.Name), To: to, Kind: ConnIntegration, Label: r.Key})
			}
		}
	}
	defined := w.nodes()
	for _, m := range w.StateMachines {
		refs, err := machineRefs(m.Definition)
		if err != nil {
			continue
		}
		for _, r := range refs {
			if !defined[NodeID(r.kind, r.name)] {
				continue // an ARN outside the workspace
			}
			out = append(out, Connection{From: NodeID(KindStateMachine, m.Name), To: NodeID(r.kind, r.name), Kind: ConnTask, Label: r.state})
		}
	}
	return out
}

// nodes is the set of node ids of the workspace's resources.
func (w *Workspace) nodes() map[string]bool {
	n := map[string]bool{}
	for _, q := range w.Queues {
		n[NodeID(KindQueue, q.Name)] = true
	}
	for _, t := range w.Topics {
		n[NodeID(KindTopic, t.Name)] = true
	}
	for _, s := range w.Streams {
		n[NodeID(KindStream, s.Name)] = true
	}
	for _, m := range w.StateMachines {
		n[NodeID(KindStateMachine, m.Name)] = true
	}
	for _, f := range w.Functions {
		n[NodeID(KindFunction, f.Name)] = true
	}
	for _, a := range w.APIs {
		n[NodeID(KindAPI, a.Name)] = true
	}
	return n
}

func subscriptionNode(s Subscription) string {
	switch s.Protocol {
	case ProtocolQueue:
		return NodeID(KindQueue, s.Target)
	case ProtocolFunction:
		return NodeID(KindFunction, s.Target)
	}
	return NodeID(KindURL, s.Target)
}

func routeNode(r Route) string {
	switch r.Type {
	case TargetFunction, TargetQueue, TargetTopic, TargetStream, TargetStateMachine:
		return NodeID(r.Type, r.Target)
	case TargetHTTP:
		return NodeID(KindURL, r.Target)
	}
	return ""
}

// FileError is a workspace or template that cannot be read: the file, the
// line (0 when unknown) and the reason.
type FileError struct {
	File   string
	Line   int
	Reason string
}

func (e *FileError) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	case e.File != "":
		return e.File + ": " + e.Reason
	}
	return e.Reason
}

// yamlError turns a yaml.v3 error into a FileError with its line.
func yamlError(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		line, reason := splitYAMLLine(te.Errors[0])
		return &FileError{File: file, Line: line, Reason: reason}
	}
	line, reason := splitYAMLLine(err.Error())
	return &FileError{File: file, Line: line, Reason: reason}
}

// splitYAMLLine parses "yaml: line 7: reason" or "line 7: reason".
func splitYAMLLine(msg string) (int, string) {
	msg = strings.TrimPrefix(msg, "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		if i := strings.Index(msg, ": "); i >= 0 {
			return line, msg[i+2:]
		}
	}
	return 0, msg
}

// Parse reads a workspace file's contents; file names it in errors.
// Unknown fields are errors, so a typo is reported rather than dropped.
func Parse(file string, data []byte) (*Workspace, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var w Workspace
	if err := dec.Decode(&w); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FileError{File: file, Reason: "empty workspace file"}
		}
		return nil, yamlError(file, err)
	}
	if w.Version == 0 {
		return nil, &FileError{File: file, Line: 1, Reason: "not a Skyport workspace (no version field)"}
	}
	if w.Version > FormatVersion {
		return nil, &FileError{File: file, Reason: fmt.Sprintf("workspace format %d is newer than this Skyport understands (%d)", w.Version, FormatVersion)}
	}
	if err := w.Validate(); err != nil {
		return nil, &FileError{File: file, Reason: err.Error()}
	}
	return &w, nil
}

// Load reads a workspace file.
func Load(path string) (*Workspace, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Marshal encodes the workspace as YAML.
func (w *Workspace) Marshal() ([]byte, error) {
	if w.Version == 0 {
		w.Version = FormatVersion
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the workspace to path through a temporary file in the same
// directory that is synced and renamed over path, so a crash mid-save
// leaves either the old file or the new one, never a torn one.
func (w *Workspace) Save(path string) error {
	data, err := w.Marshal()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// WriteFileAtomic writes data to path by temporary file, fsync and rename.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Validate checks that names are unique and that every connection points
// at a resource of the workspace.
func (w *Workspace) Validate() error {
	var errs []error
	names := map[string]bool{}
	add := func(kind, name string) {
		id := NodeID(kind, name)
		if name == "" {
			errs = append(errs, fmt.Errorf("a %s without a name", kind))
		} else if names[id] {
			errs = append(errs, fmt.Errorf("%s %q is defined twice", kind, name))
		}
		names[id] = true
	}
	for _, q := range w.Queues {
		add(KindQueue, q.Name)
	}
	for _, t := range w.Topics {
		add(KindTopic, t.Name)
	}
	for _, s := range w.Streams {
		add(KindStream, s.Name)
	}
	for _, m := range w.StateMachines {
		add(KindStateMachine, m.Name)
	}
	for _, f := range w.Functions {
		add(KindFunction, f.Name)
	}
	for _, a := range w.APIs {
		add(KindAPI, a.Name)
	}
	for _, c := range w.Connections() {
		if strings.HasPrefix(c.To, KindURL+"/") {
			continue
		}
		if !names[c.From] || !names[c.To] {
			missing := c.To
			if !names[c.From] {
				missing = c.From
			}
			errs = append(errs, fmt.Errorf("%s %s → %s: %s is not defined", c.Kind, c.From, c.To, missing))
		}
	}
	for _, e := range w.EventSources {
		if (e.Queue == "") == (e.Stream == "") {
			errs = append(errs, fmt.Errorf("event source for function %q: name exactly one of queue or stream", e.Function))
		}
	}
	for id := range w.Layout {
		if !names[id] && !strings.HasPrefix(id, KindURL+"/") {
			errs = append(errs, fmt.Errorf("layout: %s is not defined", id))
		}
	}
	for _, s := range w.Samples {
		if !names[s.Target] {
			errs = append(errs, fmt.Errorf("sample %q: %s is not defined", s.Name, s.Target))
		}
	}
	return errors.Join(errs...)
}

// Normalize sorts resources by name so that equal designs compare equal.
func (w *Workspace) Normalize() {
	slices.SortFunc(w.Queues, func(a, b Queue) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(w.Topics, func(a, b Topic) int { return strings.Compare(a.Name, b.Name) })
	for i := range w.Topics {
		slices.SortFunc(w.Topics[i].Subscriptions, func(a, b Subscription) int {
			return strings.Compare(a.Protocol+" "+a.Target, b.Protocol+" "+b.Target)
		})
	}
	slices.SortFunc(w.Streams, func(a, b Stream) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(w.StateMachines, func(a, b StateMachine) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(w.Functions, func(a, b Function) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(w.EventSources, func(a, b EventSource) int {
		return strings.Compare(a.Function+" "+a.Source(), b.Function+" "+b.Source())
	})
	slices.SortFunc(w.APIs, func(a, b API) int { return strings.Compare(a.Name, b.Name) })
	for i := range w.APIs {
		slices.SortFunc(w.APIs[i].Routes, func(a, b Route) int { return strings.Compare(a.Key, b.Key) })
	}
}
