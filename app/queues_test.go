package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/queue"
)

// TestQueuesAppearLiveWithCounts creates queues and sends messages through
// the core's API (as the wire does for SDK calls) and checks the tree and the
// inspector follow.
func TestQueuesAppearLiveWithCounts(t *testing.T) {
	pinVersion(t)
	_, c, m, q := newTestWindow(t)
	m.Window().Resize(fyne.NewSize(1280, 800))
	ctx := context.Background()
	qs := c.Queues()
	if err := qs.CreateQueue(ctx, "orders", map[string]string{"VisibilityTimeout": "45"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := qs.CreateQueue(ctx, "orders-dlq", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"a", "b", "c"} {
		if _, err := qs.SendMessage(ctx, "orders", queue.SendInput{Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := qs.ReceiveMessage(ctx, "orders", queue.ReceiveInput{MaxNumberOfMessages: 1}); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, m, q, 6) // two creates, three sends, one receive
	if m.resources.count(Queues) != 2 || m.resources.details[Queues]["orders"] != "2 · 1" {
		t.Fatalf("tree shows %d queues, orders %q", m.resources.count(Queues), m.resources.details[Queues]["orders"])
	}

	m.resources.tree.Select(leafUID(Queues, "orders"))
	if m.inspector.title.Text != "orders" || !m.inspector.details.Visible() {
		t.Fatalf("inspector shows %q", m.inspector.title.Text)
	}
	var texts []string
	for _, o := range test.LaidOutObjects(m.inspector.details) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	joined := strings.Join(texts, "|")
	for _, want := range []string{testEndpoint + "/000000000000/orders", "arn:aws:sqs:us-east-1:000000000000:orders"} {
		if !strings.Contains(joined, want) {
			t.Errorf("inspector lacks %q: %s", want, joined)
		}
	}
	if got := m.inspector.view.(*queueView).form.field("VisibilityTimeout").get(); got != "45" {
		t.Errorf("visibility field shows %q, want 45", got)
	}
	test.AssertImageMatches(t, "queue_selected.png", m.Window().Canvas().Capture())

	if err := qs.DeleteQueue(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	q.runUntil(t, "the deleted queue to leave the tree", func() bool { return m.resources.count(Queues) == 1 })
	if m.inspector.title.Visible() {
		t.Error("inspector still shows the deleted queue")
	}
}
