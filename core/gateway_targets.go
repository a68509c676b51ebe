package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/queue"
)

// gatewayQueues lets API routes send to queues (gateway.QueueSender).
type gatewayQueues struct {
	q     *queue.Service
	chaos *chaos.Registry
}

func (g gatewayQueues) SendMessage(ctx context.Context, name string, m gateway.QueueMessage) (gateway.QueueReceipt, error) {
	in := queue.SendInput{Body: m.Body, DelaySeconds: m.DelaySeconds, MessageGroupID: m.GroupID, MessageDeduplicationID: m.DeduplicationID}
	if len(m.Attributes) > 0 {
		in.MessageAttributes = make(map[string]queue.MessageAttribute, len(m.Attributes))
		for k, v := range m.Attributes {
			in.MessageAttributes[k] = queue.MessageAttribute{DataType: "String", StringValue: v}
		}
	}
	res, err := sendQueue(ctx, g.q, g.chaos, name, in)
	if err != nil {
		var qe *queue.Error
		if errors.As(err, &qe) {
			switch qe.Code {
			case queue.QueueDoesNotExist:
				return gateway.QueueReceipt{}, fmt.Errorf("queue %q: %w", name, gateway.ErrTargetNotFound)
			case queue.InternalError:
				return gateway.QueueReceipt{}, &gateway.TargetError{Status: http.StatusInternalServerError, Code: string(qe.Code), Message: qe.Message}
			case queue.RequestThrottled:
				return gateway.QueueReceipt{}, &gateway.TargetError{Status: http.StatusTooManyRequests, Code: string(qe.Code), Message: qe.Message}
			}
			return gateway.QueueReceipt{}, &gateway.TargetError{Status: http.StatusBadRequest, Code: string(qe.Code), Message: qe.Message}
		}
		return gateway.QueueReceipt{}, err
	}
	return gateway.QueueReceipt{MessageID: res.MessageID, MD5OfMessageBody: res.MD5OfMessageBody, SequenceNumber: res.SequenceNumber}, nil
}

// openGateway starts the API routes service with the targets that exist.
func (c *Core) openGateway() error {
	g, err := gateway.Open(gateway.Config{
		Store: c.store, Clock: c.clock, Events: publisher{c}, Metrics: c.metrics,
		Region: c.cfg.Region, Account: c.cfg.Account, AnyPort: c.cfg.GatewayAnyPort,
		Targets: gateway.Targets{Queues: gatewayQueues{c.queues, c.chaos}, Functions: gatewayFunctions{c}, Topics: gatewayTopics{c},
			Streams: gatewayStreams{c}, Machines: gatewayMachines{c}},
		Chaos: c.chaos,
	})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	c.gateway = g
	return nil
}

// Gateway returns the API routes service (HTTP APIs on their own ports).
func (c *Core) Gateway() *gateway.Service { return c.gateway }
