package app

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/queue"
)

// syncQueues puts the core's queues, with their live counts, into the tree
// and refreshes the inspector when it shows a queue. UI thread only.
func (m *MainWindow) syncQueues() {
	sums := m.core.Queues().List()
	names := make([]string, len(sums))
	details := make(map[string]string, len(sums))
	for i, s := range sums {
		names[i] = s.Name
		details[s.Name] = queueBadge(s)
	}
	m.resources.setDetails(Queues, details)
	m.resources.set(Queues, names)
	m.flow.sync(sums)
	m.inspector.refresh()
}

// queueBadge is the tree's count for a queue: "visible · in flight".
func queueBadge(s queue.Summary) string {
	if s.InFlight == 0 {
		return strconv.FormatInt(s.Visible, 10)
	}
	return fmt.Sprintf("%d · %d", s.Visible, s.InFlight)
}

// touchesQueues tells whether a batch of events may have changed queues.
func touchesQueues(evs []event.Event) bool {
	for _, e := range evs {
		if e.Service == "queue" {
			return true
		}
	}
	return false
}

// queueAttributeRows are the attributes the inspector shows, in order, with
// their labels.
var queueAttributeRows = []struct {
	attr, label string
	format      func(string) string
}{
	{"ApproximateNumberOfMessages", "Visible", nil},
	{"ApproximateNumberOfMessagesNotVisible", "In flight", nil},
	{"ApproximateNumberOfMessagesDelayed", "Delayed", nil},
	{"VisibilityTimeout", "Visibility", seconds},
	{"MessageRetentionPeriod", "Retention", seconds},
	{"DelaySeconds", "Delay", seconds},
	{"ReceiveMessageWaitTimeSeconds", "Long poll", seconds},
	{"MaximumMessageSize", "Max size", bytes},
	{"RedrivePolicy", "Dead letter", redrive},
	{"ContentBasedDeduplication", "Dedup", nil},
}

// seconds renders an attribute in seconds as "45 s", "4 days", "2 h".
func seconds(v string) string {
	n, err := strconv.Atoi(v)
	if err != nil {
		return v
	}
	switch {
	case n >= 86400 && n%86400 == 0:
		return plural(n/86400, "day")
	case n >= 3600 && n%3600 == 0:
		return strconv.Itoa(n/3600) + " h"
	case n >= 60 && n%60 == 0:
		return strconv.Itoa(n/60) + " min"
	}
	return strconv.Itoa(n) + " s"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// bytes renders a size attribute as "1 MiB" or "256 KiB".
func bytes(v string) string {
	n, err := strconv.Atoi(v)
	if err != nil {
		return v
	}
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " B"
}

// redrive renders a RedrivePolicy as "orders-dlq after 3".
func redrive(v string) string {
	var p struct {
		Target string `json:"deadLetterTargetArn"`
		Max    any    `json:"maxReceiveCount"`
	}
	if json.Unmarshal([]byte(v), &p) != nil {
		return v
	}
	return p.Target[strings.LastIndexByte(p.Target, ':')+1:] + fmt.Sprintf(" after %v", p.Max)
}

// queueDetails builds the inspector's form for queue name.
func queueDetails(q *queue.Service, endpoint, account, name string, copyText func(string)) fyne.CanvasObject {
	attrs, err := q.GetQueueAttributes(name, []string{"All"})
	if err != nil {
		return widget.NewLabel(err.Error())
	}
	url := endpoint + "/" + account + "/" + name
	copyButton := func(text string) fyne.CanvasObject {
		return widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { copyText(text) })
	}
	form := container.New(layout.NewFormLayout())
	form.Add(infoKey("URL"))
	form.Add(container.NewBorder(nil, nil, nil, copyButton(url), infoValue(url)))
	form.Add(infoKey("ARN"))
	form.Add(container.NewBorder(nil, nil, nil, copyButton(attrs["QueueArn"]), infoValue(attrs["QueueArn"])))
	for _, row := range queueAttributeRows {
		v, ok := attrs[row.attr]
		if !ok {
			continue
		}
		if row.format != nil {
			v = row.format(v)
		}
		form.Add(infoKey(row.label))
		form.Add(infoValue(v))
	}
	return form
}
