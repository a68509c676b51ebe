package main

import (
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core/flow"
	"github.com/skyport-dev/skyport/internal/uistate"
)

// demoDump is what a window showing the whole demo, with a queue selected
// and traffic flowing, dumps.
func demoDump(w *flow.Workspace) uistate.Dump {
	d := uistate.Dump{Kinds: map[string]int{
		flow.KindQueue: len(w.Queues), flow.KindTopic: len(w.Topics), flow.KindStream: len(w.Streams),
		flow.KindAPI: len(w.APIs), flow.KindStateMachine: len(w.StateMachines), flow.KindFunction: len(w.Functions)},
		Sparkline: 3, LogLines: 40, Traffic: &uistate.Traffic{Orders: 5},
		Inspector: uistate.Inspector{Kind: "queue", Name: "orders-standard",
			Charts: []uistate.Chart{{Title: "Messages", Samples: map[string]int{"ApproximateNumberOfMessagesVisible": 6}}}}}
	for _, a := range w.APIs {
		d.Kinds["route"] += len(a.Routes)
	}
	for _, c := range w.Connections() {
		d.Edges = append(d.Edges, c.From+" → "+c.To)
	}
	return d
}

func TestCheckAcceptsTheWholeDemo(t *testing.T) {
	w := flow.Demo()
	if p := check(demoDump(w), w, "queue/orders-standard"); len(p) != 0 {
		t.Fatalf("a complete dump was refused: %v", p)
	}
}

func TestCheckRefusesWhatIsMissing(t *testing.T) {
	w := flow.Demo()
	cases := map[string]func(*uistate.Dump){
		"queue nodes":       func(d *uistate.Dump) { d.Kinds[flow.KindQueue]-- },
		"edges":             func(d *uistate.Dump) { d.Edges = d.Edges[:2] },
		"sparkline":         func(d *uistate.Dump) { d.Sparkline = 0 },
		"traffic":           func(d *uistate.Dump) { d.Traffic = nil },
		"activity log":      func(d *uistate.Dump) { d.LogLines = 0 },
		"inspector shows":   func(d *uistate.Dump) { d.Inspector.Name = "orders-dlq" },
		"has drawn no line": func(d *uistate.Dump) { d.Inspector.Charts[0].Samples["ApproximateNumberOfMessagesVisible"] = 1 },
		"no charts":         func(d *uistate.Dump) { d.Inspector.Charts = nil },
	}
	for want, spoil := range cases {
		d := demoDump(w)
		spoil(&d)
		p := check(d, w, "queue/orders-standard")
		if len(p) == 0 || !strings.Contains(strings.Join(p, "; "), want) {
			t.Errorf("spoiled %s: problems %v", want, p)
		}
	}
}
