package queue

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// CreateQueue creates a queue. Creating an existing queue again succeeds
// when every given attribute has the queue's value, and fails with
// QueueNameExists otherwise; tags are ignored then, as AWS does.
func (s *Service) CreateQueue(ctx context.Context, name string, attrs, tags map[string]string) error {
	fifo, qerr := checkNewQueue(name, attrs)
	if qerr != nil {
		return qerr
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if q, _ := s.lookup(name); q != nil {
		q.mu.Lock()
		diff := q.conf.differs(attrs, q.fifo, q.arn)
		q.mu.Unlock()
		if diff != "" {
			return errorf(QueueNameExists, "A queue already exists with the same name and a different value for attribute %s", diff)
		}
		return nil
	}
	conf := defaultConfig()
	if err := conf.apply(attrs, fifo, s.ARN(name), s.resolver()); err != nil {
		return err
	}
	if err := validateTags(name, tags); err != nil {
		return err
	}
	now := s.clock.Now().Unix()
	setJSON, _ := json.Marshal(conf.set)
	tagsJSON, _ := json.Marshal(nonNil(tags))
	var id int64
	qerr = s.write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(`INSERT INTO queue_queues(name, fifo, attributes, tags, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?)`,
			name, fifo, string(setJSON), string(tagsJSON), now, now)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if qerr != nil {
		return qerr
	}
	q := newQueue(s, id, name, fifo)
	q.conf, q.created, q.modified = conf, now, now
	q.tags = maps.Clone(nonNil(tags))
	s.mu.Lock()
	s.byName[name], s.byID[id] = q, q
	s.mu.Unlock()
	q.registerMetrics()
	kind := "standard"
	if fifo {
		kind = "FIFO"
	}
	s.emit(event.ResourceCreated, event.Info, name, "created "+kind+" queue "+name)
	return nil
}

// checkNewQueue validates a queue name against its FifoQueue attribute.
func checkNewQueue(name string, attrs map[string]string) (bool, *Error) {
	fifoName := strings.HasSuffix(name, ".fifo")
	fifoAttr, given := attrs[attrFifoQueue]
	if given {
		if _, ok := parseBool(fifoAttr); !ok {
			return false, attrValueError(attrFifoQueue)
		}
	}
	wantFIFO := given && strings.EqualFold(fifoAttr, "true")
	switch {
	case wantFIFO && (!fifoName || !validQueueName(name)):
		return false, errorf(InvalidParameterValue, "The name of a FIFO queue can only include alphanumeric characters, "+
			"hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
	case !wantFIFO && (fifoName || !validQueueName(name)):
		return false, errorf(InvalidParameterValue, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	if wantFIFO {
		attrs = maps.Clone(attrs)
		attrs[attrFifoQueue] = "true"
	}
	return wantFIFO, nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// resolver answers attribute validation's questions about other queues.
func (s *Service) resolver() queueResolver {
	return func(arn string) (bool, *allowPolicy, bool) {
		q := s.byARN(arn)
		if q == nil {
			return false, nil, false
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.fifo, q.conf.allow, true
	}
}

// DeleteQueue deletes a queue and, in the background, its messages.
// Pending long polls on it return no messages.
func (s *Service) DeleteQueue(ctx context.Context, name string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	q, qerr := s.lookup(name)
	if qerr != nil {
		return qerr
	}
	qerr = s.write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`DELETE FROM queue_queues WHERE id = ?`, q.id); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM queue_dedup WHERE queue_id = ?`, q.id); err != nil {
			return err
		}
		q.mu.Lock()
		q.deleted = true // sends ordered after this write are refused
		q.mu.Unlock()
		return nil
	})
	if qerr != nil {
		q.mu.Lock()
		q.deleted = false
		q.mu.Unlock()
		return qerr
	}
	s.mu.Lock()
	delete(s.byName, name)
	delete(s.byID, q.id)
	s.mu.Unlock()
	q.mu.Lock()
	q.stopTimer()
	q.wake()
	gone := q.x.ids()
	q.x = newIndex(q.fifo)
	q.dedup, q.attempts = map[string]dedupEntry{}, map[string]*attempt{}
	q.dedupOrder.reset()
	q.mu.Unlock()
	q.removeMetrics()
	s.addCleanup(gone)
	s.emit(event.ResourceDeleted, event.Info, name, "deleted queue "+name)
	return nil
}

// ListQueues returns queue names with the prefix in name order. With max 0
// it returns up to 1000 names and no token, as AWS does without
// MaxResults; otherwise pages of max names linked by an opaque token.
func (s *Service) ListQueues(prefix string, max int, nextToken string) ([]string, string, error) {
	after := ""
	if nextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil || !strings.HasPrefix(string(b), "q:") {
			return nil, "", errorf(InvalidParameterValue, "Invalid NextToken value.")
		}
		after = string(b[2:])
	}
	s.mu.RLock()
	var names []string
	for n := range s.byName {
		if strings.HasPrefix(n, prefix) && (after == "" || n > after) {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	slices.Sort(names)
	if max <= 0 {
		if len(names) > 1000 {
			names = names[:1000]
		}
		return names, "", nil
	}
	if len(names) <= max {
		return names, "", nil
	}
	names = names[:max]
	return names, base64.RawURLEncoding.EncodeToString([]byte("q:" + names[max-1])), nil
}

// knownAttr reports whether GetQueueAttributes knows the name.
func knownAttr(name string) bool {
	if _, ok := intAttrs[name]; ok {
		return true
	}
	switch name {
	case attrPolicy, attrRedrivePolicy, attrRedriveAllowPolicy, attrKmsMasterKeyID, attrSqsManagedSseEnabled:
		return true
	}
	return fifoOnly[name] || readOnlyAttrs[name]
}

// GetQueueAttributes returns the named attributes ("All" for every one).
func (s *Service) GetQueueAttributes(name string, names []string) (map[string]string, error) {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return nil, qerr
	}
	all := false
	for _, n := range names {
		if n == attrAll {
			all = true
		} else if !knownAttr(n) {
			return nil, unknownAttr(n)
		}
	}
	now := s.nowMS()
	q.mu.Lock()
	q.advance(now)
	values := q.conf.values(q.fifo)
	values[attrApproxMessages] = strconv.FormatInt(q.x.visible, 10)
	values[attrApproxMessagesNotVisible] = strconv.FormatInt(q.x.notVisible, 10)
	values[attrApproxMessagesDelayed] = strconv.FormatInt(q.x.delayedN, 10)
	values[attrCreatedTimestamp] = strconv.FormatInt(q.created, 10)
	values[attrLastModifiedTimestamp] = strconv.FormatInt(q.modified, 10)
	values[attrQueueArn] = q.arn
	q.mu.Unlock()
	if all {
		return values, nil
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		if v, ok := values[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

// SetQueueAttributes changes attributes. Changes apply to later sends and
// receives; a new MessageRetentionPeriod applies to stored messages too.
func (s *Service) SetQueueAttributes(ctx context.Context, name string, attrs map[string]string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	q, qerr := s.lookup(name)
	if qerr != nil {
		return qerr
	}
	for n := range attrs {
		if readOnlyAttrs[n] || n == attrFifoQueue {
			return unknownAttr(n)
		}
	}
	q.mu.Lock()
	conf := q.conf.clone()
	q.mu.Unlock()
	if err := conf.apply(attrs, q.fifo, q.arn, s.resolver()); err != nil {
		return err
	}
	now := s.clock.Now().Unix()
	setJSON, _ := json.Marshal(conf.set)
	qerr = s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE queue_queues SET attributes = ?, modified_at = ? WHERE id = ?`, string(setJSON), now, q.id)
		return err
	})
	if qerr != nil {
		return qerr
	}
	q.mu.Lock()
	q.conf, q.modified = conf, now
	q.mu.Unlock()
	s.emit(event.ResourceChanged, event.Info, name, "changed attributes of queue "+name+": "+
		strings.Join(slices.Sorted(maps.Keys(attrs)), ", "))
	return nil
}

// TagQueue adds or replaces tags (at most 50 per queue).
func (s *Service) TagQueue(ctx context.Context, name string, tags map[string]string) error {
	return s.changeTags(ctx, name, func(t map[string]string) { maps.Copy(t, tags) })
}

// UntagQueue removes tags.
func (s *Service) UntagQueue(ctx context.Context, name string, keys []string) error {
	return s.changeTags(ctx, name, func(t map[string]string) {
		for _, k := range keys {
			delete(t, k)
		}
	})
}

func (s *Service) changeTags(ctx context.Context, name string, change func(map[string]string)) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	q, qerr := s.lookup(name)
	if qerr != nil {
		return qerr
	}
	q.mu.Lock()
	tags := maps.Clone(q.tags)
	q.mu.Unlock()
	change(tags)
	if err := validateTags(name, tags); err != nil {
		return err
	}
	b, _ := json.Marshal(tags)
	qerr = s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE queue_queues SET tags = ? WHERE id = ?`, string(b), q.id)
		return err
	})
	if qerr != nil {
		return qerr
	}
	q.mu.Lock()
	q.tags = tags
	q.mu.Unlock()
	s.emit(event.ResourceChanged, event.Debug, name, "changed tags of queue "+name)
	return nil
}

// ListQueueTags returns the queue's tags.
func (s *Service) ListQueueTags(name string) (map[string]string, error) {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return nil, qerr
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return maps.Clone(q.tags), nil
}

// ListDeadLetterSourceQueues returns the queues whose RedrivePolicy targets
// the named queue, by name.
func (s *Service) ListDeadLetterSourceQueues(name string) ([]string, error) {
	dlq, qerr := s.lookup(name)
	if qerr != nil {
		return nil, qerr
	}
	var out []string
	for _, q := range s.queues() {
		q.mu.Lock()
		if q.conf.redrive != nil && q.conf.redrive.DeadLetterTargetArn == dlq.arn {
			out = append(out, q.name)
		}
		q.mu.Unlock()
	}
	slices.Sort(out)
	return out, nil
}

// List returns every queue with live counts, by name (for the GUI).
func (s *Service) List() []Summary {
	qs := s.queues()
	slices.SortFunc(qs, func(a, b *queue) int { return strings.Compare(a.name, b.name) })
	out := make([]Summary, 0, len(qs))
	now := s.nowMS()
	for _, q := range qs {
		q.mu.Lock()
		q.advance(now)
		sum := Summary{Name: q.name, ARN: q.arn, FIFO: q.fifo, Visible: q.x.visible, InFlight: q.x.notVisible, Delayed: q.x.delayedN}
		if q.conf.redrive != nil {
			sum.DeadLetter, _ = s.nameFromARN(q.conf.redrive.DeadLetterTargetArn)
		}
		q.mu.Unlock()
		sum.OldestAge = s.oldestAge(q)
		out = append(out, sum)
	}
	return out
}

// oldestAge is the age of the queue's oldest stored message.
func (s *Service) oldestAge(q *queue) time.Duration {
	q.mu.Lock()
	oldest, ok := q.x.oldest()
	q.mu.Unlock()
	if !ok {
		return 0
	}
	return max(0, time.Duration(s.nowMS()-oldest)*time.Millisecond)
}
