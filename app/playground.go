package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/topic"
)

// The filter-policy playground of a topic's inspector: type (or pick) a
// message — its attributes as JSON and its body — and see, for every
// subscription with a filter policy, whether SNS would deliver it and key
// by key why (the topic service's ExplainFilter). What is typed lives in
// drafts, so the inspector rebuilding the section keeps it.

func init() {
	registerInspectorSection(inspectorSection{order: 70, title: "Filter playground", build: func(sc sectionContext) fyne.CanvasObject {
		p := newPlayground(sc.core, sc.kind, sc.name)
		if p == nil {
			return nil
		}
		return p.content
	}})
}

// filteredSub is a subscription with a filter policy.
type filteredSub struct {
	label  string // "sqs → orders"
	policy string
	scope  string
}

// subVerdict is how one subscription fares against the message.
type subVerdict struct {
	sub         filteredSub
	explanation topic.Explanation
	err         error
}

type playground struct {
	core    *core.Core
	topic   string
	subs    []filteredSub
	attrs   *widget.Entry
	body    *widget.Entry
	pick    *widget.Select
	problem *widget.Label
	results *fyne.Container
	last    []subVerdict // the verdicts shown
	content fyne.CanvasObject
}

// newPlayground builds the section for a topic; nil for other kinds.
func newPlayground(c *core.Core, k ResourceKind, name string) *playground {
	if k != Topics || name == "" || c.Topics() == nil {
		return nil
	}
	p := &playground{core: c, topic: name, problem: widget.NewLabel(""), results: container.NewVBox()}
	p.subs = filteredSubs(c.Topics(), name)
	if len(p.subs) == 0 {
		return &playground{content: newMuted("No subscription of this topic has a filter policy: every message goes to all of them.", fyne.TextAlignLeading)}
	}
	p.problem.Importance = widget.DangerImportance
	p.problem.Wrapping = fyne.TextWrapWord
	p.problem.Hide()
	p.attrs = p.draftEntry("attributes", `{"color": "red", "size": 3}`)
	p.body = p.draftEntry("body", `{"order": {"total": 12}}`)
	options := make([]string, len(p.subs))
	for i, s := range p.subs {
		options[i] = "Example for " + s.label
	}
	p.pick = widget.NewSelect(options, func(choice string) {
		for i, o := range options {
			if o == choice {
				p.fillExample(p.subs[i])
			}
		}
	})
	p.pick.PlaceHolder = "Pick an example message…"
	form := container.New(layout.NewFormLayout(), infoKey("Attributes"), p.attrs, infoKey("Body"), p.body)
	p.content = container.NewVBox(p.pick, form, p.problem, p.results)
	p.evaluate()
	return p
}

// filteredSubs lists a topic's subscriptions that have a filter policy.
func filteredSubs(ts *topic.Service, name string) []filteredSub {
	var out []filteredSub
	for _, t := range ts.Topics() {
		if t.Name != name {
			continue
		}
		for _, s := range t.Subscriptions {
			if s.Pending {
				continue
			}
			attrs, err := ts.GetSubscriptionAttributes(s.ARN)
			if err != nil || attrs["FilterPolicy"] == "" {
				continue
			}
			out = append(out, filteredSub{label: s.Protocol + " → " + shortEndpoint(s.Endpoint), policy: attrs["FilterPolicy"], scope: attrs["FilterPolicyScope"]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].label < out[j].label })
	return out
}

// shortEndpoint names an endpoint for people: a queue's or function's
// name rather than its ARN.
func shortEndpoint(ep string) string {
	if strings.HasPrefix(ep, "arn:") {
		return ep[strings.LastIndex(ep, ":")+1:]
	}
	return ep
}

func (p *playground) draftEntry(field, hint string) *widget.Entry {
	e := widget.NewMultiLineEntry()
	e.SetPlaceHolder(hint)
	e.SetMinRowsVisible(2)
	e.Wrapping = fyne.TextWrapBreak
	key := "playground/" + p.topic + "/" + field
	e.SetText(uiDrafts[key])
	e.OnChanged = func(s string) {
		uiDrafts[key] = s
		p.evaluate()
	}
	return e
}

// fillExample puts a message the subscription's policy matches into the
// entries.
func (p *playground) fillExample(s filteredSub) {
	attrs, body, err := p.core.Topics().ExampleMessage(s.policy, s.scope)
	if err != nil {
		p.showProblem("No example: " + err.Error())
		return
	}
	text := ""
	if len(attrs) > 0 {
		plain := map[string]any{}
		for k, a := range attrs {
			if a.DataType == "Number" {
				plain[k] = json.Number(a.StringValue)
			} else {
				plain[k] = a.StringValue
			}
		}
		b, _ := json.Marshal(plain)
		text = string(b)
	}
	p.attrs.SetText(text)
	p.body.SetText(body)
}

func (p *playground) showProblem(msg string) {
	p.problem.SetText(msg)
	p.problem.Show()
}

// evaluate checks the typed message against every subscription's policy
// and shows the verdicts.
func (p *playground) evaluate() {
	p.results.RemoveAll()
	attrs, err := parsePlaygroundAttrs(p.attrs.Text)
	if err != nil {
		p.showProblem("Attributes: " + err.Error())
		p.last = nil
		p.results.Refresh()
		return
	}
	p.problem.Hide()
	p.last = p.last[:0]
	for _, s := range p.subs {
		ex, err := p.core.Topics().ExplainFilter(s.policy, s.scope, attrs, p.body.Text)
		v := subVerdict{sub: s, explanation: ex, err: err}
		p.last = append(p.last, v)
		p.results.Add(verdictView(v))
	}
	p.results.Refresh()
}

// verdictView shows one subscription's verdict and its keys.
func verdictView(v subVerdict) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(v.sub.label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	box := container.NewVBox()
	switch {
	case v.err != nil:
		box.Add(container.NewHBox(widget.NewIcon(theme.ErrorIcon()), head))
		msg := widget.NewLabel("The policy does not compile: " + v.err.Error())
		msg.Wrapping = fyne.TextWrapWord
		box.Add(msg)
		return box
	case v.explanation.Matched:
		box.Add(container.NewHBox(verdictIcon(true), head, verdictLabel("delivered", true)))
	default:
		box.Add(container.NewHBox(verdictIcon(false), head, verdictLabel("not delivered", false)))
	}
	alts := v.explanation.Alternatives
	for i, alt := range alts {
		if len(alts) > 1 {
			all := true
			for _, k := range alt {
				all = all && k.Matched
			}
			state := "fails"
			if all {
				state = "holds"
			}
			box.Add(newMuted(fmt.Sprintf("Alternative %d of %d ($or) %s", i+1, len(alts), state), fyne.TextAlignLeading))
		}
		rows := container.New(layout.NewFormLayout())
		for _, k := range alt {
			reason := widget.NewLabel(k.Reason)
			reason.Wrapping = fyne.TextWrapWord
			key := widget.NewLabelWithStyle(k.Key, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
			rows.Add(container.NewHBox(verdictIcon(k.Matched), key))
			rows.Add(reason)
		}
		box.Add(rows)
	}
	return box
}

func verdictIcon(ok bool) fyne.CanvasObject {
	if ok {
		return widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	}
	return widget.NewIcon(theme.NewErrorThemedResource(theme.CancelIcon()))
}

func verdictLabel(text string, ok bool) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.DangerImportance
	if ok {
		l.Importance = widget.SuccessImportance
	}
	return l
}

// parsePlaygroundAttrs reads message attributes typed as JSON: either as
// SNS sends them ({"color":{"DataType":"String","StringValue":"red"}}) or
// plainly ({"color":"red","size":3,"tags":["a","b"]}: strings, numbers and
// arrays become String, Number and String.Array).
func parsePlaygroundAttrs(text string) (map[string]topic.MessageAttribute, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not a JSON object: text follows the closing brace")
	}
	out := make(map[string]topic.MessageAttribute, len(raw))
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			out[k] = topic.MessageAttribute{DataType: "String", StringValue: x}
		case json.Number:
			out[k] = topic.MessageAttribute{DataType: "Number", StringValue: x.String()}
		case bool:
			out[k] = topic.MessageAttribute{DataType: "String", StringValue: strconv.FormatBool(x)}
		case []any:
			b, _ := json.Marshal(x)
			out[k] = topic.MessageAttribute{DataType: "String.Array", StringValue: string(b)}
		case map[string]any:
			dt, _ := x["DataType"].(string)
			sv, _ := x["StringValue"].(string)
			if dt == "" {
				return nil, fmt.Errorf("%s: an object needs DataType and StringValue", k)
			}
			out[k] = topic.MessageAttribute{DataType: dt, StringValue: sv}
		default:
			return nil, fmt.Errorf("%s: null is not an attribute value", k)
		}
	}
	return out, nil
}
