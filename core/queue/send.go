package queue

import (
	"context"
	"strconv"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/internal/uuid"
	"github.com/skyport-dev/skyport/core/store"
)

// outgoing is a validated message on its way into the store.
type outgoing struct {
	messageID string
	body      string
	attrs     map[string]MessageAttribute
	blob      []byte
	trace     string
	group     string
	dedupID   string
	dedupKey  string
	delayMS   int64
	size      int
	md5Body   string
	md5Attrs  string
	md5Sys    string

	// Set by the write.
	id  int64
	dup *dedupEntry
}

const insertMessageSQL = `INSERT INTO queue_messages(queue_id, message_id, body, attributes, trace_header, group_id, dedup_id, sent_at, visible_at,
	md5_body, md5_attrs) VALUES ` + insertMessageRow

// insertMessageRow is one row of insertMessageSQL's VALUES.
const insertMessageRow = `(?,?,?,?,?,?,?,?,?,?,?)`

// traceHeader is the only message system attribute a sender may set.
const traceHeader = "AWSTraceHeader"

// SendMessage adds a message; it returns once the message is committed.
func (s *Service) SendMessage(ctx context.Context, name string, in SendInput) (SendResult, error) {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return SendResult{}, qerr
	}
	if err := q.throttle("SendMessage"); err != nil {
		return SendResult{}, err
	}
	o, qerr := q.prepare(in)
	if qerr != nil {
		return SendResult{}, qerr
	}
	if qerr := s.storeMessages(ctx, q, []*outgoing{o}); qerr != nil {
		return SendResult{}, qerr
	}
	return q.result(o), nil
}

// SendMessageBatch adds up to 10 messages in one commit. Request-wide
// problems are returned as the error; an entry that fails validation fails
// alone in the results, which follow the order of entries.
func (s *Service) SendMessageBatch(ctx context.Context, name string, entries []SendBatchEntry) ([]BatchEntryResult[SendResult], error) {
	q, qerr := s.lookup(name)
	if qerr != nil {
		return nil, qerr
	}
	ids := make([]string, len(entries))
	total := 0
	for i, e := range entries {
		ids[i] = e.ID
		total += len(e.Body)
		for n, a := range e.MessageAttributes {
			total += len(n) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
		}
	}
	if err := checkBatch(ids, "SendMessageBatchRequestEntry"); err != nil {
		return nil, err
	}
	if total > maxBatchBytes {
		return nil, errorf(BatchRequestTooLong, "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxBatchBytes, total)
	}
	if err := q.throttle("SendMessageBatch"); err != nil {
		return nil, err
	}
	results := make([]BatchEntryResult[SendResult], len(entries))
	outs := make([]*outgoing, len(entries))
	var valid []*outgoing
	for i, e := range entries {
		results[i].ID = e.ID
		o, err := q.prepare(e.SendInput)
		if err != nil {
			results[i].Err, results[i].SenderFault = err, true
			continue
		}
		outs[i] = o
		valid = append(valid, o)
	}
	if len(valid) > 0 {
		if qerr := s.storeMessages(ctx, q, valid); qerr != nil {
			if qerr.Code == QueueDoesNotExist {
				return nil, qerr
			}
			for i, o := range outs {
				if o != nil {
					results[i].Err = qerr
				}
			}
			return results, nil
		}
	}
	for i, o := range outs {
		if o != nil {
			results[i].Result = q.result(o)
		}
	}
	return results, nil
}

// prepare validates a message for this queue.
func (q *queue) prepare(in SendInput) (*outgoing, *Error) {
	q.mu.Lock()
	maxSize, delay, contentDedup, byGroup := q.conf.maxSize, q.conf.delay, q.conf.contentDedup, q.conf.dedupByGroup
	q.mu.Unlock()
	if in.Body == "" {
		return nil, errorf(MissingParameter, "The request must contain the parameter MessageBody.")
	}
	if in.DelaySeconds != nil {
		d := *in.DelaySeconds
		if d < 0 || d > maxDelay {
			return nil, errorf(InvalidParameterValue, "Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", d)
		}
		if q.fifo && d != 0 {
			return nil, errorf(InvalidParameterValue, "Value %d for parameter DelaySeconds is invalid. "+
				"Reason: The request include parameter that is not valid for this queue type.", d)
		}
		if !q.fifo {
			delay = d
		}
	}
	if !validMessageChars(in.Body) {
		return nil, invalidContents()
	}
	attrSize, err := validateMessageAttributes(in.MessageAttributes)
	if err != nil {
		return nil, err
	}
	trace, err := checkSystemAttributes(in.MessageSystemAttributes)
	if err != nil {
		return nil, err
	}
	o := &outgoing{body: in.Body, attrs: in.MessageAttributes, trace: trace, delayMS: int64(delay) * 1000}
	if o.size = len(in.Body) + attrSize; o.size > maxSize {
		return nil, errorf(InvalidParameterValue, "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", maxSize)
	}
	if err := q.prepareGroup(o, in, contentDedup, byGroup); err != nil {
		return nil, err
	}
	o.messageID = newMessageID()
	o.blob = encodeAttrs(in.MessageAttributes)
	o.md5Body, o.md5Attrs = md5Hex(in.Body), md5OfAttributes(in.MessageAttributes)
	o.md5Sys = md5OfAttributes(in.MessageSystemAttributes)
	return o, nil
}

// prepareGroup checks MessageGroupId and MessageDeduplicationId.
func (q *queue) prepareGroup(o *outgoing, in SendInput, contentDedup, byGroup bool) *Error {
	if !q.fifo {
		if in.MessageDeduplicationID != "" {
			return errorf(InvalidParameterValue, "Value %s for parameter MessageDeduplicationId is invalid. "+
				"Reason: The request include parameter that is not valid for this queue type.", in.MessageDeduplicationID)
		}
		if in.MessageGroupID != "" { // fair queue
			if err := validFIFOID("MessageGroupId", in.MessageGroupID); err != nil {
				return err
			}
		}
		o.group = in.MessageGroupID
		return nil
	}
	if in.MessageGroupID == "" {
		return errorf(MissingParameter, "The request must contain the parameter MessageGroupId.")
	}
	if err := validFIFOID("MessageGroupId", in.MessageGroupID); err != nil {
		return err
	}
	o.group, o.dedupID = in.MessageGroupID, in.MessageDeduplicationID
	switch {
	case o.dedupID != "":
		if err := validFIFOID("MessageDeduplicationId", o.dedupID); err != nil {
			return err
		}
	case contentDedup:
		o.dedupID = sha256Hex(in.Body)
	default:
		return errorf(InvalidParameterValue, "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	}
	o.dedupKey = o.dedupID
	if byGroup {
		o.dedupKey = o.group + "\x00" + o.dedupID
	}
	return nil
}

// checkSystemAttributes accepts only AWSTraceHeader, a String.
func checkSystemAttributes(attrs map[string]MessageAttribute) (string, *Error) {
	for name, a := range attrs {
		if name != traceHeader {
			return "", errorf(InvalidParameterValue, "Message system attribute name '%s' is invalid.", name)
		}
		if _, err := validateAttribute("system", name, a); err != nil {
			return "", err
		}
		if a.DataType != "String" {
			return "", errorf(InvalidParameterValue, "Message system attribute '%s' must be of type 'String'.", name)
		}
	}
	return attrs[traceHeader].StringValue, nil
}

// newMessageID returns a random UUID (version 4), as SQS message ids are.
func newMessageID() string { return uuid.New() }

// sequenceNumber formats a FIFO sequence number: 20 digits, increasing
// with the message's row id.
func sequenceNumber(id int64) string {
	return strconv.FormatUint(10_000_000_000_000_000_000+uint64(id), 10)
}

// result is what SendMessage acknowledges for o.
func (q *queue) result(o *outgoing) SendResult {
	r := SendResult{MessageID: o.messageID, MD5OfMessageBody: o.md5Body, MD5OfMessageAttributes: o.md5Attrs,
		MD5OfMessageSystemAttributes: o.md5Sys}
	seq := o.id
	if o.dup != nil {
		r.MessageID, seq = o.dup.messageID, o.dup.seq
	}
	if q.fifo {
		r.SequenceNumber = sequenceNumber(seq)
	}
	return r
}

// storeMessages writes messages in one commit and, once it is durable,
// puts them in the index. FIFO duplicates within the window are not stored.
func (s *Service) storeMessages(ctx context.Context, q *queue, outs []*outgoing) *Error {
	st := &stage{}
	staged := false
	var keys, msgIDs []string
	to := q.claimHandoffs(outs)
	// item is outs[i]'s index entry once stored: ready or delayed, or in
	// flight with the poll it is handed to.
	item := func(i int, now int64) pendingInsert {
		o := outs[i]
		it := pendingInsert{id: o.id, sentAt: now, visibleAt: now + o.delayMS, group: o.group}
		if to != nil && to[i] != nil {
			it.rc, it.visibleAt, it.to, it.rec = 1, now+to[i].vt, to[i], o.record(now)
			it.rec.firstRecv.Store(now)
		}
		return it
	}
	qerr := s.write(ctx, func(tx *store.Tx) (err error) {
		defer func() {
			if err != nil {
				q.forgetDedup(keys, msgIDs)
				keys, msgIDs = nil, nil
			}
		}()
		q.mu.Lock()
		gone := q.deleted
		q.mu.Unlock()
		if gone {
			return errNoQueue()
		}
		now := s.nowMS()
		if !q.fifo && len(outs) > 1 {
			if err := insertMessageRows(tx, q.id, outs, now); err != nil {
				return err
			}
			if err := markHanded(tx, outs, to, now); err != nil {
				return err
			}
			for i := range outs {
				st.items = append(st.items, item(i, now))
			}
			q.stageInsert(st)
			staged = true
			return nil
		}
		for i, o := range outs {
			if q.fifo {
				if dup := q.findDup(o.dedupKey, now); dup != nil {
					o.dup = dup
					continue
				}
			}
			res, err := tx.Exec(insertMessageSQL, q.id, o.messageID, o.body, o.blob, nullString(o.trace),
				nullString(o.group), nullString(o.dedupID), now, now+o.delayMS, o.md5Body, nullString(o.md5Attrs))
			if err != nil {
				return err
			}
			if o.id, err = res.LastInsertId(); err != nil {
				return err
			}
			if q.fifo {
				e := dedupEntry{messageID: o.messageID, seq: o.id, expires: now + dedupWindowMS}
				if _, err := tx.Exec(`INSERT OR REPLACE INTO queue_dedup(queue_id, key, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?)`,
					q.id, o.dedupKey, e.messageID, e.seq, e.expires); err != nil {
					return err
				}
				q.rememberDedup(o.dedupKey, e)
				keys, msgIDs = append(keys, o.dedupKey), append(msgIDs, o.messageID)
			}
			st.items = append(st.items, item(i, now))
		}
		if err := markHanded(tx, outs, to, now); err != nil {
			return err
		}
		if len(st.items) > 0 {
			q.stageInsert(st)
			staged = true
		}
		return nil
	})
	if staged {
		q.resolve(st, qerr == nil)
	} else {
		release(to)
	}
	if qerr != nil {
		q.forgetDedup(keys, msgIDs)
		return qerr
	}
	q.mu.Lock()
	backlog := q.x.visible + q.x.delayedN
	q.mu.Unlock()
	n, bytes := 0, 0
	for i, o := range outs {
		if o.dup != nil {
			continue
		}
		n++
		bytes += o.size
		var r *record
		if to != nil && to[i] != nil {
			r = st.items[i].rec // standard queue: one item per message
		} else {
			r = o.record(st.sentAt(o.id))
		}
		// Behind a backlog larger than the cache the message would be
		// evicted long before its turn (its receive reads it back through
		// a read-ahead window): caching it only costs an eviction.
		if backlog*r.cost() <= s.cfg.CacheBytes {
			s.cacheRecord(o.id, r)
		}
	}
	add(q.met.sent, n)
	add(q.met.sentBytes, bytes)
	if n > 0 {
		s.emitCount(event.MessageSent, event.Debug, q.name, plural(n, "message")+" sent to "+q.name, n)
	}
	return nil
}

// record is the content of a stored message sent at sentAt.
func (o *outgoing) record(sentAt int64) *record {
	return &record{messageID: o.messageID, body: o.body, attrs: o.attrs, md5Body: o.md5Body,
		md5Attrs: o.md5Attrs, trace: o.trace, group: o.group, dedupID: o.dedupID, sentAt: sentAt}
}

// sentAt returns the send time of a staged message.
func (st *stage) sentAt(id int64) int64 {
	for _, it := range st.items {
		if it.id == id {
			return it.sentAt
		}
	}
	return 0
}

// findDup returns the live deduplication entry for key.
func (q *queue) findDup(key string, now int64) *dedupEntry {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e, ok := q.dedup[key]; ok && e.expires > now {
		return &e
	}
	return nil
}

// rememberDedup records a FIFO send for the deduplication window.
func (q *queue) rememberDedup(key string, e dedupEntry) {
	q.mu.Lock()
	q.dedup[key] = e
	q.dedupOrder.push(dedupExpiry{key, e.expires})
	q.mu.Unlock()
}

// plural returns "1 message" or "n messages".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
