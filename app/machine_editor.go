package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/widgets"
)

// paletteTypes are the state types the palette offers.
var paletteTypes = []string{"Pass", "Task", "Choice", "Wait", "Parallel", "Map", "Succeed", "Fail"}

// Where a change of the document came from (that view is not rewritten).
const (
	fromOther = iota
	fromJSON
	fromInspector
)

// machineEditor is the editor tab of one state machine: palette, diagram,
// inspector, ASL JSON view with its problems, and executions. Its methods
// run on the UI thread; the execution watch hands its updates over with do.
type machineEditor struct {
	core *core.Core
	do   func(func())
	name string
	arn  string // "" until saved

	doc       aslDoc
	syncing   bool // the JSON view is being set from the document
	problems  []machine.Problem
	jsonError string

	tab        *container.TabItem
	content    fyne.CanvasObject
	diagram    *widgets.StateDiagram
	json       *widget.Entry
	problemsUI *widget.List
	status     *widget.Label
	save       *widget.Button
	zoom       *widget.Label
	inspector  *stateInspector
	run        *executionPanel
	sideTabs   *container.AppTabs
}

// openMachineEditor opens the editor of the state machine name in a new tab
// of tabs and selects it. A machine the core does not have yet starts from
// the Hello world template and is created on Save. It is the hook the main
// window calls (e.g. when a state machine is opened in the resource tree).
func openMachineEditor(tabs *container.AppTabs, c *core.Core, name string) *machineEditor {
	e := newMachineEditor(c, name, fyne.Do)
	tabs.Append(e.tab)
	tabs.Select(e.tab)
	return e
}

func newMachineEditor(c *core.Core, name string, do func(func())) *machineEditor {
	e := &machineEditor{core: c, do: do, name: name}
	src := machineTemplates[0].asl
	for _, m := range c.Machines().ListStateMachines() {
		if m.Name == name {
			e.arn, src = m.Arn, m.Definition
		}
	}
	e.doc, _ = parseDoc(src)
	if e.doc == nil {
		e.doc = aslDoc{}
	}
	e.build()
	e.docChanged(fromOther)
	return e
}

func (e *machineEditor) build() {
	e.diagram = widgets.NewStateDiagram(widgets.DiagramGraph{})
	e.diagram.OnSelected = e.selectState
	e.diagram.OnConnect = func(from, to string) { e.edit(func() error { return e.doc.connect(from, to) }) }
	e.diagram.OnInsert = func(typ string, edge widgets.DiagramEdge) {
		e.edit(func() error {
			name, err := e.doc.insertOnEdge(typ, edge)
			e.diagram.Select(name)
			return err
		})
	}
	e.diagram.OnDropped = func(typ string) { e.addState(typ) }

	e.json = widget.NewMultiLineEntry()
	e.json.TextStyle = fyne.TextStyle{Monospace: true}
	e.json.OnChanged = e.jsonChanged
	e.problemsUI = widget.NewList(func() int { return max(len(e.problems), btoi(e.jsonError != "")) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Wrapping = fyne.TextWrapWord; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(e.problemText(i)) })
	e.problemsUI.OnSelected = func(i widget.ListItemID) {
		if i < len(e.problems) && e.problems[i].State != "" {
			e.selectState(e.problems[i].State)
			e.diagram.Select(e.problems[i].State)
		}
	}
	e.status = widget.NewLabel("")
	e.zoom = widget.NewLabel("100%")
	e.inspector = newStateInspector(e)
	e.run = newExecutionPanel(e)

	palette := container.NewVBox(widget.NewLabelWithStyle("STATES", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for _, typ := range paletteTypes {
		palette.Add(newStatePaletteItem(typ, e))
	}
	zoomBar := container.NewHBox(
		widget.NewButtonWithIcon("", theme.ZoomOutIcon(), func() { e.diagram.SetZoom(e.diagram.Zoom() / 1.25); e.showZoom() }),
		e.zoom,
		widget.NewButtonWithIcon("", theme.ZoomInIcon(), func() { e.diagram.SetZoom(e.diagram.Zoom() * 1.25); e.showZoom() }),
		widget.NewButton("Fit", func() { e.diagram.Fit(); e.showZoom() }))
	canvasArea := container.NewBorder(nil, container.NewHBox(layoutSpacer(), zoomBar), nil, nil, clipped(e.diagram))

	e.sideTabs = container.NewAppTabs(
		// Scroll both ways: a VScroll would make the form's width the split's minimum.
		container.NewTabItem("State", container.NewScroll(e.inspector.content)),
		container.NewTabItem("ASL JSON", container.NewVSplit(e.json, e.problemsUI)))
	center := container.NewHSplit(container.NewBorder(nil, nil, container.NewVScroll(palette), nil, canvasArea), e.sideTabs)
	center.SetOffset(0.62)

	templates := widget.NewSelect(templateNames(), func(n string) { e.applyTemplate(n) })
	templates.PlaceHolder = "Templates"
	e.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() { e.saveMachine() })
	top := container.NewHBox(templates, e.save,
		widget.NewButtonWithIcon("Import", theme.FolderOpenIcon(), e.importDialog),
		widget.NewButtonWithIcon("Export", theme.DownloadIcon(), e.exportDialog),
		widget.NewButtonWithIcon("Delete state", theme.DeleteIcon(), func() { e.deleteSelected() }),
		e.status, layoutSpacer(), e.run.state)
	body := container.NewVSplit(center, container.NewScroll(e.run.content))
	body.SetOffset(0.68)
	e.content = container.NewBorder(container.NewVBox(top, e.run.toolbar), nil, nil, nil, body)
	e.tab = container.NewTabItemWithIcon(e.name, theme.GridIcon(), e.content)
}

// close stops following the core's executions; call it when the tab closes.
func (e *machineEditor) close() {
	e.run.close()
	e.run.pulse.Stop()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func templateNames() []string {
	out := make([]string, len(machineTemplates))
	for i, t := range machineTemplates {
		out[i] = t.name
	}
	return out
}

func (e *machineEditor) showZoom() { e.zoom.SetText(fmt.Sprintf("%.0f%%", e.diagram.Zoom()*100)) }

func (e *machineEditor) problemText(i int) string {
	if e.jsonError != "" {
		return e.jsonError
	}
	if i >= len(e.problems) {
		return ""
	}
	p := e.problems[i]
	if p.State != "" {
		return fmt.Sprintf("%s — %s (%s)", p.State, p.Message, p.Path)
	}
	return fmt.Sprintf("%s (%s)", p.Message, p.Path)
}

// edit applies a change to the document and updates every view.
func (e *machineEditor) edit(change func() error) {
	if err := change(); err != nil {
		e.status.SetText(err.Error())
		return
	}
	e.docChanged(fromOther)
}

// docChanged shows the document everywhere but in the view it came from.
func (e *machineEditor) docChanged(from int) {
	src := e.doc.text()
	if from != fromJSON {
		e.syncing = true
		e.json.SetText(src)
		e.syncing = false
		e.jsonError = ""
	}
	e.diagram.SetGraph(e.doc.graph())
	e.validate(src)
	if from != fromInspector {
		e.inspector.show(e.diagram.Selected())
	}
}

// validate lists the problems of src; Save waits until there are none.
func (e *machineEditor) validate(src string) {
	e.problems = e.core.Machines().Validate(src)
	e.problemsUI.Refresh()
	if n := len(e.problems); n > 0 || e.jsonError != "" {
		e.save.Disable()
		e.status.SetText(fmt.Sprintf("%d problem(s)", max(n, 1)))
		return
	}
	e.save.Enable()
	e.status.SetText("valid")
}

// jsonChanged takes an edit of the JSON view. Text that is not a JSON
// object keeps the last diagram and is listed as the problem.
func (e *machineEditor) jsonChanged(text string) {
	if e.syncing {
		return
	}
	doc, err := parseDoc(text)
	if err != nil {
		e.jsonError = err.Error()
		e.problems = nil
		e.problemsUI.Refresh()
		e.save.Disable()
		e.status.SetText("1 problem(s)")
		return
	}
	e.jsonError = ""
	e.doc = doc
	e.docChanged(fromJSON)
}

func (e *machineEditor) selectState(name string) {
	e.inspector.show(name)
	if name != "" {
		e.sideTabs.SelectIndex(0)
	}
}

func (e *machineEditor) addState(typ string) {
	e.edit(func() error {
		name := e.doc.addState(typ)
		e.diagram.Select(name)
		return nil
	})
}

func (e *machineEditor) deleteSelected() {
	name := e.diagram.Selected()
	if name == "" {
		e.status.SetText("select a state to delete")
		return
	}
	e.diagram.Select("")
	e.edit(func() error { return e.doc.remove(name) })
}

func (e *machineEditor) applyTemplate(name string) {
	for _, t := range machineTemplates {
		if t.name == name {
			doc, err := parseDoc(t.asl)
			if err != nil {
				e.status.SetText(err.Error())
				return
			}
			e.doc = doc
			e.diagram.Select("")
			e.docChanged(fromOther)
			e.diagram.Fit()
			return
		}
	}
}

// saveMachine creates or updates the machine in the core; invalid
// definitions are refused.
func (e *machineEditor) saveMachine() error {
	if e.jsonError != "" || len(e.problems) > 0 {
		err := errors.New("fix the problems before saving")
		e.status.SetText(err.Error())
		return err
	}
	src := e.doc.text()
	svc := e.core.Machines()
	var err error
	if e.arn == "" {
		var m machine.StateMachine
		m, err = svc.CreateStateMachine(context.Background(), machine.CreateInput{Name: e.name, Definition: src,
			RoleArn: "arn:aws:iam::" + e.core.Account() + ":role/skyport"})
		e.arn = m.Arn
	} else {
		_, err = svc.UpdateStateMachine(context.Background(), e.arn, machine.UpdateInput{Definition: &src})
	}
	if err != nil {
		e.status.SetText("save failed: " + err.Error())
		return err
	}
	e.status.SetText("saved")
	e.run.refreshExecutions()
	return nil
}

// importFile reads an ASL JSON file into the editor and saves it as the
// machine named after the file.
func (e *machineEditor) importFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := parseDoc(string(b))
	if err != nil {
		return err
	}
	if e.arn == "" {
		e.name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		e.name = strings.TrimSuffix(e.name, ".asl")
		e.tab.Text = e.name
	}
	e.doc = doc
	e.diagram.Select("")
	e.docChanged(fromOther)
	e.diagram.Fit()
	return e.saveMachine()
}

// exportFile writes the document as ASL JSON.
func (e *machineEditor) exportFile(path string) error {
	return os.WriteFile(path, []byte(e.doc.text()+"\n"), 0o644)
}

func (e *machineEditor) window() fyne.Window {
	c := fyne.CurrentApp().Driver().CanvasForObject(e.content)
	for _, w := range fyne.CurrentApp().Driver().AllWindows() {
		if w.Canvas() == c {
			return w
		}
	}
	return nil
}

func (e *machineEditor) importDialog() {
	w := e.window()
	if w == nil {
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		if err := e.importFile(r.URI().Path()); err != nil {
			dialog.ShowError(err, w)
		}
	}, w)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	d.Show()
}

func (e *machineEditor) exportDialog() {
	w := e.window()
	if w == nil {
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		wc.Close()
		if err := e.exportFile(wc.URI().Path()); err != nil {
			dialog.ShowError(err, w)
		}
	}, w)
	d.SetFileName(e.name + ".asl.json")
	d.Show()
}

// statePaletteItem is a state type in the palette: tap to add it, drag it onto
// an edge of the diagram to insert it there.
type statePaletteItem struct {
	widget.BaseWidget
	typ    string
	editor *machineEditor
	at     fyne.Position // where a drag is, relative to the item
	drag   bool
	button *widget.Button
}

func newStatePaletteItem(typ string, e *machineEditor) *statePaletteItem {
	p := &statePaletteItem{typ: typ, editor: e}
	p.button = widget.NewButton(typ, func() { e.addState(typ) })
	p.ExtendBaseWidget(p)
	return p
}

// CreateRenderer shows a button that adds the state, unlinked, when tapped.
func (p *statePaletteItem) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(p.button)
}

// Dragged follows the pointer and shows the edge a drop would insert on.
func (p *statePaletteItem) Dragged(ev *fyne.DragEvent) {
	if !p.drag {
		p.drag, p.at = true, ev.Position
	}
	p.at = p.at.AddXY(ev.Dragged.DX, ev.Dragged.DY)
	if pos, ok := p.onDiagram(); ok {
		p.editor.diagram.DragOver(pos)
	}
}

// DragEnd drops the state on the diagram.
func (p *statePaletteItem) DragEnd() {
	p.drag = false
	if pos, ok := p.onDiagram(); ok {
		p.editor.diagram.Drop(p.typ, pos)
	}
}

// onDiagram converts the drag position into the diagram's coordinates.
func (p *statePaletteItem) onDiagram() (fyne.Position, bool) {
	drv := fyne.CurrentApp().Driver()
	abs := drv.AbsolutePositionForObject(p).Add(p.at)
	d := p.editor.diagram
	pos := abs.Subtract(drv.AbsolutePositionForObject(d))
	s := d.Size()
	return pos, pos.X >= 0 && pos.Y >= 0 && pos.X <= s.Width && pos.Y <= s.Height
}

// clipped keeps the diagram's pans and zooms inside its area.
func clipped(o fyne.CanvasObject) fyne.CanvasObject {
	s := container.NewScroll(o)
	s.Direction = container.ScrollNone
	return s
}

func layoutSpacer() fyne.CanvasObject { return widget.NewLabel("") }

// since formats an elapsed time for the history table.
func since(start, t time.Time) string {
	d := t.Sub(start)
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return d.Round(time.Millisecond).String()
}
