package stream

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// Config says what a Service runs on.
type Config struct {
	Store   *store.Store      // durable state; every change goes through Store.Write
	Clock   *clock.Clock      // the only source of time
	Events  event.Publisher   // may be nil
	Metrics *metrics.Registry // may be nil
	Region  string            // for ARNs; "us-east-1" when empty
	Account string            // for ARNs; "000000000000" when empty
	// TransitionDelay is how long a stream stays CREATING or UPDATING on
	// the clock; 0 makes changes ACTIVE as soon as they are committed.
	TransitionDelay time.Duration
	// ShardLimit caps the open shards of all streams together (AWS's
	// account quota); 0 means 500.
	ShardLimit int
	// Throughput enables the per-shard throughput emulation (1 MiB/s or
	// 1,000 records/s written, 2 MiB/s and 5 calls/s read per shard).
	Throughput bool
	// TrimInterval is how often the retention trimmer runs on the clock;
	// 0 means one minute.
	TrimInterval time.Duration
}

// Service is the stream service: every stream of the store with its shards'
// hot state, and the retention trimmer.
type Service struct {
	cfg   Config
	st    *store.Store
	clock *clock.Clock
	key   []byte // iterator and token MAC key, kept in the store

	seq atomic.Uint64 // last sequence counter handed out; only the writer goroutine moves it

	mu     sync.RWMutex // guards byName, byID
	byName map[string]*stream
	byID   map[int64]*stream

	adminMu sync.Mutex // serializes creation, deletion and reconfiguration

	trimmed *metrics.Counter
	kick    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

// Open loads every stream from the store and starts the trimmer.
func Open(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, errors.New("stream: Open needs a Store and a Clock")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.ShardLimit <= 0 {
		cfg.ShardLimit = 500
	}
	if cfg.TrimInterval <= 0 {
		cfg.TrimInterval = time.Minute
	}
	s := &Service{cfg: cfg, st: cfg.Store, clock: cfg.Clock,
		byName: map[string]*stream{}, byID: map[int64]*stream{},
		kick: make(chan struct{}, 1), done: make(chan struct{})}
	if cfg.Metrics != nil {
		s.trimmed = cfg.Metrics.Counter(metricTrimmed, "Records removed by the retention trimmer.")
	}
	if err := s.loadKey(); err != nil {
		return nil, err
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go s.trimmer(s.clock.Now().Add(cfg.TrimInterval))
	s.Kick() // finish purges a previous run left, trim what expired while stopped
	return s, nil
}

// Close stops the trimmer. It does not close the store.
func (s *Service) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.wg.Wait()
	})
	return nil
}

// loadKey reads (or creates) the key that signs shard iterators, so
// iterators stay valid across a restart.
func (s *Service) loadKey() error {
	err := s.st.DB().QueryRow(`SELECT value FROM stream_settings WHERE key = 'iterator_key'`).Scan(&s.key)
	if err == nil && len(s.key) == 32 {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("stream: load iterator key: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	err = s.st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO stream_settings(key, value) VALUES ('iterator_key', ?)`, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("stream: save iterator key: %w", err)
	}
	s.key = key
	return nil
}

// load rebuilds the streams, their shards and the sequence counter.
func (s *Service) load() error {
	db := s.st.DB()
	rows, err := db.Query(`SELECT id, name, mode, retention_hours, max_record_kib, tags, created_at FROM stream_streams`)
	if err != nil {
		return fmt.Errorf("stream: load streams: %w", err)
	}
	for rows.Next() {
		var st stream
		var tags string
		var created int64
		if err := rows.Scan(&st.id, &st.name, &st.mode, &st.retention, &st.maxRecordKB, &tags, &created); err != nil {
			rows.Close()
			return fmt.Errorf("stream: load streams: %w", err)
		}
		st.created = time.UnixMilli(created)
		st.status = StatusActive
		st.tags = map[string]string{}
		_ = json.Unmarshal([]byte(tags), &st.tags)
		st.arn = s.arn(st.name)
		s.byName[st.name] = &st
		s.byID[st.id] = &st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stream: load streams: %w", err)
	}
	var high uint64
	if err := s.loadShards(&high); err != nil {
		return err
	}
	if err := s.loadConsumers(); err != nil {
		return err
	}
	var maxRec, floor sql.NullInt64
	_ = db.QueryRow(`SELECT max(seq) FROM stream_records`).Scan(&maxRec)
	var floorBlob []byte
	if db.QueryRow(`SELECT value FROM stream_settings WHERE key = 'seq_floor'`).Scan(&floorBlob) == nil {
		var f int64
		if _, err := fmt.Sscan(string(floorBlob), &f); err == nil {
			floor = sql.NullInt64{Int64: f, Valid: true}
		}
	}
	high = max(high, uint64(maxRec.Int64), uint64(floor.Int64))
	s.seq.Store(high)
	for _, st := range s.byID {
		st.registerMetrics(s)
	}
	return nil
}

// loadShards reads every shard and its latest record.
func (s *Service) loadShards(high *uint64) error {
	db := s.st.DB()
	rows, err := db.Query(`SELECT id, stream_id, shard_index, hash_start, hash_end, parent, adjacent,
		start_seq, end_seq, created_at, closed_at FROM stream_shards ORDER BY stream_id, shard_index`)
	if err != nil {
		return fmt.Errorf("stream: load shards: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sh shard
		var streamID, created, closed int64
		var hs, he string
		if err := rows.Scan(&sh.dbID, &streamID, &sh.index, &hs, &he, &sh.parent, &sh.adjacent,
			&sh.startSeq, &sh.endSeq, &created, &closed); err != nil {
			return fmt.Errorf("stream: load shards: %w", err)
		}
		st := s.byID[streamID]
		if st == nil {
			continue
		}
		sh.id = shardName(sh.index)
		sh.rng.Start, _ = ParseHashKey(hs)
		sh.rng.End, _ = ParseHashKey(he)
		sh.created = time.UnixMilli(created)
		if closed != 0 {
			sh.closed = time.UnixMilli(closed)
		}
		*high = max(*high, sh.startSeq-1, sh.endSeq)
		if s.cfg.Throughput {
			sh.limits = newThrottle(s.clock.Now())
		}
		st.shards = append(st.shards, &sh)
		st.nextShard = max(st.nextShard, sh.index+1)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stream: load shards: %w", err)
	}
	for _, st := range s.byID {
		for _, sh := range st.shards {
			var seq, arrived sql.NullInt64
			_ = db.QueryRow(`SELECT seq, arrived FROM stream_records WHERE shard_id = ? ORDER BY seq DESC LIMIT 1`, sh.dbID).Scan(&seq, &arrived)
			sh.latest.Store(uint64(seq.Int64))
			sh.lastArrival.Store(arrived.Int64)
			sh.wArrival = arrived.Int64
		}
		st.reindex()
	}
	return nil
}

func shardName(i int) string { return fmt.Sprintf("shardId-%012d", i) }

func (s *Service) arn(name string) string {
	return "arn:aws:kinesis:" + s.cfg.Region + ":" + s.cfg.Account + ":stream/" + name
}

// lookup returns the named stream or ResourceNotFoundException.
func (s *Service) lookup(name string) (*stream, error) {
	s.mu.RLock()
	st := s.byName[name]
	s.mu.RUnlock()
	if st == nil {
		return nil, errorf(ResourceNotFound, "Stream %s under account %s not found.", name, s.cfg.Account)
	}
	return st, nil
}

// Exists reports whether the stream exists.
func (s *Service) Exists(name string) bool {
	_, err := s.lookup(name)
	return err == nil
}

// NameFromARN returns the stream name of a Kinesis stream ARN of this
// region and account.
func (s *Service) NameFromARN(arn string) (string, error) {
	prefix := "arn:aws:kinesis:" + s.cfg.Region + ":" + s.cfg.Account + ":stream/"
	if len(arn) <= len(prefix) || arn[:len(prefix)] != prefix {
		return "", errorf(InvalidArgument, "Invalid StreamARN %s.", arn)
	}
	return arn[len(prefix):], nil
}

func (s *Service) publish(kind event.Kind, level event.Level, resource, msg string) {
	s.publishCount(kind, level, resource, msg, 0)
}

// publishCount publishes a record-traffic event covering n records.
func (s *Service) publishCount(kind event.Kind, level event.Level, resource, msg string, n int) {
	if s.cfg.Events == nil {
		return
	}
	s.cfg.Events.Publish(event.Event{Time: s.clock.Now(), Kind: kind, Level: level, Service: "stream", Resource: resource, Message: msg, Count: n})
}

func internal(err error) *Error {
	return errorf(InternalFailure, "Internal service failure: %v", err)
}

// sortedShards returns the stream's shards in id order (caller holds st.mu).
func (st *stream) sortedShards() []*shard {
	out := append([]*shard(nil), st.shards...)
	sort.Slice(out, func(i, j int) bool { return out[i].index < out[j].index })
	return out
}

// ShardLimit returns the open-shard quota of the account.
func (s *Service) ShardLimit() int { return s.cfg.ShardLimit }

// Now returns the core clock's time.
func (s *Service) Now() time.Time { return s.clock.Now() }
