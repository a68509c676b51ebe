package function

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// Event source mappings (Lambda's CreateEventSourceMapping): a poller that
// reads a queue or a stream and invokes a function with batches.

// ReportBatchItemFailures is the FunctionResponseTypes value that turns on
// partial batch responses ({"batchItemFailures":[{"itemIdentifier":…}]}).
const ReportBatchItemFailures = "ReportBatchItemFailures"

// Starting positions of stream mappings (and iterator types of StreamSource).
const (
	TrimHorizon         = "TRIM_HORIZON"
	Latest              = "LATEST"
	AtTimestamp         = "AT_TIMESTAMP"
	AfterSequenceNumber = "AFTER_SEQUENCE_NUMBER"
	AtSequenceNumber    = "AT_SEQUENCE_NUMBER"
)

// Limits of event source mappings.
const (
	MaxBatchSize          = 10000
	DefaultQueueBatch     = 10
	DefaultStreamBatch    = 100
	MaxBatchingWindow     = 300 * time.Second
	MaxRetryAttempts      = 10000
	DefaultQueuePollers   = 5 // Lambda starts five pollers per queue
	MaxQueuePollers       = 1000
	MaxFIFOQueueBatchSize = 10
	MinRecordAge          = 60 * time.Second
	MaxRecordAge          = 7 * 24 * time.Hour
)

// MappingConfig is an event source mapping as the user defines it.
type MappingConfig struct {
	UUID                  string        // assigned on create
	FunctionName          string        // the function invoked
	EventSourceArn        string        // arn:aws:sqs:… or arn:aws:kinesis:…:stream/…
	Disabled              bool          // created disabled / paused
	BatchSize             int           // 1–10,000; 0: 10 for queues, 100 for streams
	MaximumBatchingWindow time.Duration // 0–300 s, whole seconds
	FunctionResponseTypes []string      // ReportBatchItemFailures
	MaximumConcurrency    int           // queues: pollers at once, 2–1000; 0: 5

	// Streams only.
	StartingPosition           string        // TRIM_HORIZON, LATEST or AT_TIMESTAMP (required)
	StartingPositionTimestamp  time.Time     // for AT_TIMESTAMP
	BisectBatchOnFunctionError bool          // split a failing batch in two and retry each half
	MaximumRetryAttempts       *int          // -1 (default) retries until the records expire; 0–10,000
	MaximumRecordAge           time.Duration // 0 (default, -1 in Lambda): no limit; else 60 s–7 days
	OnFailureDestination       string        // queue or topic ARN told about batches given up on
}

// Mapping is a mapping with its state, as the GUI shows it.
type Mapping struct {
	MappingConfig
	State                string // "Enabled" or "Disabled"
	LastProcessingResult string // "OK", "PROBLEM: …" or "No records processed"
	LastModified         time.Time
	Processed            uint64 // records handed to the function successfully
	Failed               uint64 // records whose invocation failed (each attempt)
}

// reportsItemFailures tells whether partial batch responses are on.
func (c MappingConfig) reportsItemFailures() bool {
	return slices.Contains(c.FunctionResponseTypes, ReportBatchItemFailures)
}

func (c MappingConfig) retryLimit() int {
	if c.MaximumRetryAttempts == nil {
		return -1
	}
	return *c.MaximumRetryAttempts
}

// mapping is a live mapping and its poller.
type mapping struct {
	s *Service

	mu        sync.Mutex
	cfg       MappingConfig
	result    string
	modified  time.Time
	processed uint64
	failed    uint64
	cancel    context.CancelFunc
	stopped   chan struct{}
}

// sourceKind tells what an event source ARN names.
func sourceKind(arn string) string {
	switch {
	case strings.HasPrefix(arn, "arn:aws:sqs:"):
		return "queue"
	case strings.HasPrefix(arn, "arn:aws:kinesis:") && strings.Contains(arn, ":stream/"):
		return "stream"
	}
	return ""
}

// queueName returns the queue name of an SQS ARN.
func queueName(arn string) string { return arn[strings.LastIndexByte(arn, ':')+1:] }

// mappingDefaults fills zero fields with Lambda's defaults.
func mappingDefaults(c MappingConfig) MappingConfig {
	kind := sourceKind(c.EventSourceArn)
	if c.BatchSize == 0 {
		c.BatchSize = DefaultQueueBatch
		if kind == "stream" {
			c.BatchSize = DefaultStreamBatch
		}
	}
	if kind == "queue" && c.MaximumConcurrency == 0 {
		c.MaximumConcurrency = DefaultQueuePollers
	}
	return c
}

func invalid(format string, args ...any) error { return errorf(InvalidParameterValue, format, args...) }

// validateMapping checks a mapping (after mappingDefaults) against its source.
func (s *Service) validateMapping(c MappingConfig) error {
	if _, err := s.lookup(c.FunctionName); err != nil {
		return err
	}
	if c.BatchSize < 1 || c.BatchSize > MaxBatchSize {
		return invalid("1 validation error detected: Value '%d' at 'batchSize' failed to satisfy constraint: Member must have value between 1 and 10000", c.BatchSize)
	}
	if c.MaximumBatchingWindow < 0 || c.MaximumBatchingWindow > MaxBatchingWindow || c.MaximumBatchingWindow%time.Second != 0 {
		return invalid("MaximumBatchingWindowInSeconds must be a whole number of seconds between 0 and 300, not %s", c.MaximumBatchingWindow)
	}
	for _, t := range c.FunctionResponseTypes {
		if t != ReportBatchItemFailures {
			return invalid("1 validation error detected: Value '[%s]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy enum value set: [ReportBatchItemFailures]", t)
		}
	}
	switch sourceKind(c.EventSourceArn) {
	case "queue":
		return s.validateQueueMapping(c)
	case "stream":
		return s.validateStreamMapping(c)
	}
	return invalid("Unrecognized event source %q: must be an SQS queue or a Kinesis stream ARN", c.EventSourceArn)
}

func (s *Service) validateQueueMapping(c MappingConfig) error {
	if s.cfg.Queues == nil {
		return invalid("queue event sources are not available")
	}
	if c.StartingPosition != "" || c.BisectBatchOnFunctionError || c.MaximumRetryAttempts != nil || c.OnFailureDestination != "" || c.MaximumRecordAge != 0 {
		return invalid("StartingPosition, BisectBatchOnFunctionError, MaximumRetryAttempts, MaximumRecordAgeInSeconds and DestinationConfig are not supported for Amazon SQS event sources; use the queue's redrive policy")
	}
	if c.BatchSize > 10 && c.MaximumBatchingWindow < time.Second {
		return invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	}
	if c.MaximumConcurrency < 2 || c.MaximumConcurrency > MaxQueuePollers {
		return invalid("1 validation error detected: Value '%d' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value between 2 and 1000", c.MaximumConcurrency)
	}
	info, err := s.cfg.Queues.QueueInfo(queueName(c.EventSourceArn))
	if err != nil {
		return invalid("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. Error Message: The specified queue %s does not exist", c.EventSourceArn)
	}
	if info.FIFO && c.BatchSize > MaxFIFOQueueBatchSize {
		return invalid("Batch size for FIFO queues must be between 1 and 10, not %d", c.BatchSize)
	}
	return nil
}

func (s *Service) validateStreamMapping(c MappingConfig) error {
	if s.cfg.Streams == nil {
		return invalid("stream event sources are not available")
	}
	switch c.StartingPosition {
	case TrimHorizon, Latest:
	case AtTimestamp:
		if c.StartingPositionTimestamp.IsZero() {
			return invalid("StartingPositionTimestamp is required with AT_TIMESTAMP")
		}
	case "":
		return invalid("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null")
	default:
		return invalid("1 validation error detected: Value '%s' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_TIMESTAMP]", c.StartingPosition)
	}
	if r := c.retryLimit(); r < -1 || r > MaxRetryAttempts {
		return invalid("1 validation error detected: Value '%d' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value between -1 and 10000", r)
	}
	if a := c.MaximumRecordAge; a != 0 && (a < MinRecordAge || a > MaxRecordAge || a%time.Second != 0) {
		return invalid("1 validation error detected: Value '%d' at 'maximumRecordAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 604800", int(a.Seconds()))
	}
	if c.OnFailureDestination != "" && s.cfg.Destinations == nil {
		return invalid("on-failure destinations are not available")
	}
	if c.MaximumConcurrency != 0 {
		return invalid("ScalingConfig is only supported for Amazon SQS event sources")
	}
	if _, err := s.cfg.Streams.ListShards(context.Background(), c.EventSourceArn); err != nil {
		return invalid("Stream not found: %s (%v)", c.EventSourceArn, err)
	}
	return nil
}

// CreateEventSourceMapping validates and saves a mapping and starts its
// poller (unless Disabled). It returns the mapping's UUID.
func (s *Service) CreateEventSourceMapping(ctx context.Context, c MappingConfig) (string, error) {
	c = mappingDefaults(c)
	c.UUID = newID()
	if err := s.validateMapping(c); err != nil {
		return "", err
	}
	s.mapMu.Lock()
	defer s.mapMu.Unlock()
	for _, m := range s.mappings {
		m.mu.Lock()
		same := m.cfg.FunctionName == c.FunctionName && m.cfg.EventSourceArn == c.EventSourceArn
		m.mu.Unlock()
		if same {
			return "", errorf(ResourceConflict, "The event source arn (\" %s \") and function (\" %s \") provided mapping already exists. Please update or delete the existing mapping with UUID %s", c.EventSourceArn, c.FunctionName, m.uuid())
		}
	}
	if err := s.saveMapping(ctx, c, true); err != nil {
		return "", err
	}
	m := &mapping{s: s, cfg: c, modified: s.clock.Now(), result: "No records processed"}
	s.mappings[c.UUID] = m
	m.start()
	s.emit(event.ResourceCreated, event.Info, c.FunctionName, fmt.Sprintf("event source mapping %s: %s → %s", c.UUID, c.EventSourceArn, c.FunctionName))
	return c.UUID, nil
}

// UpdateEventSourceMapping replaces a mapping's settings (its UUID,
// function and source stay) and restarts its poller.
func (s *Service) UpdateEventSourceMapping(ctx context.Context, c MappingConfig) error {
	s.mapMu.Lock()
	defer s.mapMu.Unlock()
	m := s.mappings[c.UUID]
	if m == nil {
		return errorf(ResourceNotFound, "The resource you requested does not exist. (Service: Lambda; mapping %s)", c.UUID)
	}
	m.mu.Lock()
	c.EventSourceArn = m.cfg.EventSourceArn
	if c.FunctionName == "" {
		c.FunctionName = m.cfg.FunctionName
	}
	m.mu.Unlock()
	c = mappingDefaults(c)
	if err := s.validateMapping(c); err != nil {
		return err
	}
	if err := s.saveMapping(ctx, c, false); err != nil {
		return err
	}
	m.stop()
	m.mu.Lock()
	m.cfg, m.modified = c, s.clock.Now()
	m.mu.Unlock()
	m.start()
	s.emit(event.ResourceChanged, event.Info, c.FunctionName, "event source mapping "+c.UUID+" updated")
	return nil
}

// DeleteEventSourceMapping stops and removes a mapping. Checkpoints of a
// stream mapping go with it.
func (s *Service) DeleteEventSourceMapping(ctx context.Context, uuid string) error {
	s.mapMu.Lock()
	m := s.mappings[uuid]
	if m == nil {
		s.mapMu.Unlock()
		return errorf(ResourceNotFound, "The resource you requested does not exist. (Service: Lambda; mapping %s)", uuid)
	}
	delete(s.mappings, uuid)
	s.mapMu.Unlock()
	m.stop()
	err := s.write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`DELETE FROM function_mappings WHERE uuid = ?`, uuid); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM function_checkpoints WHERE uuid = ?`, uuid)
		return err
	})
	if err != nil {
		return err
	}
	s.emit(event.ResourceDeleted, event.Info, m.config().FunctionName, "event source mapping "+uuid+" deleted")
	return nil
}

// GetEventSourceMapping returns one mapping.
func (s *Service) GetEventSourceMapping(uuid string) (Mapping, error) {
	s.mapMu.Lock()
	m := s.mappings[uuid]
	s.mapMu.Unlock()
	if m == nil {
		return Mapping{}, errorf(ResourceNotFound, "The resource you requested does not exist. (Service: Lambda; mapping %s)", uuid)
	}
	return m.snapshot(), nil
}

// ListEventSourceMappings returns the mappings of a function ("" for all).
func (s *Service) ListEventSourceMappings(function string) []Mapping {
	s.mapMu.Lock()
	ms := make([]*mapping, 0, len(s.mappings))
	for _, m := range s.mappings {
		ms = append(ms, m)
	}
	s.mapMu.Unlock()
	var out []Mapping
	for _, m := range ms {
		if snap := m.snapshot(); function == "" || snap.FunctionName == function {
			out = append(out, snap)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UUID < out[j].UUID })
	return out
}

// mappingsOf returns the UUIDs of a function's mappings.
func (s *Service) mappingsOf(function string) []string {
	var ids []string
	for _, m := range s.ListEventSourceMappings(function) {
		ids = append(ids, m.UUID)
	}
	return ids
}

func (s *Service) saveMapping(ctx context.Context, c MappingConfig, create bool) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return errorf(ServiceError, "encode mapping: %v", err)
	}
	now := s.clock.Now().UnixMilli()
	return s.write(ctx, func(tx *store.Tx) error {
		if create {
			_, err := tx.Exec(`INSERT INTO function_mappings(uuid, function, source_arn, config, created_at) VALUES (?, ?, ?, ?, ?)`,
				c.UUID, c.FunctionName, c.EventSourceArn, string(raw), now)
			return err
		}
		_, err := tx.Exec(`UPDATE function_mappings SET function = ?, config = ? WHERE uuid = ?`, c.FunctionName, string(raw), c.UUID)
		return err
	})
}

// loadMappings reads every mapping and starts the enabled ones.
func (s *Service) loadMappings() error {
	rows, err := s.st.DB().Query(`SELECT config FROM function_mappings`)
	if err != nil {
		return fmt.Errorf("function: load mappings: %w", err)
	}
	defer rows.Close()
	var cfgs []MappingConfig
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return fmt.Errorf("function: load mappings: %w", err)
		}
		var c MappingConfig
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return fmt.Errorf("function: load mapping: %w", err)
		}
		cfgs = append(cfgs, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cfgs {
		m := &mapping{s: s, cfg: c, modified: s.clock.Now(), result: "No records processed"}
		s.mappings[c.UUID] = m
		m.start()
	}
	return nil
}

// mapping returns the live mapping of a UUID, or nil.
func (s *Service) mapping(uuid string) *mapping {
	s.mapMu.Lock()
	defer s.mapMu.Unlock()
	return s.mappings[uuid]
}

func (m *mapping) uuid() string { return m.config().UUID }

func (m *mapping) config() MappingConfig {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg
}

func (m *mapping) snapshot() Mapping {
	m.mu.Lock()
	defer m.mu.Unlock()
	state := "Enabled"
	if m.cfg.Disabled {
		state = "Disabled"
	}
	c := m.cfg
	c.FunctionResponseTypes = slices.Clone(c.FunctionResponseTypes)
	return Mapping{MappingConfig: c, State: state, LastProcessingResult: m.result, LastModified: m.modified,
		Processed: m.processed, Failed: m.failed}
}

// start runs the poller unless the mapping is disabled or has no source.
func (m *mapping) start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cfg.Disabled || m.cancel != nil {
		return
	}
	var run func(context.Context)
	switch sourceKind(m.cfg.EventSourceArn) {
	case "queue":
		if m.s.cfg.Queues == nil {
			return
		}
		run = m.runQueue
	case "stream":
		if m.s.cfg.Streams == nil {
			return
		}
		run = m.runStream
	default:
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel, m.stopped = cancel, make(chan struct{})
	stopped := m.stopped
	m.s.wg.Add(1)
	go func() {
		defer m.s.wg.Done()
		defer close(stopped)
		run(ctx)
	}()
}

// stop ends the poller and waits for it (an invocation in progress ends
// early; its records come back: queue messages after their visibility
// timeout, stream records from the last checkpoint).
func (m *mapping) stop() {
	m.mu.Lock()
	cancel, stopped := m.cancel, m.stopped
	m.cancel, m.stopped = nil, nil
	m.mu.Unlock()
	if cancel != nil {
		cancel()
		<-stopped
	}
}

// outcome bookkeeping for the GUI.
func (m *mapping) report(processed, failed int, problem string) {
	m.mu.Lock()
	m.processed += uint64(processed)
	m.failed += uint64(failed)
	if problem != "" {
		m.result = "PROBLEM: " + problem
	} else if processed > 0 {
		m.result = "OK"
	}
	m.mu.Unlock()
}

// wait sleeps d on the core clock; it reports false when ctx ends first.
func (s *Service) wait(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := s.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	}
}

// itemFailures reads a partial batch response. ok lists the identifiers to
// retry; all is set when the whole batch counts as failed (Lambda's rules:
// a response that is not the expected object, or an item identifier that
// is null, empty or not in the batch). A null or empty response, or an
// empty list, is complete success.
func itemFailures(payload []byte, inBatch func(id string) bool) (failed []string, all bool) {
	trimmed := strings.TrimSpace(string(payload))
	if trimmed == "" || trimmed == "null" {
		return nil, false
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if err := json.Unmarshal([]byte(trimmed), &resp); err != nil {
		return nil, true
	}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == nil || *f.ItemIdentifier == "" || !inBatch(*f.ItemIdentifier) {
			return nil, true
		}
		failed = append(failed, *f.ItemIdentifier)
	}
	return failed, false
}
