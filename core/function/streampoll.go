package function

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// Stream → function: one poller per shard reads records in order, invokes
// the function with batches and checkpoints (durably) after each batch it
// is done with. A failing batch is retried — split in two first when
// BisectBatchOnFunctionError is set — until MaximumRetryAttempts, then
// reported to the on-failure destination and skipped. A child shard is
// read only once its parents are finished, so records of one partition key
// stay in order across resharding.

const (
	streamPollInterval = time.Second      // Lambda polls each shard once per second when idle
	shardListInterval  = 10 * time.Second // how often new shards are looked for
	maxRetryBackoff    = 30 * time.Second
)

// shardTracker knows which shards have a poller and which are finished.
type shardTracker struct {
	mu       sync.Mutex
	started  map[string]bool
	finished map[string]bool
	changed  chan struct{}
}

func (t *shardTracker) finish(id string) {
	t.mu.Lock()
	t.finished[id] = true
	t.mu.Unlock()
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// ready returns the shards that may start now: not started, and every
// parent either finished or unknown (trimmed away).
func (t *shardTracker) ready(shards []StreamShard) []StreamShard {
	known := map[string]bool{}
	for _, sh := range shards {
		known[sh.ShardID] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []StreamShard
	for _, sh := range shards {
		if t.started[sh.ShardID] {
			continue
		}
		blocked := false
		for _, p := range []string{sh.ParentShardID, sh.AdjacentParentShardID} {
			if p != "" && known[p] && !t.finished[p] {
				blocked = true
			}
		}
		if !blocked {
			t.started[sh.ShardID] = true
			out = append(out, sh)
		}
	}
	return out
}

func (m *mapping) runStream(ctx context.Context) {
	cfg := m.config()
	s := m.s
	t := &shardTracker{started: map[string]bool{}, finished: map[string]bool{}, changed: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	defer wg.Wait()
	first := true
	for {
		shards, err := s.cfg.Streams.ListShards(ctx, cfg.EventSourceArn)
		if err != nil {
			m.report(0, 0, "ListShards: "+err.Error())
		}
		for _, sh := range t.ready(shards) {
			start := TrimHorizon // children and later shards are read from their start
			if first || sh.ParentShardID == "" {
				start = cfg.StartingPosition
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.pollShard(ctx, cfg, sh.ShardID, start)
				if ctx.Err() == nil {
					t.finish(sh.ShardID)
				}
			}()
		}
		first = false
		if !s.wait(ctx, shardListInterval, t.changed) {
			return
		}
	}
}

// pollShard reads one shard until it is finished (closed and read) or ctx ends.
func (m *mapping) pollShard(ctx context.Context, cfg MappingConfig, shard, start string) {
	s := m.s
	notifier, _ := s.cfg.Streams.(StreamNotifier)
	iter := ""
	for ctx.Err() == nil {
		var wake <-chan struct{} // taken before reading, so no append is missed
		if notifier != nil {
			wake = notifier.Appended(cfg.EventSourceArn)
		}
		if iter == "" {
			var err error
			if iter, err = m.iterator(ctx, cfg, shard, start); err != nil {
				m.report(0, 0, "GetShardIterator: "+err.Error())
				if !s.wait(ctx, streamPollInterval, nil) {
					return
				}
				continue
			}
		}
		recs, next, err := s.cfg.Streams.GetRecords(ctx, iter, cfg.BatchSize)
		if err != nil {
			iter = "" // expired or invalid: start again from the checkpoint
			m.report(0, 0, "GetRecords: "+err.Error())
			if !s.wait(ctx, streamPollInterval, nil) {
				return
			}
			continue
		}
		if len(recs) > 0 {
			recs = m.fillWindow(ctx, cfg, recs, &next)
			if !m.deliver(ctx, cfg, shard, recs) {
				return
			}
		}
		if next == "" {
			return // the shard is closed and read to its end
		}
		iter = next
		if len(recs) == 0 && !s.wait(ctx, streamPollInterval, wake) {
			return
		}
	}
}

// fillWindow keeps reading, for up to the batching window, while the batch
// is not full.
func (m *mapping) fillWindow(ctx context.Context, cfg MappingConfig, recs []StreamRecord, next *string) []StreamRecord {
	if cfg.MaximumBatchingWindow == 0 {
		return recs
	}
	s := m.s
	deadline := s.clock.Now().Add(cfg.MaximumBatchingWindow)
	for len(recs) < cfg.BatchSize && *next != "" && ctx.Err() == nil {
		more, n, err := s.cfg.Streams.GetRecords(ctx, *next, cfg.BatchSize-len(recs))
		if err != nil {
			break
		}
		recs, *next = append(recs, more...), n
		left := deadline.Sub(s.clock.Now())
		if len(more) == 0 && (left <= 0 || !s.wait(ctx, min(left, streamPollInterval), nil)) {
			break
		}
	}
	return recs
}

// iterator starts after the shard's checkpoint, or at the start position.
func (m *mapping) iterator(ctx context.Context, cfg MappingConfig, shard, start string) (string, error) {
	seq, err := m.checkpoint(shard)
	if err != nil {
		return "", err
	}
	if seq != "" {
		return m.s.cfg.Streams.ShardIterator(ctx, cfg.EventSourceArn, shard, AfterSequenceNumber, seq, time.Time{})
	}
	return m.s.cfg.Streams.ShardIterator(ctx, cfg.EventSourceArn, shard, start, "", cfg.StartingPositionTimestamp)
}

func (m *mapping) checkpoint(shard string) (string, error) {
	var seq string
	err := m.s.st.DB().QueryRow(`SELECT sequence FROM function_checkpoints WHERE uuid = ? AND shard_id = ?`, m.uuid(), shard).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return seq, err
}

func (m *mapping) saveCheckpoint(ctx context.Context, shard, seq string) error {
	return m.s.write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO function_checkpoints(uuid, shard_id, sequence) VALUES (?, ?, ?)
			ON CONFLICT(uuid, shard_id) DO UPDATE SET sequence = excluded.sequence`, m.uuid(), shard, seq)
		return err
	})
}

// deliver hands recs to the function until they are done with: processed,
// or given up on after the retry limit. It returns false when ctx ended.
// Each half of a bisected batch gets its own retry attempts.
func (m *mapping) deliver(ctx context.Context, cfg MappingConfig, shard string, recs []StreamRecord) bool {
	s := m.s
	for attempt := 0; len(recs) > 0; attempt++ {
		if recs = m.dropExpired(ctx, cfg, shard, recs); len(recs) == 0 {
			return true
		}
		res, err := s.InvokeWhenFree(ctx, cfg.FunctionName, m.kinesisPayload(cfg, shard, recs))
		if ctx.Err() != nil {
			return false
		}
		from, problem := m.failedFrom(cfg, recs, res, err)
		if from > 0 {
			if err := m.saveCheckpoint(ctx, shard, recs[from-1].SequenceNumber); err != nil {
				m.report(0, 0, "checkpoint: "+err.Error())
			}
			m.report(from, 0, "")
		}
		if from == len(recs) {
			return true
		}
		recs = recs[from:]
		m.report(0, len(recs), problem)
		if limit := cfg.retryLimit(); limit >= 0 && attempt >= limit {
			m.giveUp(ctx, cfg, shard, recs, "RetryAttemptsExhausted", attempt+1, res, err)
			if err := m.saveCheckpoint(ctx, shard, recs[len(recs)-1].SequenceNumber); err != nil {
				m.report(0, 0, "checkpoint: "+err.Error())
			}
			return true
		}
		if cfg.BisectBatchOnFunctionError && len(recs) > 1 && err == nil {
			half := len(recs) / 2
			return m.deliver(ctx, cfg, shard, recs[:half]) && m.deliver(ctx, cfg, shard, recs[half:])
		}
		if !s.wait(ctx, retryBackoff(attempt), nil) {
			return false
		}
	}
	return true
}

// dropExpired gives up on the leading records older than the mapping's
// MaximumRecordAge (records arrive in order, so the old ones come first)
// and returns the rest.
func (m *mapping) dropExpired(ctx context.Context, cfg MappingConfig, shard string, recs []StreamRecord) []StreamRecord {
	if cfg.MaximumRecordAge <= 0 {
		return recs
	}
	now := m.s.clock.Now()
	cut := 0
	for cut < len(recs) && now.Sub(recs[cut].ArrivalTime) > cfg.MaximumRecordAge {
		cut++
	}
	if cut == 0 {
		return recs
	}
	m.giveUp(ctx, cfg, shard, recs[:cut], "RecordAgeExceeded", 0, Result{}, nil)
	if err := m.saveCheckpoint(ctx, shard, recs[cut-1].SequenceNumber); err != nil {
		m.report(0, 0, "checkpoint: "+err.Error())
	}
	m.report(0, cut, "records older than the maximum record age were skipped")
	return recs[cut:]
}

// retryBackoff is the pause before retry attempt+1: 1 s doubling to 30 s.
func retryBackoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 5)
	return min(d, maxRetryBackoff)
}

// failedFrom returns the index of the first record to retry (len(recs)
// when the batch succeeded) and why.
func (m *mapping) failedFrom(cfg MappingConfig, recs []StreamRecord, res Result, err error) (int, string) {
	switch {
	case err != nil:
		return 0, "Function call failed: " + err.Error()
	case res.Failed():
		return 0, "Function call failed: " + string(res.Payload)
	case !cfg.reportsItemFailures():
		return len(recs), ""
	}
	index := make(map[string]int, len(recs))
	for i, r := range recs {
		index[r.SequenceNumber] = i
	}
	seqs, all := itemFailures(res.Payload, func(id string) bool { _, ok := index[id]; return ok })
	if all {
		return 0, "the function's batchItemFailures response was invalid"
	}
	from := len(recs)
	for _, seq := range seqs {
		from = min(from, index[seq])
	}
	if from < len(recs) {
		return from, "the function reported a batch item failure at " + recs[from].SequenceNumber
	}
	return from, ""
}

// kinesisPayload is the event Lambda gives a function for stream records.
func (m *mapping) kinesisPayload(cfg MappingConfig, shard string, recs []StreamRecord) []byte {
	ev := events.KinesisEvent{Records: make([]events.KinesisEventRecord, len(recs))}
	for i, r := range recs {
		ev.Records[i] = events.KinesisEventRecord{
			AwsRegion: m.s.cfg.Region, EventID: shard + ":" + r.SequenceNumber, EventName: "aws:kinesis:record",
			EventSource: "aws:kinesis", EventSourceArn: cfg.EventSourceArn, EventVersion: "1.0",
			InvokeIdentityArn: "arn:aws:iam::" + m.s.cfg.Account + ":role/skyport",
			Kinesis: events.KinesisRecord{ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: r.ArrivalTime},
				Data: r.Data, PartitionKey: r.PartitionKey, SequenceNumber: r.SequenceNumber, KinesisSchemaVersion: "1.0"},
		}
	}
	b, _ := json.Marshal(ev) // only strings, bytes and times: cannot fail
	return b
}

// failureRecord is the document Lambda sends to an on-failure destination
// for a stream batch it gave up on.
type failureRecord struct {
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	ResponseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError,omitempty"`
	} `json:"responseContext"`
	Version          string           `json:"version"`
	Timestamp        string           `json:"timestamp"`
	KinesisBatchInfo kinesisBatchInfo `json:"KinesisBatchInfo"`
}

type kinesisBatchInfo struct {
	ShardID                         string `json:"shardId"`
	StartSequenceNumber             string `json:"startSequenceNumber"`
	EndSequenceNumber               string `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord"`
	ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord"`
	BatchSize                       int    `json:"batchSize"`
	StreamArn                       string `json:"streamArn"`
}

// giveUp reports skipped records to the on-failure destination.
func (m *mapping) giveUp(ctx context.Context, cfg MappingConfig, shard string, recs []StreamRecord, condition string, invokes int, res Result, err error) {
	s := m.s
	s.emit(event.ResourceChanged, event.Warn, cfg.FunctionName, fmt.Sprintf("event source %s: giving up on %d records of %s (%s…%s): %s after %d attempts",
		cfg.EventSourceArn, len(recs), shard, recs[0].SequenceNumber, recs[len(recs)-1].SequenceNumber, condition, invokes))
	if cfg.OnFailureDestination == "" || s.cfg.Destinations == nil {
		return
	}
	var doc failureRecord
	doc.RequestContext.RequestID = res.RequestID
	if doc.RequestContext.RequestID == "" {
		doc.RequestContext.RequestID = newID()
	}
	doc.RequestContext.FunctionArn = s.ARN(cfg.FunctionName)
	doc.RequestContext.Condition = condition
	doc.RequestContext.ApproximateInvokeCount = invokes
	doc.ResponseContext.StatusCode = 200
	if err != nil {
		doc.ResponseContext.StatusCode = 500
	}
	doc.ResponseContext.ExecutedVersion = "$LATEST"
	doc.ResponseContext.FunctionError = res.FunctionError
	doc.Version = "1.0"
	doc.Timestamp = s.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	doc.KinesisBatchInfo = kinesisBatchInfo{ShardID: shard, StartSequenceNumber: recs[0].SequenceNumber,
		EndSequenceNumber: recs[len(recs)-1].SequenceNumber, BatchSize: len(recs), StreamArn: cfg.EventSourceArn,
		ApproximateArrivalOfFirstRecord: recs[0].ArrivalTime.UTC().Format("2006-01-02T15:04:05.000Z"),
		ApproximateArrivalOfLastRecord:  recs[len(recs)-1].ArrivalTime.UTC().Format("2006-01-02T15:04:05.000Z")}
	body, _ := json.Marshal(doc)
	if derr := s.cfg.Destinations.Deliver(context.WithoutCancel(ctx), cfg.OnFailureDestination, body); derr != nil {
		m.report(0, 0, "on-failure destination "+cfg.OnFailureDestination+": "+derr.Error())
	}
}
