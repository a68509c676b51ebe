// Command statecheck reads the main window's state dump (skyport
// --state-dump FILE, written on SIGUSR1) after the demo workspace has run
// for a while, and fails unless the window shows what the demo holds: a
// node for every resource of every kind, its links, sparklines that moved
// with the traffic, and, with -selected KIND/NAME, that resource in the
// inspector with charts that have drawn samples.
//
// Usage: statecheck [-selected queue/orders-standard] FILE.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/skyport-dev/skyport/core/flow"
	"github.com/skyport-dev/skyport/internal/uistate"
)

func main() {
	selected := flag.String("selected", "", "`kind/name` the inspector must show, with drawn charts")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: statecheck [-selected kind/name] FILE.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "statecheck:", err)
		os.Exit(1)
	}
	var d uistate.Dump
	if err := json.Unmarshal(data, &d); err != nil {
		fmt.Fprintln(os.Stderr, "statecheck:", err)
		os.Exit(1)
	}
	problems := check(d, flow.Demo(), *selected)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "statecheck:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("statecheck: %d nodes, %d edges, %d sparklines moving, %d log lines, inspector %s %s with %d charts\n",
		len(d.Nodes), len(d.Edges), d.Sparkline, d.LogLines, d.Inspector.Kind, d.Inspector.Name, len(d.Inspector.Charts))
}

// check compares the dump with the demo workspace w.
func check(d uistate.Dump, w *flow.Workspace, selected string) []string {
	routes := 0
	for _, a := range w.APIs {
		routes += len(a.Routes)
	}
	want := map[string]int{
		flow.KindQueue: len(w.Queues), flow.KindTopic: len(w.Topics), flow.KindStream: len(w.Streams),
		flow.KindAPI: len(w.APIs), "route": routes, flow.KindStateMachine: len(w.StateMachines),
		flow.KindFunction: len(w.Functions),
	}
	var problems []string
	for kind, n := range want {
		if d.Kinds[kind] != n {
			problems = append(problems, fmt.Sprintf("the canvas shows %d %s nodes, the demo has %d", d.Kinds[kind], kind, n))
		}
	}
	// Every pair of linked resources is an edge (two Tasks of a machine
	// calling one queue are one edge; the canvas draws more: an API to each
	// of its routes, a route to its target).
	pairs := map[string]bool{}
	for _, c := range w.Connections() {
		pairs[c.From+" → "+c.To] = true
	}
	if links := len(pairs); len(d.Edges) < links {
		problems = append(problems, fmt.Sprintf("the canvas shows %d edges, the demo has at least %d links: %v", len(d.Edges), links, d.Edges))
	}
	if d.Sparkline == 0 {
		problems = append(problems, "no node's sparkline has two samples: the traffic did not reach the badges")
	}
	if d.Traffic == nil || d.Traffic.Orders == 0 {
		problems = append(problems, "the demo traffic is not running or sent no order")
	}
	if d.LogLines == 0 {
		problems = append(problems, "the activity log is empty")
	}
	if selected != "" {
		kind, name, _ := strings.Cut(selected, "/")
		if d.Inspector.Kind != kind || d.Inspector.Name != name {
			problems = append(problems, fmt.Sprintf("the inspector shows %s %q, want %s %q", d.Inspector.Kind, d.Inspector.Name, kind, name))
		}
		if len(d.Inspector.Charts) == 0 {
			problems = append(problems, "the inspector has no charts")
		}
		for _, c := range d.Inspector.Charts {
			drawn := false
			for _, n := range c.Samples {
				drawn = drawn || n >= 2
			}
			if !drawn {
				problems = append(problems, fmt.Sprintf("chart %q has drawn no line (samples %v)", c.Title, c.Samples))
			}
		}
	}
	return problems
}
