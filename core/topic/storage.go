package topic

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/skyport-dev/skyport/core/store"
)

// load rebuilds topics, subscriptions and FIFO de-duplication state from
// the store.
func (s *Service) load() error {
	if err := s.loadTopics(); err != nil {
		return err
	}
	if err := s.loadSubscriptions(); err != nil {
		return err
	}
	if err := s.dropOrphans(); err != nil {
		return err
	}
	return s.loadDedup()
}

func (s *Service) loadTopics() error {
	rows, err := s.st.DB().Query(`SELECT name, fifo, attributes, tags, created_at, seq, removed FROM topic_topics`)
	if err != nil {
		return fmt.Errorf("topic: load topics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t := &topic{dedup: map[string]dedupEntry{}}
		var attrs, tags string
		if err := rows.Scan(&t.name, &t.fifo, &attrs, &tags, &t.createdAt, &t.seq, &t.removed); err != nil {
			return fmt.Errorf("topic: load topics: %w", err)
		}
		if json.Unmarshal([]byte(attrs), &t.attrs) != nil || json.Unmarshal([]byte(tags), &t.tags) != nil {
			return fmt.Errorf("topic: topic %s has corrupt attributes or tags", t.name)
		}
		t.attrs, t.tags = copyMap(t.attrs), copyMap(t.tags)
		t.arn = s.ARN(t.name)
		s.register(t)
	}
	return rows.Err()
}

func (s *Service) loadSubscriptions() error {
	rows, err := s.st.DB().Query(`SELECT id, arn, topic, protocol, endpoint, attributes, token, confirmed FROM topic_subscriptions ORDER BY id`)
	if err != nil {
		return fmt.Errorf("topic: load subscriptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		sub := &subscription{confirmCh: make(chan struct{})}
		var topicName, attrs string
		if err := rows.Scan(&sub.id, &sub.arn, &topicName, &sub.protocol, &sub.endpoint, &attrs, &sub.token, &sub.confirmed); err != nil {
			return fmt.Errorf("topic: load subscriptions: %w", err)
		}
		sub.topic = s.topics[topicName]
		if sub.topic == nil {
			continue
		}
		var m map[string]string
		if json.Unmarshal([]byte(attrs), &m) != nil {
			return fmt.Errorf("topic: subscription %s has corrupt attributes", sub.arn)
		}
		// FilterPolicyScope before FilterPolicy, so the policy compiles in its scope.
		for _, k := range []string{"FilterPolicyScope", "FilterPolicy", "RawMessageDelivery", "RedrivePolicy", "DeliveryPolicy", "SubscriptionRoleArn", "ReplayPolicy"} {
			if v, ok := m[k]; ok {
				if err := s.applySubAttr(sub, k, v, false); err != nil {
					return fmt.Errorf("topic: subscription %s: %v", sub.arn, err)
				}
			}
		}
		if sub.attrs == nil {
			sub.attrs = map[string]string{}
		}
		if sub.confirmed {
			close(sub.confirmCh)
		}
		s.attach(sub)
	}
	return rows.Err()
}

// dropOrphans deletes deliveries to subscriptions that are gone and
// messages left without deliveries (a publish that raced with the deletion
// of its topic or subscriptions).
func (s *Service) dropOrphans() error {
	err := s.st.Write(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Exec(`DELETE FROM topic_deliveries WHERE subscription NOT IN (SELECT id FROM topic_subscriptions)`); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM topic_messages WHERE NOT EXISTS (SELECT 1 FROM topic_deliveries d WHERE d.message = topic_messages.id)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("topic: drop undeliverable messages: %w", err)
	}
	return nil
}

func (s *Service) loadDedup() error {
	rows, err := s.st.DB().Query(`SELECT topic, dedup_id, message_id, seq, expires_at FROM topic_dedup WHERE expires_at > ?`, s.nowMS())
	if err != nil {
		return fmt.Errorf("topic: load dedup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, id string
		var e dedupEntry
		if err := rows.Scan(&name, &id, &e.messageID, &e.seq, &e.expires); err != nil {
			return fmt.Errorf("topic: load dedup: %w", err)
		}
		if t := s.topics[name]; t != nil {
			t.dedup[id] = e
		}
	}
	return rows.Err()
}

// resume hands every recorded delivery back to its lane, in publish order,
// and re-sends confirmations to pending HTTP(S) subscriptions.
func (s *Service) resume() error {
	subsByID := map[int64]*subscription{}
	for _, sub := range s.subs {
		subsByID[sub.id] = sub
	}
	rows, err := s.st.DB().Query(`SELECT d.subscription, d.attempts, m.id, m.topic, m.message_id, m.subject, m.body, m.structure,
	m.attributes, m.group_id, m.dedup_id, m.seq, m.published_at
FROM topic_deliveries d JOIN topic_messages m ON m.id = d.message ORDER BY m.id`)
	if err != nil {
		return fmt.Errorf("topic: resume deliveries: %w", err)
	}
	defer rows.Close()
	msgs := map[int64]*message{}
	perSub := map[*subscription][]*delivery{}
	var order []*subscription
	for rows.Next() {
		var subID, row, at int64
		var attempts int
		var topicName, attrs string
		m := &message{}
		if err := rows.Scan(&subID, &attempts, &row, &topicName, &m.id, &m.subject, &m.body, &m.structure,
			&attrs, &m.group, &m.dedup, &m.seq, &at); err != nil {
			return fmt.Errorf("topic: resume deliveries: %w", err)
		}
		sub := subsByID[subID]
		if sub == nil {
			continue
		}
		if prev := msgs[row]; prev != nil {
			m = prev
		} else {
			m.row, m.topic, m.at = row, sub.topic, time.UnixMilli(at)
			if attrs != "" && json.Unmarshal([]byte(attrs), &m.attrs) != nil {
				return fmt.Errorf("topic: message %s has corrupt attributes", m.id)
			}
			msgs[row] = m
		}
		if perSub[sub] == nil {
			order = append(order, sub)
		}
		perSub[sub] = append(perSub[sub], &delivery{msg: m, sub: sub, attempts: attempts})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, sub := range order {
		sub.lane.push(perSub[sub]...)
	}
	for _, sub := range s.subs {
		if !sub.confirmed && (sub.protocol == "http" || sub.protocol == "https") {
			s.sendConfirmation(sub)
		}
	}
	return nil
}
