package app

import (
	"encoding/json"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"fyne.io/fyne/v2"

	"github.com/skyport-dev/skyport/core/flow"
	"github.com/skyport-dev/skyport/internal/uistate"
	"github.com/skyport-dev/skyport/widgets"
)

// The state dump (package uistate) is the window's own account of what it
// shows, for the real-window test (scripts/window-test.sh): `skyport
// --state-dump FILE` writes it to FILE on SIGUSR1.

// stateDump reads the window's state. Call it on the UI thread.
func (m *MainWindow) stateDump() uistate.Dump {
	d := uistate.Dump{Title: m.win.Title(), Kinds: map[string]int{}}
	fc := m.flow.canvas
	origin := fyne.CurrentApp().Driver().AbsolutePositionForObject(fc)
	z, off := fc.Zoom(), fc.Offset()
	size := nodeCentre()
	for _, n := range fc.Nodes() {
		kind, _ := parseNode(n.ID)
		d.Kinds[kind]++
		if len(n.Spark) >= 2 {
			d.Sparkline++
		}
		d.Nodes = append(d.Nodes, uistate.Node{ID: n.ID, Spark: len(n.Spark),
			X: origin.X + off.X + (n.Pos.X+size.Width)*z, Y: origin.Y + off.Y + (n.Pos.Y+size.Height)*z})
	}
	for _, e := range fc.Edges() {
		d.Edges = append(d.Edges, e.From+" → "+e.To)
	}
	if m.inspector.selName != "" {
		d.Inspector.Kind, d.Inspector.Name = strings.ToLower(m.inspector.selKind.Singular()), m.inspector.selName
		if p := panelOf(m.core); p != nil && p.name == m.inspector.selName {
			for _, lc := range p.charts {
				dc := uistate.Chart{Title: lc.chart.Title, Samples: map[string]int{}}
				for i, r := range lc.rings {
					dc.Samples[lc.keys[i].Metric] = r.Len()
				}
				d.Inspector.Charts = append(d.Inspector.Charts, dc)
			}
		}
	}
	m.log.mu.Lock()
	d.LogLines = len(m.log.shown)
	m.log.mu.Unlock()
	if t := m.files.traffic; t != nil {
		s := t.Stats()
		d.Traffic = &uistate.Traffic{Orders: s.Orders, Clicks: s.Clicks, Shipped: s.Shipped, Failures: s.Failures}
	}
	return d
}

// nodeCentre is half a node's size.
func nodeCentre() fyne.Size {
	s := widgets.NodeSize()
	return fyne.NewSize(s.Width/2, s.Height/2)
}

// dumpStateOnSignal writes the state dump to path on every SIGUSR1 until
// the returned function is called.
func (m *MainWindow) dumpStateOnSignal(path string) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	go func() {
		for range sigs {
			m.do(func() {
				data, err := json.MarshalIndent(m.stateDump(), "", "  ")
				if err == nil {
					err = flow.WriteFileAtomic(path, data)
				}
				if err != nil {
					fyne.LogError("state dump", err)
				}
			})
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(sigs)
	}
}
