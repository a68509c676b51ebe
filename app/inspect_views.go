package app

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/topic"
)

// inspectView is the inspector's part for one selected resource. It is
// built once per selection and updated from the core afterwards, so what
// the user types survives the core's events.
type inspectView interface {
	object() fyne.CanvasObject
	// update re-reads the resource; false when it no longer exists.
	update() bool
}

// newInspectView builds the view for ac's resource, nil when the core has
// no such resource (or no such service).
func newInspectView(ac actionContext) inspectView {
	c := ac.core
	switch {
	case ac.kind == Queues && c.Queues() != nil && c.Queues().QueueExists(ac.name):
		return newQueueView(ac)
	case ac.kind == Topics && c.Topics() != nil:
		return newTopicView(ac)
	case ac.kind == Streams && c.Streams() != nil && c.Streams().Exists(ac.name):
		return newStreamView(ac)
	case ac.kind == APIs && c.Gateway() != nil:
		return newAPIView(ac)
	case ac.kind == StateMachines && c.Machines() != nil:
		return newMachineView(ac)
	case ac.kind == Functions && c.Functions() != nil:
		return newFunctionView(ac)
	}
	return nil
}

func sectionTitle(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// deleteButton deletes the resource after a confirmation.
func deleteButton(ac actionContext, what string, del func() error) *widget.Button {
	kind := ac.kind.Singular()
	if kind != strings.ToUpper(kind) {
		kind = strings.ToLower(kind)
	}
	b := widget.NewButtonWithIcon("Delete "+kind, theme.DeleteIcon(), func() {
		confirmDelete(ac.win, what, del, func(err error) {
			if err == nil {
				ac.notifyChanged()
			}
		})
	})
	b.Importance = widget.DangerImportance
	return b
}

// codeSnippet is a command that uses the resource, with a copy button.
func codeSnippet(cmd string, copyText func(string)) fyne.CanvasObject {
	// An entry rather than a wrapped label: its height does not depend on
	// a width the first layout has yet to give it.
	l := widget.NewMultiLineEntry()
	l.TextStyle = fyne.TextStyle{Monospace: true}
	l.Wrapping = fyne.TextWrapBreak
	l.SetText(cmd)
	l.SetMinRowsVisible(4)
	b := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() {
		if copyText != nil {
			copyText(cmd)
		}
	})
	return container.NewBorder(nil, nil, nil, container.NewVBox(b), l)
}

func factGrid(rows ...string) *fyne.Container {
	g := container.New(layout.NewFormLayout())
	setFacts(g, rows...)
	return g
}

// setFacts sets a fact grid's rows: label, value, label, value… When the
// labels are the ones shown, only the values change (the inspector
// refreshes on every batch of core events).
func setFacts(g *fyne.Container, rows ...string) {
	if len(g.Objects) == len(rows)&^1 {
		same := true
		for i := 0; i+1 < len(rows); i += 2 {
			if k, ok := g.Objects[i].(*widget.RichText); !ok || k.String() != rows[i] {
				same = false
				break
			}
		}
		if same {
			for i := 1; i < len(rows); i += 2 {
				if l := g.Objects[i].(*widget.Label); l.Text != rows[i] {
					l.SetText(rows[i])
				}
			}
			return
		}
	}
	g.RemoveAll()
	for i := 0; i+1 < len(rows); i += 2 {
		g.Add(infoKey(rows[i]))
		g.Add(infoValue(rows[i+1]))
	}
	g.Refresh()
}

// topicView is the inspector for a topic: ARN, counts, attributes, its
// subscriptions (each with its own form), tags, Publish and delete.
type topicView struct {
	ac    actionContext
	arn   string
	facts *fyne.Container
	form  *attrForm
	subs  *fyne.Container
	forms map[string]*subscriptionForm // by subscription ARN
	box   *fyne.Container
}

func topicSummary(ts *topic.Service, name string) (topic.Summary, bool) {
	for _, t := range ts.Topics() {
		if t.Name == name {
			return t, true
		}
	}
	return topic.Summary{}, false
}

func newTopicView(ac actionContext) inspectView {
	ts := ac.core.Topics()
	sum, ok := topicSummary(ts, ac.name)
	if !ok {
		return nil
	}
	ctx := context.Background()
	v := &topicView{ac: ac, arn: sum.ARN, facts: factGrid(), subs: container.NewVBox(), forms: map[string]*subscriptionForm{}}
	fields := []*formField{textField("DisplayName", "Display name", maxChars(100, false)),
		selectField("SignatureVersion", "Signature", []string{"1", "2"}),
		selectField("TracingConfig", "Tracing", []string{"PassThrough", "Active"}),
		jsonField("DeliveryPolicy", "Delivery policy", true),
		jsonField("Policy", "Access policy", true),
		textField("KmsMasterKeyId", "KMS key", maxChars(2048, false))}
	if sum.FIFO {
		fields = append(fields, boolField("ContentBasedDeduplication", "Content-based dedup"),
			selectField("FifoThroughputScope", "Throughput scope", []string{"Topic", "MessageGroup"}))
	}
	v.form = newAttrForm(func(ch map[string]string) error {
		for _, k := range slices.Sorted(maps.Keys(ch)) {
			if err := ts.SetTopicAttributes(ctx, v.arn, k, ch[k]); err != nil {
				return err
			}
		}
		return nil
	}, fields...)
	tags := newTagEditor(func() (map[string]string, error) { return ts.ListTagsForResource(v.arn) },
		func(k, val string) error { return ts.TagResource(ctx, v.arn, map[string]string{k: val}) },
		func(k string) error { return ts.UntagResource(ctx, v.arn, []string{k}) })
	publish := widget.NewButtonWithIcon("Publish", theme.MailSendIcon(), func() { showPublishDialog(ac) })
	publish.Importance = widget.HighImportance
	v.box = container.NewVBox(container.New(layout.NewFormLayout(), infoKey("ARN"), copyRow(v.arn, ac.copyText)),
		publish, v.facts, sectionTitle("Attributes"), v.form.box, sectionTitle("Subscriptions"), v.subs,
		sectionTitle("Tags"), tags.box, sectionTitle("Use it from code"),
		codeSnippet("aws --endpoint-url "+ac.endpoint+" sns publish --topic-arn "+v.arn+` --message '{"id": 1}'`, ac.copyText),
		deleteButton(ac, "topic "+ac.name, func() error { return ts.DeleteTopic(ctx, v.arn) }))
	v.show(sum)
	return v
}

func (v *topicView) object() fyne.CanvasObject { return v.box }

func (v *topicView) update() bool {
	sum, ok := topicSummary(v.ac.core.Topics(), v.ac.name)
	if ok {
		v.show(sum)
	}
	return ok
}

func (v *topicView) show(sum topic.Summary) {
	setFacts(v.facts, "Subscriptions", strconv.Itoa(len(sum.Subscriptions)),
		"Published", strconv.FormatUint(sum.Published, 10), "Delivered", strconv.FormatUint(sum.Delivered, 10),
		"Failed", strconv.FormatUint(sum.Failed, 10), "Pending", strconv.FormatInt(sum.Pending, 10))
	if attrs, err := v.ac.core.Topics().GetTopicAttributes(v.arn); err == nil {
		v.form.load(attrs)
	}
	arns := make([]string, 0, len(sum.Subscriptions))
	for _, s := range sum.Subscriptions {
		arns = append(arns, s.ARN)
	}
	slices.Sort(arns)
	if len(arns) == 0 || !slices.Equal(arns, slices.Sorted(maps.Keys(v.forms))) {
		v.rebuildSubs(sum.Subscriptions)
		return
	}
	for _, f := range v.forms {
		f.load()
	}
}

func (v *topicView) rebuildSubs(subs []topic.SubscriptionSummary) {
	slices.SortFunc(subs, func(a, b topic.SubscriptionSummary) int { return strings.Compare(a.ARN, b.ARN) })
	v.subs.RemoveAll()
	v.forms = map[string]*subscriptionForm{}
	for _, s := range subs {
		f := newSubscriptionForm(v.ac, s)
		v.forms[s.ARN] = f
		v.subs.Add(f.box)
	}
	if len(subs) == 0 {
		v.subs.Add(newMuted("No subscriptions", fyne.TextAlignLeading))
	}
	v.subs.Refresh()
}

// subscriptionForm edits one subscription's filter policy, scope, raw
// delivery and redrive policy, and unsubscribes it.
type subscriptionForm struct {
	ac   actionContext
	sub  topic.SubscriptionSummary
	form *attrForm
	box  *fyne.Container
}

func newSubscriptionForm(ac actionContext, s topic.SubscriptionSummary) *subscriptionForm {
	ts := ac.core.Topics()
	ctx := context.Background()
	f := &subscriptionForm{ac: ac, sub: s}
	f.form = newAttrForm(func(ch map[string]string) error {
		// The scope first: a body policy is only valid in the body scope.
		for _, k := range []string{"FilterPolicyScope", "FilterPolicy", "RawMessageDelivery", "RedrivePolicy"} {
			if val, ok := ch[k]; ok {
				if err := ts.SetSubscriptionAttributes(ctx, s.ARN, k, val); err != nil {
					return err
				}
			}
		}
		return nil
	}, jsonField("FilterPolicy", "Filter policy", true),
		selectField("FilterPolicyScope", "Filter scope", []string{"MessageAttributes", "MessageBody"}),
		boolField("RawMessageDelivery", "Raw delivery"),
		jsonField("RedrivePolicy", "Redrive policy", true))
	unsub := widget.NewButtonWithIcon("Unsubscribe", theme.DeleteIcon(), func() {
		confirmDelete(ac.win, "subscription to "+endpointName(s.Endpoint), func() error { return ts.Unsubscribe(ctx, s.ARN) },
			func(err error) {
				if err == nil {
					ac.notifyChanged()
				}
			})
	})
	head := widget.NewLabelWithStyle(s.Protocol+" → "+endpointName(s.Endpoint), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	f.box = container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, unsub, head),
		container.New(layout.NewFormLayout(), infoKey("ARN"), copyRow(s.ARN, ac.copyText)), f.form.box)
	f.load()
	return f
}

func (f *subscriptionForm) load() {
	attrs, err := f.ac.core.Topics().GetSubscriptionAttributes(f.sub.ARN)
	if err != nil {
		return
	}
	if attrs["FilterPolicyScope"] == "" {
		attrs["FilterPolicyScope"] = "MessageAttributes"
	}
	f.form.load(attrs)
}
