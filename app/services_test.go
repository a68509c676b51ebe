package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/stream"
)

// TestEveryKindAppearsInTheTree creates one resource of each kind through
// the core's API (as the wire does for SDK calls) and checks the tree lists
// them live; selecting the state machine opens its editor tab, once.
func TestEveryKindAppearsInTheTree(t *testing.T) {
	_, c, m, q := newTestWindow(t)
	m.Window().Resize(fyne.NewSize(1280, 800))
	ctx := context.Background()
	arn, err := c.Topics().CreateTopic(ctx, "orders", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Queues().CreateQueue(ctx, "orders-q", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Topics().Subscribe(ctx, arn, "sqs", c.Queues().ARN("orders-q"), nil, true); err != nil {
		t.Fatal(err)
	}
	if err := c.Streams().Create(ctx, stream.CreateInput{Name: "clicks", ShardCount: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: "flow",
		Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`}); err != nil {
		t.Fatal(err)
	}
	if err := c.Functions().CreateFunction(ctx, function.Definition{Name: "worker", Command: []string{"cat"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Gateway().CreateAPI(ctx, gateway.API{Name: "shop", Port: 0, Routes: []gateway.Route{
		{Key: "GET /ping", Integration: gateway.Integration{Type: gateway.Mock}}}}); err != nil {
		t.Fatal(err)
	}
	q.runUntil(t, "every kind in the tree", func() bool {
		for _, k := range []ResourceKind{Topics, Streams, APIs, StateMachines, Functions} {
			if m.resources.count(k) != 1 {
				return false
			}
		}
		return true
	})
	for k, want := range map[ResourceKind]map[string]string{
		Topics:  {"orders": "1 sub"},
		Streams: {"clicks": "2 shards"},
		APIs:    {"shop": "1 route"},
	} {
		for name, badge := range want {
			if got := m.resources.details[k][name]; got != badge {
				t.Errorf("%s %s badge %q, want %q", k.Singular(), name, got, badge)
			}
		}
	}

	tabs := len(m.tabs.Items)
	m.resources.tree.Select(leafUID(StateMachines, "flow"))
	if len(m.tabs.Items) != tabs+1 || m.tabs.Selected().Text != m.editors["flow"].tab.Text {
		t.Fatalf("selecting the state machine opened %d tabs", len(m.tabs.Items)-tabs)
	}
	m.resources.tree.Select(leafUID(Topics, "orders"))
	m.resources.tree.Select(leafUID(StateMachines, "flow"))
	if len(m.tabs.Items) != tabs+1 {
		t.Fatalf("selecting it again opened another tab (%d)", len(m.tabs.Items)-tabs)
	}
}
