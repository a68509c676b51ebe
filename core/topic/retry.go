package topic

import (
	"bytes"
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/metrics"
)

func metricLabel(topicName string) metrics.Label {
	return metrics.Label{Name: "topic", Value: topicName}
}

// retryPolicy is an SNS healthyRetryPolicy: after the first attempt come
// numNoDelayRetries immediate retries, numMinDelayRetries at minDelayTarget,
// a backoff phase from minDelayTarget to maxDelayTarget, and
// numMaxDelayRetries at maxDelayTarget, numRetries in all.
type retryPolicy struct {
	MinDelayTarget     int    `json:"minDelayTarget"`
	MaxDelayTarget     int    `json:"maxDelayTarget"`
	NumRetries         int    `json:"numRetries"`
	NumNoDelayRetries  int    `json:"numNoDelayRetries"`
	NumMinDelayRetries int    `json:"numMinDelayRetries"`
	NumMaxDelayRetries int    `json:"numMaxDelayRetries"`
	BackoffFunction    string `json:"backoffFunction"`
}

// defaultHTTPRetry is SNS's default policy for HTTP/S endpoints: three
// retries 20 seconds apart.
var defaultHTTPRetry = retryPolicy{MinDelayTarget: 20, MaxDelayTarget: 20, NumRetries: 3, BackoffFunction: "linear"}

// managedRetry is SNS's fixed policy for AWS-managed endpoints (queues,
// functions): 3 immediate retries, 2 at 1 s, 10 backing off from 1 s to
// 20 s, then 100,000 at 20 s.
var managedRetry = retryPolicy{MinDelayTarget: 1, MaxDelayTarget: 20, NumRetries: 100_015,
	NumNoDelayRetries: 3, NumMinDelayRetries: 2, NumMaxDelayRetries: 100_000, BackoffFunction: "exponential"}

// delay returns how long to wait before retry number n (1-based), and
// false once the retries are used up.
func (p *retryPolicy) delay(n int) (time.Duration, bool) {
	if n > p.NumRetries {
		return 0, false
	}
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	minD, maxD := float64(p.MinDelayTarget), float64(p.MaxDelayTarget)
	if n <= p.NumNoDelayRetries {
		return 0, true
	}
	n -= p.NumNoDelayRetries
	if n <= p.NumMinDelayRetries {
		return sec(minD), true
	}
	n -= p.NumMinDelayRetries
	backoff := p.NumRetries - p.NumNoDelayRetries - p.NumMinDelayRetries - p.NumMaxDelayRetries
	if n > backoff {
		return sec(maxD), true
	}
	x := float64(n) / float64(backoff)
	switch p.BackoffFunction {
	case "exponential":
		return sec(minD * math.Pow(maxD/minD, x)), true
	case "geometric":
		return sec(minD + (maxD-minD)*(1-(1-x)*(1-x))), true
	case "arithmetic":
		return sec(minD + (maxD-minD)*x*x), true
	}
	return sec(minD + (maxD-minD)*x), true
}

func (p *retryPolicy) validate() *Error {
	switch {
	case p.MinDelayTarget < 1 || p.MinDelayTarget > 3600:
		return invalidf("DeliveryPolicy: minDelayTarget must be between 1 and 3600")
	case p.MaxDelayTarget < p.MinDelayTarget || p.MaxDelayTarget > 3600:
		return invalidf("DeliveryPolicy: maxDelayTarget must be between minDelayTarget and 3600")
	case p.NumRetries < 0 || p.NumRetries > 100:
		return invalidf("DeliveryPolicy: numRetries must be between 0 and 100")
	case p.NumNoDelayRetries < 0 || p.NumMinDelayRetries < 0 || p.NumMaxDelayRetries < 0 ||
		p.NumNoDelayRetries+p.NumMinDelayRetries+p.NumMaxDelayRetries > p.NumRetries:
		return invalidf("DeliveryPolicy: numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries")
	}
	switch p.BackoffFunction {
	case "linear", "arithmetic", "geometric", "exponential":
	default:
		return invalidf("DeliveryPolicy: backoffFunction must be one of linear, arithmetic, geometric, exponential")
	}
	var total time.Duration
	for n := 1; n <= p.NumRetries; n++ {
		d, _ := p.delay(n)
		total += d
	}
	if total > maxRetryTime {
		return invalidf("DeliveryPolicy: The total policy retry time for an HTTP/S endpoint cannot be greater than %d seconds", int(maxRetryTime.Seconds()))
	}
	return nil
}

// maxRetryTime is SNS's hard limit on an HTTP/S policy's total retry time.
const maxRetryTime = 3600 * time.Second

// subscriptionDeliveryPolicy is a subscription's DeliveryPolicy attribute.
type subscriptionDeliveryPolicy struct {
	HealthyRetryPolicy *retryPolicy     `json:"healthyRetryPolicy,omitempty"`
	SicklyRetryPolicy  *json.RawMessage `json:"sicklyRetryPolicy,omitempty"`
	ThrottlePolicy     *struct {
		MaxReceivesPerSecond int `json:"maxReceivesPerSecond"`
	} `json:"throttlePolicy,omitempty"`
	RequestPolicy *struct {
		HeaderContentType string `json:"headerContentType"`
	} `json:"requestPolicy,omitempty"`
	Guaranteed bool `json:"guaranteed,omitempty"`
}

// deliverySettings is what a subscription's DeliveryPolicy sets.
type deliverySettings struct {
	retry       *retryPolicy // nil: the topic's or SNS's default
	contentType string       // requestPolicy.headerContentType, "" for text/plain
	rate        int          // throttlePolicy.maxReceivesPerSecond, 0 for unlimited
}

// Content types SNS allows in requestPolicy.headerContentType.
var allowedContentTypes = map[string]bool{
	"text/plain": true, "application/json": true, "application/xml": true, "text/plain; charset=UTF-8": true,
	"application/json; charset=UTF-8": true, "application/xml; charset=UTF-8": true,
}

// topicDeliveryPolicy is a topic's DeliveryPolicy attribute.
type topicDeliveryPolicy struct {
	HTTP *struct {
		DefaultHealthyRetryPolicy    *retryPolicy     `json:"defaultHealthyRetryPolicy,omitempty"`
		DisableSubscriptionOverrides bool             `json:"disableSubscriptionOverrides"`
		DefaultThrottlePolicy        *json.RawMessage `json:"defaultThrottlePolicy,omitempty"`
		DefaultRequestPolicy         *json.RawMessage `json:"defaultRequestPolicy,omitempty"`
	} `json:"http,omitempty"`
}

func strictDecode(text string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// retryFrom fills a policy's unset fields from SNS's defaults and checks it.
func retryFrom(p *retryPolicy) (*retryPolicy, *Error) {
	if p == nil {
		return nil, nil
	}
	out := *p
	if out.MinDelayTarget == 0 {
		out.MinDelayTarget = defaultHTTPRetry.MinDelayTarget
	}
	if out.MaxDelayTarget == 0 {
		out.MaxDelayTarget = max(out.MinDelayTarget, defaultHTTPRetry.MaxDelayTarget)
	}
	if out.BackoffFunction == "" {
		out.BackoffFunction = "linear"
	}
	if err := out.validate(); err != nil {
		return nil, err
	}
	return &out, nil
}

func parseSubscriptionDeliveryPolicy(text string) (deliverySettings, *Error) {
	var p subscriptionDeliveryPolicy
	if err := strictDecode(text, &p); err != nil {
		return deliverySettings{}, invalidf("DeliveryPolicy: %v", err)
	}
	r, err := retryFrom(p.HealthyRetryPolicy)
	if err != nil {
		return deliverySettings{}, err
	}
	out := deliverySettings{retry: r}
	if tp := p.ThrottlePolicy; tp != nil {
		if tp.MaxReceivesPerSecond < 1 {
			return deliverySettings{}, invalidf("DeliveryPolicy: maxReceivesPerSecond must be at least 1")
		}
		out.rate = tp.MaxReceivesPerSecond
	}
	if rp := p.RequestPolicy; rp != nil && rp.HeaderContentType != "" {
		if !allowedContentTypes[rp.HeaderContentType] {
			return deliverySettings{}, invalidf("DeliveryPolicy: headerContentType %s is not supported", rp.HeaderContentType)
		}
		out.contentType = rp.HeaderContentType
	}
	return out, nil
}

// pacer spaces a subscription's attempts to its maxReceivesPerSecond on
// the core clock.
type pacer struct {
	mu   sync.Mutex
	gap  time.Duration
	next time.Time
}

func newPacer(rate int) *pacer {
	if rate <= 0 {
		return nil
	}
	return &pacer{gap: time.Second / time.Duration(rate)}
}

// wait blocks until the next attempt may start, or done closes.
func (p *pacer) wait(clk *clock.Clock, done <-chan struct{}) {
	if p == nil {
		return
	}
	p.mu.Lock()
	now := clk.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.gap)
	p.mu.Unlock()
	if !at.After(now) {
		return
	}
	t := clk.NewTimer(at.Sub(now))
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}

func parseTopicDeliveryPolicy(text string) (*retryPolicy, *Error) {
	var p topicDeliveryPolicy
	if err := strictDecode(text, &p); err != nil {
		return nil, &Error{Code: InvalidParameter, Message: err.Error()}
	}
	if p.HTTP == nil {
		return nil, nil
	}
	r, err := retryFrom(p.HTTP.DefaultHealthyRetryPolicy)
	if err != nil {
		return nil, &Error{Code: InvalidParameter, Message: err.Message[len("Invalid parameter: DeliveryPolicy: "):]}
	}
	return r, nil
}

// effectiveTopicDeliveryPolicy returns EffectiveDeliveryPolicy for a topic.
func effectiveTopicDeliveryPolicy(text string) string {
	p := &defaultHTTPRetry
	if text != "" {
		if r, err := parseTopicDeliveryPolicy(text); err == nil && r != nil {
			p = r
		}
	}
	b, _ := json.Marshal(map[string]any{"http": map[string]any{
		"defaultHealthyRetryPolicy": p, "disableSubscriptionOverrides": false,
	}})
	return string(b)
}

// retryFor returns the retry policy that applies to a subscription.
func (s *Service) retryFor(sub *subscription) *retryPolicy {
	if sub.protocol != "http" && sub.protocol != "https" {
		return &managedRetry
	}
	sub.mu.Lock()
	own := sub.retry
	sub.mu.Unlock()
	if own != nil {
		return own
	}
	sub.topic.mu.Lock()
	text := sub.topic.attrs["DeliveryPolicy"]
	sub.topic.mu.Unlock()
	if text != "" {
		if r, err := parseTopicDeliveryPolicy(text); err == nil && r != nil {
			return r
		}
	}
	return &defaultHTTPRetry
}
