package queue

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
)

// record is a message's immutable content, as the body cache holds it.
type record struct {
	messageID string
	body      string
	attrs     map[string]MessageAttribute
	md5Body   string
	md5Attrs  string
	trace     string
	group     string
	dedupID   string
	sourceARN string
	sentAt    int64
	firstRecv atomic.Int64 // epoch ms of the first receive, 0 before

	digestOnce sync.Once // fills md5Body and md5Attrs when they are empty
}

// digests returns the MD5 digests of the body and of the attributes,
// computing them once for records read back from the store.
func (r *record) digests() (body, attrs string) {
	r.digestOnce.Do(func() {
		if r.md5Body == "" {
			r.md5Body = md5Hex(r.body)
		}
		if r.md5Attrs == "" {
			r.md5Attrs = md5OfAttributes(r.attrs)
		}
	})
	return r.md5Body, r.md5Attrs
}

// cost is what a record weighs in the body cache.
func (r *record) cost() int64 {
	n := 160 + len(r.messageID) + len(r.body) + len(r.trace) + len(r.group) + len(r.dedupID) + len(r.sourceARN)
	for k, a := range r.attrs {
		n += 48 + len(k) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return int64(n)
}

// cacheRecord puts r in the body cache.
func (s *Service) cacheRecord(id int64, r *record) {
	s.cache.Set(uint64(id), r, r.cost())
}

const recordColumns = `id, message_id, body, attributes, trace_header, group_id, dedup_id, source_arn, sent_at, first_receive_at, md5_body, md5_attrs`

// records returns the content of the given messages from the cache or, for
// those missing, from the store. Messages gone from the store are nil.
func (s *Service) records(ids []int64) ([]*record, error) {
	out := make([]*record, len(ids))
	var missing []int64
	for i, id := range ids {
		if r, ok := s.cache.Get(uint64(id)); ok {
			out[i] = r
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := s.readRange(missing)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if out[i] == nil {
			out[i] = found[id]
		}
	}
	return out, nil
}

// refreshFirstReceives fills in the first receive time of the records of
// ids that were received before (prior, the receive count before this
// operation, is not 0) but do not know it. The same message may be held by
// more than one record (the body cache fills asynchronously, read-ahead
// windows keep their own), and a receive sets the time only on the one it
// used; the store has it for every committed receive.
func (s *Service) refreshFirstReceives(ids []int64, prior []uint32, recs []*record) error {
	var stale []any
	for i, id := range ids {
		if r := recs[i]; r != nil && prior[i] > 0 && r.firstRecv.Load() == 0 {
			stale = append(stale, id)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	rows, err := s.st.DB().Query(`SELECT id, first_receive_at FROM queue_messages WHERE id IN (`+idList(len(stale))+`)`, stale...)
	if err != nil {
		return fmt.Errorf("queue: read first receive times: %w", err)
	}
	defer rows.Close()
	first := make(map[int64]int64, len(stale))
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return fmt.Errorf("queue: read first receive time: %w", err)
		}
		first[id] = at
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, id := range ids {
		if at := first[id]; at > 0 && recs[i] != nil {
			recs[i].firstRecv.CompareAndSwap(0, at)
		}
	}
	return nil
}

// readRecords reads messages from the store's read pool.
func (s *Service) readRecords(ids []int64) (map[int64]*record, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return s.queryRecords(`SELECT `+recordColumns+` FROM queue_messages WHERE id IN (`+idList(len(ids))+`)`, args...)
}

// queryRecords runs a message query on the store's read pool.
func (s *Service) queryRecords(q string, args ...any) (map[int64]*record, error) {
	rows, err := s.st.DB().Query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("queue: read messages: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]*record)
	for rows.Next() {
		id, r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

func scanRecord(rows *sql.Rows) (int64, *record, error) {
	var (
		id                          int64
		r                           record
		blob                        []byte
		trace, group, dedup, source sql.NullString
		md5Body, md5Attrs           sql.NullString
		firstRecv                   int64
	)
	if err := rows.Scan(&id, &r.messageID, &r.body, &blob, &trace, &group, &dedup, &source, &r.sentAt, &firstRecv, &md5Body, &md5Attrs); err != nil {
		return 0, nil, fmt.Errorf("queue: read message: %w", err)
	}
	attrs, err := decodeAttrs(blob)
	if err != nil {
		return 0, nil, fmt.Errorf("queue: message %d: %w", id, err)
	}
	r.attrs, r.trace, r.group, r.dedupID, r.sourceARN = attrs, trace.String, group.String, dedup.String, source.String
	// The send stored its digests; rows from before they were stored get
	// them when the message is first handed out (digests).
	r.md5Body, r.md5Attrs = md5Body.String, md5Attrs.String
	r.firstRecv.Store(firstRecv)
	return id, &r, nil
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// load reads the queues, rebuilds their indexes from the stored messages
// and restores deduplication ids and move tasks.
func (s *Service) load() error {
	secret, err := s.loadSecret()
	if err != nil {
		return err
	}
	s.handles = newHandleCodec(secret)
	if err := s.loadQueues(); err != nil {
		return err
	}
	if err := s.loadMessages(); err != nil {
		return err
	}
	if err := s.loadDedup(); err != nil {
		return err
	}
	return s.loadTasks()
}

func (s *Service) loadQueues() error {
	rows, err := s.st.DB().Query(`SELECT id, name, fifo, attributes, tags, created_at, modified_at, purged_at, purge_below FROM queue_queues`)
	if err != nil {
		return fmt.Errorf("queue: load queues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                 int64
			name, attrs, tags  string
			fifo               bool
			created, modified  int64
			purged, purgeBelow int64
		)
		if err := rows.Scan(&id, &name, &fifo, &attrs, &tags, &created, &modified, &purged, &purgeBelow); err != nil {
			return fmt.Errorf("queue: load queues: %w", err)
		}
		q := newQueue(s, id, name, fifo)
		q.created, q.modified, q.lastPurge, q.purgeBelow = created, modified, purged, purgeBelow
		var set map[string]string
		if err := json.Unmarshal([]byte(attrs), &set); err != nil {
			return fmt.Errorf("queue %s: stored attributes: %w", name, err)
		}
		if qe := q.conf.apply(set, fifo, q.arn, nil); qe != nil {
			return fmt.Errorf("queue %s: stored attributes: %v", name, qe)
		}
		if err := json.Unmarshal([]byte(tags), &q.tags); err != nil {
			return fmt.Errorf("queue %s: stored tags: %w", name, err)
		}
		s.byName[name], s.byID[id] = q, q
		q.registerMetrics()
	}
	return rows.Err()
}

// loadMessages scans every stored message once, in row id order, into the
// indexes. Rows of deleted queues or purged ranges go to the cleaner.
func (s *Service) loadMessages() error {
	rows, err := s.st.DB().Query(`SELECT id, queue_id, sent_at, visible_at, receive_count, group_id FROM queue_messages ORDER BY id`)
	if err != nil {
		return fmt.Errorf("queue: load messages: %w", err)
	}
	defer rows.Close()
	now := s.nowMS()
	var gone []int64 // rows of deleted queues and purged ranges
	var (
		id, queueID, sentAt, visibleAt, rc int64
		group                              sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&id, &queueID, &sentAt, &visibleAt, &rc, &group); err != nil {
			return fmt.Errorf("queue: load messages: %w", err)
		}
		q := s.byID[queueID]
		if q == nil || id <= q.purgeBelow {
			gone = append(gone, id)
			continue
		}
		q.x.insert(id, sentAt, visibleAt, uint32(rc), q.internGroup(group), now)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("queue: load messages: %w", err)
	}
	s.addCleanup(gone)
	for _, q := range s.byID {
		q.armTimer(now)
	}
	return nil
}

// internGroup returns the group name for b without allocating when the
// group is known.
func (q *queue) internGroup(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if gi, ok := q.x.byName[string(b)]; ok {
		return q.x.groups[gi].name
	}
	return string(b)
}

func (s *Service) loadDedup() error {
	now := s.nowMS()
	rows, err := s.st.DB().Query(`SELECT queue_id, key, message_id, seq, expires_at FROM queue_dedup WHERE expires_at > ? ORDER BY expires_at`, now)
	if err != nil {
		return fmt.Errorf("queue: load deduplication ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var queueID int64
		var key string
		var e dedupEntry
		if err := rows.Scan(&queueID, &key, &e.messageID, &e.seq, &e.expires); err != nil {
			return fmt.Errorf("queue: load deduplication ids: %w", err)
		}
		if q := s.byID[queueID]; q != nil {
			q.dedup[key] = e
			q.dedupOrder.push(dedupExpiry{key, e.expires})
		}
	}
	return rows.Err()
}
