package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/widgets"
)

// defaultMachineASL is the definition of a state machine made on the
// canvas: one Pass state, valid and runnable, to edit from there.
const defaultMachineASL = `{
  "Comment": "Made on the flow canvas: edit it in the state machine's editor",
  "StartAt": "Hello",
  "States": {
    "Hello": {"Type": "Pass", "Result": {"hello": "world"}, "ResultPath": "$.greeting", "End": true}
  }
}`

// defaultCommand is the handler of a function made on the canvas: cat
// answers every event with the event itself.
const defaultCommand = "cat"

// createForm is the open "new resource" form.
type createForm struct {
	spec   kindSpec
	at     fyne.Position
	name   *widget.Entry  // the name, or a route's key
	extra  *widget.Entry  // a stream's shards, an API's port, a function's command; nil when none
	choice *widget.Select // a route's API, a state machine's type; nil when none
	err    *widget.Label  // the core's refusal, nil when none
	dlg    *dialog.FormDialog
}

// formValues are what a form holds, kept when it reopens after an error.
type formValues struct{ name, extra, choice string }

func (f *createForm) values() formValues {
	fv := formValues{name: f.name.Text}
	if f.extra != nil {
		fv.extra = f.extra.Text
	}
	if f.choice != nil {
		fv.choice = f.choice.Selected
	}
	return fv
}

// openForm asks for the details of a resource dropped at a model position,
// pre-filled with a valid unused name. A route dropped onto an API belongs
// to that API.
func (v *flowView) openForm(payload string, at fyne.Position) {
	spec, ok := specFor(payload)
	if !ok {
		return
	}
	fv := formValues{}
	switch spec.node {
	case nodeStream:
		fv.extra = "1"
	case nodeFunction:
		fv.extra = defaultCommand
	case nodeMachine:
		fv.choice = machine.Standard
	case nodeRoute:
		fv.choice = v.apiAt(at)
	}
	fv.name = v.freeName(spec, fv.choice)
	v.showForm(spec, at, fv, nil)
}

// apiAt is the API whose node is at a model position, else the first API.
func (v *flowView) apiAt(at fyne.Position) string {
	s := widgets.NodeSize()
	for _, n := range v.canvas.Nodes() {
		if kind, name := parseNode(n.ID); kind == nodeAPI &&
			at.X >= n.Pos.X && at.X < n.Pos.X+s.Width && at.Y >= n.Pos.Y && at.Y < n.Pos.Y+s.Height {
			return name
		}
	}
	if apis := v.apiNames(); len(apis) > 0 {
		return apis[0]
	}
	return ""
}

func (v *flowView) apiNames() []string {
	var out []string
	for _, a := range v.core.Gateway().APIs() {
		out = append(out, a.Name)
	}
	slices.Sort(out)
	return out
}

func (v *flowView) showForm(spec kindSpec, at fyne.Position, fv formValues, coreErr error) {
	f := &createForm{spec: spec, at: at, name: widget.NewEntry()}
	f.name.SetText(fv.name)
	var items []*widget.FormItem
	if spec.node == nodeRoute {
		f.choice = widget.NewSelect(v.apiNames(), nil)
		f.choice.SetSelected(fv.choice)
		f.choice.OnChanged = func(string) { f.name.Validate() }
		items = append(items, widget.NewFormItem("API", f.choice))
		f.name.Validator = func(s string) error { return v.checkRoute(f.choice.Selected, s) }
		it := widget.NewFormItem("Route key", f.name)
		it.HintText = "METHOD /path, e.g. POST /orders/{id}"
		items = append(items, it)
	} else {
		f.name.Validator = func(s string) error { return v.checkName(spec, s) }
		it := widget.NewFormItem("Name", f.name)
		it.HintText = nameHint(spec)
		items = append(items, it)
	}
	switch spec.node {
	case nodeStream, nodeAPI, nodeFunction:
		f.extra = widget.NewEntry()
		f.extra.SetText(fv.extra)
		f.extra.Validator = func(s string) error { return v.checkExtra(spec, s) }
		fields := map[string][2]string{
			nodeStream:   {"Shards", "1 or more open shards"},
			nodeAPI:      {"Port", "empty: the first free port from 8080"},
			nodeFunction: {"Command", "run per event: the event on stdin, the answer on stdout"},
		}[spec.node]
		it := widget.NewFormItem(fields[0], f.extra)
		it.HintText = fields[1]
		items = append(items, it)
	case nodeMachine:
		f.choice = widget.NewSelect([]string{machine.Standard, machine.Express}, nil)
		f.choice.SetSelected(fv.choice)
		items = append(items, widget.NewFormItem("Type", f.choice))
	}
	if coreErr != nil {
		f.err = widget.NewLabel(coreErr.Error())
		f.err.Importance = widget.DangerImportance
		f.err.Wrapping = fyne.TextWrapWord
		items = append(items, widget.NewFormItem("", f.err))
	}
	f.dlg = dialog.NewForm("New "+spec.label, "Create", "Cancel", items, func(ok bool) {
		if ok {
			v.submit(f)
		} else if v.form == f {
			v.form = nil
		}
	}, v.win)
	f.dlg.Resize(fyne.NewSize(theme.Size(theme.SizeNameText)*28, f.dlg.MinSize().Height))
	v.form = f
	f.dlg.Show()
}

func nameHint(k kindSpec) string {
	s := fmt.Sprintf("1–%d letters, digits", k.maxLen)
	for _, r := range k.extra {
		s += ", " + string(r)
	}
	if i := strings.LastIndex(s, ", "); i >= 0 {
		s = s[:i] + " and " + s[i+2:]
	}
	if k.fifo {
		s += ", ending in .fifo"
	}
	return s
}

// checkName applies a kind's naming rules and refuses names in use.
func (v *flowView) checkName(k kindSpec, name string) error {
	if err := checkResourceName(k, name); err != nil {
		return err
	}
	if _, ok := v.canvas.Node(nodeID(k.node, name)); ok || resourceExists(v.core, nodeID(k.node, name)) {
		return fmt.Errorf("%s named %s already exists", withArticle(nodeLabels[k.node]), name)
	}
	return nil
}

func (v *flowView) checkRoute(api, key string) error {
	if api == "" {
		return errors.New("create an API first: drag an API onto the canvas")
	}
	if err := checkRouteKey(key); err != nil {
		return err
	}
	if _, ok := findRoute(v.core, api, key); ok {
		return fmt.Errorf("%s already has a route %s", api, key)
	}
	return nil
}

func (v *flowView) checkExtra(k kindSpec, s string) error {
	switch k.node {
	case nodeStream:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return errors.New("enter a whole number of shards, 1 or more")
		}
		if limit := v.core.Streams().ShardLimit(); n > limit {
			return fmt.Errorf("at most %d shards", limit)
		}
	case nodeAPI:
		if strings.TrimSpace(s) == "" {
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 65535 {
			return errors.New("a port is a number from 1 to 65535, or empty")
		}
	case nodeFunction:
		argv := strings.Fields(s)
		if len(argv) == 0 {
			return errors.New("enter the command that handles an event")
		}
		if _, err := exec.LookPath(argv[0]); err != nil {
			return fmt.Errorf("%s is not a program on the PATH", argv[0])
		}
	}
	return nil
}

// freeName returns kind-1, kind-2, … (with .fifo for FIFO kinds; for a
// route "GET /route-1") not yet taken.
func (v *flowView) freeName(k kindSpec, api string) string {
	for i := 1; ; i++ {
		name := k.prefix + "-" + strconv.Itoa(i)
		if k.node == nodeRoute {
			name = "GET /" + name
			if _, ok := findRoute(v.core, api, name); !ok {
				return name
			}
			continue
		}
		if k.fifo {
			name += ".fifo"
		}
		if v.checkName(k, name) == nil {
			return name
		}
	}
}

// submit creates the resource the form describes once it is valid; a core
// error reopens the form with what was typed and the error in words.
func (v *flowView) submit(f *createForm) {
	if v.form == f {
		v.form = nil
	}
	fv := f.values()
	var err error
	if f.spec.node == nodeRoute {
		err = v.checkRoute(fv.choice, fv.name)
	} else {
		err = v.checkName(f.spec, fv.name)
	}
	if err == nil && f.extra != nil {
		err = v.checkExtra(f.spec, fv.extra)
	}
	if err != nil {
		v.showForm(f.spec, f.at, fv, err)
		return
	}
	id, err := v.create(f.spec, fv)
	if err != nil {
		v.showForm(f.spec, f.at, fv, inWords(err))
		return
	}
	pos := v.canvas.FreeNear(f.at)
	if err := v.canvas.AddNode(widgets.Node{ID: id, Kind: f.spec.label, Name: fv.name, Icon: f.spec.icon(), Pos: pos}); err != nil {
		v.syncAll()
		return // the core's event put it there first; keep it where it is
	}
	n, _ := v.canvas.Node(id)
	v.savePosition(id, n.Pos)
	v.syncAll()
}

// create makes the resource in the core and returns its node id.
func (v *flowView) create(k kindSpec, fv formValues) (string, error) {
	ctx, c := context.Background(), v.core
	id := nodeID(k.node, fv.name)
	var err error
	switch k.node {
	case nodeQueue:
		err = c.Queues().CreateQueue(ctx, fv.name, queueAttrs(k.fifo), nil)
	case nodeTopic:
		var attrs map[string]string
		if k.fifo {
			attrs = map[string]string{"FifoTopic": "true"}
		}
		_, err = c.Topics().CreateTopic(ctx, fv.name, attrs, nil)
	case nodeStream:
		n, _ := strconv.Atoi(strings.TrimSpace(fv.extra))
		err = c.Streams().Create(ctx, stream.CreateInput{Name: fv.name, ShardCount: n})
	case nodeAPI:
		port, _ := strconv.Atoi(strings.TrimSpace(fv.extra))
		_, err = c.Gateway().CreateAPI(ctx, gateway.API{Name: fv.name, Port: port})
	case nodeRoute:
		id = routeNode(fv.choice, fv.name)
		_, err = c.Gateway().PutRoute(ctx, fv.choice, gateway.Route{Key: fv.name, Integration: gateway.Integration{Type: gateway.Mock}})
	case nodeMachine:
		_, err = c.Machines().CreateStateMachine(ctx, machine.CreateInput{Name: fv.name, Definition: defaultMachineASL,
			Type: fv.choice, RoleArn: "arn:aws:iam::" + c.Account() + ":role/" + fv.name + "-role"})
	case nodeFunction:
		err = c.Functions().CreateFunction(ctx, function.Definition{Name: fv.name, Command: strings.Fields(fv.extra)})
	default:
		err = fmt.Errorf("unknown kind %s", k.node)
	}
	return id, err
}

func queueAttrs(fifo bool) map[string]string {
	if fifo {
		return map[string]string{"FifoQueue": "true"}
	}
	return nil
}

// ---- subscriptions ----

// subscribeForm is the open "new subscription" dialog a topic → queue or
// function link opens.
type subscribeForm struct {
	from, to string
	filter   *widget.Entry
	scope    *widget.Select
	raw      *widget.Check // queues only
	dlg      *dialog.FormDialog
}

type subscribeValues struct {
	filter, scope string
	raw           bool
}

func (v *flowView) openSubscribe(from, to string, sv subscribeValues, coreErr error) {
	f := &subscribeForm{from: from, to: to, filter: widget.NewMultiLineEntry()}
	f.filter.SetPlaceHolder(`{"type": ["order"]}`)
	f.filter.SetText(sv.filter)
	f.filter.SetMinRowsVisible(4)
	f.filter.Validator = checkFilterPolicy
	f.scope = widget.NewSelect([]string{"MessageAttributes", "MessageBody"}, nil)
	if sv.scope == "" {
		sv.scope = "MessageAttributes"
	}
	f.scope.SetSelected(sv.scope)
	fi := widget.NewFormItem("Filter policy", f.filter)
	fi.HintText = "optional JSON; empty: every message"
	items := []*widget.FormItem{fi, widget.NewFormItem("Filter on", f.scope)}
	if tk, _ := parseNode(to); tk == nodeQueue {
		f.raw = widget.NewCheck("Raw message delivery", nil)
		f.raw.SetChecked(sv.raw)
		items = append(items, widget.NewFormItem("", f.raw))
	}
	if coreErr != nil {
		msg := widget.NewLabel(coreErr.Error())
		msg.Importance = widget.DangerImportance
		msg.Wrapping = fyne.TextWrapWord
		items = append(items, widget.NewFormItem("", msg))
	}
	_, topicName := parseNode(from)
	tk, target := parseNode(to)
	f.dlg = dialog.NewForm("Subscribe "+nodeLabels[tk]+" "+target+" to "+topicName, "Subscribe", "Cancel", items, func(ok bool) {
		if ok {
			v.subscribe(f)
		} else if v.subForm == f {
			v.subForm = nil
		}
	}, v.win)
	f.dlg.Resize(fyne.NewSize(theme.Size(theme.SizeNameText)*32, f.dlg.MinSize().Height))
	v.subForm = f
	f.dlg.Show()
}

// checkFilterPolicy accepts an empty policy or a JSON object.
func checkFilterPolicy(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("not valid JSON at character %d: %v", se.Offset, err)
		}
		return errors.New("a filter policy is a JSON object, such as {\"type\": [\"order\"]}")
	}
	return nil
}

func (v *flowView) subscribe(f *subscribeForm) {
	if v.subForm == f {
		v.subForm = nil
	}
	sv := subscribeValues{filter: f.filter.Text, scope: f.scope.Selected}
	if f.raw != nil {
		sv.raw = f.raw.Checked
	}
	if err := checkFilterPolicy(sv.filter); err != nil {
		v.openSubscribe(f.from, f.to, sv, err)
		return
	}
	l := link{kind: linkSubscription, from: f.from, to: f.to, filter: strings.TrimSpace(sv.filter), raw: sv.raw, scope: sv.scope}
	if err := makeLink(context.Background(), v.core, l); err != nil {
		v.openSubscribe(f.from, f.to, sv, inWords(err))
		return
	}
	if got, ok := findLink(v.core, f.from, f.to); ok {
		l = got
	}
	v.links[l.id()] = l
	_ = v.canvas.AddEdge(widgets.Edge{From: f.from, To: f.to, Label: l.label()}) // a duplicate is the core's event being first
	v.syncAll()
}
