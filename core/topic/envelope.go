package topic

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
)

// envelopeAttr is one message attribute in the SNS JSON envelope.
type envelopeAttr struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// Envelope is the SNS JSON document delivered to endpoints without raw
// message delivery, with the fields AWS documents, in AWS's order.
type Envelope struct {
	Type              string                  `json:"Type"`
	MessageID         string                  `json:"MessageId"`
	Token             string                  `json:"Token,omitempty"`
	SequenceNumber    string                  `json:"SequenceNumber,omitempty"`
	TopicArn          string                  `json:"TopicArn"`
	Subject           string                  `json:"Subject,omitempty"`
	Message           string                  `json:"Message"`
	SubscribeURL      string                  `json:"SubscribeURL,omitempty"`
	Timestamp         string                  `json:"Timestamp"`
	SignatureVersion  string                  `json:"SignatureVersion"`
	Signature         string                  `json:"Signature"`
	SigningCertURL    string                  `json:"SigningCertURL"`
	UnsubscribeURL    string                  `json:"UnsubscribeURL,omitempty"`
	MessageAttributes map[string]envelopeAttr `json:"MessageAttributes,omitempty"`
}

// timestampFormat is how SNS writes Timestamp.
const timestampFormat = "2006-01-02T15:04:05.000Z"

// envelope returns the notification document for m as sub receives it.
func (s *Service) envelope(m *message, sub *subscription) string {
	e := s.notification(m, sub)
	return marshalEnvelope(e)
}

func (s *Service) notification(m *message, sub *subscription) Envelope {
	e := Envelope{
		Type: "Notification", MessageID: m.id, TopicArn: m.topic.arn, Subject: m.subject,
		Message: m.bodyFor(sub.protocol), Timestamp: m.at.UTC().Format(timestampFormat),
		SequenceNumber: m.seq, SignatureVersion: m.topic.signatureVersion(),
		SigningCertURL: s.SigningCertURL(),
		UnsubscribeURL: s.endpoint() + "/?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(sub.arn),
	}
	if len(m.attrs) > 0 {
		e.MessageAttributes = make(map[string]envelopeAttr, len(m.attrs))
		for k, a := range m.attrs {
			v := a.StringValue
			if strings.HasPrefix(a.DataType, "Binary") {
				v = base64.StdEncoding.EncodeToString(a.BinaryValue)
			}
			e.MessageAttributes[k] = envelopeAttr{Type: a.DataType, Value: v}
		}
	}
	if m.structure != "json" {
		// The signature covers fields every subscription shares; compute it once.
		m.sigOnce.Do(func() { m.sig = s.signer.sign(e) })
		e.Signature = m.sig
	} else {
		e.Signature = s.signer.sign(e)
	}
	return e
}

func (t *topic) signatureVersion() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v := t.attrs["SignatureVersion"]; v != "" {
		return v
	}
	return "1"
}

// confirmation returns the SubscriptionConfirmation document for sub.
func (s *Service) confirmation(sub *subscription, token string) Envelope {
	t := sub.topic
	e := Envelope{
		Type: "SubscriptionConfirmation", MessageID: newUUID(), Token: token, TopicArn: t.arn,
		Message: "You have chosen to subscribe to the topic " + t.arn +
			".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL: s.endpoint() + "/?Action=ConfirmSubscription&Version=2010-03-31&TopicArn=" + url.QueryEscape(t.arn) +
			"&Token=" + url.QueryEscape(token),
		Timestamp: s.clock.Now().UTC().Format(timestampFormat), SignatureVersion: t.signatureVersion(),
		SigningCertURL: s.SigningCertURL(),
	}
	e.Signature = s.signer.sign(e)
	return e
}

// unsubscribeConfirmation returns the UnsubscribeConfirmation document sent
// to an HTTP(S) endpoint whose subscription was deleted; its SubscribeURL
// subscribes the endpoint again.
func (s *Service) unsubscribeConfirmation(sub *subscription, token string) Envelope {
	t := sub.topic
	e := Envelope{
		Type: "UnsubscribeConfirmation", MessageID: newUUID(), Token: token, TopicArn: t.arn,
		Message: "You have chosen to deactivate subscription " + sub.arn +
			".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL: s.endpoint() + "/?Action=ConfirmSubscription&Version=2010-03-31&TopicArn=" + url.QueryEscape(t.arn) +
			"&Token=" + url.QueryEscape(token),
		Timestamp: s.clock.Now().UTC().Format(timestampFormat), SignatureVersion: t.signatureVersion(),
		SigningCertURL: s.SigningCertURL(),
	}
	e.Signature = s.signer.sign(e)
	return e
}

// marshalEnvelope writes e as JSON without HTML escaping, as SNS does.
func marshalEnvelope(e Envelope) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(e)
	return strings.TrimSuffix(b.String(), "\n")
}

// SigningCertURL is where the certificate that signs envelopes is served.
func (s *Service) SigningCertURL() string {
	return s.endpoint() + SigningCertPath
}

// SigningCertPath is the path of the signing certificate on the listener.
const SigningCertPath = "/_skyport/sns/SimpleNotificationService.pem"

// newToken returns a confirmation token (SNS's are long hex strings).
func newToken() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lambdaEvent is the SNS event a function receives.
type lambdaEvent struct {
	Records []lambdaRecord `json:"Records"`
}

type lambdaRecord struct {
	EventSource          string      `json:"EventSource"`
	EventVersion         string      `json:"EventVersion"`
	EventSubscriptionArn string      `json:"EventSubscriptionArn"`
	Sns                  lambdaNotif `json:"Sns"`
}

type lambdaNotif struct {
	Type              string                  `json:"Type"`
	MessageID         string                  `json:"MessageId"`
	TopicArn          string                  `json:"TopicArn"`
	Subject           *string                 `json:"Subject"`
	Message           string                  `json:"Message"`
	Timestamp         string                  `json:"Timestamp"`
	SignatureVersion  string                  `json:"SignatureVersion"`
	Signature         string                  `json:"Signature"`
	SigningCertURL    string                  `json:"SigningCertUrl"`
	UnsubscribeURL    string                  `json:"UnsubscribeUrl"`
	MessageAttributes map[string]envelopeAttr `json:"MessageAttributes"`
}

func (s *Service) lambdaEvent(m *message, sub *subscription) []byte {
	e := s.notification(m, sub)
	n := lambdaNotif{Type: e.Type, MessageID: e.MessageID, TopicArn: e.TopicArn, Message: e.Message, Timestamp: e.Timestamp,
		SignatureVersion: e.SignatureVersion, Signature: e.Signature, SigningCertURL: e.SigningCertURL,
		UnsubscribeURL: e.UnsubscribeURL, MessageAttributes: e.MessageAttributes}
	if e.Subject != "" {
		n.Subject = &e.Subject
	}
	if n.MessageAttributes == nil {
		n.MessageAttributes = map[string]envelopeAttr{}
	}
	b, _ := json.Marshal(lambdaEvent{Records: []lambdaRecord{{EventSource: "aws:sns", EventVersion: "1.0", EventSubscriptionArn: sub.arn, Sns: n}}})
	return b
}
