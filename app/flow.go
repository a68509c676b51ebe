package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/widgets"
)

// Palette payloads: what a palette item drops onto the canvas.
const (
	dropQueue     = "queue"
	dropFIFOQueue = "fifo-queue"
)

// defaultMaxReceiveCount is the redrive's maxReceiveCount when the user
// draws a dead-letter link.
const defaultMaxReceiveCount = 3

// prefPositionPrefix keys a node's position in the preferences ("x,y").
const prefPositionPrefix = "flow.position."

// queueAPI is what the Flow tab needs from the queue service.
type queueAPI interface {
	List() []queue.Summary
	CreateQueue(ctx context.Context, name string, attrs, tags map[string]string) error
	DeleteQueue(ctx context.Context, name string) error
	SetQueueAttributes(ctx context.Context, name string, attrs map[string]string) error
	GetQueueAttributes(name string, names []string) (map[string]string, error)
}

// flowView is the Flow tab: a palette and zoom bar above the flow canvas.
// Dropping a palette item opens a creation form; connecting a queue to a
// queue sets a dead-letter redrive; the canvas mirrors the core's queues,
// laying out new ones where there is room. Every canvas edit is applied to
// the core, and so are its undo and redo.
type flowView struct {
	queues  queueAPI
	win     fyne.Window
	prefs   fyne.Preferences
	canvas  *widgets.FlowCanvas
	palette []*paletteItem
	zoom    *widget.Label
	content fyne.CanvasObject

	form    *createForm              // the open creation form, nil when none
	dropped map[string]fyne.Position // where new queues were dropped, by node id
	summary map[string]queue.Summary // by node id, as of the last sync
	sparks  map[string]*widgets.Ring // visible messages per tick, by node id

	onSelectQueue func(name string)     // a single queue node was selected
	confirm       *dialog.ConfirmDialog // the open delete confirmation, nil when none
}

// sparkSamples is how many ticks of history a node's sparkline keeps.
const sparkSamples = 60

// sample records every queue's visible count for its node's sparkline; a
// ticker calls it once a second on the UI thread.
func (v *flowView) sample(sums []queue.Summary) {
	live := map[string]bool{}
	v.canvas.Batch(func() {
		for _, s := range sums {
			id := queueNode(s.Name)
			live[id] = true
			r := v.sparks[id]
			if r == nil {
				r = widgets.NewRing(sparkSamples)
				v.sparks[id] = r
			}
			r.Push(float64(s.Visible))
			v.canvas.SetSpark(id, r.Values(nil))
		}
	})
	for id := range v.sparks {
		if !live[id] {
			delete(v.sparks, id)
		}
	}
}

func newFlowView(q queueAPI, win fyne.Window, prefs fyne.Preferences) *flowView {
	v := &flowView{queues: q, win: win, prefs: prefs, canvas: widgets.NewFlowCanvas(),
		dropped: map[string]fyne.Position{}, summary: map[string]queue.Summary{}, sparks: map[string]*widgets.Ring{}}
	v.canvas.OnDrop = v.openForm
	v.canvas.OnConnect = v.connect
	v.canvas.OnChange = v.changed
	v.canvas.OnNodeMoved = v.savePosition
	v.canvas.OnView = func(z float32, _ fyne.Position) { v.showZoom(z) }
	v.canvas.OnNodeMenu = v.showNodeMenu
	v.canvas.OnSelect = func(nodes, _ []string) {
		if len(nodes) != 1 || v.onSelectQueue == nil {
			return
		}
		if name, ok := queueOf(nodes[0]); ok {
			v.onSelectQueue(name)
		}
	}
	v.palette = []*paletteItem{
		newPaletteItem(dropQueue, "Queue", theme.ListIcon(), v.drop),
		newPaletteItem(dropFIFOQueue, "FIFO queue", theme.MenuIcon(), v.drop),
	}
	v.zoom = widget.NewLabel("")
	v.showZoom(1)
	bar := container.NewHBox(newMuted("Drag onto the canvas", fyne.TextAlignLeading))
	for _, p := range v.palette {
		bar.Add(p)
	}
	bar.Add(layout.NewSpacer())
	bar.Add(widget.NewButtonWithIcon("", theme.ZoomOutIcon(), func() { v.zoomBy(1 / 1.25) }))
	bar.Add(v.zoom)
	bar.Add(widget.NewButtonWithIcon("", theme.ZoomInIcon(), func() { v.zoomBy(1.25) }))
	bar.Add(widget.NewButtonWithIcon("Fit", theme.ZoomFitIcon(), v.canvas.Fit))
	v.content = container.NewBorder(bar, nil, nil, nil, v.canvas)
	return v
}

func (v *flowView) tab() *container.TabItem { return container.NewTabItem("Flow", v.content) }

func (v *flowView) zoomBy(f float32) {
	s := v.canvas.Size()
	v.canvas.ZoomAt(f, fyne.NewPos(s.Width/2, s.Height/2))
}

func (v *flowView) showZoom(z float32) { v.zoom.SetText(fmt.Sprintf("%.0f %%", z*100)) }

func queueNode(name string) string { return "queue/" + name }

func queueOf(id string) (string, bool) { return strings.CutPrefix(id, "queue/") }

// drop takes a palette item released at an absolute position.
func (v *flowView) drop(kind string, abs fyne.Position) {
	at := abs.Subtract(fyne.CurrentApp().Driver().AbsolutePositionForObject(v.canvas))
	s := v.canvas.Size()
	if at.X < 0 || at.Y < 0 || at.X > s.Width || at.Y > s.Height {
		return // released outside the canvas
	}
	v.canvas.DropAt(kind, at)
}

// sync mirrors the core's queues and redrives on the canvas, in one frame.
// UI thread only.
func (v *flowView) sync(sums []queue.Summary) {
	v.canvas.Batch(func() { v.syncNow(sums) })
}

func (v *flowView) syncNow(sums []queue.Summary) {
	live := map[string]bool{}
	dlqs := map[string]string{} // dead-letter queue → a source
	for _, s := range sums {
		if s.DeadLetter != "" {
			dlqs[s.DeadLetter] = s.Name
		}
	}
	clear(v.summary)
	for _, s := range sums {
		id := queueNode(s.Name)
		live[id] = true
		v.summary[id] = s
		n := widgets.Node{ID: id, Kind: "Queue", Name: s.Name, Icon: theme.ListIcon(),
			Badges: []string{fmt.Sprintf("%d visible", s.Visible), fmt.Sprintf("%d in flight", s.InFlight)}}
		if s.FIFO {
			n.Kind, n.Icon = "FIFO queue", theme.MenuIcon()
		}
		if dlqs[s.Name] != "" {
			n.Kind += " · DLQ"
			n.Accent = theme.ColorNameError
		}
		if _, ok := v.canvas.Node(id); !ok {
			n.Pos = v.position(id, dlqs[s.Name])
		}
		if r := v.sparks[id]; r != nil {
			n.Spark = r.Values(nil)
		}
		v.canvas.PutNode(n)
	}
	for _, n := range v.canvas.Nodes() {
		if !live[n.ID] {
			v.canvas.RemoveNode(n.ID)
		}
	}
	v.syncEdges(sums)
}

func (v *flowView) syncEdges(sums []queue.Summary) {
	want := map[string]bool{}
	for _, s := range sums {
		if s.DeadLetter == "" {
			continue
		}
		e := widgets.Edge{From: queueNode(s.Name), To: queueNode(s.DeadLetter), Dashed: true,
			Color: theme.ColorNameError, Label: v.redriveLabel(s.Name)}
		if err := v.canvas.PutEdge(e); err == nil {
			want[e.From+"→"+e.To] = true
		}
	}
	for _, e := range v.canvas.Edges() {
		if !want[e.ID] {
			v.canvas.RemoveEdge(e.ID)
		}
	}
}

func (v *flowView) redriveLabel(name string) string {
	attrs, err := v.queues.GetQueueAttributes(name, []string{"RedrivePolicy"})
	if err != nil {
		return "dead letter"
	}
	var p struct {
		Max json.Number `json:"maxReceiveCount"`
	}
	if json.Unmarshal([]byte(attrs["RedrivePolicy"]), &p) != nil || p.Max == "" {
		return "dead letter"
	}
	return "dead letter after " + p.Max.String()
}

// position is where a node new to the canvas goes: where the user dropped
// it, where it was last time, right of the queue it is the dead-letter
// queue of, or the first free place.
func (v *flowView) position(id, source string) fyne.Position {
	if p, ok := v.dropped[id]; ok {
		delete(v.dropped, id)
		return p
	}
	if s := v.prefs.String(prefPositionPrefix + id); s != "" {
		if x, y, ok := strings.Cut(s, ","); ok {
			fx, ex := strconv.ParseFloat(x, 32)
			fy, ey := strconv.ParseFloat(y, 32)
			if ex == nil && ey == nil {
				return fyne.NewPos(float32(fx), float32(fy))
			}
		}
	}
	if src, ok := v.canvas.Node(queueNode(source)); ok && source != "" {
		return v.canvas.FreeNear(src.Pos.AddXY(widgets.NodeSize().Width+widgets.GridStep()*4, 0))
	}
	return v.canvas.FreePosition()
}

func (v *flowView) savePosition(id string, p fyne.Position) {
	v.prefs.SetString(prefPositionPrefix+id, fmt.Sprintf("%g,%g", p.X, p.Y))
}

// connect is asked before a user-drawn link exists: queue → queue sets the
// source's dead-letter redrive. The core's refusal becomes the tooltip.
func (v *flowView) connect(from, to string) (string, error) {
	src, ok1 := queueOf(from)
	dlq, ok2 := queueOf(to)
	if !ok1 || !ok2 {
		return "", errors.New("only a queue can be the dead-letter target of a queue")
	}
	if err := v.setRedrive(src, dlq, defaultMaxReceiveCount); err != nil {
		return "", err
	}
	return fmt.Sprintf("dead letter after %d", defaultMaxReceiveCount), nil
}

func (v *flowView) setRedrive(src, dlq string, max int) error {
	attrs, err := v.queues.GetQueueAttributes(dlq, []string{"QueueArn"})
	if err != nil {
		return inWords(err)
	}
	policy, _ := json.Marshal(map[string]any{"deadLetterTargetArn": attrs["QueueArn"], "maxReceiveCount": max})
	return inWords(v.queues.SetQueueAttributes(context.Background(), src, map[string]string{"RedrivePolicy": string(policy)}))
}

// inWords drops the AWS code and parameter echo from a core error, keeping
// the reason a person reads.
func inWords(err error) error {
	var qe *queue.Error
	if !errors.As(err, &qe) {
		return err
	}
	if _, reason, ok := strings.Cut(qe.Message, "Reason: "); ok {
		return errors.New(reason)
	}
	return errors.New(qe.Message)
}

// changed applies a canvas edit (or its undo or redo) to the core.
func (v *flowView) changed(c widgets.Change) {
	ctx := context.Background()
	var err error
	switch c.Kind {
	case widgets.NodeAdded:
		if name, ok := queueOf(c.Node.ID); ok {
			err = v.queues.CreateQueue(ctx, name, queueAttrs(strings.HasPrefix(c.Node.Kind, "FIFO")), nil)
		}
	case widgets.NodeRemoved:
		if name, ok := queueOf(c.Node.ID); ok {
			err = v.queues.DeleteQueue(ctx, name)
		}
	case widgets.EdgeAdded:
		src, _ := queueOf(c.Edge.From)
		dlq, _ := queueOf(c.Edge.To)
		if s := v.summary[c.Edge.From]; s.DeadLetter != dlq {
			err = v.setRedrive(src, dlq, defaultMaxReceiveCount)
		}
	case widgets.EdgeRemoved:
		if src, ok := queueOf(c.Edge.From); ok {
			err = v.queues.SetQueueAttributes(ctx, src, map[string]string{"RedrivePolicy": ""})
			var qe *queue.Error
			if errors.As(err, &qe) && qe.Code == queue.QueueDoesNotExist {
				err = nil // the queue went first
			}
		}
	}
	if err != nil {
		dialog.ShowError(fmt.Errorf("%s: %w", c.Kind, inWords(err)), v.win)
	}
}

func queueAttrs(fifo bool) map[string]string {
	if fifo {
		return map[string]string{"FifoQueue": "true"}
	}
	return nil
}

// nodeMenu builds a node's context menu: open it in the inspector, or
// delete it (after a confirmation, and undoable on the canvas).
func (v *flowView) nodeMenu(id string) *fyne.Menu {
	name, _ := queueOf(id)
	return fyne.NewMenu("",
		fyne.NewMenuItem("Inspect", func() {
			if v.onSelectQueue != nil {
				v.onSelectQueue(name)
			}
		}),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Delete queue…", func() { v.confirmDelete(id) }),
	)
}

func (v *flowView) showNodeMenu(id string, abs fyne.Position) {
	widget.ShowPopUpMenuAtPosition(v.nodeMenu(id), v.win.Canvas(), abs)
}

// confirmDelete asks before deleting a node's resource; the deletion is a
// canvas edit, so Undo brings the queue back (empty).
func (v *flowView) confirmDelete(id string) {
	name, _ := queueOf(id)
	v.confirm = dialog.NewConfirm("Delete queue", "Delete "+name+" and all its messages?", func(ok bool) {
		v.confirm = nil
		if ok {
			v.canvas.Select([]string{id}, nil)
			v.canvas.DeleteSelection()
		}
	}, v.win)
	v.confirm.Show()
}

// createForm is the open "new queue" form.
type createForm struct {
	fifo bool
	at   fyne.Position
	name *widget.Entry
	dlg  *dialog.FormDialog
}

// openForm asks for the name of a resource dropped at a model position,
// pre-filled with a valid unused one.
func (v *flowView) openForm(kind string, at fyne.Position) {
	fifo := kind == dropFIFOQueue
	v.showForm(fifo, at, v.freeName(fifo), nil)
}

func (v *flowView) showForm(fifo bool, at fyne.Position, name string, coreErr error) {
	f := &createForm{fifo: fifo, at: at, name: widget.NewEntry()}
	f.name.SetText(name)
	f.name.Validator = func(s string) error { return v.checkName(s, fifo) }
	items := []*widget.FormItem{widget.NewFormItem("Name", f.name)}
	items[0].HintText = "1–80 letters, digits, - and _"
	title := "New queue"
	if fifo {
		title = "New FIFO queue"
		items[0].HintText += ", ending in .fifo"
	}
	if coreErr != nil {
		msg := widget.NewLabel(coreErr.Error())
		msg.Importance = widget.DangerImportance
		msg.Wrapping = fyne.TextWrapWord
		items = append(items, widget.NewFormItem("", msg))
	}
	f.dlg = dialog.NewForm(title, "Create", "Cancel", items, func(ok bool) {
		if ok {
			v.submit(f)
		} else if v.form == f {
			v.form = nil
		}
	}, v.win)
	f.dlg.Resize(fyne.NewSize(theme.Size(theme.SizeNameText)*28, f.dlg.MinSize().Height))
	v.form = f
	f.dlg.Show()
}

// submit creates the queue the form describes once its name is valid; a
// core error reopens the form with the name as typed and the error in words.
func (v *flowView) submit(f *createForm) {
	if v.form == f {
		v.form = nil
	}
	name := f.name.Text
	if err := v.checkName(name, f.fifo); err != nil {
		v.showForm(f.fifo, f.at, name, err)
		return
	}
	if err := v.queues.CreateQueue(context.Background(), name, queueAttrs(f.fifo), nil); err != nil {
		v.showForm(f.fifo, f.at, name, inWords(err))
		return
	}
	id := queueNode(name)
	kind := "Queue"
	if f.fifo {
		kind = "FIFO queue"
	}
	if err := v.canvas.AddNode(widgets.Node{ID: id, Kind: kind, Name: name, Pos: f.at}); err != nil {
		return // the core's event put it there first; keep it where it is
	}
	n, _ := v.canvas.Node(id)
	v.savePosition(id, n.Pos)
	v.sync(v.queues.List())
}

// checkName applies SQS's naming rules before anything reaches the core.
func (v *flowView) checkName(name string, fifo bool) error {
	base, isFIFO := strings.CutSuffix(name, ".fifo")
	switch {
	case name == "":
		return errors.New("enter a name")
	case len(name) > 80:
		return fmt.Errorf("%d characters; a queue name has at most 80", len(name))
	case fifo && !isFIFO:
		return errors.New("a FIFO queue's name ends in .fifo")
	case !fifo && isFIFO:
		return errors.New("only FIFO queue names end in .fifo")
	case base == "" || strings.IndexFunc(base, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0:
		return errors.New("use only letters, digits, - and _")
	}
	if _, ok := v.canvas.Node(queueNode(name)); ok {
		return fmt.Errorf("a queue named %s already exists", name)
	}
	return nil
}

// freeName returns queue-1, queue-2, … (with .fifo for FIFO) not yet taken.
func (v *flowView) freeName(fifo bool) string {
	taken := map[string]bool{}
	for _, s := range v.queues.List() {
		taken[s.Name] = true
	}
	for i := 1; ; i++ {
		name := "queue-" + strconv.Itoa(i)
		if fifo {
			name += ".fifo"
		}
		if !taken[name] {
			return name
		}
	}
}

// nodeNames lists the canvas's queue names, sorted, for tests and the log.
func (v *flowView) nodeNames() []string {
	var out []string
	for _, n := range v.canvas.Nodes() {
		if name, ok := queueOf(n.ID); ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
