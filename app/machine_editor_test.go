package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/widgets"
)

// newTestEditor opens an editor of machine name, starting from asl ("" for
// an empty machine), in a test window.
func newTestEditor(t *testing.T, name, asl string) (*machineEditor, *core.Core, fyne.Window, uiQueue) {
	t.Helper()
	test.NewTempApp(t)
	c := openTestCore(t)
	q := newUIQueue()
	e := newMachineEditor(c, name, q.do)
	t.Cleanup(e.close)
	w := test.NewTempWindow(t, e.content)
	w.Resize(fyne.NewSize(1400, 900))
	if asl == "" {
		asl = `{"StartAt": "", "States": {}}`
	}
	e.json.SetText(asl)
	return e, c, w, q
}

// docOf reads the editor's JSON view.
func docOf(t *testing.T, e *machineEditor) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(e.json.Text), &m); err != nil {
		t.Fatalf("JSON view: %v\n%s", err, e.json.Text)
	}
	return m
}

func stateOf(t *testing.T, doc map[string]any, name string) map[string]any {
	t.Helper()
	st, ok := doc["States"].(map[string]any)[name].(map[string]any)
	if !ok {
		t.Fatalf("no state %q in %v", name, doc)
	}
	return st
}

func paletteButton(e *machineEditor, typ string) *statePaletteItem {
	var found *statePaletteItem
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if p, ok := o.(*statePaletteItem); ok && p.typ == typ {
			found = p
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, k := range c.Objects {
				walk(k)
			}
		}
		if w, ok := o.(fyne.Widget); ok && found == nil {
			for _, k := range test.WidgetRenderer(w).Objects() {
				walk(k)
			}
		}
	}
	walk(e.content)
	return found
}

// dragPaletteTo drags a palette item to a point of the diagram.
func dragPaletteTo(t *testing.T, w fyne.Window, e *machineEditor, typ string, to fyne.Position) {
	t.Helper()
	item := paletteButton(e, typ)
	if item == nil {
		t.Fatalf("no palette item %s", typ)
	}
	drv := fyne.CurrentApp().Driver()
	from := drv.AbsolutePositionForObject(item).AddXY(item.Size().Width/2, item.Size().Height/2)
	target := drv.AbsolutePositionForObject(e.diagram).Add(to)
	test.Drag(w.Canvas(), from, target.X-from.X, target.Y-from.Y)
}

func TestMachineEditorPaletteAddsAndInserts(t *testing.T) {
	e, _, w, _ := newTestEditor(t, "orders", "")
	dragPaletteTo(t, w, e, "Pass", fyne.NewPos(200, 150)) // into the empty machine
	doc := docOf(t, e)
	if doc["StartAt"] != "Pass1" || stateOf(t, doc, "Pass1")["End"] != true {
		t.Fatalf("after dragging Pass into an empty machine: %s", e.json.Text)
	}
	if len(e.diagram.Graph().States) != 1 {
		t.Fatalf("diagram states %v", e.diagram.Graph().States)
	}
	test.Tap(paletteButton(e, "Succeed").button)
	e.diagram.OnConnect("Pass1", "Succeed1")
	at, ok := e.diagram.EdgePosition("Pass1", "Succeed1")
	if !ok {
		t.Fatalf("no edge Pass1→Succeed1 in %v", e.diagram.Graph().Edges)
	}
	dragPaletteTo(t, w, e, "Wait", at)
	doc = docOf(t, e)
	if got := stateOf(t, doc, "Pass1")["Next"]; got != "Wait1" {
		t.Fatalf("Pass1.Next = %v, want Wait1\n%s", got, e.json.Text)
	}
	if got := stateOf(t, doc, "Wait1")["Next"]; got != "Succeed1" {
		t.Fatalf("Wait1.Next = %v, want Succeed1", got)
	}
	if len(e.problems) != 0 || e.save.Disabled() {
		t.Errorf("problems %v after building a valid machine", e.problems)
	}
}

func TestMachineEditorDropOnTemplateEdge(t *testing.T) {
	e, _, w, _ := newTestEditor(t, "hello", machineTemplates[0].asl)
	at, ok := e.diagram.EdgePosition("Hello", "World")
	if !ok {
		t.Fatal("no edge Hello→World")
	}
	dragPaletteTo(t, w, e, "Pass", at)
	doc := docOf(t, e)
	if stateOf(t, doc, "Hello")["Next"] != "Pass1" || stateOf(t, doc, "Pass1")["Next"] != "World" {
		t.Fatalf("Pass not inserted between Hello and World:\n%s", e.json.Text)
	}
	// Deleting it links Hello to World again.
	test.TapCanvas(w.Canvas(), absolute(e, "Pass1"))
	if e.diagram.Selected() != "Pass1" || e.inspector.nameEntry == nil || e.inspector.nameEntry.Text != "Pass1" {
		t.Fatalf("tapping Pass1 selected %q", e.diagram.Selected())
	}
	e.deleteSelected()
	if got := stateOf(t, docOf(t, e), "Hello")["Next"]; got != "World" {
		t.Fatalf("after delete Hello.Next = %v", got)
	}
}

func absolute(e *machineEditor, state string) fyne.Position {
	p, _ := e.diagram.StatePosition(state)
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(e.diagram).Add(p)
}

func TestMachineEditorChoiceRuleForm(t *testing.T) {
	e, _, w, _ := newTestEditor(t, "approval", machineTemplates[4].asl)
	test.TapCanvas(w.Canvas(), absolute(e, "Approved?"))
	if len(e.inspector.rules) != 1 {
		t.Fatalf("rule builder shows %d rules, want 1", len(e.inspector.rules))
	}
	r := e.inspector.rules[0]
	r.variable.SetText("")
	test.Type(r.variable, "$.total")
	r.op.SetSelected("NumericGreaterThanEquals")
	r.value.SetText("")
	test.Type(r.value, "100")
	rule := stateOf(t, docOf(t, e), "Approved?")["Choices"].([]any)[0].(map[string]any)
	want := map[string]any{"Variable": "$.total", "NumericGreaterThanEquals": float64(100), "Next": "Approved"}
	if !reflect.DeepEqual(rule, want) {
		t.Fatalf("rule %v, want %v", rule, want)
	}
	test.Tap(e.inspector.addRule)
	if n := len(stateOf(t, docOf(t, e), "Approved?")["Choices"].([]any)); n != 2 {
		t.Fatalf("%d rules after Add rule", n)
	}
	found := false
	for _, ed := range e.diagram.Graph().Edges {
		if ed.From == "Approved?" && ed.Label == "$.total ≥ 100" {
			found = true
		}
	}
	if !found {
		t.Errorf("the diagram does not label the edited rule: %v", e.diagram.Graph().Edges)
	}
}

func TestMachineEditorJSONViewDrivesDiagram(t *testing.T) {
	e, c, _, _ := newTestEditor(t, "json", machineTemplates[0].asl)
	e.json.SetText(`{"StartAt": "One", "States": {"One": {"Type": "Pass", "Next": "Two"}, "Two": {"Type": "Succeed"}}}`)
	g := e.diagram.Graph()
	if len(g.States) != 2 || g.StartAt != "One" || len(g.Edges) != 1 || g.Edges[0].To != "Two" {
		t.Fatalf("diagram %+v", g)
	}
	// Broken JSON keeps the diagram, lists the problem and refuses Save.
	test.Type(e.json, "{ oops")
	if !reflect.DeepEqual(e.diagram.Graph(), g) {
		t.Fatalf("invalid JSON changed the diagram to %+v", e.diagram.Graph())
	}
	if e.jsonError == "" || !e.save.Disabled() || e.saveMachine() == nil {
		t.Fatal("invalid JSON can be saved")
	}
	if _, err := c.Machines().DescribeStateMachine("arn:aws:states:us-east-1:000000000000:stateMachine:json"); err == nil {
		t.Fatal("the core got an invalid machine")
	}
	// Valid JSON, invalid ASL: problems name the state; clicking one selects it.
	e.json.SetText(`{"StartAt": "One", "States": {"One": {"Type": "Pass", "Next": "Nowhere"}}}`)
	if len(e.problems) == 0 || e.problems[0].State != "One" {
		t.Fatalf("problems %v", e.problems)
	}
	e.problemsUI.Select(0)
	if e.diagram.Selected() != "One" || e.inspector.name != "One" {
		t.Errorf("clicking the problem selected %q", e.diagram.Selected())
	}
	if e.saveMachine() == nil {
		t.Error("saved a definition with problems")
	}
}

func TestMachineEditorRunsAndHighlights(t *testing.T) {
	asl := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Result": {"ok": true}, "Next": "C"}, "C": {"Type": "Succeed"}}}`
	e, c, _, q := newTestEditor(t, "three", asl)
	if err := e.saveMachine(); err != nil {
		t.Fatal(err)
	}
	m, err := c.Machines().DescribeStateMachine(e.arn)
	if err != nil || !strings.Contains(m.Definition, `"B"`) {
		t.Fatalf("core machine %v, %v", m, err)
	}
	e.run.input.SetText(`{"order": 1}`)
	test.Tap(e.run.start)
	q.runUntil(t, "the execution to be highlighted", func() bool {
		return e.diagram.Status("C") == widgets.StatusSucceeded && len(e.run.events) > 0 &&
			e.run.events[len(e.run.events)-1].Type == "ExecutionSucceeded"
	})
	for _, s := range []string{"A", "B", "C"} {
		if e.diagram.Status(s) != widgets.StatusSucceeded {
			t.Errorf("%s is %v", s, e.diagram.Status(s))
		}
	}
	types := make([]string, len(e.run.events))
	for i, ev := range e.run.events {
		types[i] = ev.Type
	}
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}
	if !reflect.DeepEqual(types, want) {
		t.Fatalf("history %v, want %v", types, want)
	}
	if got := e.run.cell(4, 2); got != "B" {
		t.Errorf("history row 4 state %q, want B", got)
	}
	e.run.history.Select(fyneCell(5, 1))
	if !strings.Contains(e.run.detail.Text, `\"ok\":true`) {
		t.Errorf("detail of B's exit: %s", e.run.detail.Text)
	}
	if len(e.run.execs) != 1 || e.run.execs[0].Status != "SUCCEEDED" {
		t.Errorf("recent executions %v", e.run.execs)
	}
	e.run.filter.SetSelected("FAILED")
	if len(e.run.execs) != 0 {
		t.Errorf("FAILED filter shows %v", e.run.execs)
	}
}

func TestMachineEditorTaskTokenAndStop(t *testing.T) {
	e, c, _, q := newTestEditor(t, "approval", machineTemplates[4].asl)
	if err := c.Queues().CreateQueue(context.Background(), "approvals", nil, nil); err != nil {
		t.Fatal(err)
	}
	e.run.input.SetText(`{"approved": true}`)
	if err := e.run.startExecution(); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, q, "a task token", func() bool {
		e.run.redraw(nil)
		return e.run.tokens.Selected != ""
	})
	if e.diagram.Status("AskApproval") != widgets.StatusRunning {
		t.Errorf("AskApproval is %v while waiting", e.diagram.Status("AskApproval"))
	}
	e.run.output.SetText(`{"approved": true}`)
	if err := e.run.sendToken(true); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, q, "the approval", func() bool { e.run.redraw(nil); return e.diagram.Status("Approved") == widgets.StatusSucceeded })
	// A second one, stopped while it waits.
	if err := e.run.startExecution(); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, q, "the second token", func() bool { e.run.redraw(nil); return e.run.tokens.Selected != "" })
	test.Tap(e.run.stop)
	x, _ := c.Machines().DescribeExecution(e.run.current)
	if x.Status != "ABORTED" || e.diagram.Status("AskApproval") != widgets.StatusFailed {
		t.Errorf("after Stop: %s, AskApproval %v", x.Status, e.diagram.Status("AskApproval"))
	}
}

func TestMachineEditorImportExport(t *testing.T) {
	e, c, _, _ := newTestEditor(t, "untitled", "")
	dir := t.TempDir()
	in := filepath.Join(dir, "fanout.asl.json")
	if err := os.WriteFile(in, []byte(machineTemplates[1].asl), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.importFile(in); err != nil {
		t.Fatal(err)
	}
	if e.name != "fanout" {
		t.Errorf("imported as %q", e.name)
	}
	if _, err := c.Machines().DescribeStateMachine(e.arn); err != nil || !strings.HasSuffix(e.arn, ":fanout") {
		t.Fatalf("core has no imported machine: %v %q", err, e.arn)
	}
	if len(e.diagram.Graph().States) != 2 || len(e.diagram.Graph().States[0].Children) != 2 {
		t.Fatalf("diagram of the import %+v", e.diagram.Graph())
	}
	out := filepath.Join(dir, "out.json")
	if err := e.exportFile(out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	var got, want any
	json.Unmarshal(b, &got)
	json.Unmarshal([]byte(machineTemplates[1].asl), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("exported %s", b)
	}
}

func TestMachineTemplatesValidAndLaidOut(t *testing.T) {
	test.NewTempApp(t)
	c := openTestCore(t)
	for _, tpl := range machineTemplates {
		t.Run(tpl.name, func(t *testing.T) {
			if p := c.Machines().Validate(tpl.asl); len(p) > 0 {
				t.Fatalf("template problems %v", p)
			}
			doc, _ := parseDoc(tpl.asl)
			l := widgets.LayoutDiagram(doc.graph())
			for _, p := range l.Problems() {
				t.Error(p)
			}
			d := widgets.NewStateDiagram(doc.graph())
			w := test.NewTempWindow(t, d)
			w.SetPadded(false)
			w.Resize(fyne.NewSize(560, 520))
			d.Fit()
			name := strings.ReplaceAll(strings.ToLower(tpl.name), " ", "_")
			test.AssertImageMatches(t, "machine_templates/"+name+".png", w.Canvas().Capture())
		})
	}
}

func TestASLDocRenameAndConnect(t *testing.T) {
	doc, _ := parseDoc(machineTemplates[3].asl)
	if err := doc.rename("ToDLQ", "DeadLetter"); err != nil {
		t.Fatal(err)
	}
	if got := doc.state("Call")["Catch"].([]any)[0].(map[string]any)["Next"]; got != "DeadLetter" {
		t.Errorf("catch goes to %v after rename", got)
	}
	if err := doc.rename("Done", "DeadLetter"); err == nil {
		t.Error("renamed onto an existing state")
	}
	if err := doc.connect("Failed", "Done"); err == nil {
		t.Error("connected from a Fail state")
	}
	if err := doc.connect("DeadLetter", "Done"); err != nil || doc.state("DeadLetter")["Next"] != "Done" {
		t.Errorf("connect: %v, %v", err, doc.state("DeadLetter"))
	}
	par, _ := parseDoc(machineTemplates[1].asl)
	if err := par.connect("Left", "Join"); err == nil {
		t.Error("connected across a Parallel branch")
	}
	if _, err := par.insertOnEdge("Pass", widgets.DiagramEdge{From: "^start:FanOut", To: "Right", Kind: "start"}); err != nil {
		t.Fatal(err)
	}
	if got := par.childScopeStarting("FanOut", "Pass1"); got == nil {
		t.Errorf("the branch does not start at the inserted state: %s", par.text())
	}
}

func fyneCell(row, col int) widget.TableCellID { return widget.TableCellID{Row: row, Col: col} }

// TestMachineEditorRunningScreenshot captures the editor while an
// execution waits in a Wait state (the frozen test clock keeps it there).
func TestMachineEditorRunningScreenshot(t *testing.T) {
	asl := `{"Comment": "checkout", "StartAt": "Normalize", "States": {
	  "Normalize": {"Type": "Pass", "Next": "BigOrder?"},
	  "BigOrder?": {"Type": "Choice", "Choices": [{"Variable": "$.total", "NumericGreaterThanEquals": 100, "Next": "Hold"}], "Default": "Done"},
	  "Hold": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
	  "Done": {"Type": "Succeed"}}}`
	e, _, w, q := newTestEditor(t, "checkout", asl)
	e.run.execName.SetText("order-1042")
	e.run.input.SetText(`{"order": 1042, "total": 250}`)
	test.Tap(e.run.start)
	q.runUntil(t, "the execution to wait", func() bool { return e.diagram.Status("Hold") == widgets.StatusRunning })
	if e.diagram.Status("Normalize") != widgets.StatusSucceeded || e.diagram.Status("Done") != widgets.StatusNotStarted {
		t.Errorf("Normalize %v, Done %v", e.diagram.Status("Normalize"), e.diagram.Status("Done"))
	}
	e.diagram.Fit()
	test.TapCanvas(w.Canvas(), absolute(e, "Hold"))
	test.AssertImageMatches(t, "machine_editor_running.png", w.Canvas().Capture())
}

func TestMachineEditorResourcePicker(t *testing.T) {
	e, c, _, _ := newTestEditor(t, "picker", "")
	if err := c.Queues().CreateQueue(context.Background(), "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	test.Tap(paletteButton(e, "Task").button)
	if e.diagram.Selected() != "Task1" || e.inspector.resource == nil {
		t.Fatalf("selected %q, resource picker %v", e.diagram.Selected(), e.inspector.resource)
	}
	if !slicesContains(e.inspector.resource.Options, "queue: orders") || !slicesContains(e.inspector.resource.Options, "integration: http:invoke") {
		t.Fatalf("picker options %v", e.inspector.resource.Options)
	}
	e.inspector.resource.SetSelected("queue: orders")
	st := stateOf(t, docOf(t, e), "Task1")
	args, _ := st["Arguments"].(map[string]any)
	if st["Resource"] != "arn:aws:states:::sqs:sendMessage" || !strings.HasSuffix(args["QueueUrl"].(string), "/000000000000/orders") {
		t.Fatalf("task after picking the queue: %v", st)
	}
	if len(e.problems) != 0 {
		t.Errorf("problems %v", e.problems)
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pollUntil runs queued UI work and re-checks cond every few milliseconds
// (for state no UI work announces, such as a registered task token),
// failing after a few seconds.
func pollUntil(t *testing.T, q uiQueue, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case f := <-q:
			f()
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
