package app

import (
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/monitor"
	"github.com/skyport-dev/skyport/widgets"
)

// The inspector's "Metrics" section: live charts of the selected resource,
// drawn from the core's monitor (which keeps the history, so rebuilding the
// inspector loses nothing) and redrawn after every monitor tick.

func init() {
	registerInspectorSection(inspectorSection{order: 10, title: "Metrics", build: buildChartSection})
}

// chartWindow is how much history a chart shows: two minutes at the
// monitor's default half-second interval.
const chartWindow = 2 * time.Minute

// chartDo hands chart redraws to the UI thread; tests replace it.
var chartDo = fyne.Do

// chartSeries is one line: its legend and the CloudWatch metric it draws.
type chartSeries struct {
	label, metric string
	color         fyne.ThemeColorName
}

// chartSpec is one chart of a resource kind.
type chartSpec struct {
	title, unit string
	series      []chartSeries
}

var (
	blue, green, orange, red = theme.ColorNamePrimary, theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError
)

// chartSpecs are the charts of each kind; topics add one per subscription.
var chartSpecs = map[monitor.Kind][]chartSpec{
	monitor.Queue: {
		{"Messages", "", []chartSeries{{"visible", monitor.ApproximateNumberOfMessagesVisible, blue},
			{"in flight", monitor.ApproximateNumberOfMessagesNotVisible, orange}, {"delayed", monitor.ApproximateNumberOfMessagesDelayed, green}}},
		{"Throughput (per second)", "/s", []chartSeries{{"sent", monitor.NumberOfMessagesSent, blue},
			{"received", monitor.NumberOfMessagesReceived, orange}, {"deleted", monitor.NumberOfMessagesDeleted, green}}},
		{"Age of oldest message (seconds)", " s", []chartSeries{{"age", monitor.ApproximateAgeOfOldestMessage, red}}},
	},
	monitor.Topic: {
		{"Notifications (per second)", "/s", []chartSeries{{"published", monitor.NumberOfMessagesPublished, blue},
			{"delivered", monitor.NumberOfNotificationsDelivered, green}, {"failed", monitor.NumberOfNotificationsFailed, red}}},
	},
	monitor.Stream: {
		{"Records in (per second)", "/s", []chartSeries{{"records", monitor.IncomingRecords, blue}, {"read", monitor.GetRecordsRecords, green}}},
		{"Bytes in (per second)", " B/s", []chartSeries{{"bytes", monitor.IncomingBytes, blue}}},
		{"Iterator age (milliseconds)", " ms", []chartSeries{{"iterator age", monitor.GetRecordsIteratorAgeMillis, orange}}},
	},
	monitor.API: {
		{"Requests (per second)", "/s", []chartSeries{{"requests", monitor.Count, blue},
			{"4XX", monitor.Error4XX, orange}, {"5XX", monitor.Error5XX, red}}},
		{"Latency (milliseconds)", " ms", []chartSeries{{"p50", monitor.LatencyP50, blue}, {"p99", monitor.LatencyP99, orange}}},
	},
	monitor.StateMachine: {
		{"Executions (per second)", "/s", []chartSeries{{"started", monitor.ExecutionsStarted, blue},
			{"succeeded", monitor.ExecutionsSucceeded, green}, {"failed", monitor.ExecutionsFailed, red}}},
	},
	monitor.Function: {
		{"Invocations (per second)", "/s", []chartSeries{{"invocations", monitor.Invocations, blue}, {"errors", monitor.Errors, red}}},
		{"Duration (milliseconds)", " ms", []chartSeries{{"p50", monitor.DurationP50, blue}, {"p99", monitor.DurationP99, orange}}},
	},
}

// subscriptionChart is the chart of one topic subscription.
var subscriptionChart = chartSpec{"", "/s", []chartSeries{{"delivered", monitor.NumberOfNotificationsDelivered, green},
	{"failed", monitor.NumberOfNotificationsFailed, red}}}

func monitorKind(k ResourceKind) (monitor.Kind, bool) {
	switch k {
	case Queues:
		return monitor.Queue, true
	case Topics:
		return monitor.Topic, true
	case Streams:
		return monitor.Stream, true
	case APIs:
		return monitor.API, true
	case StateMachines:
		return monitor.StateMachine, true
	case Functions:
		return monitor.Function, true
	}
	return "", false
}

// liveChart is a chart and the series it mirrors from the monitor.
type liveChart struct {
	chart *widgets.Chart
	keys  []monitor.Key
	rings []*widgets.Ring
}

// chartPanel is the section of one resource. Use it on the UI thread.
type chartPanel struct {
	core   *core.Core
	mon    *monitor.Monitor
	kind   monitor.Kind
	name   string
	box    *fyne.Container
	charts []*liveChart
	subs   string // the topic subscriptions charted, joined, to notice changes
	drawn  uint64 // monitor tick last drawn
	buf    []float64
}

// chartPanels holds the panel each core's inspector shows, so a rebuild of
// the inspector reuses its charts; a goroutine per core redraws it after
// each monitor tick. The panels are used on the UI thread only; the lock
// is for the map, which the goroutine clears when its core closes.
var chartPanels = struct {
	sync.Mutex
	m map[*core.Core]*chartPanel
}{m: map[*core.Core]*chartPanel{}}

func panelOf(c *core.Core) *chartPanel {
	chartPanels.Lock()
	defer chartPanels.Unlock()
	return chartPanels.m[c]
}

func buildChartSection(sc sectionContext) fyne.CanvasObject {
	kind, ok := monitorKind(sc.kind)
	if !ok || sc.name == "" {
		return nil
	}
	p := panelOf(sc.core)
	if p == nil || p.kind != kind || p.name != sc.name {
		p = newChartPanel(sc.core, sc.core.Monitor(), kind, sc.name)
		chartPanels.Lock()
		_, watched := chartPanels.m[sc.core]
		chartPanels.m[sc.core] = p
		chartPanels.Unlock()
		if !watched {
			go redrawAfterTicks(sc.core, p.mon)
		}
	}
	p.update()
	return p.box
}

// redrawAfterTicks redraws c's panel after every tick of its monitor until
// the monitor stops (the core closed); then it forgets c's sections.
func redrawAfterTicks(c *core.Core, mon *monitor.Monitor) {
	for range mon.Updates() {
		chartDo(func() {
			if p := panelOf(c); p != nil {
				p.update()
			}
		})
	}
	chartPanels.Lock()
	delete(chartPanels.m, c)
	chartPanels.Unlock()
	shardViews.Lock()
	delete(shardViews.m, c)
	shardViews.Unlock()
}

func newChartPanel(c *core.Core, mon *monitor.Monitor, kind monitor.Kind, name string) *chartPanel {
	p := &chartPanel{core: c, mon: mon, kind: kind, name: name, box: container.NewVBox()}
	p.build()
	return p
}

// build makes the charts for the resource's current subscriptions.
func (p *chartPanel) build() {
	specs := chartSpecs[p.kind]
	var dims, titles []string
	if p.kind == monitor.Topic {
		dims, titles = p.subscriptions()
	}
	p.subs = strings.Join(dims, "\n")
	p.charts = p.charts[:0]
	p.box.RemoveAll()
	add := func(spec chartSpec, title, dim string) {
		slots := max(2, int(chartWindow/p.mon.Interval()))
		lc := &liveChart{}
		var series []widgets.Series
		for _, s := range spec.series {
			r := widgets.NewRing(slots)
			lc.rings = append(lc.rings, r)
			lc.keys = append(lc.keys, monitor.Key{Kind: p.kind, Resource: p.name, Dimension: dim, Metric: s.metric})
			series = append(series, widgets.Series{Name: s.label, Color: s.color, Data: r})
		}
		lc.chart = widgets.NewChart(title, p.mon.Interval(), series...)
		lc.chart.Unit = spec.unit
		p.charts = append(p.charts, lc)
		p.box.Add(lc.chart)
	}
	for _, spec := range specs {
		add(spec, spec.title, "")
	}
	for i, dim := range dims {
		add(subscriptionChart, titles[i], dim)
	}
	p.drawn = 0
}

// subscriptions lists the topic's confirmed subscriptions: their ARNs (the
// monitor's dimension) and chart titles.
func (p *chartPanel) subscriptions() (arns, titles []string) {
	ts := p.core.Topics()
	if ts == nil {
		return nil, nil
	}
	for _, t := range ts.Topics() {
		if t.Name != p.name {
			continue
		}
		for _, s := range t.Subscriptions {
			if s.Pending {
				continue
			}
			endpoint := s.Endpoint
			if i := strings.LastIndexByte(endpoint, ':'); i >= 0 && strings.HasPrefix(endpoint, "arn:") {
				endpoint = endpoint[i+1:]
			}
			arns = append(arns, s.ARN)
			titles = append(titles, "Subscription → "+s.Protocol+" "+endpoint+" (per second)")
		}
	}
	return arns, titles
}

// update copies the monitor's history into the charts and redraws them,
// when the monitor has ticked since the last draw.
func (p *chartPanel) update() {
	tick := p.mon.Ticks()
	if tick == p.drawn && p.drawn != 0 {
		return
	}
	if p.kind == monitor.Topic {
		if dims, _ := p.subscriptions(); strings.Join(dims, "\n") != p.subs {
			p.build()
		}
	}
	p.drawn = tick
	for _, lc := range p.charts {
		for i, k := range lc.keys {
			p.buf = p.mon.Values(k, p.buf[:0])
			lc.rings[i].Set(p.buf)
		}
		lc.chart.Refresh()
	}
}
