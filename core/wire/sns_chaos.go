package wire

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/skyport-dev/skyport/core/chaos"
)

// snsChaos throttles or fails Publish and PublishBatch on a topic with a
// chaos policy (drop, duplicate and delay act per delivery, in the topic
// service). It returns the wire error to answer, or nil.
func (s *snsServer) snsChaos(action string, form url.Values) *Error {
	if action != "Publish" && action != "PublishBatch" {
		return nil
	}
	arn := form.Get("TopicArn")
	if arn == "" {
		arn = form.Get("TargetArn")
	}
	name := arn[strings.LastIndex(arn, ":")+1:]
	if name == "" {
		return nil
	}
	d := s.chaos.Gate(chaos.Topic, name)
	switch {
	case d.Throttle:
		return &Error{Code: "Throttled", Status: http.StatusTooManyRequests, Message: "Rate exceeded for topic " + name + " (Skyport chaos)."}
	case d.Fail:
		return &Error{Code: "InternalError", Status: http.StatusInternalServerError, Message: "Internal error (Skyport chaos on topic " + name + ")."}
	}
	return nil
}
