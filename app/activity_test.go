package app

import (
	"fmt"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core/event"
)

func TestActivityLogKeepsTheNewest(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(3)
	for i := range 5 {
		l.append([]event.Event{{Time: t0, Level: event.Warn, Service: "queue", Resource: "orders", Message: fmt.Sprint("message ", i)}})
	}
	want := []string{
		"08:41:07.214 WARN  queue    orders message 2",
		"08:41:07.214 WARN  queue    orders message 3",
		"08:41:07.214 WARN  queue    orders message 4",
	}
	if got := l.lines(); !slices.Equal(got, want) {
		t.Errorf("lines\n%q\nwant\n%q", got, want)
	}
}

func TestLevelColors(t *testing.T) {
	seen := map[string]event.Level{}
	for _, lv := range []event.Level{event.Debug, event.Info, event.Warn, event.Error} {
		name := string(levelColor(lv))
		if other, dup := seen[name]; dup {
			t.Errorf("%v and %v share colour %s", lv, other, name)
		}
		seen[name] = lv
	}
}

// The filter bar narrows the log by level, service and text, counts what
// it hides, and Clear empties it; new events obey the filter.
func TestActivityLogFilters(t *testing.T) {
	test.NewTempApp(t)
	l := newActivityLog(100)
	w := test.NewWindow(l.content)
	defer w.Close()
	w.Resize(fyne.NewSize(900, 300))
	l.append([]event.Event{
		{Time: t0, Level: event.Info, Service: "queue", Resource: "orders", Message: "created"},
		{Time: t0, Level: event.Warn, Service: "topic", Resource: "news", Message: "delivery retried"},
		{Time: t0, Level: event.Error, Service: "queue", Resource: "orders", Message: "redrive failed"},
		{Time: t0, Level: event.Debug, Service: "store", Message: "checkpoint"},
	})
	if got := len(l.shownLines()); got != 4 {
		t.Fatalf("unfiltered: %d lines", got)
	}
	if !slices.Equal(l.service.Options, []string{allServices, "queue", "store", "topic"}) {
		t.Fatalf("service choices %v", l.service.Options)
	}
	l.level.SetSelected("Warnings and errors")
	want := []string{"08:41:07.214 WARN  topic    news delivery retried", "08:41:07.214 ERROR queue    orders redrive failed"}
	if got := l.shownLines(); !slices.Equal(got, want) {
		t.Fatalf("warnings and errors:\n%q", got)
	}
	if l.count.Text != "2 of 4 events" {
		t.Errorf("count %q", l.count.Text)
	}
	l.level.SetSelected("All levels")
	l.service.SetSelected("queue")
	test.Type(l.search, "REDRIVE")
	if got := l.shownLines(); !slices.Equal(got, []string{"08:41:07.214 ERROR queue    orders redrive failed"}) {
		t.Fatalf("queue + text: %q", got)
	}
	l.append([]event.Event{
		{Time: t0, Level: event.Info, Service: "queue", Resource: "orders", Message: "redrive started"},
		{Time: t0, Level: event.Info, Service: "topic", Resource: "news", Message: "redrive policy set"},
	})
	if got := len(l.shownLines()); got != 2 || l.count.Text != "2 of 6 events" {
		t.Fatalf("new events past the filter: %q, count %q", l.shownLines(), l.count.Text)
	}
	test.Tap(l.clearAll)
	if len(l.lines()) != 0 || len(l.shownLines()) != 0 || l.count.Text != "0 events" {
		t.Fatalf("after Clear: %q %q", l.lines(), l.count.Text)
	}
}
