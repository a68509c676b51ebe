package topic

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// Subscription attributes a caller may set.
var subscriptionSettable = map[string]bool{
	"DeliveryPolicy": true, "FilterPolicy": true, "FilterPolicyScope": true, "RawMessageDelivery": true,
	"RedrivePolicy": true, "SubscriptionRoleArn": true, "ReplayPolicy": true,
}

// Protocols AWS knows; Skyport delivers to the first four.
var knownProtocols = map[string]bool{
	"sqs": true, "lambda": true, "http": true, "https": true,
	"email": false, "email-json": false, "sms": false, "application": false, "firehose": false,
}

// pendingARN is what Subscribe returns for a subscription awaiting confirmation.
const pendingARN = "pending confirmation"

// Subscribe subscribes an endpoint to a topic. Queue and function
// subscriptions are confirmed at once; HTTP(S) endpoints are sent a
// SubscriptionConfirmation and stay pending until ConfirmSubscription.
// It returns the subscription ARN, or "pending confirmation" unless
// returnARN is set.
func (s *Service) Subscribe(ctx context.Context, topicARN, protocol, endpoint string, attrs map[string]string, returnARN bool) (string, error) {
	return s.subscribe(ctx, topicARN, protocol, endpoint, attrs, returnARN, false)
}

// subscribe is Subscribe; confirmed subscribes an HTTP(S) endpoint without
// the confirmation round trip (a restored subscription).
func (s *Service) subscribe(ctx context.Context, topicARN, protocol, endpoint string, attrs map[string]string, returnARN, confirmed bool) (string, error) {
	t, terr := s.lookupARN(topicARN)
	if terr != nil {
		return "", terr
	}
	if err := s.checkEndpoint(t, protocol, endpoint); err != nil {
		return "", err
	}
	probe := &subscription{protocol: protocol, topic: t}
	for _, k := range subscribeOrder(attrs) {
		if err := s.applySubAttr(probe, k, attrs[k], true); err != nil {
			return "", err
		}
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	for _, sub := range t.subscriptionsSnapshot() {
		if sub.protocol == protocol && sub.endpoint == endpoint {
			return s.existingSubscription(sub, attrs, returnARN)
		}
	}
	if strings.TrimSpace(attrs["FilterPolicy"]) != "" && t.filterPolicies() >= MaxFilterPolicies {
		return "", errFilterLimit()
	}
	sub := &subscription{arn: topicARN + ":" + newUUID(), topic: t, protocol: protocol, endpoint: endpoint,
		attrs: map[string]string{}, confirmCh: make(chan struct{})}
	for _, k := range subscribeOrder(attrs) {
		if err := s.applySubAttr(sub, k, attrs[k], true); err != nil {
			return "", err
		}
	}
	sub.confirmed = confirmed || (protocol != "http" && protocol != "https")
	if !sub.confirmed {
		sub.token = newToken()
	} else {
		close(sub.confirmCh)
	}
	a, _ := json.Marshal(sub.attrs)
	err := s.write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(`INSERT INTO topic_subscriptions(arn, topic, protocol, endpoint, attributes, token, confirmed, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sub.arn, t.name, protocol, endpoint, string(a), sub.token, sub.confirmed, s.nowMS())
		if err != nil {
			return err
		}
		sub.id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return "", err
	}
	s.attach(sub)
	s.emit(event.ResourceCreated, event.Info, sub.arn, "subscribed "+protocol+" "+endpoint+" to topic "+t.name)
	if !sub.confirmed {
		s.sendConfirmation(sub)
		if !returnARN {
			return pendingARN, nil
		}
	}
	return sub.arn, nil
}

// attach adds a created or loaded subscription to its topic and the service.
func (s *Service) attach(sub *subscription) {
	sub.lane = newLane(s, sub)
	t := sub.topic
	t.mu.Lock()
	t.subs = append(t.subs, sub)
	t.mu.Unlock()
	s.mu.Lock()
	s.subs[sub.arn] = sub
	s.mu.Unlock()
}

func (s *Service) existingSubscription(sub *subscription, attrs map[string]string, returnARN bool) (string, error) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for k, v := range attrs {
		if sub.attrs[k] != v {
			return "", invalidf("Attributes Reason: Subscription already exists with different attributes")
		}
	}
	if !sub.confirmed && !returnARN {
		return pendingARN, nil
	}
	return sub.arn, nil
}

// checkEndpoint validates a protocol and endpoint for the topic.
func (s *Service) checkEndpoint(t *topic, protocol, endpoint string) *Error {
	supported, known := knownProtocols[protocol]
	switch {
	case !known:
		return invalidf("Amazon SNS does not support this protocol string: %s", protocol)
	case !supported:
		return invalidf("Skyport does not deliver to protocol %s; use sqs, lambda, http or https", protocol)
	case t.fifo && protocol != "sqs":
		return invalidf("Invalid protocol type: %s", protocol)
	}
	switch protocol {
	case "sqs":
		name, ok := arnResource(endpoint, "sqs")
		if !ok {
			return invalidf("SQS endpoint ARN")
		}
		if t.fifo && !strings.HasSuffix(name, ".fifo") {
			return invalidf("Endpoint Reason: Please use FIFO SQS queue")
		}
		if !t.fifo && strings.HasSuffix(name, ".fifo") {
			return invalidf("Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
		}
	case "lambda":
		if _, ok := arnResource(endpoint, "lambda"); !ok {
			return invalidf("Lambda endpoint ARN")
		}
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return invalidf("Endpoint must match the specified protocol")
		}
	}
	return nil
}

// arnResource returns the resource part of an ARN of that service.
func arnResource(arn, service string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != service || parts[5] == "" {
		return "", false
	}
	return parts[5], true
}

// subscribeOrder lists Subscribe's attribute names with FilterPolicyScope
// before FilterPolicy, so that a MessageBody policy given with its scope
// compiles in that scope whatever the map's order.
func subscribeOrder(attrs map[string]string) []string {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "FilterPolicyScope") != (names[j] == "FilterPolicyScope") {
			return names[i] == "FilterPolicyScope"
		}
		return names[i] < names[j]
	})
	return names
}

// applySubAttr validates and applies one attribute to sub (which is not
// yet visible to other goroutines, or whose mu is held by the caller).
func (s *Service) applySubAttr(sub *subscription, name, value string, subscribe bool) *Error {
	reason := ""
	if subscribe {
		reason = "Attributes Reason: "
	}
	if !subscriptionSettable[name] {
		return invalidf("%sAttributeName", reason)
	}
	if sub.attrs == nil {
		sub.attrs = map[string]string{}
	}
	switch name {
	case "RawMessageDelivery":
		v := strings.ToLower(value)
		if v != "true" && v != "false" {
			return invalidf("%sRawMessageDelivery: Invalid value [%s]. Must be true or false.", reason, value)
		}
		if sub.protocol == "lambda" && v == "true" {
			return invalidf("%sDelivery protocol [lambda] does not support raw message delivery.", reason)
		}
		sub.raw = v == "true"
	case "FilterPolicy", "FilterPolicyScope":
		text, scopeName := sub.attrs["FilterPolicy"], sub.attrs["FilterPolicyScope"]
		if name == "FilterPolicy" {
			text = value
		} else {
			scopeName = value
		}
		scope, ok := ParseScope(scopeName)
		if !ok {
			return invalidf("%sFilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", reason, value)
		}
		sub.filter = nil
		if strings.TrimSpace(text) != "" {
			p, err := s.policies.compile(text, scope, subscribe)
			if err != nil {
				return err
			}
			sub.filter = p
		}
	case "RedrivePolicy":
		dlq, err := parseRedrive(value, reason)
		if err != nil {
			return err
		}
		sub.dlq = dlq
	case "DeliveryPolicy":
		if sub.protocol != "http" && sub.protocol != "https" {
			return invalidf("%sDeliveryPolicy: Delivery policy is only supported for HTTP/S subscriptions", reason)
		}
		sub.retry, sub.ctype, sub.pace = nil, "", nil
		if value != "" {
			p, err := parseSubscriptionDeliveryPolicy(value)
			if err != nil {
				return err
			}
			sub.retry, sub.ctype, sub.pace = p.retry, p.contentType, newPacer(p.rate)
		}
	case "ReplayPolicy", "SubscriptionRoleArn":
	}
	if value == "" {
		delete(sub.attrs, name)
	} else {
		sub.attrs[name] = value
	}
	return nil
}

// parseRedrive reads a RedrivePolicy: {"deadLetterTargetArn": "arn:aws:sqs:…"}.
func parseRedrive(text, reason string) (string, *Error) {
	if text == "" {
		return "", nil
	}
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if err := strictDecode(text, &p); err != nil {
		return "", invalidf("%sRedrivePolicy: failed to parse JSON. %v", reason, err)
	}
	if _, ok := arnResource(p.DeadLetterTargetArn, "sqs"); !ok {
		return "", invalidf("%sRedrivePolicy: deadLetterTargetArn is an invalid arn", reason)
	}
	return p.DeadLetterTargetArn, nil
}

// ConfirmSubscription confirms a pending subscription with the token sent
// to its endpoint and returns its ARN.
func (s *Service) ConfirmSubscription(ctx context.Context, topicARN, token string) (string, error) {
	t, terr := s.lookupARN(topicARN)
	if terr != nil {
		return "", terr
	}
	for _, sub := range t.subscriptionsSnapshot() {
		sub.mu.Lock()
		match, done := sub.token != "" && sub.token == token, sub.confirmed
		sub.mu.Unlock()
		if !match {
			continue
		}
		if done {
			return sub.arn, nil
		}
		if err := s.write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE topic_subscriptions SET confirmed = 1 WHERE id = ?`, sub.id)
			return err
		}); err != nil {
			return "", err
		}
		sub.mu.Lock()
		if !sub.confirmed {
			sub.confirmed = true
			close(sub.confirmCh)
		}
		sub.mu.Unlock()
		s.emit(event.ResourceChanged, event.Info, sub.arn, "confirmed subscription of "+sub.endpoint+" to topic "+t.name)
		return sub.arn, nil
	}
	if arn, ok, err := s.restoreSubscription(ctx, topicARN, token); ok {
		return arn, err
	}
	return "", invalidf("Token")
}

// Confirmed returns a channel closed once the subscription is confirmed.
func (s *Service) Confirmed(subscriptionARN string) (<-chan struct{}, error) {
	sub, err := s.lookupSub(subscriptionARN)
	if err != nil {
		return nil, err
	}
	return sub.confirmCh, nil
}

// Unsubscribe deletes a subscription and its pending deliveries.
func (s *Service) Unsubscribe(ctx context.Context, arn string) error {
	sub, terr := s.lookupSub(arn)
	if terr != nil {
		return terr
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if err := s.write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`DELETE FROM topic_deliveries WHERE subscription = ?`, sub.id); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM topic_messages WHERE topic = ? AND NOT EXISTS (SELECT 1 FROM topic_deliveries d WHERE d.message = topic_messages.id)`, sub.topic.name); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE topic_topics SET removed = removed + 1 WHERE name = ?`, sub.topic.name); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM topic_subscriptions WHERE id = ?`, sub.id)
		return err
	}); err != nil {
		return err
	}
	t := sub.topic
	t.mu.Lock()
	for i, x := range t.subs {
		if x == sub {
			t.subs = append(t.subs[:i:i], t.subs[i+1:]...)
			break
		}
	}
	t.removed++
	t.mu.Unlock()
	s.mu.Lock()
	delete(s.subs, sub.arn)
	s.mu.Unlock()
	sub.retire()
	if _, _, confirmed, _ := sub.state(); confirmed && (sub.protocol == "http" || sub.protocol == "https") {
		s.sendUnsubscribeConfirmation(sub)
	}
	s.emit(event.ResourceDeleted, event.Info, sub.arn, "unsubscribed "+sub.endpoint+" from topic "+t.name)
	return nil
}

// retire stops a deleted subscription's deliveries.
func (sub *subscription) retire() {
	sub.mu.Lock()
	sub.deleted = true
	sub.mu.Unlock()
	sub.lane.close()
}

// ListSubscriptions returns up to 100 subscriptions of every topic.
func (s *Service) ListSubscriptions(next string) ([]SubscriptionSummary, string, error) {
	var all []*subscription
	for _, t := range s.sortedTopics() {
		all = append(all, t.subscriptionsSnapshot()...)
	}
	return s.page(all, next)
}

// ListSubscriptionsByTopic returns up to 100 subscriptions of a topic.
func (s *Service) ListSubscriptionsByTopic(topicARN, next string) ([]SubscriptionSummary, string, error) {
	t, err := s.lookupARN(topicARN)
	if err != nil {
		return nil, "", err
	}
	return s.page(t.subscriptionsSnapshot(), next)
}

// page lists subscriptions ordered by ARN, up to 100 after the token (the
// last ARN of the previous page, so deletions between pages skip nothing).
func (s *Service) page(all []*subscription, next string) ([]SubscriptionSummary, string, error) {
	after, terr := decodeToken(next)
	if terr != nil {
		return nil, "", terr
	}
	sort.Slice(all, func(i, j int) bool { return all[i].arn < all[j].arn })
	var out []SubscriptionSummary
	for i, sub := range all {
		if sub.arn <= after {
			continue
		}
		if len(out) == listPageSize {
			return out, encodeToken(all[i-1].arn), nil
		}
		out = append(out, sub.summary(s.cfg.Account))
	}
	return out, "", nil
}

// GetSubscriptionAttributes returns every attribute of a subscription.
func (s *Service) GetSubscriptionAttributes(arn string) (map[string]string, error) {
	sub, err := s.lookupSub(arn)
	if err != nil {
		return nil, err
	}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	out := copyMap(sub.attrs)
	out["SubscriptionArn"] = sub.arn
	out["TopicArn"] = sub.topic.arn
	out["Owner"] = s.cfg.Account
	out["Protocol"] = sub.protocol
	out["Endpoint"] = sub.endpoint
	out["PendingConfirmation"] = boolString(!sub.confirmed)
	out["ConfirmationWasAuthenticated"] = boolString(sub.confirmed)
	if _, ok := out["RawMessageDelivery"]; !ok {
		out["RawMessageDelivery"] = "false"
	} else {
		out["RawMessageDelivery"] = boolString(sub.raw)
	}
	if _, ok := out["FilterPolicy"]; ok && out["FilterPolicyScope"] == "" {
		out["FilterPolicyScope"] = "MessageAttributes"
	}
	if sub.protocol == "http" || sub.protocol == "https" {
		p := sub.retry
		if p == nil {
			p = &defaultHTTPRetry
		}
		b, _ := json.Marshal(map[string]any{"healthyRetryPolicy": p, "sicklyRetryPolicy": nil, "throttlePolicy": nil, "guaranteed": false})
		out["EffectiveDeliveryPolicy"] = string(b)
	}
	return out, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// SetSubscriptionAttributes sets one attribute of a subscription.
func (s *Service) SetSubscriptionAttributes(ctx context.Context, arn, name, value string) error {
	sub, terr := s.lookupSub(arn)
	if terr != nil {
		return terr
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	sub.mu.Lock()
	hadPolicy := sub.filter != nil
	sub.mu.Unlock()
	if name == "FilterPolicy" && strings.TrimSpace(value) != "" && !hadPolicy && sub.topic.filterPolicies() >= MaxFilterPolicies {
		return errFilterLimit()
	}
	sub.mu.Lock()
	trial := &subscription{protocol: sub.protocol, topic: sub.topic, attrs: copyMap(sub.attrs),
		filter: sub.filter, raw: sub.raw, dlq: sub.dlq, retry: sub.retry, ctype: sub.ctype, pace: sub.pace}
	sub.mu.Unlock()
	if err := s.applySubAttr(trial, name, value, false); err != nil {
		return err
	}
	a, _ := json.Marshal(trial.attrs)
	if err := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE topic_subscriptions SET attributes = ? WHERE id = ?`, string(a), sub.id)
		return err
	}); err != nil {
		return err
	}
	sub.mu.Lock()
	sub.attrs, sub.filter, sub.raw, sub.dlq, sub.retry = trial.attrs, trial.filter, trial.raw, trial.dlq, trial.retry
	sub.ctype, sub.pace = trial.ctype, trial.pace
	sub.mu.Unlock()
	s.emit(event.ResourceChanged, event.Info, sub.arn, "set "+name+" of subscription "+sub.arn)
	return nil
}

func errFilterLimit() *Error {
	return errorf(FilterPolicyLimitExceeded, "Filter policy limit exceeded: a topic may have %d subscriptions with a filter policy", MaxFilterPolicies)
}

// filterPolicies counts the topic's subscriptions with a filter policy.
func (t *topic) filterPolicies() int {
	n := 0
	for _, sub := range t.subscriptionsSnapshot() {
		sub.mu.Lock()
		if sub.filter != nil {
			n++
		}
		sub.mu.Unlock()
	}
	return n
}
