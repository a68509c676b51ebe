package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/machine"
)

// machineView is the inspector for a state machine: ARN, type and dates,
// description and role, tags, Start execution and delete. The definition
// is edited in the machine's editor tab.
type machineView struct {
	ac    actionContext
	arn   string
	facts *fyne.Container
	form  *attrForm
	box   *fyne.Container
}

// checkRoleARN accepts an IAM role ARN (or nothing: Skyport runs without
// roles).
func checkRoleARN(s string) error {
	if s == "" || (strings.HasPrefix(s, "arn:aws:iam::") && strings.Contains(s, ":role/")) {
		return nil
	}
	return errors.New("must be an IAM role ARN: arn:aws:iam::ACCOUNT:role/NAME")
}

func newMachineView(ac actionContext) inspectView {
	ms := ac.core.Machines()
	sm, err := machineByName(ms, ac.name)
	if err != nil {
		return nil
	}
	ctx := context.Background()
	v := &machineView{ac: ac, arn: sm.Arn, facts: factGrid()}
	v.form = newAttrForm(func(ch map[string]string) error {
		var in machine.UpdateInput
		if d, ok := ch["Description"]; ok {
			in.Description = &d
		}
		if r, ok := ch["RoleArn"]; ok {
			in.RoleArn = &r
		}
		_, err := ms.UpdateStateMachine(ctx, v.arn, in)
		if err == nil {
			ac.notifyChanged()
		}
		return err
	}, textField("Description", "Description", maxChars(256, false)), textField("RoleArn", "Role ARN", checkRoleARN))
	tags := newTagEditor(func() (map[string]string, error) { return ms.ListTags(v.arn) },
		func(k, val string) error { return ms.TagResource(ctx, v.arn, map[string]string{k: val}) },
		func(k string) error { return ms.UntagResource(ctx, v.arn, []string{k}) })
	start := widget.NewButtonWithIcon("Start execution", theme.MediaPlayIcon(), func() { showStartExecutionDialog(ac) })
	start.Importance = widget.HighImportance
	v.box = container.NewVBox(container.New(layout.NewFormLayout(), infoKey("ARN"), copyRow(v.arn, ac.copyText)),
		start, v.facts, sectionTitle("Attributes"), v.form.box, sectionTitle("Tags"), tags.box, sectionTitle("Use it from code"),
		codeSnippet("aws --endpoint-url "+ac.endpoint+" stepfunctions start-execution --state-machine-arn "+v.arn+` --input '{}'`, ac.copyText),
		deleteButton(ac, "state machine "+ac.name, func() error { return ms.DeleteStateMachine(ctx, v.arn) }))
	v.show(sm)
	return v
}

func (v *machineView) object() fyne.CanvasObject { return v.box }

func (v *machineView) update() bool {
	sm, err := v.ac.core.Machines().DescribeStateMachine(v.arn)
	if err != nil {
		return false
	}
	v.show(sm)
	return true
}

func (v *machineView) show(sm machine.StateMachine) {
	running := 0
	if xs, err := v.ac.core.Machines().ListExecutions(machine.ListFilter{StateMachineArn: sm.Arn, Status: machine.StatusRunning}); err == nil {
		running = len(xs)
	}
	setFacts(v.facts, "Type", sm.Type, "Created", sm.Created.Format(time.DateTime), "Running", strconv.Itoa(running))
	v.form.load(map[string]string{"Description": sm.Description, "RoleArn": sm.RoleArn})
}

// functionView is the inspector for a local function: ARN, counts, its
// command and limits, tags, and delete.
type functionView struct {
	ac    actionContext
	facts *fyne.Container
	form  *attrForm
	tags  *tagEditor
	box   *fyne.Container
}

func newFunctionView(ac actionContext) inspectView {
	fs := ac.core.Functions()
	if _, err := fs.GetFunction(ac.name); err != nil {
		return nil
	}
	ctx := context.Background()
	v := &functionView{ac: ac, facts: factGrid()}
	v.form = newAttrForm(func(ch map[string]string) error {
		def, err := fs.GetFunction(ac.name)
		if err != nil {
			return err
		}
		applyFunctionChanges(&def, ch)
		if err := fs.UpdateFunction(ctx, def); err != nil {
			return err
		}
		ac.notifyChanged()
		return nil
	}, textField("Command", "Command", func(s string) error {
		if len(strings.Fields(s)) == 0 {
			return errors.New("required")
		}
		return nil
	}), selectField("Mode", "Mode", []string{string(function.PerEvent), string(function.Warm)}),
		textField("Timeout", "Timeout (s)", intIn(1, int(function.MaxTimeout/time.Second), "seconds")),
		textField("MemoryMB", "Memory (MB)", intIn(function.MinMemoryMB, function.MaxMemoryMB, "MB")),
		textField("Concurrency", "Concurrency", intIn(0, function.MaxConcurrency, "invocations")),
		textField("Dir", "Directory", nil),
		envField())
	v.tags = newTagEditor(func() (map[string]string, error) { return fs.ListTags(ac.name) },
		func(k, val string) error { return fs.TagResource(ctx, ac.name, map[string]string{k: val}) },
		func(k string) error { return fs.UntagResource(ctx, ac.name, []string{k}) })
	invoke := widget.NewButtonWithIcon("Invoke", theme.MediaPlayIcon(), func() { showInvokeDialog(ac) })
	invoke.Importance = widget.HighImportance
	v.box = container.NewVBox(container.New(layout.NewFormLayout(), infoKey("ARN"), copyRow(fs.ARN(ac.name), ac.copyText)),
		invoke, v.facts, sectionTitle("Attributes"), v.form.box, sectionTitle("Tags"), v.tags.box,
		deleteButton(ac, "function "+ac.name, func() error { return fs.DeleteFunction(ctx, ac.name) }))
	v.update()
	return v
}

func applyFunctionChanges(def *function.Definition, ch map[string]string) {
	for k, s := range ch {
		n, _ := strconv.Atoi(s)
		switch k {
		case "Command":
			def.Command = strings.Fields(s)
		case "Mode":
			def.Mode = function.Mode(s)
		case "Timeout":
			def.Timeout = time.Duration(n) * time.Second
		case "MemoryMB":
			def.MemoryMB = n
		case "Concurrency":
			def.Concurrency = n
		case "Dir":
			def.Dir = s
		case "Env":
			def.Env, _ = parseEnv(s)
		}
	}
}

func (v *functionView) object() fyne.CanvasObject { return v.box }

func (v *functionView) update() bool {
	fs := v.ac.core.Functions()
	def, err := fs.GetFunction(v.ac.name)
	if err != nil {
		return false
	}
	for _, s := range fs.List() {
		if s.Name == v.ac.name {
			setFacts(v.facts, "Invocations", strconv.FormatUint(s.Invocations, 10), "Errors", strconv.FormatUint(s.Errors, 10),
				"Throttles", strconv.FormatUint(s.Throttles, 10), "Running", strconv.Itoa(s.Running))
		}
	}
	timeout, mem, mode := def.Timeout, def.MemoryMB, def.Mode
	if timeout == 0 {
		timeout = function.DefaultTimeout
	}
	if mem == 0 {
		mem = function.DefaultMemoryMB
	}
	if mode == "" {
		mode = function.PerEvent
	}
	v.form.load(map[string]string{"Command": strings.Join(def.Command, " "), "Mode": string(mode),
		"Timeout": strconv.Itoa(int(timeout / time.Second)), "MemoryMB": strconv.Itoa(mem),
		"Concurrency": strconv.Itoa(def.Concurrency), "Dir": def.Dir, "Env": formatEnv(def.Env)})
	return true
}

// envField edits a function's environment, one NAME=value a line.
func envField() *formField {
	f := bodyField("Env", "Environment", false)
	f.input.(*widget.Entry).SetPlaceHolder("LOG_LEVEL=debug")
	f.check = func(s string) error { _, err := parseEnv(s); return err }
	return f
}

func parseEnv(s string) (map[string]string, error) {
	env := map[string]string{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("line %d: write NAME=value", i+1)
		}
		env[k] = v
	}
	return env, nil
}

func formatEnv(env map[string]string) string {
	lines := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		lines = append(lines, k+"="+env[k])
	}
	return strings.Join(lines, "\n")
}
