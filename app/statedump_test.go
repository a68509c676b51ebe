package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/skyport-dev/skyport/core/flow"
	"github.com/skyport-dev/skyport/internal/uistate"
)

// The state dump counts the demo's nodes per kind and its edges, and
// names the selected resource with its charts.
func TestStateDumpOfTheDemo(t *testing.T) {
	_, m, q := flowWindow(t)
	m.files.openDemo()
	m.files.stopTraffic()
	w := flow.Demo()
	q.runUntil(t, "every demo queue on the canvas", func() bool { return m.stateDump().Kinds[nodeQueue] == len(w.Queues) })
	m.flow.canvas.Select([]string{"queue/orders-standard"}, nil)
	d := m.stateDump()
	if d.Kinds[nodeTopic] != len(w.Topics) || d.Kinds[nodeMachine] != len(w.StateMachines) || d.Kinds[nodeFunction] != len(w.Functions) {
		t.Fatalf("kinds %v for the demo", d.Kinds)
	}
	if len(d.Nodes) == 0 || len(d.Edges) == 0 || d.Title != m.win.Title() {
		t.Fatalf("dump: %d nodes, %d edges, title %q", len(d.Nodes), len(d.Edges), d.Title)
	}
	if d.Inspector.Kind != "queue" || d.Inspector.Name != "orders-standard" {
		t.Fatalf("inspector %+v", d.Inspector)
	}
	if d.Traffic != nil {
		t.Fatal("the dump reports traffic after it stopped")
	}
}

// SIGUSR1 writes the dump to the file, whole.
func TestStateDumpOnSignal(t *testing.T) {
	_, m, q := flowWindow(t)
	path := filepath.Join(t.TempDir(), "state.json")
	stop := m.dumpStateOnSignal(path)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	var d uistate.Dump
	q.runUntil(t, "the dump to be written", func() bool {
		data, err := os.ReadFile(path)
		return err == nil && json.Unmarshal(data, &d) == nil
	})
	if d.Title != m.win.Title() {
		t.Fatalf("dumped title %q", d.Title)
	}
}
