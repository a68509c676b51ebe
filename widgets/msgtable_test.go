package widgets

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

var tableT0 = time.Date(2025, time.March, 14, 8, 41, 7, 214e6, time.UTC)

func demoMessages() []Message {
	return []Message{
		{ID: "7b1c2f0e-0001", Sent: tableT0.Add(2 * time.Second), Receives: 0, Group: "", Body: `{"id": 3}`},
		{ID: "7b1c2f0e-0002", Sent: tableT0, Receives: 3, Group: "eu", Body: "line one\nline two"},
		{ID: "7b1c2f0e-0003", Sent: tableT0.Add(time.Second), Receives: 1, Group: "us", Body: `{"id": 2, "items": [1, 2, 3], "note": "a long body that does not fit"}`},
	}
}

func ids(ms []Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID[len(m.ID)-1:])
	}
	return out
}

func TestMessageTableRenders(t *testing.T) {
	test.NewTempApp(t)
	m := NewMessageTable()
	win := showIn(t, m, 720, 200)
	test.AssertRendersToMarkup(t, "table/empty.xml", win.Canvas())
	m.SetMessages(demoMessages())
	test.AssertRendersToMarkup(t, "table/messages.xml", win.Canvas())
}

func TestMessageTableImage(t *testing.T) {
	test.NewTempApp(t)
	useDarkTheme(t)
	m := NewMessageTable()
	win := showIn(t, m, 720, 180)
	m.SetMessages(demoMessages())
	m.table.Select(widget.TableCellID{Row: 1, Col: 0})
	test.AssertImageMatches(t, "table/messages.png", win.Canvas().Capture())
}

func TestMessageTableSortsByTappedHeader(t *testing.T) {
	test.NewTempApp(t)
	m := NewMessageTable()
	showIn(t, m, 720, 200)
	m.SetMessages(demoMessages())
	if got := ids(m.Rows()); !slices.Equal(got, []string{"2", "3", "1"}) {
		t.Fatalf("default order (by sent) %v", got)
	}
	tests := []struct {
		col  Column
		desc bool
		want []string
	}{
		{ColumnReceives, false, []string{"1", "3", "2"}},
		{ColumnReceives, true, []string{"2", "3", "1"}},
		{ColumnGroup, false, []string{"1", "2", "3"}},
		{ColumnID, false, []string{"1", "2", "3"}},
		{ColumnBody, false, []string{"2", "3", "1"}}, // "l" sorts before "{"
	}
	for _, tt := range tests {
		b := m.HeaderButton(tt.col)
		if b == nil {
			t.Fatalf("no header for %v", tt.col)
		}
		test.Tap(b)
		if c, desc := m.Sorting(); c != tt.col || desc != tt.desc {
			t.Errorf("sorting %v %v, want %v %v", c, desc, tt.col, tt.desc)
		}
		if got := ids(m.Rows()); !slices.Equal(got, tt.want) {
			t.Errorf("by %v desc=%v: %v, want %v", tt.col, tt.desc, got, tt.want)
		}
	}
}

func TestMessageTableSelects(t *testing.T) {
	test.NewTempApp(t)
	m := NewMessageTable()
	win := showIn(t, m, 720, 200)
	m.SetMessages(demoMessages())
	var picked []string
	m.OnSelected = func(msg Message) { picked = append(picked, msg.ID) }

	// rows are as tall as the header: the middle of the second data row
	header := m.HeaderButton(ColumnID).Size().Height
	test.TapCanvas(win.Canvas(), fyne.NewPos(40, header*2.5))
	got, ok := m.Selected()
	if !ok || got.ID != "7b1c2f0e-0003" {
		t.Fatalf("selected %+v %v", got, ok)
	}
	if !slices.Equal(picked, []string{"7b1c2f0e-0003"}) {
		t.Errorf("OnSelected %v", picked)
	}
	m.SetMessages(append(demoMessages(), Message{ID: "7b1c2f0e-0000", Sent: tableT0.Add(-time.Second)}))
	if got, _ := m.Selected(); got.ID != "7b1c2f0e-0003" {
		t.Errorf("selection after refresh %q", got.ID)
	}
	m.SetMessages(demoMessages()[:2])
	if _, ok := m.Selected(); ok {
		t.Error("selection kept after its message left")
	}
}

func TestCellText(t *testing.T) {
	msg := Message{ID: "x", Sent: tableT0, Receives: 2, Group: "g", Body: "a\nb\tc"}
	for c, want := range map[Column]string{
		ColumnID: "x", ColumnSent: "08:41:07.214", ColumnReceives: "2", ColumnGroup: "g", ColumnBody: "a ⏎ b c",
	} {
		if got := CellText(msg, c); got != want {
			t.Errorf("%v: %q, want %q", c, got, want)
		}
	}
	if CellText(Message{}, ColumnSent) != "" {
		t.Error("zero time shown")
	}
}
