package topic

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// message is a published message on its way to its subscriptions.
type message struct {
	row       int64 // store row id
	topic     *topic
	id        string
	subject   string
	body      string
	structure string // "json": body holds one message per protocol
	attrs     map[string]MessageAttribute
	group     string
	dedup     string
	seq       string
	at        time.Time

	sigOnce sync.Once
	sig     string // Signature of the envelope, computed once
}

// prepared is a validated publish waiting to be recorded.
type prepared struct {
	msg     *message
	targets []*subscription
	dupOf   *PublishResult // FIFO duplicate inside the window: nothing to record
}

// Publish records a message and returns once it is committed; delivery to
// the subscriptions happens in the background.
func (s *Service) Publish(ctx context.Context, in PublishInput) (PublishResult, error) {
	t, terr := s.lookupARN(in.TopicARN)
	if terr != nil {
		return PublishResult{}, terr
	}
	if err := validatePublish(t, in); err != nil {
		return PublishResult{}, err
	}
	res, err := s.publish(ctx, t, []PublishInput{in})
	if err != nil {
		return PublishResult{}, err
	}
	return res[0], nil
}

// PublishBatch publishes up to 10 messages in one commit. Request-wide
// problems are the error; an entry that fails validation fails alone.
func (s *Service) PublishBatch(ctx context.Context, topicARN string, entries []BatchEntry) ([]BatchResult, error) {
	t, terr := s.lookupARN(topicARN)
	if terr != nil {
		return nil, terr
	}
	if err := checkBatch(entries); err != nil {
		return nil, err
	}
	results := make([]BatchResult, len(entries))
	var valid []PublishInput
	var index []int
	for i, e := range entries {
		results[i].ID = e.ID
		e.TopicARN = topicARN
		if err := validatePublish(t, e.PublishInput); err != nil {
			results[i].Err, results[i].SenderFault = err, true
			continue
		}
		valid = append(valid, e.PublishInput)
		index = append(index, i)
	}
	if len(valid) == 0 {
		return results, nil
	}
	res, err := s.publish(ctx, t, valid)
	if err != nil {
		te := asError(err)
		for _, i := range index {
			results[i].Err = te
		}
		return results, nil
	}
	for k, i := range index {
		results[i].Result = res[k]
	}
	return results, nil
}

func asError(err error) *Error {
	if te, ok := err.(*Error); ok {
		return te
	}
	return &Error{Code: InternalError, Message: err.Error()}
}

// checkBatch validates the request-wide rules of PublishBatch.
func checkBatch(entries []BatchEntry) *Error {
	if len(entries) == 0 {
		return errorf(EmptyBatchRequest, "The batch request doesn't contain any entries")
	}
	if len(entries) > MaxBatchEntries {
		return errorf(TooManyEntriesInBatchRequest, "The batch request contains more entries than permissible")
	}
	seen := map[string]bool{}
	total := 0
	for _, e := range entries {
		if !validBatchID(e.ID) {
			return errorf(InvalidBatchEntryID, "The Id of a batch entry in a batch request doesn't abide by the specification")
		}
		if seen[e.ID] {
			return errorf(BatchEntryIdsNotDistinct, "Two or more batch entries in the request have the same Id")
		}
		seen[e.ID] = true
		total += messageSize(e.PublishInput)
	}
	if total > MaxMessageBytes {
		return errorf(BatchRequestTooLong, "The length of all the messages put together is more than the limit")
	}
	return nil
}

func validBatchID(id string) bool {
	if id == "" || len(id) > 80 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// messageSize is what counts against the 256 KiB limit: the message and
// every attribute's name, type and value.
func messageSize(in PublishInput) int {
	n := len(in.Message)
	for k, a := range in.MessageAttributes {
		n += len(k) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return n
}

// validatePublish checks one message against the topic.
func validatePublish(t *topic, in PublishInput) *Error {
	if in.Message == "" {
		return invalidf("Empty message")
	}
	if messageSize(in) > MaxMessageBytes {
		return invalidf("Message too long")
	}
	if !utf8.ValidString(in.Message) {
		return invalidf("Message Reason: Message must be valid UTF-8")
	}
	if err := validateSubject(in.Subject); err != nil {
		return err
	}
	switch in.MessageStructure {
	case "":
	case "json":
		if err := validateStructure(in.Message); err != nil {
			return err
		}
	default:
		return invalidf("MessageStructure")
	}
	if err := validateAttributes(in.MessageAttributes); err != nil {
		return err
	}
	return validateFIFOFields(t, in)
}

func validateSubject(subj string) *Error {
	if subj == "" {
		return nil
	}
	if utf8.RuneCountInString(subj) > MaxSubjectChars {
		return invalidf("Subject")
	}
	for _, r := range subj {
		if r < 0x20 || r > 0x7e {
			return invalidf("Subject")
		}
	}
	return nil
}

// validateStructure checks a MessageStructure=json message: an object of
// strings with a "default" entry.
func validateStructure(msg string) *Error {
	var m map[string]any
	if err := json.Unmarshal([]byte(msg), &m); err != nil {
		return invalidf("Message Structure - JSON message body failed to parse")
	}
	if _, ok := m["default"].(string); !ok {
		return invalidf("Message Structure - No default entry in JSON message body")
	}
	for _, v := range m {
		if _, ok := v.(string); !ok {
			return invalidf("Message Structure - JSON message body failed to parse")
		}
	}
	return nil
}

// validateAttributes checks message attributes as SNS does.
func validateAttributes(attrs map[string]MessageAttribute) *Error {
	if len(attrs) > MaxMessageAttrs {
		return invalidf("MessageAttributes Reason: Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), MaxMessageAttrs)
	}
	for name, a := range attrs {
		if err := validateAttrName(name); err != nil {
			return err
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch {
		case a.DataType == "":
			return errorf(ParameterValueInvalid, "The message attribute '%s' must contain non-empty message attribute type.", name)
		case base != "String" && base != "Number" && base != "Binary":
			return errorf(ParameterValueInvalid, "The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		case base == "Binary":
			if len(a.BinaryValue) == 0 {
				return errorf(ParameterValueInvalid, "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
			}
		case a.StringValue == "":
			return errorf(ParameterValueInvalid, "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		case base == "Number":
			if _, err := strconv.ParseFloat(strings.TrimSpace(a.StringValue), 64); err != nil {
				return errorf(ParameterValueInvalid, "Could not cast message attribute '%s' value to number.", name)
			}
		case strings.HasPrefix(a.DataType, "String.Array"):
			var list []any
			if json.Unmarshal([]byte(a.StringValue), &list) != nil {
				return errorf(ParameterValueInvalid, "The message attribute '%s' with type 'String.Array' has an invalid value: the value must be a JSON array.", name)
			}
		}
	}
	return nil
}

func validateAttrName(name string) *Error {
	bad := name == "" || len(name) > 256 || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") ||
		strings.Contains(name, "..") || strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon.")
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			bad = true
		}
	}
	if bad {
		return errorf(ParameterValueInvalid, "The message attribute name '%s' is invalid. Names can contain only alphanumeric characters, hyphens, underscores and periods, must not start or end with a period or contain two periods in a row, and must not start with AWS. or Amazon.", name)
	}
	return nil
}

func validateFIFOFields(t *topic, in PublishInput) *Error {
	if !t.fifo {
		if in.MessageDeduplicationID != "" {
			return invalidf("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
		}
		return nil
	}
	if in.MessageGroupID == "" {
		return invalidf("The MessageGroupId parameter is required for FIFO topics")
	}
	for _, id := range []string{in.MessageGroupID, in.MessageDeduplicationID} {
		if len(id) > 128 || !printableASCII(id) {
			return invalidf("MessageGroupId and MessageDeduplicationId can be up to 128 printable ASCII characters")
		}
	}
	if in.MessageDeduplicationID == "" && !t.contentDedup() {
		return invalidf("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func (t *topic) contentDedup() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.attrs["ContentBasedDeduplication"] == "true"
}

// publish records validated messages of one topic in one commit and hands
// their deliveries to the subscriptions' lanes.
func (s *Service) publish(ctx context.Context, t *topic, ins []PublishInput) ([]PublishResult, error) {
	if t.fifo {
		// FIFO: sequence numbers, records and lane order must agree.
		t.pubMu.Lock()
		defer t.pubMu.Unlock()
	}
	now := s.clock.Now()
	preps := make([]*prepared, len(ins))
	batchDedup := map[string]*prepared{}
	for i, in := range ins {
		p := &prepared{msg: &message{topic: t, id: newUUID(), subject: in.Subject, body: in.Message, structure: in.MessageStructure,
			attrs: in.MessageAttributes, group: in.MessageGroupID, at: now}}
		if t.fifo {
			p.msg.dedup = in.MessageDeduplicationID
			if p.msg.dedup == "" {
				sum := sha256.Sum256([]byte(in.Message))
				p.msg.dedup = hex.EncodeToString(sum[:])
			}
			if prev, ok := batchDedup[p.msg.dedup]; ok {
				p.dupOf = &PublishResult{MessageID: prev.msg.id, SequenceNumber: prev.msg.seq}
			} else if dup, ok := t.duplicate(p.msg.dedup, now.UnixMilli()); ok {
				p.dupOf = &dup
			} else {
				p.msg.seq = t.nextSeq()
				batchDedup[p.msg.dedup] = p
			}
		}
		if p.dupOf == nil {
			p.targets = t.targets(p.msg)
		}
		preps[i] = p
	}
	if err := s.record(ctx, t, preps, now); err != nil {
		return nil, err
	}
	out := make([]PublishResult, len(preps))
	for i, p := range preps {
		if p.dupOf != nil {
			out[i] = *p.dupOf
			continue
		}
		out[i] = PublishResult{MessageID: p.msg.id, SequenceNumber: p.msg.seq}
		if t.fifo {
			t.remember(p.msg, now.Add(DedupWindow).UnixMilli())
		}
		t.published.Inc()
		for _, sub := range p.targets {
			sub.lane.push(&delivery{msg: p.msg, sub: sub})
		}
		s.emitCount(event.MessagePublished, event.Debug, t.arn, fmt.Sprintf("published %s to %s (%d deliveries)", p.msg.id, t.name, len(p.targets)), 1)
	}
	return out, nil
}

// targets returns the confirmed subscriptions whose filter the message passes.
func (t *topic) targets(m *message) []*subscription {
	var out []*subscription
	docs := map[string]map[string]any{} // MessageBody policies: each distinct body parsed once
	for _, sub := range t.subscriptionsSnapshot() {
		filter, _, confirmed, _ := sub.state()
		if !confirmed {
			continue
		}
		if filter != nil && !filter.matchMessage(m, sub.protocol, docs) {
			continue
		}
		out = append(out, sub)
	}
	return out
}

// bodyFor returns the message a protocol receives (MessageStructure=json
// picks the protocol's entry or "default").
func (m *message) bodyFor(protocol string) string {
	if m.structure != "json" {
		return m.body
	}
	var per map[string]string
	if json.Unmarshal([]byte(m.body), &per) != nil {
		return m.body
	}
	if v, ok := per[protocol]; ok {
		return v
	}
	return per["default"]
}

func (t *topic) duplicate(dedupID string, nowMS int64) (PublishResult, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.dedup[dedupID]
	if !ok || e.expires <= nowMS {
		return PublishResult{}, false
	}
	return PublishResult{MessageID: e.messageID, SequenceNumber: e.seq}, true
}

func (t *topic) remember(m *message, expires int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dedup[m.dedup] = dedupEntry{messageID: m.id, seq: m.seq, expires: expires}
	if len(t.dedup) > 1024 {
		now := expires - DedupWindow.Milliseconds()
		for k, e := range t.dedup {
			if e.expires <= now {
				delete(t.dedup, k)
			}
		}
	}
}

func (t *topic) nextSeq() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	return formatSeq(t.seq)
}

func formatSeq(n int64) string { return fmt.Sprintf("1%019d", n) }

const insertTopicMessageSQL = `INSERT INTO topic_messages(topic, message_id, subject, body, structure, attributes, group_id, dedup_id, seq, published_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// record writes the messages and one delivery row per target.
func (s *Service) record(ctx context.Context, t *topic, preps []*prepared, now time.Time) error {
	nowMS := now.UnixMilli()
	var seq int64
	if t.fifo {
		t.mu.Lock()
		seq = t.seq
		t.mu.Unlock()
	}
	blobs := make([]string, len(preps))
	for i, p := range preps {
		if p.dupOf == nil && len(p.msg.attrs) > 0 {
			b, _ := json.Marshal(p.msg.attrs)
			blobs[i] = string(b)
		}
	}
	err := s.write(ctx, func(tx *store.Tx) error {
		for i, p := range preps {
			if p.dupOf != nil {
				continue
			}
			m := p.msg
			if t.fifo {
				if _, err := tx.Exec(`INSERT OR REPLACE INTO topic_dedup(topic, dedup_id, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?)`,
					t.name, m.dedup, m.id, m.seq, nowMS+DedupWindow.Milliseconds()); err != nil {
					return err
				}
			}
			if len(p.targets) == 0 {
				continue // nothing to deliver: the message need not be kept
			}
			res, err := tx.Exec(insertTopicMessageSQL, t.name, m.id, m.subject, m.body, m.structure, blobs[i], m.group, m.dedup, m.seq, nowMS)
			if err != nil {
				return err
			}
			if m.row, err = res.LastInsertId(); err != nil {
				return err
			}
			for _, sub := range p.targets {
				if _, err := tx.Exec(`INSERT INTO topic_deliveries(message, subscription, attempts, next_at) VALUES (?, ?, 0, ?)`, m.row, sub.id, nowMS); err != nil {
					return err
				}
			}
		}
		if !t.fifo {
			return nil
		}
		if seq%512 == 0 {
			if _, err := tx.Exec(`DELETE FROM topic_dedup WHERE topic = ? AND expires_at <= ?`, t.name, nowMS); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`UPDATE topic_topics SET seq = ? WHERE name = ?`, seq, t.name)
		return err
	})
	if err != nil {
		return err
	}
	return nil
}
