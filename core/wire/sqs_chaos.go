package wire

import (
	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/queue"
)

// Chaos on queues (see package chaos for what each knob means). Sends draw
// a full decision in sendMessage and sendMessageBatch (queue.SendChaos,
// queue.SendBatchChaos); ReceiveMessage, DeleteMessage(Batch) and
// ChangeMessageVisibility(Batch) are wrapped in chaosGated in the action
// table, so that they are only throttled or failed.

// chaosGated wraps an action in the queue's throttle and failure knobs.
func chaosGated(run sqsAction) sqsAction {
	return func(s *sqsServer, r *sqsRequest) (any, error) {
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
