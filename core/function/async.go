package function

import (
	"fmt"
	"time"

	"github.com/skyport-dev/skyport/core/event"
)

// Asynchronous invocation (Lambda's "Event" invocation type), as topics'
// lambda subscriptions and asynchronous integrations use it: the event is
// accepted at once and run in the background; a failed run is retried
// twice, one and then two minutes later on the core clock.

// MaxAsyncPayloadBytes is the payload limit of asynchronous invocations.
const MaxAsyncPayloadBytes = 256 << 10

// AsyncFailed is the event kind of an asynchronous invocation given up on.
const AsyncFailed event.Kind = "function.async_failed"

var asyncRetryDelays = []time.Duration{time.Minute, 2 * time.Minute}

// InvokeAsync accepts an event for the named function and returns its
// request id without waiting for it to run. A payload that is not JSON or
// too large, or a missing function, fails at once.
func (s *Service) InvokeAsync(name string, payload []byte) (string, error) {
	if s.closed() {
		return "", errorf(ServiceError, "the function service is closed")
	}
	if _, err := s.lookup(name); err != nil {
		return "", err
	}
	if len(payload) > MaxAsyncPayloadBytes {
		return "", errorf(RequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", MaxAsyncPayloadBytes)
	}
	payload, err := checkRequest(payload)
	if err != nil {
		return "", err
	}
	id := newID()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runAsync(id, name, payload)
	}()
	return id, nil
}

func (s *Service) runAsync(id, name string, payload []byte) {
	ctx := s.ctx
	for attempt := 0; ; attempt++ {
		res, err := s.invoke(ctx, name, payload, true, id)
		if ctx.Err() != nil || (err == nil && !res.Failed()) {
			return
		}
		if attempt >= len(asyncRetryDelays) {
			why := fmt.Sprint(err)
			if err == nil {
				why = string(res.Payload)
			}
			s.emit(AsyncFailed, event.Warn, name, fmt.Sprintf("asynchronous invocation %s of %s failed after %d attempts: %s", id, name, attempt+1, why))
			return
		}
		if !s.wait(ctx, asyncRetryDelays[attempt], nil) {
			return
		}
	}
}
