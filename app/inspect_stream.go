package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/stream"
)

// streamView is the inspector for a stream: ARN, status and shards,
// retention, record size, capacity mode and shard count, tags, Put record,
// the record browser and delete.
type streamView struct {
	ac    actionContext
	facts *fyne.Container
	form  *attrForm
	box   *fyne.Container
}

func newStreamView(ac actionContext) inspectView {
	ss := ac.core.Streams()
	d, err := ss.Describe(ac.name)
	if err != nil {
		return nil
	}
	ctx := context.Background()
	v := &streamView{ac: ac, facts: factGrid()}
	v.form = newAttrForm(func(ch map[string]string) error { return v.apply(ch) },
		selectField("Mode", "Capacity mode", []string{stream.ModeProvisioned, stream.ModeOnDemand}),
		textField("RetentionHours", "Retention (h)", intIn(stream.DefaultRetentionHours, stream.MaxRetentionHours, "hours")),
		textField("MaxRecordKB", "Max record (KiB)", intIn(1, stream.MaxMaxRecordKiB, "KiB")),
		textField("ShardCount", "Open shards", intIn(1, ss.ShardLimit(), "shards")))
	tags := newTagEditor(func() (map[string]string, error) { return ss.Tags(ac.name) },
		func(k, val string) error { return ss.AddTags(ctx, ac.name, map[string]string{k: val}) },
		func(k string) error { return ss.RemoveTags(ctx, ac.name, []string{k}) })
	put := widget.NewButtonWithIcon("Put record", theme.MailSendIcon(), func() { showPutRecordDialog(ac) })
	put.Importance = widget.HighImportance
	actions := container.NewGridWithColumns(2, put,
		widget.NewButtonWithIcon("Records", theme.ListIcon(), func() { openStreamBrowser(ac) }))
	v.box = container.NewVBox(container.New(layout.NewFormLayout(), infoKey("ARN"), copyRow(d.ARN, ac.copyText)),
		actions, v.facts, sectionTitle("Attributes"), v.form.box, sectionTitle("Tags"), tags.box, sectionTitle("Use it from code"),
		codeSnippet("aws --endpoint-url "+ac.endpoint+" kinesis put-record --stream-name "+ac.name+
			` --partition-key k1 --cli-binary-format raw-in-base64-out --data '{"id": 1}'`, ac.copyText),
		deleteButton(ac, "stream "+ac.name, func() error { return ss.Delete(ctx, ac.name) }))
	v.show(d)
	return v
}

func (v *streamView) object() fyne.CanvasObject { return v.box }

func (v *streamView) update() bool {
	d, err := v.ac.core.Streams().Describe(v.ac.name)
	if err != nil {
		return false
	}
	v.show(d)
	return true
}

func (v *streamView) show(d stream.Description) {
	setFacts(v.facts, "Status", d.Status, "Shards", fmt.Sprintf("%d open of %d", d.OpenShards, len(d.Shards)),
		"Iterator age", d.IteratorAge.Round(time.Millisecond).String(), "Consumers", strconv.Itoa(d.Consumers))
	v.form.load(map[string]string{"Mode": d.Mode, "RetentionHours": strconv.Itoa(d.RetentionHours),
		"MaxRecordKB": strconv.Itoa(d.MaxRecordKB), "ShardCount": strconv.Itoa(d.OpenShards)})
	if d.Mode == stream.ModeOnDemand {
		v.form.field("ShardCount").input.(*widget.Entry).Disable()
	} else {
		v.form.field("ShardCount").input.(*widget.Entry).Enable()
	}
}

// apply makes the changes one call each, in an order that works: the mode
// first (a shard count only applies to provisioned streams).
func (v *streamView) apply(ch map[string]string) error {
	ss, ctx, name := v.ac.core.Streams(), context.Background(), v.ac.name
	d, err := ss.Describe(name)
	if err != nil {
		return err
	}
	if m, ok := ch["Mode"]; ok {
		if err := ss.UpdateMode(ctx, name, m); err != nil {
			return err
		}
	}
	if s, ok := ch["RetentionHours"]; ok {
		h, _ := strconv.Atoi(s)
		if h > d.RetentionHours {
			err = ss.IncreaseRetention(ctx, name, h)
		} else if h < d.RetentionHours {
			err = ss.DecreaseRetention(ctx, name, h)
		}
		if err != nil {
			return err
		}
	}
	if s, ok := ch["MaxRecordKB"]; ok {
		n, _ := strconv.Atoi(s)
		if err := ss.UpdateMaxRecordSize(ctx, name, n); err != nil {
			return err
		}
	}
	if s, ok := ch["ShardCount"]; ok {
		n, _ := strconv.Atoi(s)
		if _, err := ss.UpdateShardCount(ctx, name, n); err != nil {
			return err
		}
	}
	v.ac.notifyChanged()
	return nil
}

// apiView is the inspector for an HTTP API: URL, port, its routes (each
// editable, callable and deletable), a form to add one, Call route and
// delete.
type apiView struct {
	ac     actionContext
	facts  *fyne.Container
	form   *attrForm
	routes *fyne.Container
	keys   []string             // route keys shown
	rforms map[string]*attrForm // each route's form, by key
	adder  *attrForm
	tags   *tagEditor
	// settings are the API's throttle, CORS and stages (inspect_api.go).
	settings *apiSettings
	url      string          // the API's URL as urlRow and curl show it
	urlRow   *fyne.Container // the URL with a copy button
	curl     *fyne.Container // the curl snippet
	box      *fyne.Container
}

func newAPIView(ac actionContext) inspectView {
	gw := ac.core.Gateway()
	api, err := gw.API(ac.name)
	if err != nil {
		return nil
	}
	ctx := context.Background()
	v := &apiView{ac: ac, facts: factGrid(), routes: container.NewVBox()}
	v.form = newAttrForm(func(ch map[string]string) error {
		a, err := gw.API(ac.name)
		if err != nil {
			return err
		}
		a.Port, _ = strconv.Atoi(ch["Port"])
		if _, err := gw.UpdateAPI(ctx, a); err != nil {
			return err
		}
		ac.notifyChanged()
		return nil
	}, textField("Port", "Port", intIn(0, 65535, "")))
	v.adder = newAttrForm(func(ch map[string]string) error { return v.addRoute(ch) },
		textField("key", "Route key", checkRouteKey),
		selectField("type", "Integration", integrationChoices),
		textField("target", "Target", nil))
	v.adder.load(map[string]string{"type": string(gateway.Mock)})
	v.adder.save.SetText("Add route")
	v.tags = newTagEditor(func() (map[string]string, error) { return gw.GetTags(ac.name) },
		func(k, val string) error { return gw.TagResource(ctx, ac.name, map[string]string{k: val}) },
		func(k string) error { return gw.UntagResource(ctx, ac.name, []string{k}) })
	v.urlRow, v.curl = container.NewStack(), container.NewStack()
	call := widget.NewButtonWithIcon("Call route", theme.MailSendIcon(), func() { showCallRouteDialog(ac, "") })
	call.Importance = widget.HighImportance
	v.settings = newAPISettings(ac)
	v.box = container.NewVBox(container.New(layout.NewFormLayout(), infoKey("URL"), v.urlRow,
		infoKey("ID"), copyRow(api.ID, ac.copyText)), call, v.facts,
		sectionTitle("Attributes"), v.form.box, v.settings.box, sectionTitle("Routes"), v.routes, sectionTitle("New route"), v.adder.box,
		sectionTitle("Tags"), v.tags.box, sectionTitle("Use it from code"), v.curl,
		deleteButton(ac, "API "+ac.name, func() error { return gw.DeleteAPI(ctx, ac.name) }))
	v.show(api)
	return v
}

// integrationChoices are the integration types a route form offers.
var integrationChoices = []string{string(gateway.Function), string(gateway.Queue), string(gateway.Topic), string(gateway.Stream),
	string(gateway.StateMachine), string(gateway.HTTPProxy), string(gateway.Mock)}

func (v *apiView) addRoute(ch map[string]string) error {
	vals := map[string]string{"key": v.adder.field("key").get(), "type": v.adder.field("type").get(), "target": v.adder.field("target").get()}
	for k, s := range ch {
		vals[k] = s
	}
	r := gateway.Route{Key: vals["key"], Integration: gateway.Integration{Type: gateway.IntegrationType(vals["type"]), Target: vals["target"]}}
	if _, err := v.ac.core.Gateway().PutRoute(context.Background(), v.ac.name, r); err != nil {
		return err
	}
	v.adder.field("key").set("")
	v.adder.field("target").set("")
	v.ac.notifyChanged()
	return nil
}

func (v *apiView) object() fyne.CanvasObject { return v.box }

func (v *apiView) update() bool {
	api, err := v.ac.core.Gateway().API(v.ac.name)
	if err != nil {
		return false
	}
	v.show(api)
	return true
}

func (v *apiView) show(api gateway.API) {
	listening := "no"
	for _, info := range v.ac.core.Gateway().APIs() {
		if info.Name == api.Name {
			listening = "yes"
			if !info.Listening {
				listening = "no: " + info.ListenErr
			}
		}
	}
	setFacts(v.facts, "Routes", strconv.Itoa(len(api.Routes)), "Listening", listening)
	v.form.load(map[string]string{"Port": strconv.Itoa(api.Port)})
	if url := v.ac.core.Gateway().URL(api.Name); url != v.url || len(v.urlRow.Objects) == 0 { // a new port moves it
		v.url = url
		v.urlRow.Objects = []fyne.CanvasObject{copyRow(url, v.ac.copyText)}
		v.curl.Objects = []fyne.CanvasObject{codeSnippet("curl -i "+url+"/", v.ac.copyText)}
		v.urlRow.Refresh()
		v.curl.Refresh()
	}
	v.settings.load(api)
	keys := make([]string, len(api.Routes))
	for i, r := range api.Routes {
		keys[i] = r.Key
	}
	if strings.Join(keys, "\n") == strings.Join(v.keys, "\n") && len(keys) > 0 {
		for _, r := range api.Routes {
			v.rforms[r.Key].load(routeValues(r)) // fields being edited keep their text
		}
		return
	}
	v.keys = keys
	v.rforms = map[string]*attrForm{}
	v.routes.RemoveAll()
	for _, r := range api.Routes {
		v.routes.Add(v.routeRow(r))
	}
	if len(api.Routes) == 0 {
		v.routes.Add(newMuted("No routes", fyne.TextAlignLeading))
	}
	v.routes.Refresh()
}

// routeValues are a route form's fields as the core holds them.
func routeValues(r gateway.Route) map[string]string {
	rate, burst := throttleValues(r.Throttle)
	return map[string]string{"type": string(r.Integration.Type), "target": r.Integration.Target,
		"timeout": strconv.Itoa(r.Integration.TimeoutMS), "rateLimit": rate, "burstLimit": burst}
}

// routeRow is one route: its key, a form for its integration, Call and
// Delete.
func (v *apiView) routeRow(r gateway.Route) fyne.CanvasObject {
	gw, ctx, ac := v.ac.core.Gateway(), context.Background(), v.ac
	rate, burst := throttleFields("inherited", "inherited")
	form := newAttrForm(func(ch map[string]string) error {
		api, err := gw.API(ac.name)
		if err != nil {
			return err
		}
		for _, cur := range api.Routes {
			if cur.Key != r.Key {
				continue
			}
			if t, ok := ch["type"]; ok {
				cur.Integration.Type = gateway.IntegrationType(t)
			}
			if t, ok := ch["target"]; ok {
				cur.Integration.Target = t
			}
			if t, ok := ch["timeout"]; ok {
				cur.Integration.TimeoutMS, _ = strconv.Atoi(t)
			}
			_, rch := ch[rate.key]
			_, bch := ch[burst.key]
			if rch || bch {
				if err := routeThrottle(&cur, rate, burst); err != nil {
					return err
				}
			}
			_, err = gw.PutRoute(ctx, ac.name, cur)
			return err
		}
		return fmt.Errorf("NotFoundException: route %q no longer exists", r.Key)
	}, selectField("type", "Integration", integrationChoices), textField("target", "Target", nil),
		textField("timeout", "Timeout (ms)", func(s string) error {
			if s == "0" || s == "" {
				return nil
			}
			return intIn(50, 30000, "ms")(s)
		}), rate, burst)
	pairFields(form, rate, burst)
	form.load(routeValues(r))
	v.rforms[r.Key] = form
	call := widget.NewButtonWithIcon("", theme.MediaPlayIcon(), func() { showCallRouteDialog(ac, r.Key) })
	del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
		confirmDelete(ac.win, "route "+r.Key, func() error { return gw.DeleteRoute(ctx, ac.name, r.Key) }, func(err error) {
			if err == nil {
				ac.notifyChanged()
			}
		})
	})
	head := widget.NewLabelWithStyle(r.Key, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	return container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, container.NewHBox(call, del), head), form.box)
}
