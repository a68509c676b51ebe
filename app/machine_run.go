package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/widgets"
)

// statusFilters are the choices of the recent executions' filter.
var statusFilters = []string{"All", machine.StatusRunning, machine.StatusSucceeded, machine.StatusFailed, machine.StatusTimedOut, machine.StatusAborted}

// executionPanel starts executions and shows them: live highlighting on
// the diagram, the history table, recent executions, task tokens.
type executionPanel struct {
	e       *machineEditor
	toolbar fyne.CanvasObject
	content fyne.CanvasObject

	input      *widget.Entry
	execName   *widget.Entry
	start      *widget.Button
	stop       *widget.Button
	state      *widget.Label
	history    *widget.Table
	detail     *widget.Entry
	filter     *widget.Select
	executions *widget.List
	tokens     *widget.Select
	output     *widget.Entry

	current string // ARN of the execution shown
	events  []machine.HistoryEvent
	execs   []machine.Execution
	pulse   *fyne.Animation
	pulsing bool

	watch     *machine.StepWatch
	mu        sync.Mutex
	steps     []machine.Step // Express executions have no history: their steps
	scheduled bool
}

func newExecutionPanel(e *machineEditor) *executionPanel {
	p := &executionPanel{e: e}
	p.input = widget.NewEntry()
	p.input.SetText("{}")
	p.execName = widget.NewEntry()
	p.execName.SetPlaceHolder("name (generated)")
	p.start = widget.NewButtonWithIcon("Start execution", theme.MediaPlayIcon(), func() { p.startExecution() })
	p.start.Importance = widget.HighImportance
	p.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), p.stopExecution)
	p.state = widget.NewLabel("no execution")
	p.toolbar = container.NewBorder(nil, nil, widget.NewLabel("Input"), container.NewHBox(container.NewGridWrap(fyne.NewSize(170, p.execName.MinSize().Height), p.execName), p.stop, p.start), p.input)

	p.history = widget.NewTable(func() (int, int) { return len(p.events) + 1, 5 },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.cell(id.Row, id.Col)) })
	for col, w := range []float32{50, 220, 160, 90, 420} {
		p.history.SetColumnWidth(col, w)
	}
	p.detail = widget.NewMultiLineEntry()
	p.detail.TextStyle = fyne.TextStyle{Monospace: true}
	p.history.OnSelected = func(id widget.TableCellID) {
		if id.Row > 0 && id.Row-1 < len(p.events) {
			b, _ := json.MarshalIndent(p.events[id.Row-1].Details, "", "  ")
			p.detail.SetText(string(b))
		}
	}

	p.filter = widget.NewSelect(statusFilters, nil)
	p.filter.SetSelected("All") // before OnChanged: the list does not exist yet
	p.filter.OnChanged = func(string) { p.refreshExecutions() }
	p.executions = widget.NewList(func() int { return len(p.execs) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			x := p.execs[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s  %s  %s", x.Status, x.Name, x.StartDate.Format("15:04:05")))
		})
	p.executions.OnSelected = func(i widget.ListItemID) {
		if i < len(p.execs) {
			p.show(p.execs[i].Arn)
		}
	}

	p.tokens = widget.NewSelect(nil, nil)
	p.tokens.PlaceHolder = "no task waits for a token"
	p.output = widget.NewEntry()
	p.output.SetText(`{"approved": true}`)
	tokens := container.NewVBox(labelled("Task token", p.tokens), labelled("Output / cause", p.output),
		container.NewHBox(widget.NewButton("Send task success", func() { p.sendToken(true) }),
			widget.NewButton("Send task failure", func() { p.sendToken(false) })))

	historyTab := container.NewHSplit(p.history, p.detail)
	historyTab.SetOffset(0.7)
	p.content = container.NewAppTabs(
		container.NewTabItem("History", historyTab),
		container.NewTabItem("Executions", container.NewBorder(p.filter, nil, nil, nil, p.executions)),
		container.NewTabItem("Task tokens", tokens))
	p.pulse = fyne.NewAnimation(time.Second, func(f float32) { e.diagram.SetPulse(f) })
	p.pulse.AutoReverse, p.pulse.RepeatCount = true, fyne.AnimationRepeatForever
	return p
}

var historyHeader = []string{"#", "type", "state", "elapsed", "detail"}

func (p *executionPanel) cell(row, col int) string {
	if row == 0 {
		return historyHeader[col]
	}
	ev := p.events[row-1]
	switch col {
	case 0:
		return fmt.Sprint(ev.ID)
	case 1:
		return ev.Type
	case 2:
		s, _ := ev.Details["name"].(string)
		return s
	case 3:
		return since(p.events[0].Time, ev.Time)
	}
	return eventSummary(ev)
}

func eventSummary(ev machine.HistoryEvent) string {
	for _, k := range []string{"error", "output", "input"} {
		if v, ok := ev.Details[k]; ok && v != "" {
			s := fmt.Sprint(v)
			if k == "error" {
				s += ": " + fmt.Sprint(ev.Details["cause"])
			}
			if len(s) > 120 {
				s = s[:120] + "…"
			}
			return s
		}
	}
	return ""
}

// startExecution saves the machine if needed and starts an execution with
// the input, watching it live.
func (p *executionPanel) startExecution() error {
	e := p.e
	if e.arn == "" || !e.save.Disabled() {
		if err := e.saveMachine(); err != nil {
			return err
		}
	}
	p.watchSteps()
	x, err := e.core.Machines().StartExecution(context.Background(), machine.StartInput{StateMachineArn: e.arn, Name: p.execName.Text, Input: p.input.Text})
	if err != nil {
		e.status.SetText("start failed: " + err.Error())
		return err
	}
	p.show(x.Arn)
	p.refreshExecutions()
	return nil
}

// watchSteps subscribes to the machine's live steps; each batch schedules
// one update on the UI thread, so a busy machine costs one refresh per
// frame and the engine never waits (the watch drops what overflows).
func (p *executionPanel) watchSteps() {
	if p.watch != nil {
		return
	}
	p.watch = p.e.core.Machines().WatchSteps("", 1024)
	go func(w *machine.StepWatch) {
		for st := range w.C {
			p.mu.Lock()
			p.steps = append(p.steps, st)
			if len(p.steps) > 4096 {
				p.steps = p.steps[len(p.steps)-4096:]
			}
			schedule := !p.scheduled
			p.scheduled = true
			p.mu.Unlock()
			if schedule {
				p.e.do(p.flush)
			}
		}
	}(p.watch)
}

// close ends the watch.
func (p *executionPanel) close() {
	if p.watch != nil {
		p.watch.Close()
		p.watch = nil
	}
}

// flush runs on the UI thread with the steps gathered since the last one.
func (p *executionPanel) flush() {
	p.mu.Lock()
	steps := p.steps
	p.steps, p.scheduled = nil, false
	p.mu.Unlock()
	mine := false
	checked := map[string]bool{}
	for _, s := range steps {
		if s.ExecutionArn != p.current && !checked[s.ExecutionArn] && p.follows(s.ExecutionArn) {
			p.current = s.ExecutionArn // the view follows the newest execution once the one shown ends
			p.e.diagram.ClearStatus()
		}
		checked[s.ExecutionArn] = true
		if s.ExecutionArn == p.current {
			mine = true
		}
	}
	if mine {
		p.redraw(steps)
	}
	p.refreshExecutions()
}

// follows reports whether the view should switch to execution arn: one of
// this machine's, while the execution shown (if any) has ended.
func (p *executionPanel) follows(arn string) bool {
	if p.e.name == "" || !strings.Contains(arn, ":"+p.e.name+":") {
		return false
	}
	if p.current == "" {
		return true
	}
	x, err := p.e.core.Machines().DescribeExecution(p.current)
	return err != nil || x.Status != machine.StatusRunning
}

// show makes arn the execution shown: its history and its highlights.
func (p *executionPanel) show(arn string) {
	p.current = arn
	p.e.diagram.ClearStatus()
	p.redraw(nil)
}

// redraw recomputes the highlights of the current execution from its
// history (Standard) or from live steps (Express).
func (p *executionPanel) redraw(steps []machine.Step) {
	svc := p.e.core.Machines()
	x, err := svc.DescribeExecution(p.current)
	if err != nil {
		return
	}
	p.state.SetText(fmt.Sprintf("execution %s · %s", shortName(x.Name), x.Status))
	d := p.e.diagram
	if x.Type == machine.Express {
		applySteps(d, steps, p.current)
	} else if hist, err := svc.History(context.Background(), p.current); err == nil {
		p.events = hist
		p.history.Refresh()
		d.ClearStatus()
		applyHistory(d, hist)
	}
	if running := x.Status == machine.StatusRunning; running != p.pulsing {
		p.pulsing = running
		if running {
			p.pulse.Start()
		} else {
			p.pulse.Stop()
		}
	}
	p.refreshTokens()
}

func shortName(s string) string {
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}

// applyHistory highlights states from an execution's history: entered is
// running, exited succeeded, a failed task waiting for its retry retrying,
// a failed state left by a Catch caught, and what runs when the execution
// fails failed; taken transitions and Map iterations are marked.
func applyHistory(d *widgets.StateDiagram, hist []machine.HistoryEvent) {
	var last string
	failing := map[string]bool{}
	running := map[string]bool{}
	for _, ev := range hist {
		name, _ := ev.Details["name"].(string)
		switch {
		case strings.HasSuffix(ev.Type, "StateEntered"):
			for f := range failing {
				d.SetStatus(f, widgets.StatusCaught)
				delete(failing, f)
				delete(running, f)
				last = f
			}
			if last != "" {
				d.MarkTaken(last, name)
			}
			d.SetStatus(name, widgets.StatusRunning)
			running[name] = true
		case strings.HasSuffix(ev.Type, "StateExited"):
			d.SetStatus(name, widgets.StatusSucceeded)
			delete(running, name)
			delete(failing, name)
			last = name
		case ev.Type == "TaskFailed" || ev.Type == "TaskTimedOut":
			for r := range running {
				if d.Status(r) == widgets.StatusRunning {
					d.SetStatus(r, widgets.StatusRetrying)
					failing[r] = true
				}
			}
		case ev.Type == "TaskScheduled":
			for r := range failing {
				d.SetStatus(r, widgets.StatusRunning)
				delete(failing, r)
			}
		case ev.Type == "MapIterationStarted":
			if name != "" {
				d.SetCount(name, countOf(d, name)+1)
			}
		case ev.Type == "ExecutionFailed" || ev.Type == "ExecutionTimedOut" || ev.Type == "ExecutionAborted":
			for r := range running {
				d.SetStatus(r, widgets.StatusFailed)
			}
		}
	}
}

func countOf(d *widgets.StateDiagram, name string) int { return d.Count(name) }

// applySteps highlights from live steps (Express executions).
func applySteps(d *widgets.StateDiagram, steps []machine.Step, arn string) {
	for _, s := range steps {
		if s.ExecutionArn != arn || s.State == "" {
			continue
		}
		if s.Entered {
			d.SetStatus(s.State, widgets.StatusRunning)
		} else {
			d.SetStatus(s.State, widgets.StatusSucceeded)
		}
	}
}

func (p *executionPanel) stopExecution() {
	if p.current == "" {
		return
	}
	if _, err := p.e.core.Machines().StopExecution(context.Background(), p.current, "Stopped", "stopped from Skyport"); err != nil {
		p.e.status.SetText("stop failed: " + err.Error())
		return
	}
	p.redraw(nil)
	p.refreshExecutions()
}

// refreshExecutions lists the machine's executions through the filter.
func (p *executionPanel) refreshExecutions() {
	if p.e.arn == "" {
		return
	}
	f := machine.ListFilter{StateMachineArn: p.e.arn}
	if p.filter.Selected != "All" {
		f.Status = p.filter.Selected
	}
	execs, err := p.e.core.Machines().ListExecutions(f)
	if err != nil {
		return
	}
	p.execs = execs
	p.executions.Refresh()
}

func (p *executionPanel) refreshTokens() {
	toks := p.e.core.Machines().PendingTokens()[p.current]
	p.tokens.SetOptions(toks)
	if len(toks) > 0 && p.tokens.Selected == "" {
		p.tokens.SetSelected(toks[0])
	}
	if len(toks) == 0 {
		p.tokens.ClearSelected()
	}
}

// sendToken answers the selected task token.
func (p *executionPanel) sendToken(success bool) error {
	tok := p.tokens.Selected
	if tok == "" {
		return nil
	}
	svc := p.e.core.Machines()
	var err error
	if success {
		err = svc.SendTaskSuccess(tok, p.output.Text)
	} else {
		err = svc.SendTaskFailure(tok, "Rejected", p.output.Text)
	}
	if err != nil {
		p.e.status.SetText(err.Error())
		return err
	}
	p.tokens.ClearSelected()
	return nil
}
