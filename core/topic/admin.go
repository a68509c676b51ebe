package topic

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// Topic attributes a caller may set, and whether CreateTopic accepts them.
var topicSettable = map[string]bool{
	"DisplayName": true, "Policy": true, "DeliveryPolicy": true, "KmsMasterKeyId": true,
	"SignatureVersion": true, "TracingConfig": true, "FifoTopic": true, "ContentBasedDeduplication": true,
	"FifoThroughputScope": true, "ArchivePolicy": true, "DataProtectionPolicy": true,
}

// validTopicName checks SNS's rule: 1–256 of [A-Za-z0-9_-], FIFO topics
// ending in ".fifo".
func validTopicName(name string, fifo bool) bool {
	base := name
	if fifo {
		var ok bool
		if base, ok = strings.CutSuffix(name, ".fifo"); !ok {
			return false
		}
	}
	if len(name) > MaxTopicNameChars || base == "" {
		return false
	}
	for _, r := range base {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// CreateTopic creates a topic, or returns the ARN of the existing topic of
// that name when the attributes and tags given agree with it.
func (s *Service) CreateTopic(ctx context.Context, name string, attrs, tags map[string]string) (string, error) {
	fifo := attrs["FifoTopic"] == "true"
	if v, ok := attrs["FifoTopic"]; ok && v != "true" && v != "false" {
		return "", invalidf("Attributes Reason: FifoTopic: Invalid value [%s] for FifoTopic", v)
	}
	if !validTopicName(name, fifo) {
		if fifo || strings.HasSuffix(name, ".fifo") {
			return "", invalidf("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
		}
		return "", invalidf("Topic Name")
	}
	for k, v := range attrs {
		if err := validateTopicAttr(k, v, fifo, "Attributes Reason: "); err != nil {
			return "", err
		}
	}
	if err := validateTags(tags); err != nil {
		return "", err
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	s.mu.RLock()
	existing := s.topics[name]
	s.mu.RUnlock()
	if existing != nil {
		return existing.arn, existing.sameAs(attrs, tags)
	}
	s.mu.RLock()
	count := len(s.topics)
	s.mu.RUnlock()
	if count >= MaxTopics {
		return "", errorf(TopicLimitExceeded, "Topic limit exceeded")
	}
	t := &topic{name: name, arn: s.ARN(name), fifo: fifo, createdAt: s.nowMS(),
		attrs: copyMap(attrs), tags: copyMap(tags), dedup: map[string]dedupEntry{}}
	delete(t.attrs, "FifoTopic")
	a, _ := json.Marshal(t.attrs)
	tg, _ := json.Marshal(t.tags)
	err := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO topic_topics(name, fifo, attributes, tags, created_at) VALUES (?, ?, ?, ?, ?)`,
			name, fifo, string(a), string(tg), t.createdAt)
		return err
	})
	if err != nil {
		return "", err
	}
	s.register(t)
	kind := "standard"
	if fifo {
		kind = "FIFO"
	}
	s.emit(event.ResourceCreated, event.Info, t.arn, "created "+kind+" topic "+name)
	return t.arn, nil
}

// register adds a loaded or created topic to the service.
func (s *Service) register(t *topic) {
	t.published = s.counter(metricPublished, "Messages published to the topic.", t.name)
	t.delivered = s.counter(metricDelivered, "Deliveries the topic's subscriptions acknowledged.", t.name)
	t.failed = s.counter(metricFailed, "Deliveries that failed for good (dead-lettered or dropped).", t.name)
	if m := s.cfg.Metrics; m != nil {
		m.GaugeFunc(metricPending, "Deliveries of the topic waiting, running or backing off.", func() float64 {
			var n int64
			for _, sub := range t.subscriptionsSnapshot() {
				n += sub.lane.backlog()
			}
			return float64(n)
		}, metricLabel(t.name))
	}
	s.mu.Lock()
	s.topics[t.name] = t
	s.mu.Unlock()
}

// sameAs checks an idempotent CreateTopic against the existing topic.
func (t *topic) sameAs(attrs, tags map[string]string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, v := range attrs {
		have, ok := t.attrs[k]
		if k == "FifoTopic" {
			have, ok = strconv.FormatBool(t.fifo), true
		}
		if !ok && v == "" {
			continue
		}
		if have != v {
			return invalidf("Attributes Reason: Topic already exists with different attributes")
		}
	}
	for k, v := range tags {
		if have, ok := t.tags[k]; !ok || have != v {
			return invalidf("Tags Reason: Topic already exists with different tags")
		}
	}
	return nil
}

// validateTopicAttr checks one settable topic attribute; reason prefixes
// the message as AWS does for CreateTopic ("Attributes Reason: ").
func validateTopicAttr(name, value string, fifo bool, reason string) *Error {
	if !topicSettable[name] {
		return invalidf("%sAttributeName", reason)
	}
	switch name {
	case "ContentBasedDeduplication":
		if value != "true" && value != "false" {
			return invalidf("%sContentBasedDeduplication: Invalid value [%s] for ContentBasedDeduplication", reason, value)
		}
		if !fifo && value == "true" {
			return invalidf("%sContentBasedDeduplication: Content based deduplication can only be set for FIFO topics", reason)
		}
	case "SignatureVersion":
		if value != "1" && value != "2" {
			return invalidf("%sSignatureVersion: Invalid value [%s] for SignatureVersion", reason, value)
		}
	case "TracingConfig":
		if value != "PassThrough" && value != "Active" {
			return invalidf("%sTracingConfig: Invalid value [%s] for TracingConfig", reason, value)
		}
	case "DisplayName":
		if len(value) > 100 {
			return invalidf("%sDisplayName: The DisplayName must be at most 100 characters", reason)
		}
	case "Policy", "ArchivePolicy", "DataProtectionPolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return invalidf("%s%s: failed to parse JSON", reason, name)
		}
	case "DeliveryPolicy":
		if value != "" {
			if _, err := parseTopicDeliveryPolicy(value); err != nil {
				return invalidf("%sDeliveryPolicy: %s", reason, err.Message)
			}
		}
	case "FifoTopic":
		if value != strconv.FormatBool(fifo) {
			return invalidf("%sFifoTopic: FifoTopic can not be changed", reason)
		}
	case "FifoThroughputScope":
		if !fifo {
			return invalidf("%sFifoThroughputScope: FifoThroughputScope can only be set for FIFO topics", reason)
		}
		if value != "Topic" && value != "MessageGroup" {
			return invalidf("%sFifoThroughputScope: Invalid value [%s] for FifoThroughputScope", reason, value)
		}
	}
	return nil
}

func validateTags(tags map[string]string) *Error {
	if len(tags) > MaxTags {
		return errorf(TagLimitExceeded, "Could not complete request: tag quota of per resource exceeded")
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 || strings.HasPrefix(k, "aws:") {
			return invalidf("Tags Reason: invalid tag key or value %q", k)
		}
	}
	return nil
}

// DeleteTopic deletes a topic, its subscriptions and its pending
// deliveries. Deleting a topic that does not exist is not an error.
func (s *Service) DeleteTopic(ctx context.Context, arn string) error {
	if !strings.HasPrefix(arn, "arn:") {
		return invalidf("TopicArn")
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	t, terr := s.lookupARN(arn)
	if terr != nil {
		if terr.Code == NotFound {
			return nil
		}
		return terr
	}
	err := s.write(ctx, func(tx *store.Tx) error {
		for _, q := range []string{
			`DELETE FROM topic_deliveries WHERE subscription IN (SELECT id FROM topic_subscriptions WHERE topic = ?)`,
			`DELETE FROM topic_subscriptions WHERE topic = ?`,
			`DELETE FROM topic_messages WHERE topic = ?`,
			`DELETE FROM topic_dedup WHERE topic = ?`,
			`DELETE FROM topic_topics WHERE name = ?`,
		} {
			if _, err := tx.Exec(q, t.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.deleted = true
	subs := t.subs
	t.subs = nil
	t.mu.Unlock()
	s.mu.Lock()
	delete(s.topics, t.name)
	for _, sub := range subs {
		delete(s.subs, sub.arn)
	}
	s.mu.Unlock()
	for _, sub := range subs {
		sub.retire()
	}
	if m := s.cfg.Metrics; m != nil {
		for _, name := range []string{metricPublished, metricDelivered, metricFailed, metricPending} {
			m.Remove(name, metricLabel(t.name))
		}
	}
	s.emit(event.ResourceDeleted, event.Info, t.arn, "deleted topic "+t.name)
	return nil
}

// ListTopics returns up to 100 topic ARNs after the page token.
func (s *Service) ListTopics(next string) (arns []string, nextToken string, err error) {
	after, terr := decodeToken(next)
	if terr != nil {
		return nil, "", terr
	}
	for _, t := range s.sortedTopics() {
		if t.arn <= after {
			continue
		}
		if len(arns) == listPageSize {
			return arns, encodeToken(arns[len(arns)-1]), nil
		}
		arns = append(arns, t.arn)
	}
	return arns, "", nil
}

func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(after))
}

func decodeToken(tok string) (string, *Error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", invalidf("NextToken")
	}
	return string(b), nil
}

// GetTopicAttributes returns every attribute of a topic, as AWS lists them.
func (s *Service) GetTopicAttributes(arn string) (map[string]string, error) {
	t, err := s.lookupARN(arn)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out := copyMap(t.attrs)
	var confirmed, pending int
	for _, sub := range t.subs {
		sub.mu.Lock()
		if sub.confirmed {
			confirmed++
		} else {
			pending++
		}
		sub.mu.Unlock()
	}
	out["TopicArn"] = t.arn
	out["Owner"] = s.cfg.Account
	out["SubscriptionsConfirmed"] = strconv.Itoa(confirmed)
	out["SubscriptionsPending"] = strconv.Itoa(pending)
	out["SubscriptionsDeleted"] = strconv.FormatInt(t.removed, 10)
	if out["Policy"] == "" {
		out["Policy"] = s.defaultTopicPolicy(t.arn)
	}
	if out["DisplayName"] == "" {
		out["DisplayName"] = ""
	}
	out["EffectiveDeliveryPolicy"] = effectiveTopicDeliveryPolicy(t.attrs["DeliveryPolicy"])
	if out["SignatureVersion"] == "" {
		out["SignatureVersion"] = "1"
	}
	if out["TracingConfig"] == "" {
		out["TracingConfig"] = "PassThrough"
	}
	if t.fifo {
		out["FifoTopic"] = "true"
		if out["ContentBasedDeduplication"] == "" {
			out["ContentBasedDeduplication"] = "false"
		}
		if out["FifoThroughputScope"] == "" {
			out["FifoThroughputScope"] = "Topic"
		}
	}
	return out, nil
}

func (s *Service) defaultTopicPolicy(arn string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow",` +
		`"Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission",` +
		`"SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` + arn +
		`","Condition":{"StringEquals":{"AWS:SourceOwner":"` + s.cfg.Account + `"}}}]}`
}

// SetTopicAttributes sets one attribute of a topic.
func (s *Service) SetTopicAttributes(ctx context.Context, arn, name, value string) error {
	t, terr := s.lookupARN(arn)
	if terr != nil {
		return terr
	}
	if err := validateTopicAttr(name, value, t.fifo, ""); err != nil {
		return err
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	t.mu.Lock()
	attrs := copyMap(t.attrs)
	t.mu.Unlock()
	if name != "FifoTopic" {
		if value == "" {
			delete(attrs, name)
		} else {
			attrs[name] = value
		}
	}
	a, _ := json.Marshal(attrs)
	if err := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE topic_topics SET attributes = ? WHERE name = ?`, string(a), t.name)
		return err
	}); err != nil {
		return err
	}
	t.mu.Lock()
	t.attrs = attrs
	t.mu.Unlock()
	s.emit(event.ResourceChanged, event.Info, t.arn, "set "+name+" of topic "+t.name)
	return nil
}

// resourceTags resolves a TagResource ARN to its topic.
func (s *Service) resourceTopic(arn string) (*topic, *Error) {
	t, err := s.lookupARN(arn)
	if err != nil && err.Code == NotFound {
		return nil, errorf(ResourceNotFound, "Resource does not exist")
	}
	return t, err
}

// TagResource adds or replaces tags of a topic.
func (s *Service) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	t, err := s.resourceTopic(arn)
	if err != nil {
		return err
	}
	if err := validateTags(tags); err != nil {
		return err
	}
	return s.updateTags(ctx, t, func(m map[string]string) {
		for k, v := range tags {
			m[k] = v
		}
	})
}

// UntagResource removes tags of a topic.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	t, err := s.resourceTopic(arn)
	if err != nil {
		return err
	}
	return s.updateTags(ctx, t, func(m map[string]string) {
		for _, k := range keys {
			delete(m, k)
		}
	})
}

func (s *Service) updateTags(ctx context.Context, t *topic, change func(map[string]string)) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	t.mu.Lock()
	tags := copyMap(t.tags)
	t.mu.Unlock()
	change(tags)
	if len(tags) > MaxTags {
		return errorf(TagLimitExceeded, "Could not complete request: tag quota of per resource exceeded")
	}
	b, _ := json.Marshal(tags)
	if err := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE topic_topics SET tags = ? WHERE name = ?`, string(b), t.name)
		return err
	}); err != nil {
		return err
	}
	t.mu.Lock()
	t.tags = tags
	t.mu.Unlock()
	s.emit(event.ResourceChanged, event.Debug, t.arn, "changed tags of topic "+t.name)
	return nil
}

// ListTagsForResource returns the tags of a topic.
func (s *Service) ListTagsForResource(arn string) (map[string]string, error) {
	t, err := s.resourceTopic(arn)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return copyMap(t.tags), nil
}

// Topics returns every topic with its subscriptions and delivery counts,
// ordered by name, for the GUI.
func (s *Service) Topics() []Summary {
	var out []Summary
	for _, t := range s.sortedTopics() {
		sum := Summary{Name: t.name, ARN: t.arn, FIFO: t.fifo,
			Published: t.published.Value(), Delivered: t.delivered.Value(), Failed: t.failed.Value()}
		for _, sub := range t.subscriptionsSnapshot() {
			ss := sub.summary(s.cfg.Account)
			ss.ARN = sub.arn
			sum.Pending += ss.Backlog
			sum.Subscriptions = append(sum.Subscriptions, ss)
		}
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
