package core

import (
	"context"
	"strings"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/queue"
)

// sendQueue sends one message through the queue's chaos policy, if it has
// one: every producer inside the core (topic deliveries, state machine
// Tasks, API routes, function destinations) goes through it, as SDK sends
// do on the wire.
func sendQueue(ctx context.Context, q *queue.Service, reg *chaos.Registry, name string, in queue.SendInput) (queue.SendResult, error) {
	if rule := reg.For(chaos.Queue, name); rule != nil {
		return q.SendChaos(ctx, name, rule.Decide(), in)
	}
	return q.SendMessage(ctx, name, in)
}

// Chaos returns the per-resource chaos policies (see package chaos). The
// services consult it on their delivery paths; the GUI and
// POST /_skyport/chaos set it. Policies live in memory only.
func (c *Core) Chaos() *chaos.Registry { return c.chaos }

// ChaosRouteName names a route for chaos: the API's name and the route
// key, e.g. "shop GET /orders".
func ChaosRouteName(api, routeKey string) string { return api + " " + routeKey }

func (c *Core) openChaos() {
	c.chaos = chaos.New(chaos.Options{
		Seed:   c.cfg.ChaosSeed,
		Now:    c.clock.Now,
		Exists: c.chaosTargetExists,
		Events: func(e chaos.Event) {
			kind, level := event.ChaosActed, event.Info
			if e.Changed {
				kind, level = event.ChaosChanged, event.Warn
			}
			c.Emit(event.Event{Kind: kind, Level: level, Service: string(e.Kind), Resource: e.Name, Message: e.Message})
		},
	})
}

// chaosTargetExists reports whether a policy's resource exists now.
func (c *Core) chaosTargetExists(kind chaos.Kind, name string) bool {
	switch kind {
	case chaos.Queue:
		_, err := c.queues.GetQueueAttributes(name, []string{"QueueArn"})
		return err == nil
	case chaos.Topic:
		_, err := c.topics.GetTopicAttributes("arn:aws:sns:" + c.cfg.Region + ":" + c.cfg.Account + ":" + name)
		return err == nil
	case chaos.Stream:
		_, err := c.streams.Describe(name)
		return err == nil
	case chaos.Machine:
		_, err := c.machines.DescribeStateMachine("arn:aws:states:" + c.cfg.Region + ":" + c.cfg.Account + ":stateMachine:" + name)
		return err == nil
	case chaos.Route:
		api, key, ok := strings.Cut(name, " ")
		if !ok || c.gateway == nil {
			return false
		}
		a, err := c.gateway.API(api)
		if err != nil {
			return false
		}
		for _, r := range a.Routes {
			if r.Key == key {
				return true
			}
		}
	}
	return false
}
