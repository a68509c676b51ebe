package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/gateway"
)

// apiSettings is the part of the API inspector for what an HTTP API sets
// beyond its routes: the API's throttle, its CORS configuration and its
// stages (each with its URL, throttle and variables, a form to add one).
// Every form saves by redefining the API with Gateway().UpdateAPI, and
// checks as the user types what the gateway's validateAPI checks.
type apiSettings struct {
	ac       actionContext
	throttle *attrForm
	cors     *attrForm
	stages   *fyne.Container
	shown    []string             // stage names listed; implicit when the API defines none
	implicit bool                 // the API defines no stage: "$default" is listed for it
	base     string               // the API's URL the stage URLs were made from
	sforms   map[string]*attrForm // each listed stage's form, by name
	adder    *attrForm
	box      *fyne.Container
}

func newAPISettings(ac actionContext) *apiSettings {
	s := &apiSettings{ac: ac, stages: container.NewVBox(), sforms: map[string]*attrForm{}}

	rate, burst := throttleFields(strconv.Itoa(gateway.DefaultRateLimit)+" (default)", strconv.Itoa(gateway.DefaultBurstLimit)+" (default)")
	s.throttle = newAttrForm(func(map[string]string) error {
		t, err := throttleOf(rate.get(), burst.get())
		if err != nil {
			return err
		}
		return s.redefine(func(a *gateway.API) error { a.Throttle = t; return nil })
	}, rate, burst)
	pairFields(s.throttle, rate, burst)

	s.cors = newCORSForm(s)

	sname := textField("name", "Stage name", s.checkNewStage)
	sname.input.(*widget.Entry).SetPlaceHolder("e.g. prod")
	srate, sburst := throttleFields("the API's", "the API's")
	svars := variablesField()
	s.adder = newAttrForm(func(map[string]string) error {
		st, err := stageOf(sname.get(), srate.get(), sburst.get(), svars.get())
		if err != nil {
			return err
		}
		return s.redefine(func(a *gateway.API) error {
			if len(a.Stages) == 0 && st.Name != gateway.DefaultStage {
				// The root keeps answering: the implicit "$default" becomes
				// one the user can see, throttle and remove.
				a.Stages = []gateway.Stage{{Name: gateway.DefaultStage}}
			}
			a.Stages = append(a.Stages, st)
			return nil
		})
	}, sname, srate, sburst, svars)
	pairFields(s.adder, srate, sburst)
	s.adder.save.SetText("Add stage")
	s.adder.save.SetIcon(theme.ContentAddIcon())
	s.adder.save.OnTapped = func() {
		if s.adder.submit() == nil {
			s.adder.loaded = false // empty every field, typed or not
			s.adder.load(nil)
		}
	}

	s.box = container.NewVBox(sectionTitle("Throttling"), s.throttle.box, sectionTitle("CORS"), s.cors.box, sectionTitle("Stages"), s.stages, sectionTitle("New stage"), s.adder.box)
	return s
}

// redefine changes the API as the core holds it now and sends it back.
func (s *apiSettings) redefine(change func(a *gateway.API) error) error {
	gw := s.ac.core.Gateway()
	a, err := gw.API(s.ac.name)
	if err != nil {
		return err
	}
	if err := change(&a); err != nil {
		return err
	}
	if _, err := gw.UpdateAPI(context.Background(), a); err != nil {
		return err
	}
	s.ac.notifyChanged()
	return nil
}

// load shows the API's settings; fields being edited keep their text.
func (s *apiSettings) load(api gateway.API) {
	rate, burst := throttleValues(api.Throttle)
	s.throttle.load(map[string]string{"rateLimit": rate, "burstLimit": burst})
	s.cors.load(corsValues(api.CORS))
	s.adder.load(nil)

	stages := api.Stages
	implicit := len(stages) == 0
	if implicit {
		stages = []gateway.Stage{{Name: gateway.DefaultStage}}
	}
	names := make([]string, len(stages))
	for i, st := range stages {
		names[i] = st.Name
	}
	base := s.ac.core.Gateway().URL(s.ac.name) // a new port moves every stage
	if implicit == s.implicit && slices.Equal(names, s.shown) && base == s.base {
		for _, st := range stages {
			s.sforms[st.Name].load(stageValues(st))
		}
		return
	}
	s.shown, s.implicit, s.base = names, implicit, base
	s.sforms = map[string]*attrForm{}
	s.stages.RemoveAll()
	for _, st := range stages {
		s.stages.Add(s.stageRow(st, base, implicit))
	}
	s.stages.Refresh()
}

// stageURL is where a stage serves: "$default" at the root, any other
// under its name.
func stageURL(base, stage string) string {
	if stage == gateway.DefaultStage {
		return base + "/"
	}
	return base + "/" + url.PathEscape(stage) + "/"
}

// stageRow is one stage: its name, its URL with a copy button, a form for
// its throttle and variables, and Remove (not for the implicit "$default").
func (s *apiSettings) stageRow(st gateway.Stage, base string, implicit bool) fyne.CanvasObject {
	name := st.Name
	rate, burst := throttleFields("the API's", "the API's")
	vars := variablesField()
	form := newAttrForm(func(map[string]string) error {
		next, err := stageOf(name, rate.get(), burst.get(), vars.get())
		if err != nil {
			return err
		}
		return s.redefine(func(a *gateway.API) error {
			for i := range a.Stages {
				if a.Stages[i].Name == name {
					a.Stages[i] = next
					return nil
				}
			}
			if len(a.Stages) == 0 && name == gateway.DefaultStage {
				a.Stages = []gateway.Stage{next}
				return nil
			}
			return &gateway.Error{Code: gateway.NotFound, Message: fmt.Sprintf("API %q has no stage %q", s.ac.name, name)}
		})
	}, rate, burst, vars)
	pairFields(form, rate, burst)
	form.load(stageValues(st))
	s.sforms[name] = form

	where := newMuted("not listening", fyne.TextAlignLeading)
	var link fyne.CanvasObject = where
	if base != "" {
		link = copyRow(stageURL(base, name), s.ac.copyText)
	}
	head := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	var right fyne.CanvasObject
	if implicit {
		right = newMuted("implicit", fyne.TextAlignTrailing)
	} else {
		right = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			confirmDelete(s.ac.win, "stage "+name, func() error { return s.removeStage(name) }, nil)
		})
	}
	return container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, right, head),
		container.New(layout.NewFormLayout(), infoKey("URL"), link), form.box)
}

// removeStage drops a stage; with none left the API has its implicit
// "$default" again.
func (s *apiSettings) removeStage(name string) error {
	return s.redefine(func(a *gateway.API) error {
		n := len(a.Stages)
		a.Stages = slices.DeleteFunc(a.Stages, func(st gateway.Stage) bool { return st.Name == name })
		if len(a.Stages) == n {
			return &gateway.Error{Code: gateway.NotFound, Message: fmt.Sprintf("API %q has no stage %q", s.ac.name, name)}
		}
		if len(a.Stages) == 0 {
			a.Stages = nil
		}
		return nil
	})
}

// checkNewStage checks a new stage's name as validateStages does, and that
// the API has no stage of that name yet.
func (s *apiSettings) checkNewStage(v string) error {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return errors.New("enter a stage name such as prod")
	case !gateway.ValidStageName(v):
		return errors.New(`must be "$default" or 1–128 letters, digits, '.', '_' or '-'`)
	case slices.Contains(s.shown, v):
		return fmt.Errorf("the API already has a stage %s", v)
	}
	return nil
}

// stageOf is the stage a form describes.
func stageOf(name, rate, burst, vars string) (gateway.Stage, error) {
	t, err := throttleOf(rate, burst)
	if err != nil {
		return gateway.Stage{}, err
	}
	vs, err := parseVariables(vars)
	if err != nil {
		return gateway.Stage{}, err
	}
	return gateway.Stage{Name: strings.TrimSpace(name), Throttle: t, Variables: vs}, nil
}

func stageValues(st gateway.Stage) map[string]string {
	rate, burst := throttleValues(st.Throttle)
	return map[string]string{"rateLimit": rate, "burstLimit": burst, "variables": formatVariables(st.Variables)}
}

// throttleFields are a rate limit (requests a second) and a burst limit,
// either both empty (this level sets no throttle of its own; the
// placeholders say what applies then) or both set. The gateway takes any
// rate and burst from 0.
func throttleFields(ratePlace, burstPlace string) (rate, burst *formField) {
	rate = textField("rateLimit", "Rate (req/s)", nil)
	burst = textField("burstLimit", "Burst", nil)
	rate.input.(*widget.Entry).SetPlaceHolder(ratePlace)
	burst.input.(*widget.Entry).SetPlaceHolder(burstPlace)
	rate.check = func(v string) error {
		if strings.TrimSpace(v) == "" {
			if strings.TrimSpace(burst.get()) != "" {
				return errors.New("set a rate limit too, or clear the burst limit")
			}
			return nil
		}
		if _, err := parseRate(v); err != nil {
			return err
		}
		if strings.TrimSpace(burst.get()) == "" {
			return errors.New("set a burst limit too")
		}
		return nil
	}
	burst.check = func(v string) error {
		if strings.TrimSpace(v) == "" {
			if strings.TrimSpace(rate.get()) != "" {
				return errors.New("set a burst limit too, or clear the rate limit")
			}
			return nil
		}
		_, err := parseBurst(v)
		return err
	}
	return rate, burst
}

func parseRate(v string) (float64, error) {
	r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(r) || math.IsInf(r, 0) {
		return 0, errors.New("must be a number of requests a second")
	}
	if r < 0 {
		return 0, errors.New("cannot be negative")
	}
	return r, nil
}

func parseBurst(v string) (int, error) {
	b, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, errors.New("must be a whole number of requests")
	}
	if b < 0 {
		return 0, errors.New("cannot be negative")
	}
	return b, nil
}

// throttleOf is the throttle two fields describe: nil when both are empty.
func throttleOf(rate, burst string) (*gateway.Throttle, error) {
	if strings.TrimSpace(rate) == "" && strings.TrimSpace(burst) == "" {
		return nil, nil
	}
	r, err := parseRate(rate)
	if err != nil {
		return nil, fmt.Errorf("rate limit %w", err)
	}
	b, err := parseBurst(burst)
	if err != nil {
		return nil, fmt.Errorf("burst limit %w", err)
	}
	return &gateway.Throttle{RateLimit: r, BurstLimit: b}, nil
}

func throttleValues(t *gateway.Throttle) (rate, burst string) {
	if t == nil {
		return "", ""
	}
	return strconv.FormatFloat(t.RateLimit, 'f', -1, 64), strconv.Itoa(t.BurstLimit)
}

// pairFields puts two fields of a form side by side: a rate and a burst
// read as one setting, and the inspector panel is narrow.
func pairFields(f *attrForm, a, b *formField) {
	grid := f.box.Objects[0].(*fyne.Container)
	ia, ib := slices.Index(f.fields, a), slices.Index(f.fields, b)
	if ia < 0 || ib != ia+1 {
		return
	}
	grid.Objects[ia] = container.NewGridWithColumns(2, grid.Objects[ia], grid.Objects[ib])
	grid.Objects = slices.Delete(grid.Objects, ib, ib+1)
}

// variablesField holds stage variables, one NAME=value a line.
func variablesField() *formField {
	e := widget.NewMultiLineEntry()
	e.TextStyle = fyne.TextStyle{Monospace: true}
	e.SetPlaceHolder("none")
	e.SetMinRowsVisible(2)
	f := &formField{key: "variables", label: "Variables (NAME=value a line)", input: e, get: func() string { return e.Text },
		set: e.SetText, msg: fieldMessage(), check: func(s string) error { _, err := parseVariables(s); return err }}
	e.OnChanged = func(string) { f.edited() }
	return f
}

// parseVariables reads NAME=value lines. Names are letters, digits and
// underscores, as $stageVariables.NAME selects them; nil when there are none.
func parseVariables(s string) (map[string]string, error) {
	var out map[string]string
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		switch {
		case !ok || k == "":
			return nil, fmt.Errorf("line %d: write NAME=value", i+1)
		case strings.IndexFunc(k, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) >= 0:
			return nil, fmt.Errorf("line %d: a variable name is letters, digits and '_'", i+1)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("line %d: %s is set twice", i+1, k)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

func formatVariables(vs map[string]string) string {
	lines := make([]string, 0, len(vs))
	for _, k := range slices.Sorted(maps.Keys(vs)) {
		lines = append(lines, k+"="+vs[k])
	}
	return strings.Join(lines, "\n")
}

// corsMethods are what an allowed method may be: the gateway's route
// methods, or "*".
var corsMethods = append(slices.Clone(routeMethods), "*")

// newCORSForm is the API's CORS configuration: lists as comma-separated
// text; all empty means no CORS configuration at all (the API answers no
// preflight and sets no CORS headers).
func newCORSForm(s *apiSettings) *attrForm {
	origins := textField("allowOrigins", "Allow origins", nil)
	origins.input.(*widget.Entry).SetPlaceHolder("none: no CORS")
	methods := textField("allowMethods", "Allow methods", func(v string) error {
		for _, m := range splitList(v) {
			if !slices.Contains(corsMethods, strings.ToUpper(m)) {
				return fmt.Errorf("%q is not one of %s", m, strings.Join(corsMethods, ", "))
			}
		}
		return nil
	})
	methods.input.(*widget.Entry).SetPlaceHolder("none")
	headers := textField("allowHeaders", "Allow headers", nil)
	headers.input.(*widget.Entry).SetPlaceHolder("none")
	expose := textField("exposeHeaders", "Expose headers", nil)
	expose.input.(*widget.Entry).SetPlaceHolder("none")
	maxAge := textField("maxAge", "Max age (s)", func(v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return intIn(0, gateway.MaxCORSMaxAge, "seconds")(v)
	})
	maxAge.input.(*widget.Entry).SetPlaceHolder("none")
	creds := boolField("allowCredentials", "Credentials")
	creds.input.(*widget.Check).Text = "allowed"
	// Credentials never go with the origin "*": the gateway refuses both.
	noStarWithCreds := func(string) error {
		if creds.get() == "true" && slices.Contains(splitList(origins.get()), "*") {
			return errors.New(`credentials cannot be allowed for the origin "*"; name the origins`)
		}
		return nil
	}
	origins.check, creds.check = noStarWithCreds, noStarWithCreds
	form := newAttrForm(func(map[string]string) error {
		age := 0
		if v := strings.TrimSpace(maxAge.get()); v != "" {
			age, _ = strconv.Atoi(v)
		}
		c := &gateway.CORS{AllowOrigins: splitList(origins.get()), AllowMethods: splitList(methods.get()),
			AllowHeaders: splitList(headers.get()), ExposeHeaders: splitList(expose.get()), MaxAge: age,
			AllowCredentials: creds.get() == "true"}
		if len(c.AllowOrigins)+len(c.AllowMethods)+len(c.AllowHeaders)+len(c.ExposeHeaders) == 0 && c.MaxAge == 0 && !c.AllowCredentials {
			c = nil
		}
		return s.redefine(func(a *gateway.API) error { a.CORS = c; return nil })
	}, origins, methods, headers, expose, maxAge, creds)
	pairFields(form, maxAge, creds)
	return form
}

func corsValues(c *gateway.CORS) map[string]string {
	if c == nil {
		return map[string]string{"allowCredentials": "false"}
	}
	age := ""
	if c.MaxAge > 0 {
		age = strconv.Itoa(c.MaxAge)
	}
	return map[string]string{"allowOrigins": strings.Join(c.AllowOrigins, ", "), "allowMethods": strings.Join(c.AllowMethods, ", "),
		"allowHeaders": strings.Join(c.AllowHeaders, ", "), "exposeHeaders": strings.Join(c.ExposeHeaders, ", "),
		"maxAge": age, "allowCredentials": strconv.FormatBool(c.AllowCredentials)}
}

// splitList reads comma-separated text; nil when it holds nothing.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// routeThrottle applies a route form's throttle fields to the route.
func routeThrottle(r *gateway.Route, rate, burst *formField) error {
	t, err := throttleOf(rate.get(), burst.get())
	if err != nil {
		return err
	}
	r.Throttle = t
	return nil
}
