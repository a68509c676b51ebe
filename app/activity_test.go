package app

import (
	"fmt"
	"slices"
	"testing"

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
