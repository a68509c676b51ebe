package wire

import (
	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/queue"
)

// Chaos on queues (see package chaos for what each knob means). Sends draw
// a full decision in sendMessage and sendMessageBatch (queue.SendChaos,
// queue.SendBatchChaos); the other data-plane calls below are only
// throttled or failed.
var sqsChaosGated = []string{"ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
	"ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}

func init() {
	for _, name := range sqsChaosGated {
		run := sqsActions[name]
		sqsActions[name] = func(s *sqsServer, r *sqsRequest) (any, error) {
			if s.chaos.Active() {
				if qn, err := s.queueName(r); err == nil {
					if err := queue.ChaosError(s.chaos.Gate(chaos.Queue, qn), qn); err != nil {
						return nil, err
					}
				}
			}
			return run(s, r)
		}
	}
}
