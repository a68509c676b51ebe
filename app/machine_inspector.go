package app

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
)

// stateInspector is the form of the selected state: name, type-specific
// fields, Retry/Catch, input/output paths. Every edit changes the document
// at once (and through it the diagram and the JSON view).
type stateInspector struct {
	e       *machineEditor
	name    string
	content *fyne.Container

	// widgets of the current form, for tests
	nameEntry *widget.Entry
	resource  *widget.Select
	rules     []ruleRow
	addRule   *widget.Button
}

// ruleRow is one Choice rule in the rule builder.
type ruleRow struct {
	variable *widget.Entry
	op       *widget.Select
	value    *widget.Entry
	next     *widget.Select
}

func newStateInspector(e *machineEditor) *stateInspector {
	return &stateInspector{e: e, content: container.NewVBox()}
}

// show builds the form of a state ("" for the machine itself).
func (in *stateInspector) show(name string) {
	in.name = name
	in.rules, in.resource, in.nameEntry, in.addRule = nil, nil, nil, nil
	in.content.RemoveAll()
	st := in.e.doc.state(name)
	if st == nil {
		in.content.Add(widget.NewLabelWithStyle("STATE MACHINE", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		in.content.Add(widget.NewLabel(in.e.name))
		in.content.Add(in.textField(map[string]any(in.e.doc), "Comment"))
		in.content.Add(widget.NewLabel("Tap a state to edit it; drag one from the palette onto an edge to insert it."))
		return
	}
	typ, _ := st["Type"].(string)
	in.content.Add(widget.NewLabelWithStyle(strings.ToUpper(typ)+" STATE", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	in.nameEntry = widget.NewEntry()
	in.nameEntry.SetText(name)
	rename := widget.NewButton("Rename", func() { in.rename(in.nameEntry.Text) })
	in.nameEntry.OnSubmitted = in.rename
	in.content.Add(container.NewBorder(nil, nil, nil, rename, in.nameEntry))
	in.content.Add(in.textField(st, "Comment"))
	switch typ {
	case "Task":
		in.taskFields(st)
	case "Choice":
		in.choiceFields(st)
	case "Wait":
		in.waitFields(st)
	case "Fail":
		in.content.Add(in.textField(st, "Error"))
		in.content.Add(in.textField(st, "Cause"))
	case "Map":
		in.content.Add(in.textField(st, "ItemsPath"))
		in.content.Add(in.numberField(st, "MaxConcurrency"))
	}
	if typ != "Choice" && !terminalType(typ) {
		in.content.Add(in.nextField(st))
	}
	if typ == "Task" || typ == "Parallel" || typ == "Map" {
		in.content.Add(in.jsonField(st, "Retry", `[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}]`))
		in.content.Add(in.jsonField(st, "Catch", `[{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]`))
	}
	if st["QueryLanguage"] != "JSONata" && in.e.doc["QueryLanguage"] != "JSONata" {
		for _, f := range []string{"InputPath", "ResultPath", "OutputPath"} {
			if typ != "Fail" && !(f == "ResultPath" && (typ == "Succeed" || typ == "Choice" || typ == "Wait")) {
				in.content.Add(in.textField(st, f))
			}
		}
	}
}

func (in *stateInspector) changed() { in.e.docChanged(fromInspector) }

func (in *stateInspector) rename(name string) {
	old := in.name
	if err := in.e.doc.rename(old, name); err != nil {
		in.e.status.SetText(err.Error())
		return
	}
	in.e.diagram.Select(name)
	in.e.docChanged(fromOther)
}

// textField edits a string field; empty removes it.
func (in *stateInspector) textField(obj map[string]any, key string) fyne.CanvasObject {
	en := widget.NewEntry()
	if s, ok := obj[key].(string); ok {
		en.SetText(s)
	}
	en.OnChanged = func(s string) {
		if s == "" {
			delete(obj, key)
		} else {
			obj[key] = s
		}
		in.changed()
	}
	return labelled(key, en)
}

// numberField edits a number field; empty removes it.
func (in *stateInspector) numberField(obj map[string]any, key string) fyne.CanvasObject {
	en := widget.NewEntry()
	if f, ok := obj[key].(float64); ok {
		en.SetText(strconv.FormatFloat(f, 'f', -1, 64))
	}
	en.OnChanged = func(s string) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			obj[key] = f
		} else if s == "" {
			delete(obj, key)
		} else {
			obj[key] = s // kept as typed, so validation reports it
		}
		in.changed()
	}
	return labelled(key, en)
}

// jsonField edits a field holding JSON (Retry, Catch, Parameters…).
func (in *stateInspector) jsonField(obj map[string]any, key, example string) fyne.CanvasObject {
	en := widget.NewMultiLineEntry()
	en.TextStyle = fyne.TextStyle{Monospace: true}
	en.SetPlaceHolder(example)
	if v, ok := obj[key]; ok {
		b, _ := json.MarshalIndent(v, "", "  ")
		en.SetText(string(b))
	}
	en.OnChanged = func(s string) {
		if strings.TrimSpace(s) == "" {
			delete(obj, key)
			in.changed()
			return
		}
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			obj[key] = v
			in.changed()
		}
	}
	return labelled(key+" (JSON)", en)
}

// nextField picks the next state, or End.
func (in *stateInspector) nextField(st map[string]any) fyne.CanvasObject {
	const end = "(End)"
	options := append([]string{end}, in.otherStates()...)
	sel := widget.NewSelect(options, nil)
	if n, ok := st["Next"].(string); ok {
		sel.SetSelected(n)
	} else {
		sel.SetSelected(end)
	}
	sel.OnChanged = func(s string) {
		if s == end {
			s = ""
		}
		setNext(st, s)
		in.e.docChanged(fromOther)
	}
	return labelled("Next", sel)
}

func (in *stateInspector) otherStates() []string {
	var out []string
	for _, n := range in.e.doc.scopeNames(in.name) {
		if n != in.name {
			out = append(out, n)
		}
	}
	return out
}

func labelled(label string, o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Italic: true}), o)
}

// taskFields: the resource picker (local functions, queues, topics, state
// machines of the core, and the generic integrations), timeouts, arguments.
func (in *stateInspector) taskFields(st map[string]any) {
	targets := taskTargets(in.e.core)
	labels := make([]string, len(targets))
	current := ""
	for i, t := range targets {
		labels[i] = t.label
		if t.matches(st) {
			current = t.label
		}
	}
	in.resource = widget.NewSelect(labels, nil)
	in.resource.PlaceHolder = resourceDetail(st)
	if current != "" {
		in.resource.SetSelected(current)
	}
	in.resource.OnChanged = func(label string) {
		for _, t := range targets {
			if t.label == label {
				t.apply(st)
			}
		}
		in.e.docChanged(fromOther)
	}
	in.content.Add(labelled("Resource", in.resource))
	in.content.Add(in.textField(st, "Resource"))
	args := "Parameters"
	if st["QueryLanguage"] == "JSONata" || in.e.doc["QueryLanguage"] == "JSONata" {
		args = "Arguments"
	}
	in.content.Add(in.jsonField(st, args, `{"FunctionName": "my-function", "Payload.$": "$"}`))
	in.content.Add(in.numberField(st, "TimeoutSeconds"))
	in.content.Add(in.numberField(st, "HeartbeatSeconds"))
}

// taskTarget is one choice of the resource picker.
type taskTarget struct {
	label    string
	resource string
	param    string // the parameter naming the target
	value    string
}

func (t taskTarget) matches(st map[string]any) bool {
	if st["Resource"] != t.resource {
		return false
	}
	if t.param == "" {
		return true
	}
	for _, k := range []string{"Parameters", "Arguments"} {
		if m, ok := st[k].(map[string]any); ok && m[t.param] == t.value {
			return true
		}
	}
	return false
}

// apply sets the state's resource (and the parameter naming the target).
func (t taskTarget) apply(st map[string]any) {
	st["Resource"] = t.resource
	if t.param == "" {
		return
	}
	key := "Parameters"
	if st["QueryLanguage"] == "JSONata" {
		key = "Arguments"
	}
	m, ok := st[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		st[key] = m
	}
	for _, p := range []string{"FunctionName", "QueueUrl", "TopicArn", "StateMachineArn"} {
		delete(m, p)
	}
	m[t.param] = t.value
}

func taskTargets(c *core.Core) []taskTarget {
	var out []taskTarget
	if f := c.Functions(); f != nil {
		for _, s := range f.List() {
			out = append(out, taskTarget{label: "function: " + s.Name, resource: s.ARN})
		}
	}
	if q := c.Queues(); q != nil {
		for _, s := range q.List() {
			out = append(out, taskTarget{label: "queue: " + s.Name, resource: "arn:aws:states:::sqs:sendMessage", param: "QueueUrl",
				value: fmt.Sprintf("http://%s/%s/%s", core.DefaultAddr, c.Account(), s.Name)})
		}
	}
	if t := c.Topics(); t != nil {
		arns, _, _ := t.ListTopics("")
		for _, arn := range arns {
			out = append(out, taskTarget{label: "topic: " + arn[strings.LastIndex(arn, ":")+1:], resource: "arn:aws:states:::sns:publish", param: "TopicArn", value: arn})
		}
	}
	for _, m := range c.Machines().ListStateMachines() {
		out = append(out, taskTarget{label: "state machine: " + m.Name, resource: "arn:aws:states:::states:startExecution", param: "StateMachineArn", value: m.Arn})
	}
	for _, r := range []string{"lambda:invoke", "sqs:sendMessage", "sns:publish", "states:startExecution", "http:invoke", "sqs:sendMessage.waitForTaskToken"} {
		out = append(out, taskTarget{label: "integration: " + r, resource: "arn:aws:states:::" + r})
	}
	return out
}

// waitFields: Seconds, Timestamp, SecondsPath or TimestampPath.
func (in *stateInspector) waitFields(st map[string]any) {
	kinds := []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"}
	kind := "Seconds"
	for _, k := range kinds {
		if _, ok := st[k]; ok {
			kind = k
		}
	}
	value := widget.NewEntry()
	value.SetText(fmt.Sprint(st[kind]))
	sel := widget.NewSelect(kinds, nil)
	sel.SetSelected(kind)
	write := func() {
		for _, k := range kinds {
			delete(st, k)
		}
		if f, err := strconv.ParseFloat(value.Text, 64); err == nil && sel.Selected == "Seconds" {
			st["Seconds"] = f
		} else {
			st[sel.Selected] = value.Text
		}
		in.changed()
	}
	sel.OnChanged = func(string) { write() }
	value.OnChanged = func(string) { write() }
	in.content.Add(labelled("Wait", container.NewGridWithColumns(2, sel, value)))
}

// choiceFields: the rule builder (variable, operator, value, next) and
// Default.
func (in *stateInspector) choiceFields(st map[string]any) {
	list, _ := st["Choices"].([]any)
	box := container.NewVBox()
	for i := range list {
		rule, ok := list[i].(map[string]any)
		if !ok {
			continue
		}
		box.Add(in.ruleEditor(st, i, rule))
	}
	in.addRule = widget.NewButton("Add rule", func() {
		others := in.otherStates()
		next := ""
		if len(others) > 0 {
			next = others[0]
		}
		rules, _ := st["Choices"].([]any)
		st["Choices"] = append(rules, map[string]any{"Variable": "$.value", "NumericGreaterThan": float64(0), "Next": next})
		in.e.docChanged(fromOther)
		in.show(in.name)
	})
	in.content.Add(labelled("Rules", container.NewVBox(box, in.addRule)))
	const none = "(none)"
	def := widget.NewSelect(append([]string{none}, in.otherStates()...), nil)
	if d, ok := st["Default"].(string); ok {
		def.SetSelected(d)
	} else {
		def.SetSelected(none)
	}
	def.OnChanged = func(s string) {
		if s == none {
			delete(st, "Default")
		} else {
			st["Default"] = s
		}
		in.e.docChanged(fromOther)
	}
	in.content.Add(labelled("Default", def))
}

func (in *stateInspector) ruleEditor(st map[string]any, i int, rule map[string]any) fyne.CanvasObject {
	row := ruleRow{variable: widget.NewEntry(), value: widget.NewEntry()}
	ops := make([]string, len(ruleOps))
	op := ""
	for k, o := range ruleOps {
		ops[k] = o.op
		if v, ok := rule[o.op]; ok {
			op = o.op
			row.value.SetText(fmt.Sprint(v))
		}
	}
	if v, ok := rule["Variable"].(string); ok {
		row.variable.SetText(v)
	}
	row.op = widget.NewSelect(ops, nil)
	if op != "" {
		row.op.SetSelected(op)
	}
	row.next = widget.NewSelect(in.otherStates(), nil)
	if n, ok := rule["Next"].(string); ok {
		row.next.SetSelected(n)
	}
	write := func() {
		for _, o := range ruleOps {
			delete(rule, o.op)
		}
		rule["Variable"] = row.variable.Text
		if row.op.Selected != "" {
			rule[row.op.Selected] = ruleValue(row.op.Selected, row.value.Text)
		}
		in.changed()
	}
	row.variable.OnChanged = func(string) { write() }
	row.value.OnChanged = func(string) { write() }
	row.op.OnChanged = func(string) { write() }
	row.next.OnChanged = func(s string) { rule["Next"] = s; in.e.docChanged(fromOther) }
	remove := widget.NewButton("Remove", func() {
		rules, _ := st["Choices"].([]any)
		if i < len(rules) {
			st["Choices"] = append(rules[:i:i], rules[i+1:]...)
		}
		in.e.docChanged(fromOther)
		in.show(in.name)
	})
	in.rules = append(in.rules, row)
	return container.NewVBox(widget.NewSeparator(),
		container.NewGridWithColumns(2, row.variable, row.op),
		container.NewGridWithColumns(2, row.value, row.next), remove)
}

// ruleValue types a rule's value as its operator needs.
func ruleValue(op, text string) any {
	switch {
	case strings.HasPrefix(op, "Numeric"):
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			return f
		}
	case strings.HasPrefix(op, "Boolean") || strings.HasPrefix(op, "Is"):
		if b, err := strconv.ParseBool(text); err == nil {
			return b
		}
	}
	return text
}
