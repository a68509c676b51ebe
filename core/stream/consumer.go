package stream

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// Enhanced fan-out: consumers registered on a stream, each reading shards
// through SubscribeToShard, which pushes records as they are committed for
// up to five minutes per subscription.

// Consumer limits and timings.
const (
	MaxConsumers = 20
	// SubscriptionTTL is how long one SubscribeToShard stream lasts.
	SubscriptionTTL = 5 * time.Minute
	// heartbeat is how often an idle subscription sends an empty event.
	heartbeat = 5 * time.Second
)

// Consumer statuses.
const (
	ConsumerCreating = "CREATING"
	ConsumerActive   = "ACTIVE"
)

// Consumer describes a registered stream consumer.
type Consumer struct {
	Name      string
	ARN       string
	StreamARN string
	Status    string
	Created   time.Time
}

type consumer struct {
	Consumer
	mu   sync.Mutex
	subs map[string]bool // shards with a live subscription
}

func (s *Service) consumerARN(st *stream, name string, created time.Time) string {
	return st.arn + "/consumer/" + name + ":" + strconv.FormatInt(created.Unix(), 10)
}

func validConsumerName(name string) *Error {
	if e := validName(name); e != nil {
		return errorf(Validation, "1 validation error detected: Value '%s' at 'consumerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 1 and 128", name)
	}
	return nil
}

// RegisterConsumer registers a consumer on a stream (at most 20).
func (s *Service) RegisterConsumer(ctx context.Context, streamName, name string) (Consumer, error) {
	if e := validConsumerName(name); e != nil {
		return Consumer{}, e
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.lookup(streamName)
	if err != nil {
		return Consumer{}, err
	}
	st.mu.RLock()
	_, dup := st.consumers[name]
	n := len(st.consumers)
	st.mu.RUnlock()
	if dup {
		return Consumer{}, errorf(ResourceInUse, "Consumer %s under stream %s already exists for account %s.", name, streamName, s.cfg.Account)
	}
	if n >= MaxConsumers {
		return Consumer{}, errorf(LimitExceeded, "Stream %s already has %d registered consumers, the most allowed.", streamName, MaxConsumers)
	}
	now := s.clock.Now()
	c := &consumer{Consumer: Consumer{Name: name, ARN: s.consumerARN(st, name, now), StreamARN: st.arn, Created: now}, subs: map[string]bool{}}
	if err := s.st.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO stream_consumers(stream_id, name, created_at) VALUES (?, ?, ?)`, st.id, name, now.UnixMilli())
		return err
	}); err != nil {
		return Consumer{}, internal(err)
	}
	st.mu.Lock()
	if st.consumers == nil {
		st.consumers = map[string]*consumer{}
	}
	st.consumers[name] = c
	st.mu.Unlock()
	s.settleConsumer(c)
	s.publish(event.ResourceCreated, event.Info, c.ARN, "consumer "+name+" registered on stream "+streamName)
	return s.consumerView(c), nil
}

// settleConsumer makes a new consumer ACTIVE after the transition delay.
func (s *Service) settleConsumer(c *consumer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.cfg.TransitionDelay <= 0 {
		c.Status = ConsumerActive
		return
	}
	c.Status = ConsumerCreating
	s.clock.AfterFunc(s.cfg.TransitionDelay, func() {
		c.mu.Lock()
		c.Status = ConsumerActive
		c.mu.Unlock()
	})
}

func (s *Service) consumerView(c *consumer) Consumer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Consumer
}

// findConsumer resolves a consumer by ARN, or by stream and name.
func (s *Service) findConsumer(arn, streamName, name string) (*stream, *consumer, error) {
	if arn != "" {
		i := strings.Index(arn, "/consumer/")
		if i < 0 {
			return nil, nil, errorf(InvalidArgument, "Invalid ConsumerARN %s.", arn)
		}
		n, err := s.NameFromARN(arn[:i])
		if err != nil {
			return nil, nil, err
		}
		streamName = n
		name, _, _ = strings.Cut(arn[i+len("/consumer/"):], ":")
	}
	st, err := s.lookup(streamName)
	if err != nil {
		return nil, nil, err
	}
	st.mu.RLock()
	c := st.consumers[name]
	st.mu.RUnlock()
	if c == nil || (arn != "" && c.ARN != arn) {
		return nil, nil, errorf(ResourceNotFound, "Consumer %s under stream %s not found for account %s.", name, streamName, s.cfg.Account)
	}
	return st, c, nil
}

// DescribeConsumer returns one consumer, by ARN or by stream and name.
func (s *Service) DescribeConsumer(arn, streamName, name string) (Consumer, error) {
	_, c, err := s.findConsumer(arn, streamName, name)
	if err != nil {
		return Consumer{}, err
	}
	return s.consumerView(c), nil
}

// ListConsumers returns a stream's consumers by name.
func (s *Service) ListConsumers(streamName string) ([]Consumer, error) {
	st, err := s.lookup(streamName)
	if err != nil {
		return nil, err
	}
	st.mu.RLock()
	all := make([]*consumer, 0, len(st.consumers))
	for _, c := range st.consumers {
		all = append(all, c)
	}
	st.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	out := make([]Consumer, len(all))
	for i, c := range all {
		out[i] = s.consumerView(c)
	}
	return out, nil
}

// DeregisterConsumer removes a consumer; its subscriptions end.
func (s *Service) DeregisterConsumer(ctx context.Context, arn, streamName, name string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, c, err := s.findConsumer(arn, streamName, name)
	if err != nil {
		return err
	}
	if err := s.st.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM stream_consumers WHERE stream_id = ? AND name = ?`, st.id, c.Name)
		return err
	}); err != nil {
		return internal(err)
	}
	st.mu.Lock()
	delete(st.consumers, c.Name)
	st.mu.Unlock()
	s.publish(event.ResourceDeleted, event.Info, c.ARN, "consumer "+c.Name+" deregistered")
	return nil
}

// loadConsumers reads the registered consumers of every stream.
func (s *Service) loadConsumers() error {
	rows, err := s.st.DB().Query(`SELECT stream_id, name, created_at FROM stream_consumers`)
	if err != nil {
		return fmt.Errorf("stream: load consumers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, created int64
		var name string
		if err := rows.Scan(&id, &name, &created); err != nil {
			return fmt.Errorf("stream: load consumers: %w", err)
		}
		st := s.byID[id]
		if st == nil {
			continue
		}
		at := time.UnixMilli(created)
		if st.consumers == nil {
			st.consumers = map[string]*consumer{}
		}
		st.consumers[name] = &consumer{Consumer: Consumer{Name: name, ARN: s.consumerARN(st, name, at), StreamARN: st.arn,
			Status: ConsumerActive, Created: at}, subs: map[string]bool{}}
	}
	return rows.Err()
}

// SubscribeEvent is one push of a subscription.
type SubscribeEvent struct {
	Records            []Record
	Continuation       string // sequence number to resume AFTER; "" once a closed shard is done
	MillisBehindLatest int64
	ChildShards        []ChildShard
}

// Subscription is one SubscribeToShard stream.
type Subscription struct {
	s       *Service
	st      *stream
	sh      *shard
	c       *consumer
	it      string
	cont    string
	ends    time.Time
	done    bool
	closeMu sync.Once
}

// ErrSubscriptionEnded is returned by Next once the five minutes are over,
// the shard was read to its end, or the consumer or stream is gone.
var ErrSubscriptionEnded = errors.New("stream: subscription ended")

// Subscribe starts a SubscribeToShard stream for an ACTIVE consumer; one
// shard takes one subscription per consumer at a time.
func (s *Service) Subscribe(ctx context.Context, consumerARN, shardID string, start IteratorInput) (*Subscription, error) {
	st, c, err := s.findConsumer(consumerARN, "", "")
	if err != nil {
		return nil, err
	}
	if v := s.consumerView(c); v.Status != ConsumerActive {
		return nil, errorf(ResourceInUse, "Consumer %s is %s, not ACTIVE.", v.Name, v.Status)
	}
	start.Stream, start.ShardID = st.name, shardID
	it, err := s.GetShardIterator(ctx, start)
	if err != nil {
		return nil, err
	}
	st.mu.RLock()
	sh := st.shardByID(shardID)
	st.mu.RUnlock()
	c.mu.Lock()
	busy := c.subs[shardID]
	c.subs[shardID] = true
	c.mu.Unlock()
	if busy {
		return nil, errorf(ResourceInUse, "Another active subscription exists for consumer %s on shard %s.", c.Name, shardID)
	}
	p, _ := decodeIterator(s.key, it)
	cont := ""
	if p.next > 0 {
		cont = formatSeq(p.next - 1)
	}
	return &Subscription{s: s, st: st, sh: sh, c: c, it: it, cont: cont, ends: s.clock.Now().Add(SubscriptionTTL)}, nil
}

// Close releases the consumer's hold on the shard.
func (sub *Subscription) Close() {
	sub.closeMu.Do(func() {
		sub.c.mu.Lock()
		delete(sub.c.subs, sub.sh.id)
		sub.c.mu.Unlock()
	})
}

// Next waits for records (or a heartbeat) and returns the next event.
func (sub *Subscription) Next(ctx context.Context) (SubscribeEvent, error) {
	for {
		if sub.done || !sub.s.clock.Now().Before(sub.ends) {
			return SubscribeEvent{}, ErrSubscriptionEnded
		}
		wake := sub.sh.waitCh()
		g, err := sub.s.getRecords(ctx, sub.it, MaxGetRecords, false)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code == ResourceNotFound {
				return SubscribeEvent{}, ErrSubscriptionEnded
			}
			return SubscribeEvent{}, err
		}
		ev := SubscribeEvent{Records: g.Records, MillisBehindLatest: g.MillisBehindLatest, ChildShards: g.ChildShards}
		if n := len(g.Records); n > 0 {
			sub.cont = g.Records[n-1].SequenceNumber
		}
		ev.Continuation = sub.cont
		if g.NextIterator == "" {
			sub.done = true
			ev.Continuation = ""
			return ev, nil
		}
		sub.it = g.NextIterator
		if len(g.Records) > 0 {
			return ev, nil
		}
		t := sub.s.clock.NewTimer(min(heartbeat, sub.ends.Sub(sub.s.clock.Now())))
		select {
		case <-wake:
			t.Stop()
		case <-t.C:
			if sub.s.clock.Now().Before(sub.ends) {
				return ev, nil // heartbeat: an empty event
			}
		case <-ctx.Done():
			t.Stop()
			return SubscribeEvent{}, ctx.Err()
		case <-sub.s.done:
			t.Stop()
			return SubscribeEvent{}, ErrSubscriptionEnded
		}
	}
}
