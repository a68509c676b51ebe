package wire

import (
	"net/http"
	"strings"

	"github.com/skyport-dev/skyport/core/chaos"
)

// sfnChaos throttles StartExecution and StartSyncExecution of a state
// machine with a chaos throttle (ThrottlingException, HTTP 400). Failures
// and delays act on Task invocations, in the core's integrations.
func (s *sfnServer) sfnChaos(arn string) error {
	if !s.chaos.Active() {
		return nil
	}
	_, name, ok := strings.Cut(arn, ":stateMachine:")
	if !ok {
		return nil
	}
	name, _, _ = strings.Cut(name, ":") // a version or alias qualifier
	if s.chaos.Gate(chaos.Machine, name).Throttle {
		return &Error{Code: "ThrottlingException", Status: http.StatusBadRequest, Message: "Rate exceeded for state machine " + name + " (Skyport chaos)."}
	}
	return nil
}
