package app

import (
	"context"
	"strings"
	"testing"
)

// A node's context menu offers the inspector's one-click actions, and they
// open where the inspector's do: Browse messages as a tab in the center.
func TestNodeMenuOffersActions(t *testing.T) {
	_, c, m, _ := newTestWindow(t)
	if err := c.Queues().CreateQueue(context.Background(), "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	menu := m.flow.nodeMenu(queueNode("orders"))
	var labels []string
	for _, it := range menu.Items {
		labels = append(labels, it.Label)
	}
	if got := strings.Join(labels, "|"); got != "Inspect||Send message…|Browse messages||Delete queue…" {
		t.Fatalf("queue node menu %q", got)
	}
	tabs := len(m.tabs.Items)
	menu.Items[3].Action() // Browse messages
	if len(m.tabs.Items) != tabs+1 || !strings.Contains(m.tabs.Selected().Text, "orders") {
		t.Fatalf("Browse messages opened no tab for orders: %d tabs, selected %q", len(m.tabs.Items), m.tabs.Selected().Text)
	}
}
