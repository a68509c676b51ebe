package topic

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/skyport-dev/skyport/core/event"
)

// userAgent is the User-Agent SNS sends to HTTP(S) endpoints.
const userAgent = "Amazon Simple Notification Service Agent"

// post sends one SNS request to an HTTP(S) endpoint. As SNS documents, an
// answer in the range 200–4xx counts as delivered (a 3xx or 4xx is reported
// as a warning event, since the endpoint probably did not take it); a 5xx,
// no answer within the bounded timeout, or a transport failure is a failed
// attempt that the delivery policy retries.
func (s *Service) post(ctx context.Context, endpoint, body string, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return &DeliveryError{Permanent: true, Reason: "bad endpoint: " + err.Error()}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := s.http.Do(req)
	if err != nil {
		return &DeliveryError{Reason: "POST " + endpoint + ": " + err.Error()}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode < 200:
		return &DeliveryError{Reason: fmt.Sprintf("POST %s: HTTP %d", endpoint, resp.StatusCode)}
	case resp.StatusCode >= 300:
		s.emit(event.DeliveryFailed, event.Warn, header.Get("x-amz-sns-topic-arn"), fmt.Sprintf(
			"%s answered HTTP %d to %s; SNS counts 200–4xx as delivered and does not retry", endpoint, resp.StatusCode, header.Get("x-amz-sns-message-id")))
	}
	return nil
}

// deliverHTTP posts a notification (or the raw message) to sub's endpoint
// with the x-amz-sns-* headers.
func (s *Service) deliverHTTP(ctx context.Context, d *delivery) error {
	_, raw, _, _ := d.sub.state()
	d.sub.mu.Lock()
	ctype := d.sub.ctype
	d.sub.mu.Unlock()
	h := http.Header{}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	h.Set("x-amz-sns-message-type", "Notification")
	h.Set("x-amz-sns-message-id", d.msg.id)
	h.Set("x-amz-sns-topic-arn", d.msg.topic.arn)
	h.Set("x-amz-sns-subscription-arn", d.sub.arn)
	body := ""
	if raw {
		h.Set("x-amz-sns-rawdelivery", "true")
		body = d.msg.bodyFor(d.sub.protocol)
	} else {
		body = s.envelope(d.msg, d.sub)
	}
	return s.post(ctx, d.sub.endpoint, body, h)
}

// sendConfirmation posts a SubscriptionConfirmation to a pending HTTP(S)
// subscription in the background, retrying on the subscription's delivery
// policy until it is confirmed, deleted or out of retries.
func (s *Service) sendConfirmation(sub *subscription) {
	sub.mu.Lock()
	token := sub.token
	sub.mu.Unlock()
	doc := marshalEnvelope(s.confirmation(sub, token))
	h := http.Header{}
	h.Set("x-amz-sns-message-type", "SubscriptionConfirmation")
	h.Set("x-amz-sns-topic-arn", sub.topic.arn)
	var try func(n int)
	try = func(n int) {
		s.startAttempt(func() {
			_, _, confirmed, _ := sub.state()
			if confirmed || sub.isDeleted() {
				return
			}
			err := s.post(s.ctx, sub.endpoint, doc, h)
			s.noteAttempt(sub, err)
			if err == nil {
				s.emit(event.MessageDelivered, event.Info, sub.arn, "sent subscription confirmation to "+sub.endpoint)
				return
			}
			wait, again := s.retryFor(sub).delay(n)
			if !again || s.closed() {
				s.emit(event.DeliveryFailed, event.Warn, sub.arn, "subscription confirmation to "+sub.endpoint+" failed: "+err.Error())
				return
			}
			s.clock.AfterFunc(wait, func() { try(n + 1) })
		})
	}
	try(1)
}

// sendUnsubscribeConfirmation tells a deleted HTTP(S) subscription's
// endpoint, once, in the background.
func (s *Service) sendUnsubscribeConfirmation(sub *subscription) {
	token := newToken()
	sub.mu.Lock()
	attrs := copyMap(sub.attrs)
	sub.mu.Unlock()
	s.mu.Lock()
	if s.restore == nil {
		s.restore = map[string]restoreTicket{}
	}
	if len(s.restore) >= 1024 {
		clear(s.restore)
	}
	s.restore[token] = restoreTicket{topic: sub.topic.arn, protocol: sub.protocol, endpoint: sub.endpoint, attrs: attrs}
	s.mu.Unlock()
	doc := marshalEnvelope(s.unsubscribeConfirmation(sub, token))
	h := http.Header{}
	h.Set("x-amz-sns-message-type", "UnsubscribeConfirmation")
	h.Set("x-amz-sns-topic-arn", sub.topic.arn)
	h.Set("x-amz-sns-subscription-arn", sub.arn)
	s.startAttempt(func() {
		if err := s.post(s.ctx, sub.endpoint, doc, h); err != nil {
			s.emit(event.DeliveryFailed, event.Debug, sub.arn, "unsubscribe confirmation to "+sub.endpoint+" failed: "+err.Error())
		}
	})
}

// restoreTicket is what the SubscribeURL of an UnsubscribeConfirmation
// brings back.
type restoreTicket struct {
	topic, protocol, endpoint string
	attrs                     map[string]string
}

// restoreSubscription subscribes an endpoint again from the token of its
// UnsubscribeConfirmation, confirmed at once (the endpoint proved itself).
func (s *Service) restoreSubscription(ctx context.Context, topicARN, token string) (string, bool, error) {
	s.mu.Lock()
	tk, ok := s.restore[token]
	if ok && tk.topic == topicARN {
		delete(s.restore, token)
	}
	s.mu.Unlock()
	if !ok || tk.topic != topicARN {
		return "", false, nil
	}
	arn, err := s.subscribe(ctx, tk.topic, tk.protocol, tk.endpoint, tk.attrs, true, true)
	return arn, true, err
}
