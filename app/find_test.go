package app

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/widgets"
)

// Ctrl+F opens Find resource: typing filters every kind by name, case
// insensitively, names starting with the text first; Enter picks the
// first match, which is selected on the canvas, centred, and shown in the
// inspector.
func TestFindResource(t *testing.T) {
	c, m, q := flowWindow(t)
	ctx := context.Background()
	for _, n := range []string{"orders", "billing", "backorders"} {
		mustNil(t, c.Queues().CreateQueue(ctx, n, nil, nil))
	}
	_, err := c.Topics().CreateTopic(ctx, "order-events", nil, nil)
	mustNil(t, err)
	q.runUntil(t, "the topic on the canvas", func() bool { _, ok := m.flow.canvas.Node("topic/order-events"); return ok })

	sc := m.Window().Canvas().(interface{ TypedShortcut(fyne.Shortcut) })
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault})
	f := m.finder
	if f == nil {
		t.Fatal("Ctrl+F opened no Find resource dialog")
	}
	if m.Window().Canvas().Focused() != f.entry {
		t.Fatal("the search field does not have the focus")
	}
	test.Type(f.entry, "ORDER")
	want := []string{"queue/orders", "topic/order-events", "queue/backorders"}
	if !slices.Equal(f.matches, want) {
		t.Fatalf("matches for ORDER: %v, want %v", f.matches, want)
	}
	if f.count.Text != "3 matches" {
		t.Fatalf("count: %q", f.count.Text)
	}
	f.entry.SetText("nothing-like-it")
	if len(f.matches) != 0 || f.count.Text != "No resource is named like “nothing-like-it”." {
		t.Fatalf("no-match state: %v %q", f.matches, f.count.Text)
	}

	f.entry.SetText("back")
	f.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if nodes, _ := m.flow.canvas.Selected(); !slices.Equal(nodes, []string{"queue/backorders"}) {
		t.Fatalf("selected after Enter: %v", nodes)
	}
	if m.inspector.selKind != Queues || m.inspector.selName != "backorders" {
		t.Fatalf("inspector shows %v %q", m.inspector.selKind, m.inspector.selName)
	}
	n, _ := m.flow.canvas.Node("queue/backorders")
	z, off, size := m.flow.canvas.Zoom(), m.flow.canvas.Offset(), m.flow.canvas.Size()
	cx := n.Pos.X*z + off.X + widgets.NodeSize().Width*z/2
	if d := cx - size.Width/2; d < -1 || d > 1 {
		t.Fatalf("the found node is %v px off the canvas centre", d)
	}

	// A tapped row picks too.
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault})
	f = m.finder
	test.Type(f.entry, "bill")
	f.list.Select(0)
	if nodes, _ := m.flow.canvas.Selected(); !slices.Equal(nodes, []string{"queue/billing"}) {
		t.Fatalf("selected after tapping a row: %v", nodes)
	}
}
