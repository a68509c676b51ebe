package queue

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// Config says what a Service runs on.
type Config struct {
	Store          *store.Store      // durable state; every change goes through Store.Write
	Clock          *clock.Clock      // the only source of time
	Events         event.Publisher   // may be nil
	Metrics        *metrics.Registry // may be nil
	Region         string            // for ARNs; "us-east-1" when empty
	Account        string            // for ARNs and SenderId; "000000000000" when empty
	CacheBytes     int64             // message body cache budget; 0 means 64 MiB
	QuotaEmulation bool              // enforce FIFO's 300 calls/s per action
	MaxLongPolls   int               // concurrent waiting ReceiveMessage calls; 0 means DefaultMaxLongPolls
	MaxInflight    int               // messages in flight per queue; 0 means AWS's 120,000
}

// DefaultMaxLongPolls caps concurrent long polls when Config.MaxLongPolls is
// 0: far more consumers than a laptop runs, well below the usual limit of
// open files.
const DefaultMaxLongPolls = 1000

// defaultCacheBytes is the body cache budget when Config.CacheBytes is 0.
const defaultCacheBytes = 64 << 20

// Service is the queue service: every queue of the store, their hot
// indexes, the body cache and the background sweeper.
type Service struct {
	cfg     Config
	st      *store.Store
	clock   *clock.Clock
	cache   *ristretto.Cache[uint64, *record]
	ahead   readAhead // range reads shared by concurrent cache misses
	handles *handleCodec

	mu     sync.RWMutex // guards byName, byID
	byName map[string]*queue
	byID   map[int64]*queue

	adminMu sync.Mutex // serializes queue creation, deletion and reconfiguration

	tasksMu sync.Mutex
	tasks   map[string]*moveTask
	taskSeq int64

	cleanupMu sync.Mutex
	cleanups  []int64 // rows to delete (deleted queues, purges)

	sweepMu sync.Mutex
	kick    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once

	longPolls atomic.Int64 // ReceiveMessage calls waiting now
}

// Open loads every queue from the store and rebuilds their indexes: stored
// messages keep their state (in-flight ones stay in flight until their
// deadline), FIFO deduplication ids stay in force for their window, and
// running message move tasks resume.
func Open(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, errors.New("queue: Open needs a Store and a Clock")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = maxInflight
	}
	if cfg.MaxLongPolls <= 0 {
		cfg.MaxLongPolls = DefaultMaxLongPolls
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = defaultCacheBytes
	}
	cache, err := ristretto.NewCache(&ristretto.Config[uint64, *record]{
		NumCounters:        max(100_000, cfg.CacheBytes/100),
		MaxCost:            cfg.CacheBytes,
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: body cache: %w", err)
	}
	s := &Service{
		cfg: cfg, st: cfg.Store, clock: cfg.Clock, cache: cache,
		byName: map[string]*queue{}, byID: map[int64]*queue{}, tasks: map[string]*moveTask{},
		kick: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if err := s.load(); err != nil {
		cache.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.sweeper()
	s.resumeTasks()
	return s, nil
}

// Close stops the sweeper and the move tasks and ends pending long polls
// (they return no messages). It does not close the store.
func (s *Service) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.mu.RLock()
		for _, q := range s.byID {
			q.mu.Lock()
			q.stopTimer()
			q.wake()
			q.mu.Unlock()
		}
		s.mu.RUnlock()
		s.wg.Wait()
		s.cache.Close()
	})
	return nil
}

// closed reports whether Close has been called.
func (s *Service) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// ARN returns the ARN of the named queue.
func (s *Service) ARN(name string) string {
	return "arn:aws:sqs:" + s.cfg.Region + ":" + s.cfg.Account + ":" + name
}

// nameFromARN returns the queue name of an ARN of this region and account.
func (s *Service) nameFromARN(arn string) (string, bool) {
	prefix := "arn:aws:sqs:" + s.cfg.Region + ":" + s.cfg.Account + ":"
	name, ok := strings.CutPrefix(arn, prefix)
	return name, ok && name != ""
}

// nowMS returns the clock's time in epoch milliseconds.
func (s *Service) nowMS() int64 { return s.clock.Now().UnixMilli() }

// lookup returns the named queue.
func (s *Service) lookup(name string) (*queue, *Error) {
	s.mu.RLock()
	q := s.byName[name]
	s.mu.RUnlock()
	if q == nil {
		return nil, errNoQueue()
	}
	return q, nil
}

// byARN returns the queue an ARN names, or nil.
func (s *Service) byARN(arn string) *queue {
	name, ok := s.nameFromARN(arn)
	if !ok {
		return nil
	}
	q, _ := s.lookup(name)
	return q
}

// QueueExists reports whether the named queue exists.
func (s *Service) QueueExists(name string) bool {
	_, err := s.lookup(name)
	return err == nil
}

// queues returns every queue (unordered).
func (s *Service) queues() []*queue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*queue, 0, len(s.byID))
	for _, q := range s.byID {
		out = append(out, q)
	}
	return out
}

// write runs fn in the store's group commit. A storage fault becomes
// ServiceUnavailable, any other store failure (or a context ending)
// InternalError; an *Error returned by fn passes through.
func (s *Service) write(ctx context.Context, fn func(tx *store.Tx) error) *Error {
	err := s.st.Write(ctx, fn)
	if err == nil {
		return nil
	}
	var qe *Error
	if errors.As(err, &qe) {
		return qe
	}
	if errors.Is(err, store.ErrUnavailable) {
		return errorf(ServiceUnavailable, "The service is unavailable: Skyport cannot write its database (%v). "+
			"Nothing was changed; retry once there is disk space.", err)
	}
	return internalError(err)
}

// emit publishes an event when the service has a publisher.
func (s *Service) emit(kind event.Kind, level event.Level, queue, msg string) {
	s.emitCount(kind, level, queue, msg, 0)
}

// emitCount emits a message-traffic event covering n messages.
func (s *Service) emitCount(kind event.Kind, level event.Level, queue, msg string, n int) {
	if s.cfg.Events == nil {
		return
	}
	s.cfg.Events.Publish(event.Event{Time: s.clock.Now(), Kind: kind, Level: level, Service: "queue", Resource: queue, Message: msg, Count: n})
}

// loadSecret returns the receipt-handle key, creating it on first use.
func (s *Service) loadSecret() ([]byte, error) {
	var secret []byte
	err := s.st.DB().QueryRow(`SELECT value FROM queue_settings WHERE key = 'handle_secret'`).Scan(&secret)
	if err == nil && len(secret) >= 16 {
		return secret, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("queue: load handle secret: %w", err)
	}
	secret = make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("queue: handle secret: %w", err)
	}
	err = s.st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO queue_settings(key, value) VALUES ('handle_secret', ?)`, secret)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("queue: save handle secret: %w", err)
	}
	return secret, nil
}
