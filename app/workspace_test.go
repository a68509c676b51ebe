package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core/flow"
)

func TestWorkspaceFileMenu(t *testing.T) {
	_, c, m, _ := newTestWindow(t)
	f := newWorkspaceFiles(m)
	var labels []string
	for _, it := range f.menu.Items[0].Items {
		labels = append(labels, it.Label)
	}
	if got := strings.Join(labels, "|"); got != "New workspace|Open…|Open recent|Open demo|Demo traffic|Import template or ASL…||Save|Save as…" {
		t.Fatalf("File menu %q", got)
	}

	dir := t.TempDir()
	first := filepath.Join(dir, "first.yaml")
	w := &flow.Workspace{Version: flow.FormatVersion, Queues: []flow.Queue{{Name: "inbox"}},
		Topics: []flow.Topic{{Name: "news", Subscriptions: []flow.Subscription{{Protocol: "sqs", Target: "inbox"}}}},
		Layout: map[string]flow.Position{"queue/inbox": {X: 5, Y: 6}}}
	if err := w.Save(first); err != nil {
		t.Fatal(err)
	}
	if err := f.open(first); err != nil {
		t.Fatal(err)
	}
	if !c.Queues().QueueExists("inbox") || !strings.HasSuffix(m.Window().Title(), "— first.yaml") {
		t.Fatalf("after open: title %q", m.Window().Title())
	}

	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("version: 1\nqueues: [\n"), 0o644)
	if err := f.open(broken); err == nil {
		t.Fatal("a broken workspace opened")
	}
	if f.doc.Path != first {
		t.Fatalf("a failed open replaced the document: %q", f.doc.Path)
	}

	if err := c.Queues().CreateQueue(t.Context(), "made-later", nil, nil); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "second.yaml")
	if err := f.saveAs(second); err != nil {
		t.Fatal(err)
	}
	saved, err := flow.Load(second)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Queues) != 2 || saved.Layout["queue/inbox"] != (flow.Position{X: 5, Y: 6}) {
		t.Fatalf("saved %+v", saved)
	}
	if got := f.recentList(); len(got) != 2 || got[0] != second || got[1] != first {
		t.Fatalf("recent %v", got)
	}
	if sub := f.recent.ChildMenu.Items; len(sub) != 2 || sub[0].Label != second {
		t.Fatalf("recent submenu %+v", sub)
	}
}

func TestWorkspaceImportReportsOmissions(t *testing.T) {
	_, c, m, _ := newTestWindow(t)
	f := newWorkspaceFiles(m)
	path := filepath.Join(t.TempDir(), "stack.json")
	os.WriteFile(path, []byte(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "from-cfn"}},
 "B": {"Type": "AWS::S3::Bucket"}}}`), 0o644)
	rep, err := f.importFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Queues().QueueExists("from-cfn") || len(rep.Unsupported) != 1 || rep.Unsupported[0].LogicalID != "B" {
		t.Fatalf("import: %+v", rep)
	}
}

// Opening the demo starts its traffic (File → Demo traffic is checked and
// messages flow); the menu item stops it, and opening another workspace or
// a new one stops it too.
func TestDemoTrafficFromTheFileMenu(t *testing.T) {
	_, c, m, _ := newTestWindow(t)
	f := m.files
	f.openDemo()
	if f.traffic == nil || !f.trafficItem.Checked {
		t.Fatal("opening the demo did not start its traffic")
	}
	deadline := time.Now().Add(20 * time.Second)
	for f.traffic.Stats().Orders < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no orders sent: %+v", f.traffic.Stats())
		}
		time.Sleep(20 * time.Millisecond) // polling the driver's counters
	}
	if s := f.traffic.Stats(); s.Failures != 0 {
		t.Fatalf("demo traffic failed: %+v", s)
	}
	f.trafficItem.Action() // File → Demo traffic
	if f.traffic != nil || f.trafficItem.Checked {
		t.Fatal("the menu item did not stop the traffic")
	}
	f.trafficItem.Action()
	if f.traffic == nil {
		t.Fatal("the menu item did not start the traffic again")
	}
	f.newDocument()
	if f.traffic != nil || f.trafficItem.Checked {
		t.Fatal("a new workspace kept the demo traffic running")
	}
	if !c.Queues().QueueExists("orders-priority") {
		t.Fatal("demo queues missing")
	}
}

// Closing the window while the demo traffic runs stops it.
func TestClosingTheWindowStopsDemoTraffic(t *testing.T) {
	a := test.NewTempApp(t)
	m := newMainWindow(a, openTestCore(t), testEndpoint, newUIQueue().do)
	m.files.openDemo()
	tr := m.files.traffic
	if tr == nil {
		t.Fatal("no demo traffic")
	}
	m.Window().Close()
	if m.files.traffic != nil {
		t.Fatal("closing the window left the demo traffic running")
	}
	sent := tr.Stats()
	time.Sleep(450 * time.Millisecond) // two ticks of the traffic
	if tr.Stats() != sent {
		t.Fatalf("traffic went on after the window closed: %+v then %+v", sent, tr.Stats())
	}
}

// The File menu's shortcuts work in the window: Ctrl+N starts a new
// workspace (the title says so).
func TestFileMenuShortcuts(t *testing.T) {
	_, _, m, _ := newTestWindow(t)
	m.files.openDemo()
	m.files.stopTraffic()
	if !strings.Contains(m.Window().Title(), "demo") {
		t.Fatalf("title after the demo: %q", m.Window().Title())
	}
	sc, ok := m.Window().Canvas().(interface{ TypedShortcut(fyne.Shortcut) })
	if !ok {
		t.Fatal("the test canvas takes no shortcuts")
	}
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault})
	if strings.Contains(m.Window().Title(), "demo") {
		t.Fatalf("Ctrl+N did not start a new workspace: %q", m.Window().Title())
	}
}
