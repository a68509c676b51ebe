package topic

import (
	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/event"
)

// chaosFirst applies the topic's chaos policy to the first attempt of a
// delivery: it may wait (on the core clock), make an extra attempt (a
// duplicate) or drop the delivery. It reports whether the delivery goes on.
func (s *Service) chaosFirst(d *delivery) bool {
	if d.attempts > 0 || !s.cfg.Chaos.Active() {
		return true
	}
	rule := s.cfg.Chaos.For(chaos.Topic, d.msg.topic.name)
	if rule == nil {
		return true
	}
	dec := rule.Effects()
	if dec.Delay > 0 {
		t := s.clock.NewTimer(dec.Delay)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return false
		}
	}
	if dec.Drop {
		s.emit(event.MessageDelivered, event.Debug, d.sub.arn, "chaos dropped "+d.msg.id+" on its way to "+d.sub.endpoint)
		return false
	}
	if dec.Duplicate {
		_ = s.attempt(d) // the copy; the attempt that follows decides the delivery's fate
	}
	return true
}
