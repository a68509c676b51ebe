package app

import (
	"context"
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

// queueFacts are the live, read-only attributes the queue inspector shows,
// in order, with their labels.
var queueFacts = []struct {
	attr, label string
	format      func(string) string
}{
	{"ApproximateNumberOfMessages", "Visible", nil},
	{"ApproximateNumberOfMessagesNotVisible", "In flight", nil},
	{"ApproximateNumberOfMessagesDelayed", "Delayed", nil},
	{"RedrivePolicy", "Dead letter", redrive},
}

// queueSettable are the attributes the queue inspector edits, with the
// ranges SQS accepts (checked as the user types; the core checks again).
func queueSettable(fifo bool) []*formField {
	fs := []*formField{
		textField("VisibilityTimeout", "Visibility (s)", intIn(0, 43200, "seconds")),
		textField("MessageRetentionPeriod", "Retention (s)", intIn(60, 1209600, "seconds")),
		textField("DelaySeconds", "Delay (s)", intIn(0, 900, "seconds")),
		textField("ReceiveMessageWaitTimeSeconds", "Long poll (s)", intIn(0, 20, "seconds")),
		textField("MaximumMessageSize", "Max size (B)", intIn(1024, 1<<20, "bytes")),
		jsonField("RedrivePolicy", "Redrive policy", true),
		jsonField("RedriveAllowPolicy", "Redrive allow policy", true),
		jsonField("Policy", "Access policy", true),
		boolField("SqsManagedSseEnabled", "SQS-managed encryption"),
		textField("KmsMasterKeyId", "KMS key", maxChars(2048, false)),
	}
	if fifo {
		fs = append(fs, boolField("ContentBasedDeduplication", "Content-based dedup"),
			selectField("DeduplicationScope", "Dedup scope", []string{"queue", "messageGroup"}),
			selectField("FifoThroughputLimit", "Throughput limit", []string{"perQueue", "perMessageGroupId"}))
	}
	return fs
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
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

// queueView is the inspector for one queue: URL and ARN, live counts, the
// settable attributes, tags, actions and delete.
type queueView struct {
	ac    actionContext
	facts *fyne.Container
	form  *attrForm
	tags  *tagEditor
	box   *fyne.Container
}

func newQueueView(ac actionContext) inspectView {
	qs := ac.core.Queues()
	attrs, err := qs.GetQueueAttributes(ac.name, []string{"All"})
	if err != nil {
		return nil
	}
	v := &queueView{ac: ac, facts: factGrid()}
	url := ac.endpoint + "/" + ac.core.Account() + "/" + ac.name
	ids := container.New(layout.NewFormLayout(), infoKey("URL"), copyRow(url, ac.copyText),
		infoKey("ARN"), copyRow(attrs["QueueArn"], ac.copyText))
	v.form = newAttrForm(func(ch map[string]string) error {
		if err := qs.SetQueueAttributes(context.Background(), ac.name, ch); err != nil {
			return err
		}
		ac.notifyChanged()
		return nil
	}, queueSettable(attrs["FifoQueue"] == "true")...)
	ctx := context.Background()
	v.tags = newTagEditor(func() (map[string]string, error) { return qs.ListQueueTags(ac.name) },
		func(k, val string) error { return qs.TagQueue(ctx, ac.name, map[string]string{k: val}) },
		func(k string) error { return qs.UntagQueue(ctx, ac.name, []string{k}) })
	send := widget.NewButtonWithIcon("Send message", theme.MailSendIcon(), func() { showSendDialog(ac) })
	send.Importance = widget.HighImportance
	actions := container.NewGridWithColumns(2, send,
		widget.NewButtonWithIcon("Messages", theme.ListIcon(), func() { openQueueBrowser(ac) }))
	v.box = container.NewVBox(ids, actions, v.facts, sectionTitle("Attributes"), v.form.box,
		sectionTitle("Tags"), v.tags.box, sectionTitle("Use it from code"),
		codeSnippet("aws --endpoint-url "+ac.endpoint+" sqs send-message --queue-url "+url+` --message-body '{"id": 1}'`, ac.copyText),
		deleteButton(ac, "queue "+ac.name, func() error { return qs.DeleteQueue(ctx, ac.name) }))
	v.show(attrs)
	return v
}

func (v *queueView) object() fyne.CanvasObject { return v.box }

func (v *queueView) update() bool {
	attrs, err := v.ac.core.Queues().GetQueueAttributes(v.ac.name, []string{"All"})
	if err != nil {
		return false
	}
	v.show(attrs)
	return true
}

func (v *queueView) show(attrs map[string]string) {
	rows := make([]string, 0, 2*len(queueFacts))
	for _, row := range queueFacts {
		val, ok := attrs[row.attr]
		if !ok {
			continue
		}
		if row.format != nil {
			val = row.format(val)
		}
		rows = append(rows, row.label, val)
	}
	setFacts(v.facts, rows...)
	v.form.load(attrs)
}
