package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/chaos"
)

// The chaos section of the inspector: the selected resource's chaos policy
// (package core/chaos) as sliders and entries. The core holds the policy;
// the section reads it on every build, so the inspector may rebuild it at
// any time. Sliders apply when released; the delay and throttle entries on
// Enter or Apply. Text typed but not yet applied is kept in drafts, so a
// rebuild does not lose it.

func init() {
	registerInspectorSection(inspectorSection{order: 60, title: "Chaos", build: func(sc sectionContext) fyne.CanvasObject {
		if sc.kind == APIs {
			return routeChaos(sc.core, sc.name)
		}
		f := newChaosForm(sc.core, sc.kind, sc.name)
		if f == nil {
			return nil
		}
		return f.content
	}})
}

// routeChaos is an API's chaos: one form per route, under its key.
func routeChaos(c *core.Core, api string) fyne.CanvasObject {
	if c.Gateway() == nil || api == "" {
		return nil
	}
	a, err := c.Gateway().API(api)
	if err != nil || len(a.Routes) == 0 {
		return nil
	}
	box := container.NewVBox()
	for _, r := range a.Routes {
		f := newChaosFormFor(c, chaos.Route, core.ChaosRouteName(api, r.Key))
		box.Add(widget.NewLabelWithStyle(r.Key, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true}))
		box.Add(f.content)
	}
	return box
}

// chaosKinds maps the GUI's kinds to chaos kinds (an API's routes have
// their own forms, routeChaos).
var chaosKinds = map[ResourceKind]chaos.Kind{Queues: chaos.Queue, Topics: chaos.Topic, Streams: chaos.Stream, StateMachines: chaos.Machine}

// uiDrafts keeps text typed into rebuilt sections until it is applied,
// keyed by section, resource and field. UI thread only. It is package
// state because the inspector builds sections from a sectionContext that
// has no place for it; the app has one main window, so one store serves.
var uiDrafts = map[string]string{}

// chaosForm is one build of the section.
type chaosForm struct {
	core     *core.Core
	kind     chaos.Kind
	name     string
	sliders  map[string]*widget.Slider // "drop", "duplicate", "fail": those the kind honours
	delay    *widget.Entry
	throttle *widget.Entry
	status   *widget.Label // the policy in force
	problem  *widget.Label // why the last apply was refused; hidden when none
	apply    *widget.Button
	clear    *widget.Button
	content  fyne.CanvasObject
}

var chaosSliderLabels = []struct{ knob, label string }{
	{"drop", "Drop"}, {"duplicate", "Duplicate"}, {"fail", "Fail"},
}

// newChaosForm builds the form for one resource, or returns nil for kinds
// without chaos.
func newChaosForm(c *core.Core, k ResourceKind, name string) *chaosForm {
	kind, ok := chaosKinds[k]
	if !ok || name == "" || c.Chaos() == nil {
		return nil
	}
	return newChaosFormFor(c, kind, name)
}

// newChaosFormFor builds the form for one resource of a chaos kind.
func newChaosFormFor(c *core.Core, kind chaos.Kind, name string) *chaosForm {
	p, _ := c.Chaos().Get(kind, name)
	f := &chaosForm{core: c, kind: kind, name: name, sliders: map[string]*widget.Slider{},
		status: widget.NewLabel(""), problem: widget.NewLabel("")}
	f.status.Wrapping = fyne.TextWrapWord
	f.problem.Importance = widget.DangerImportance
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Hide()

	form := container.New(layout.NewFormLayout())
	values := map[string]float64{"drop": p.Drop, "duplicate": p.Duplicate, "fail": p.Fail}
	for _, s := range chaosSliderLabels {
		if !chaos.Supports(kind, s.knob) {
			continue
		}
		sl := widget.NewSlider(0, 100)
		sl.Step = 1
		sl.Value = values[s.knob] * 100
		pct := widget.NewLabel(percent(sl.Value))
		sl.OnChanged = func(v float64) { pct.SetText(percent(v)) }
		sl.OnChangeEnded = func(float64) { f.submit() }
		f.sliders[s.knob] = sl
		form.Add(infoKey(s.label))
		form.Add(container.NewBorder(nil, nil, nil, pct, sl))
	}
	if chaos.Supports(kind, "delay") {
		f.delay = f.draftEntry("delay", delayText(p.Delay), "ms, or a range like 100-500")
		form.Add(infoKey("Delay"))
		form.Add(f.delay)
	}
	if chaos.Supports(kind, "throttle") {
		f.throttle = f.draftEntry("throttle", throttleText(p.Throttle), "requests a second; empty: off")
		form.Add(infoKey("Throttle"))
		form.Add(f.throttle)
	}
	f.apply = widget.NewButton("Apply", f.submit)
	f.apply.Importance = widget.HighImportance
	f.clear = widget.NewButton("Clear", f.reset)
	f.showStatus(p)
	f.content = container.NewVBox(f.status, form, f.problem, container.NewHBox(layout.NewSpacer(), f.clear, f.apply))
	return f
}

func (f *chaosForm) draftKey(field string) string {
	return "chaos/" + string(f.kind) + "/" + f.name + "/" + field
}

// draftEntry is an entry showing the draft typed earlier, if any, else the
// core's value; Enter applies.
func (f *chaosForm) draftEntry(field, current, hint string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(hint)
	key := f.draftKey(field)
	if d, ok := uiDrafts[key]; ok {
		e.SetText(d)
	} else {
		e.SetText(current)
	}
	e.OnChanged = func(s string) { uiDrafts[key] = s }
	e.OnSubmitted = func(string) { f.submit() }
	return e
}

// policy reads the widgets into a policy, or says which field is wrong.
func (f *chaosForm) policy() (chaos.Policy, error) {
	p := chaos.Policy{Kind: f.kind, Name: f.name}
	if sl := f.sliders["drop"]; sl != nil {
		p.Drop = sl.Value / 100
	}
	if sl := f.sliders["duplicate"]; sl != nil {
		p.Duplicate = sl.Value / 100
	}
	if sl := f.sliders["fail"]; sl != nil {
		p.Fail = sl.Value / 100
	}
	if f.delay != nil {
		d, err := chaos.ParseDelay(f.delay.Text)
		if err != nil {
			return p, fmt.Errorf("delay: %w", err)
		}
		p.Delay = d
	}
	if f.throttle != nil {
		if t := strings.TrimSpace(f.throttle.Text); t != "" {
			n, err := strconv.ParseFloat(t, 64)
			if err != nil || n < 0 {
				return p, fmt.Errorf("throttle: %q is not a number of requests a second", t)
			}
			p.Throttle = n
		}
	}
	return p, nil
}

// submit puts the form's policy in force, or shows why it cannot be.
func (f *chaosForm) submit() {
	p, err := f.policy()
	if err == nil {
		err = f.core.Chaos().Set(p)
	}
	if err != nil {
		var ve *chaos.ValidationError
		if errors.As(err, &ve) {
			err = errors.New(ve.Reason)
		}
		f.problem.SetText(err.Error())
		f.problem.Show()
		return
	}
	f.problem.Hide()
	delete(uiDrafts, f.draftKey("delay"))
	delete(uiDrafts, f.draftKey("throttle"))
	current, _ := f.core.Chaos().Get(f.kind, f.name)
	f.showStatus(current)
}

// reset clears the policy and the form.
func (f *chaosForm) reset() {
	f.core.Chaos().Clear(f.kind, f.name)
	for _, sl := range f.sliders {
		sl.SetValue(0)
	}
	for _, e := range []*widget.Entry{f.delay, f.throttle} {
		if e != nil {
			e.SetText("")
		}
	}
	delete(uiDrafts, f.draftKey("delay"))
	delete(uiDrafts, f.draftKey("throttle"))
	f.problem.Hide()
	f.showStatus(chaos.Policy{})
}

func (f *chaosForm) showStatus(p chaos.Policy) {
	if p.Empty() {
		f.status.SetText("No chaos: every call behaves.")
		return
	}
	f.status.SetText("In force: " + p.Summary())
}

func percent(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "%" }

func delayText(d chaos.Delay) string {
	if d.IsZero() {
		return ""
	}
	ms := func(x int64) string { return strconv.FormatInt(x, 10) }
	if d.Max <= d.Min {
		return ms(d.Min.Milliseconds())
	}
	return ms(d.Min.Milliseconds()) + "-" + ms(d.Max.Milliseconds())
}

func throttleText(t float64) string {
	if t == 0 {
		return ""
	}
	return strconv.FormatFloat(t, 'g', -1, 64)
}
