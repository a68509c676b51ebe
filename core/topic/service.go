package topic

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/internal/uuid"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// Config says what a Service runs on.
type Config struct {
	Store     *store.Store      // durable state; every change goes through Store.Write
	Clock     *clock.Clock      // the only source of time
	Events    event.Publisher   // may be nil
	Metrics   *metrics.Registry // may be nil
	Region    string            // for ARNs; "us-east-1" when empty
	Account   string            // for ARNs; "000000000000" when empty
	Queues    QueueSender       // sqs subscriptions; nil: deliveries fail with "queue not found"
	Functions FunctionInvoker   // lambda subscriptions; nil: deliveries fail with "function not found"
	// HTTPClient posts to http/https endpoints; nil means a client with
	// HTTPTimeout.
	HTTPClient *http.Client
	// HTTPTimeout bounds one HTTP delivery attempt (connect to response
	// headers); 0 means 15 seconds, as SNS.
	HTTPTimeout time.Duration
	// Endpoint returns the public URL of the wire listener, used in
	// SubscribeURL, UnsubscribeURL and SigningCertURL; nil means
	// http://127.0.0.1:4566.
	Endpoint func() string
	// Workers bounds the delivery attempts running at once; 0 means 256.
	Workers int
	// Chaos drops, duplicates or delays deliveries of topics with a
	// policy (chaos.go); nil: none.
	Chaos *chaos.Registry
}

// Service is the topic service: every topic and subscription of the store,
// the pending deliveries and the workers that make them.
type Service struct {
	cfg      Config
	st       *store.Store
	clock    *clock.Clock
	http     *http.Client
	policies policyCache
	signer   signer

	mu       sync.RWMutex             // guards topics, subs
	topics   map[string]*topic        // by name
	subs     map[string]*subscription // by ARN
	restore  map[string]restoreTicket // UnsubscribeConfirmation tokens
	adminMu  sync.Mutex               // serializes creation, deletion and reconfiguration
	slots    chan struct{}            // delivery attempts running
	inflight sync.WaitGroup
	runMu    sync.RWMutex // held for writing to set stopping
	stopping bool
	done     chan struct{}
	ctx      context.Context // ends at Close: attempts in flight give up
	cancel   context.CancelFunc
	once     sync.Once
}

// Open loads every topic and subscription from the store and resumes the
// deliveries that were pending when it was last closed.
func Open(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, errors.New("topic: Open needs a Store and a Clock")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = 15 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 256
	}
	s := &Service{
		cfg: cfg, st: cfg.Store, clock: cfg.Clock, http: cfg.HTTPClient,
		topics: map[string]*topic{}, subs: map[string]*subscription{},
		slots: make(chan struct{}, cfg.Workers), done: make(chan struct{}),
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: cfg.HTTPTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	s.signer.st = cfg.Store
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.load(); err != nil {
		return nil, err
	}
	if err := s.resume(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops scheduling deliveries and waits for the attempts running now
// (pending deliveries stay recorded and resume at the next Open). It does
// not close the store.
func (s *Service) Close() error {
	s.once.Do(func() {
		s.runMu.Lock()
		s.stopping = true
		s.runMu.Unlock()
		close(s.done)
		s.cancel()
		s.mu.RLock()
		for _, sub := range s.subs {
			sub.lane.close()
		}
		s.mu.RUnlock()
		s.inflight.Wait()
	})
	return nil
}

func (s *Service) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// SetQueueSender wires the queue service (core.go calls it before use).
func (s *Service) SetQueueSender(q QueueSender) {
	s.mu.Lock()
	s.cfg.Queues = q
	s.mu.Unlock()
}

// SetFunctionInvoker wires the function service once it exists.
func (s *Service) SetFunctionInvoker(f FunctionInvoker) {
	s.mu.Lock()
	s.cfg.Functions = f
	s.mu.Unlock()
}

// SetEndpoint tells the service the public URL of the wire listener.
func (s *Service) SetEndpoint(url func() string) {
	s.mu.Lock()
	s.cfg.Endpoint = url
	s.mu.Unlock()
}

func (s *Service) endpoint() string {
	s.mu.RLock()
	f := s.cfg.Endpoint
	s.mu.RUnlock()
	if f == nil {
		return "http://127.0.0.1:4566"
	}
	return strings.TrimRight(f(), "/")
}

func (s *Service) queues() QueueSender {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg.Queues
}

func (s *Service) functions() FunctionInvoker {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg.Functions
}

// ARN returns the ARN of the named topic.
func (s *Service) ARN(name string) string {
	return "arn:aws:sns:" + s.cfg.Region + ":" + s.cfg.Account + ":" + name
}

// nameFromARN returns the topic name of a topic ARN of this region and account.
func (s *Service) nameFromARN(arn string) (string, bool) {
	prefix := "arn:aws:sns:" + s.cfg.Region + ":" + s.cfg.Account + ":"
	name, ok := strings.CutPrefix(arn, prefix)
	return name, ok && name != "" && !strings.Contains(name, ":")
}

// lookupARN returns the topic an ARN names.
func (s *Service) lookupARN(arn string) (*topic, *Error) {
	if !strings.HasPrefix(arn, "arn:") {
		return nil, invalidf("TopicArn")
	}
	name, ok := s.nameFromARN(arn)
	if !ok {
		return nil, errNoTopic()
	}
	s.mu.RLock()
	t := s.topics[name]
	s.mu.RUnlock()
	if t == nil {
		return nil, errNoTopic()
	}
	return t, nil
}

// lookupSub returns the subscription an ARN names.
func (s *Service) lookupSub(arn string) (*subscription, *Error) {
	if !strings.HasPrefix(arn, "arn:aws:sns:") || strings.Count(arn, ":") != 6 {
		return nil, invalidf("SubscriptionArn")
	}
	s.mu.RLock()
	sub := s.subs[arn]
	s.mu.RUnlock()
	if sub == nil {
		return nil, errNoSubscription()
	}
	return sub, nil
}

// nowMS returns the clock's time in epoch milliseconds.
func (s *Service) nowMS() int64 { return s.clock.Now().UnixMilli() }

// write runs fn in the store's group commit. A store failure becomes
// InternalError; an *Error returned by fn passes through.
func (s *Service) write(ctx context.Context, fn func(tx *store.Tx) error) *Error {
	err := s.st.Write(ctx, fn)
	if err == nil {
		return nil
	}
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	return &Error{Code: InternalError, Message: "Internal error: " + err.Error()}
}

// emit publishes an event when the service has a publisher.
func (s *Service) emit(kind event.Kind, level event.Level, resource, msg string) {
	s.emitCount(kind, level, resource, msg, 0)
}

// emitCount emits a message-traffic event covering n messages.
func (s *Service) emitCount(kind event.Kind, level event.Level, resource, msg string, n int) {
	if s.cfg.Events == nil {
		return
	}
	s.cfg.Events.Publish(event.Event{Time: s.clock.Now(), Kind: kind, Level: level, Service: "topic", Resource: resource, Message: msg, Count: n})
}

// newUUID returns a random version 4 UUID.
func newUUID() string { return uuid.New() }

// counter returns a per-topic counter, or a private one without a registry.
func (s *Service) counter(name, help, topicName string) *metrics.Counter {
	if s.cfg.Metrics == nil {
		return &metrics.Counter{}
	}
	return s.cfg.Metrics.Counter(name, help, metrics.Label{Name: "topic", Value: topicName})
}

// Metric names registered per topic.
const (
	metricPublished = "skyport_topic_messages_published_total"
	metricDelivered = "skyport_topic_deliveries_succeeded_total"
	metricFailed    = "skyport_topic_deliveries_failed_total"
	metricPending   = "skyport_topic_deliveries_pending"
)
