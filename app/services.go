package app

import (
	"sort"
	"strconv"

	"github.com/skyport-dev/skyport/core/event"
)

// syncServices puts the core's topics, streams, APIs, state machines and
// functions, each with a short badge, into the resource tree. UI thread only.
func (m *MainWindow) syncServices() {
	c := m.core
	if ts := c.Topics(); ts != nil {
		names, badges := []string{}, map[string]string{}
		for _, t := range ts.Topics() {
			names = append(names, t.Name)
			badges[t.Name] = plural(len(t.Subscriptions), "sub")
		}
		m.setKind(Topics, names, badges)
	}
	if ss := c.Streams(); ss != nil {
		names, badges := []string{}, map[string]string{}
		for _, s := range ss.List() {
			names = append(names, s.Name)
			badges[s.Name] = plural(s.OpenShards, "shard")
		}
		m.setKind(Streams, names, badges)
	}
	if gw := c.Gateway(); gw != nil {
		names, badges := []string{}, map[string]string{}
		for _, a := range gw.APIs() {
			names = append(names, a.Name)
			badges[a.Name] = plural(len(a.Routes), "route")
		}
		m.setKind(APIs, names, badges)
	}
	if ms := c.Machines(); ms != nil {
		names, badges := []string{}, map[string]string{}
		for _, sm := range ms.ListStateMachines() {
			names = append(names, sm.Name)
			badges[sm.Name] = sm.Type
		}
		m.setKind(StateMachines, names, badges)
	}
	if fs := c.Functions(); fs != nil {
		names, badges := []string{}, map[string]string{}
		for _, f := range fs.List() {
			names = append(names, f.Name)
			badges[f.Name] = strconv.FormatUint(f.Invocations, 10)
		}
		m.setKind(Functions, names, badges)
	}
	m.flow.syncServices()
	if m.inspector.selKind != Queues { // syncQueues refreshes a selected queue
		m.inspector.refresh()
	}
}

func (m *MainWindow) setKind(k ResourceKind, names []string, badges map[string]string) {
	sort.Strings(names)
	m.resources.setDetails(k, badges)
	m.resources.set(k, names)
}

// treeServices are the services whose resources the tree lists besides
// queues (by the Service field of their events).
var treeServices = map[string]bool{"topic": true, "stream": true, "gateway": true, "machine": true, "function": true}

// touchesServices tells whether a batch of events may have changed the
// topics, streams, APIs, state machines or functions. Execution steps and
// per-request logs do not.
func touchesServices(evs []event.Event) bool {
	for _, e := range evs {
		if treeServices[e.Service] && e.Kind != event.ExecutionStep && e.Level != event.Debug {
			return true
		}
	}
	return false
}

// selectResource shows a selected resource in the inspector and, for a
// state machine, opens (or brings forward) its editor tab.
func (m *MainWindow) selectResource(k ResourceKind, name string) {
	m.inspector.show(k, name)
	if k != StateMachines || name == "" {
		return
	}
	if ed, ok := m.editors[name]; ok {
		m.tabs.Select(ed.tab)
		return
	}
	ed := openMachineEditor(m.tabs, m.core, name)
	if m.editors == nil {
		m.editors = map[string]*machineEditor{}
	}
	m.editors[name] = ed
}

// closeEditors ends the editors' execution watches (window closing).
func (m *MainWindow) closeEditors() {
	for _, ed := range m.editors {
		ed.close()
	}
	m.editors = nil
}
