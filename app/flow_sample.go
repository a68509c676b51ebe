package app

import (
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/widgets"
)

// streamRecordsMetric is the stream service's IncomingRecords counter.
const (
	streamRecordsMetric = "skyport_kinesis_incoming_records_total"
	streamRecordsHelp   = "Records put into the stream (IncomingRecords)."
)

// sample records a figure per node for its sparkline — a queue's visible
// messages, and per tick a topic's publications, a stream's incoming
// records, a route's requests and a function's invocations — and brings
// the badges up to date. A ticker calls it on the UI thread.
func (v *flowView) sample(sums []queue.Summary) {
	v.state.queues = sums
	readServices(v.core, &v.state)
	live := map[string]bool{}
	push := func(id string, x float64) {
		live[id] = true
		r := v.sparks[id]
		if r == nil {
			r = widgets.NewRing(sparkSamples)
			v.sparks[id] = r
		}
		r.Push(x)
	}
	grew := map[string]bool{} // nodes whose figure went up this tick
	rate := func(id string, total uint64) {
		prev, ok := v.totals[id]
		v.totals[id] = total
		if !ok || total < prev {
			prev = total
		}
		grew[id] = total > prev
		push(id, float64(total-prev))
	}
	for _, s := range sums {
		id := queueNode(s.Name)
		if r := v.sparks[id]; r != nil {
			last, ok := r.Last()
			grew[id] = ok && float64(s.Visible) > last
		}
		push(id, float64(s.Visible))
	}
	for _, t := range v.state.topics {
		rate(nodeID(nodeTopic, t.Name), t.Published)
	}
	if reg := v.core.Metrics(); reg != nil {
		for _, s := range v.state.streams {
			c := reg.Counter(streamRecordsMetric, streamRecordsHelp, metrics.Label{Name: "stream", Value: s.Name})
			rate(nodeID(nodeStream, s.Name), c.Value())
		}
	}
	for _, a := range v.state.apis {
		if rs, err := v.core.Gateway().RouteStats(a.Name); err == nil {
			for _, s := range rs {
				rate(routeNode(a.Name, s.Route), s.Count)
			}
		}
	}
	for _, f := range v.state.functions {
		rate(nodeID(nodeFunction, f.Name), f.Invocations)
	}
	for id := range v.sparks {
		if !live[id] {
			delete(v.sparks, id)
			delete(v.totals, id)
		}
	}
	v.canvas.Batch(v.syncNow)
	v.pulse(grew)
}

// pulse sends a dot along the edges messages passed this tick: a topic's
// subscriptions and a route's integration when they had traffic, the
// event sources of a function that was invoked or a stream that took
// records, the redrives into a dead-letter queue that filled.
func (v *flowView) pulse(grew map[string]bool) {
	v.pulsed = v.pulsed[:0]
	for _, l := range v.state.links {
		busy := false
		switch l.kind {
		case linkSubscription, linkIntegration:
			busy = grew[l.from]
		case linkMapping:
			busy = grew[l.from] || grew[l.to]
		case linkRedrive:
			busy = grew[l.to]
		}
		if busy {
			v.pulsed = append(v.pulsed, l.id())
			v.canvas.Pulse(l.id())
		}
	}
}
