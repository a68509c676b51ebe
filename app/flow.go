package app

import (
	"context"
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

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/widgets"
)

// defaultMaxReceiveCount is the redrive's maxReceiveCount when the user
// draws a dead-letter link.
const defaultMaxReceiveCount = 3

// prefPositionPrefix keys a node's position in the preferences ("x,y").
const prefPositionPrefix = "flow.position."

// flowView is the Flow tab: a palette beside the flow canvas and a zoom bar
// above it. Dropping a palette item opens a creation form; connecting two
// nodes makes the matching link in the core (subscription, dead-letter
// redrive, event source mapping, route integration) or says why it cannot
// exist. The canvas mirrors every resource and link of the core, laying
// out new ones where there is room. Every canvas edit is applied to the
// core, and so are its undo and redo.
type flowView struct {
	core    *core.Core
	win     fyne.Window
	prefs   fyne.Preferences
	canvas  *widgets.FlowCanvas
	palette []*paletteItem
	zoom    *widget.Label
	content fyne.CanvasObject

	form    *createForm              // the open creation form, nil when none
	subForm *subscribeForm           // the open subscription dialog, nil when none
	dropped map[string]fyne.Position // where new resources were dropped, by node id
	gone    map[string]fyne.Position // where nodes were when their resource went, by node id
	auto    map[string]string        // nodes laid out automatically (never placed by the user) → the node they sit beside
	state   coreState                // the core as of the last sync
	links   map[string]link          // by edge id: present now, or deleted (for undo)
	remake  map[string]recreator     // deleted resources, by node id (for undo)
	sparks  map[string]*widgets.Ring // samples per tick, by node id
	totals  map[string]uint64        // the last cumulative count behind a rate sparkline, by node id
	pulsed  []string                 // the edges the last tick pulsed

	onSelect func(kind ResourceKind, name string) // a single node was selected
	// actions returns a resource's one-click actions (Send message,
	// Publish…) for its node's context menu; nil offers none.
	actions func(kind ResourceKind, name string) []*fyne.MenuItem
	confirm *dialog.ConfirmDialog // the open delete confirmation, nil when none
	notice  string                // the last refusal shown in a dialog
}

// sparkSamples is how many ticks of history a node's sparkline keeps.
const sparkSamples = 120 // a minute at two ticks a second

func newFlowView(c *core.Core, win fyne.Window, prefs fyne.Preferences) *flowView {
	v := &flowView{core: c, win: win, prefs: prefs, canvas: widgets.NewFlowCanvas(),
		dropped: map[string]fyne.Position{}, gone: map[string]fyne.Position{}, auto: map[string]string{}, links: map[string]link{},
		remake: map[string]recreator{}, sparks: map[string]*widgets.Ring{}, totals: map[string]uint64{}}
	v.canvas.OnDrop = v.openForm
	v.canvas.OnConnect = v.connect
	v.canvas.OnChange = v.changed
	v.canvas.OnNodeMoved = func(id string, p fyne.Position) {
		delete(v.auto, id)
		v.savePosition(id, p)
	}
	v.canvas.OnView = func(z float32, _ fyne.Position) { v.showZoom(z) }
	v.canvas.OnNodeMenu = v.showNodeMenu
	v.canvas.OnDeleteRequest = v.confirmDeleteSelection
	v.canvas.OnSelect = func(nodes, _ []string) {
		if len(nodes) == 1 && v.onSelect != nil {
			v.onSelect(selectionOf(nodes[0]))
		}
	}
	side := container.NewVBox(newMuted("Drag onto the canvas", fyne.TextAlignLeading))
	for _, k := range paletteKinds {
		p := newPaletteItem(k.payload, k.label, k.icon(), v.drop)
		v.palette = append(v.palette, p)
		side.Add(p)
	}
	v.zoom = widget.NewLabel("")
	v.showZoom(1)
	bar := container.NewHBox(layout.NewSpacer(),
		widget.NewButtonWithIcon("", theme.ZoomOutIcon(), func() { v.zoomBy(1 / 1.25) }),
		v.zoom,
		widget.NewButtonWithIcon("", theme.ZoomInIcon(), func() { v.zoomBy(1.25) }),
		widget.NewButtonWithIcon("Fit", theme.ZoomFitIcon(), v.canvas.Fit))
	v.content = container.NewBorder(bar, nil, container.NewVScroll(side), nil, v.canvas)
	return v
}

// selectionOf is the tree entry a node stands for: a route's is its API.
func selectionOf(id string) (ResourceKind, string) {
	kind, name := parseNode(id)
	if kind == nodeRoute {
		name, _ = routeOf(name)
	}
	return nodeResource[kind], name
}

func (v *flowView) tab() *container.TabItem { return container.NewTabItem("Flow", v.content) }

func (v *flowView) zoomBy(f float32) {
	s := v.canvas.Size()
	v.canvas.ZoomAt(f, fyne.NewPos(s.Width/2, s.Height/2))
}

func (v *flowView) showZoom(z float32) { v.zoom.SetText(fmt.Sprintf("%.0f %%", z*100)) }

func queueNode(name string) string { return nodeID(nodeQueue, name) }

// drop takes a palette item released at an absolute position.
func (v *flowView) drop(kind string, abs fyne.Position) {
	at := abs.Subtract(fyne.CurrentApp().Driver().AbsolutePositionForObject(v.canvas))
	s := v.canvas.Size()
	if at.X < 0 || at.Y < 0 || at.X > s.Width || at.Y > s.Height {
		return // released outside the canvas
	}
	v.canvas.DropAt(kind, at)
}

// sync takes the core's queues (their events came) and redraws the canvas
// from them and the other kinds as last read, in one frame. UI thread only.
func (v *flowView) sync(sums []queue.Summary) {
	v.state.queues = sums
	links := redriveLinks(v.core, sums) // the other links change with their services' events
	for _, l := range v.state.links {
		if l.kind != linkRedrive {
			links = append(links, l)
		}
	}
	v.state.links = links
	v.canvas.Batch(v.syncNow)
}

// syncServices reads every other kind and the links again (their events
// came) and redraws. UI thread only.
func (v *flowView) syncServices() {
	readServices(v.core, &v.state)
	v.canvas.Batch(v.syncNow)
}

// syncAll reads the whole core again, after an edit of the canvas.
func (v *flowView) syncAll() {
	v.state.queues = v.core.Queues().List()
	v.syncServices()
}

func (v *flowView) syncNow() {
	live := map[string]bool{}
	relayout := false
	have := map[string]widgets.Node{}
	for _, n := range v.canvas.Nodes() {
		have[n.ID] = n
	}
	put := func(n widgets.Node, near string) {
		live[n.ID] = true
		old, ok := have[n.ID]
		if !ok {
			var placed bool
			if n.Pos, placed = v.position(n.ID); !placed {
				v.auto[n.ID] = near
				relayout = true
			}
		} else if was, auto := v.auto[n.ID]; auto && was != near {
			v.auto[n.ID] = near // it became a dead-letter queue, say: lay it out beside its source
			relayout = true
		}
		if r := v.sparks[n.ID]; r != nil {
			n.Spark = r.Values(old.Spark[:0:0])
		}
		if !ok || !sameNode(old, n) {
			v.canvas.PutNode(n)
		}
	}
	dlqs := map[string]string{} // dead-letter queue → a source
	for _, s := range v.state.queues {
		if s.DeadLetter != "" {
			dlqs[s.DeadLetter] = s.Name
		}
	}
	for _, s := range v.state.queues {
		n := widgets.Node{ID: queueNode(s.Name), Kind: "Queue", Name: s.Name, Icon: theme.ListIcon(),
			Badges: []string{fmt.Sprintf("%d visible", s.Visible), fmt.Sprintf("%d in flight", s.InFlight)}}
		if s.FIFO {
			n.Kind, n.Icon = "FIFO queue", theme.MenuIcon()
		}
		near := ""
		if src := dlqs[s.Name]; src != "" {
			n.Kind += " · DLQ"
			n.Accent = theme.ColorNameError
			near = queueNode(src)
		}
		put(n, near)
	}
	for _, t := range v.state.topics {
		n := widgets.Node{ID: nodeID(nodeTopic, t.Name), Kind: "Topic", Name: t.Name, Icon: theme.MailSendIcon(),
			Badges: []string{fmt.Sprintf("%d published", t.Published), plural(len(t.Subscriptions), "sub")}}
		if t.FIFO {
			n.Kind, n.Icon = "FIFO topic", theme.MailReplyAllIcon()
		}
		put(n, "")
	}
	for _, s := range v.state.streams {
		n := widgets.Node{ID: nodeID(nodeStream, s.Name), Kind: "Stream", Name: s.Name, Icon: theme.MediaFastForwardIcon(),
			Badges: []string{plural(s.OpenShards, "shard")}}
		if s.Status != "ACTIVE" {
			n.Badges = append(n.Badges, strings.ToLower(s.Status))
		}
		put(n, "")
	}
	for _, a := range v.state.apis {
		api := nodeID(nodeAPI, a.Name)
		put(widgets.Node{ID: api, Kind: "API", Name: a.Name, Icon: theme.ComputerIcon(),
			Badges: []string{":" + strconv.Itoa(a.Port), plural(len(a.Routes), "route")}}, "")
		stats := map[string]string{}
		if rs, err := v.core.Gateway().RouteStats(a.Name); err == nil {
			for _, s := range rs {
				stats[s.Route] = fmt.Sprintf("%d requests · %d 5xx", s.Count, s.Errors5XX)
			}
		}
		for _, r := range a.Routes {
			n := widgets.Node{ID: routeNode(a.Name, r.Key), Kind: "Route · " + a.Name, Name: r.Key, Icon: theme.NavigateNextIcon()}
			if s := stats[r.Key]; s != "" {
				n.Badges = []string{s}
			} else {
				n.Badges = []string{"0 requests"}
			}
			put(n, api)
		}
	}
	for _, m := range v.state.machines {
		put(widgets.Node{ID: nodeID(nodeMachine, m.Name), Kind: "State machine", Name: m.Name, Icon: theme.GridIcon(),
			Badges: []string{strings.ToLower(m.Type)}}, "")
	}
	for _, f := range v.state.functions {
		n := widgets.Node{ID: nodeID(nodeFunction, f.Name), Kind: "Function", Name: f.Name, Icon: theme.SettingsIcon(),
			Badges: []string{fmt.Sprintf("%d invocations", f.Invocations)}}
		if f.Errors > 0 {
			n.Badges = append(n.Badges, fmt.Sprintf("%d errors", f.Errors))
			n.Accent = theme.ColorNameWarning
		}
		put(n, "")
	}
	for _, n := range have {
		if !live[n.ID] {
			if _, ok := v.auto[n.ID]; !ok {
				v.gone[n.ID] = n.Pos
			}
			delete(v.auto, n.ID)
			v.canvas.RemoveNode(n.ID)
			relayout = relayout || len(v.auto) > 0
		}
	}
	if relayout {
		v.layoutAuto()
	}
	v.syncEdges()
}

// sameNode tells whether a node would look the same (its position aside).
func sameNode(a, b widgets.Node) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Icon == b.Icon && a.Accent == b.Accent &&
		slices.Equal(a.Badges, b.Badges) && slices.Equal(a.Spark, b.Spark)
}

func (v *flowView) syncEdges() {
	want := map[string]bool{}
	have := map[string]widgets.Edge{}
	for _, e := range v.canvas.Edges() {
		have[e.ID] = e
	}
	for _, l := range sortedLinks(v.state.links) {
		e := widgets.Edge{From: l.from, To: l.to, Label: l.label()}
		switch l.kind {
		case linkRedrive:
			e.Dashed, e.Color = true, theme.ColorNameError
		case linkTask:
			e.Dashed, e.Color = true, theme.ColorNameSuccess
		}
		e.ID = l.id()
		if old, ok := have[e.ID]; ok && old == e {
			want[e.ID] = true
			v.links[e.ID] = l
		} else if err := v.canvas.PutEdge(e); err == nil {
			want[e.ID] = true
			v.links[e.ID] = l
		}
	}
	for _, e := range have {
		if !want[e.ID] {
			v.canvas.RemoveEdge(e.ID)
		}
	}
}

// position is where a node new to the canvas goes when the user placed
// it: where it was dropped, where it was last time (saved, or before its
// resource went and came back). Without one it is laid out automatically.
func (v *flowView) position(id string) (fyne.Position, bool) {
	if p, ok := v.dropped[id]; ok {
		delete(v.dropped, id)
		return p, true
	}
	if s := v.prefs.String(prefPositionPrefix + id); s != "" {
		if x, y, ok := strings.Cut(s, ","); ok {
			fx, ex := strconv.ParseFloat(x, 32)
			fy, ey := strconv.ParseFloat(y, 32)
			if ex == nil && ey == nil {
				return fyne.NewPos(float32(fx), float32(fy)), true
			}
		}
	}
	if p, ok := v.gone[id]; ok {
		delete(v.gone, id)
		return p, true
	}
	return fyne.Position{}, false
}

// layoutAuto lays out the nodes no one placed: in columns by kind, the way
// links run (APIs, routes, topics and streams, queues and state machines,
// functions; only the columns of kinds on the canvas count), top to bottom
// by name, clear of the nodes the user placed. A node that belongs beside
// another (a dead-letter queue's source, a route's API) goes right of it.
func (v *flowView) layoutAuto() {
	nodes := v.canvas.Nodes()
	s, g := widgets.NodeSize(), widgets.GridStep()
	colW, rowH := s.Width+g*6, s.Height+g*2
	used := map[int]bool{}
	var taken []fyne.Position
	var free, beside []widgets.Node
	for _, n := range nodes {
		kind, _ := parseNode(n.ID)
		used[nodeColumn[kind]] = true
		near, auto := v.auto[n.ID]
		switch {
		case !auto:
			taken = append(taken, n.Pos)
		case near != "":
			beside = append(beside, n)
		default:
			free = append(free, n)
		}
	}
	rank := func(kind string) int {
		r := 0
		for c := range used {
			if c < nodeColumn[kind] {
				r++
			}
		}
		return r
	}
	overlaps := func(p fyne.Position) bool {
		for _, q := range taken {
			if p.X < q.X+s.Width && q.X < p.X+s.Width && p.Y < q.Y+s.Height && q.Y < p.Y+s.Height {
				return true
			}
		}
		return false
	}
	at := map[string]fyne.Position{}
	place := func(n widgets.Node, p fyne.Position) {
		p = widgets.Snap(p)
		for overlaps(p) {
			p = p.AddXY(0, rowH)
		}
		taken = append(taken, p)
		at[n.ID] = p
		n.Pos = p
		v.canvas.PutNode(n)
	}
	byColumn := func(ns []widgets.Node) {
		slices.SortFunc(ns, func(a, b widgets.Node) int {
			ka, _ := parseNode(a.ID)
			kb, _ := parseNode(b.ID)
			if d := nodeColumn[ka] - nodeColumn[kb]; d != 0 {
				return d
			}
			return strings.Compare(a.ID, b.ID)
		})
	}
	byColumn(free)
	byColumn(beside)
	for _, n := range free {
		kind, _ := parseNode(n.ID)
		place(n, fyne.NewPos(g*2+float32(rank(kind))*colW, g*2))
	}
	for _, n := range beside {
		anchor, ok := at[v.auto[n.ID]]
		if !ok {
			if a, found := v.canvas.Node(v.auto[n.ID]); found {
				anchor, ok = a.Pos, true
			}
		}
		if !ok {
			kind, _ := parseNode(n.ID)
			anchor = fyne.NewPos(g*2+float32(rank(kind)-1)*colW, g*2)
		}
		place(n, anchor.AddXY(colW, 0))
	}
}

func (v *flowView) savePosition(id string, p fyne.Position) {
	v.prefs.SetString(prefPositionPrefix+id, fmt.Sprintf("%g,%g", p.X, p.Y))
}

// changed applies a canvas edit (or its undo or redo) to the core. Adding
// what exists already (the form or the dialog made it) does nothing.
func (v *flowView) changed(c widgets.Change) {
	ctx := context.Background()
	var err error
	switch c.Kind {
	case widgets.NodeAdded:
		if resourceExists(v.core, c.Node.ID) {
			break
		}
		if f := v.remake[c.Node.ID]; f != nil {
			err = f(ctx, v.core)
		} else {
			err = errors.New("it cannot be made again")
		}
	case widgets.NodeRemoved:
		if !resourceExists(v.core, c.Node.ID) {
			break
		}
		var f recreator
		if f, err = captureResource(v.core, c.Node.ID); err == nil {
			v.remake[c.Node.ID] = f
			err = deleteResource(ctx, v.core, c.Node.ID)
		}
	case widgets.EdgeAdded:
		l, known := v.links[c.Edge.ID]
		if _, ok := findLink(v.core, c.Edge.From, c.Edge.To); ok {
			break
		}
		if !known {
			err = errors.New("the link is unknown")
			break
		}
		err = makeLink(ctx, v.core, l)
	case widgets.EdgeRemoved:
		if l, ok := findLink(v.core, c.Edge.From, c.Edge.To); ok {
			v.links[c.Edge.ID] = l
			err = removeLink(ctx, v.core, l)
		}
	}
	if err != nil {
		dialog.ShowError(fmt.Errorf("%s: %w", c.Kind, inWords(err)), v.win)
	}
}

// connect is asked before a user-drawn link exists. It makes the link in
// the core, opens the subscription dialog for a topic (the edge comes when
// it is confirmed), or refuses with the reason, which becomes the tooltip.
func (v *flowView) connect(from, to string) (string, error) {
	fk, _ := parseNode(from)
	tk, _ := parseNode(to)
	l := link{from: from, to: to}
	switch {
	case fk == nodeQueue && tk == nodeQueue:
		l.kind, l.max = linkRedrive, defaultMaxReceiveCount
	case (fk == nodeQueue || fk == nodeStream) && tk == nodeFunction:
		l.kind = linkMapping
	case fk == nodeTopic && (tk == nodeQueue || tk == nodeFunction):
		v.openSubscribe(from, to, subscribeValues{}, nil)
		return "", widgets.ErrPending
	case fk == nodeRoute && integrationTypes[tk] != "":
		_, name := parseNode(from)
		api, key := routeOf(name)
		if r, ok := findRoute(v.core, api, key); ok && integrationNode(r.Integration.Type) != "" {
			return "", fmt.Errorf("%s already sends to %s %s: delete that edge first", key,
				nodeLabels[integrationNode(r.Integration.Type)], r.Integration.Target)
		}
		l.kind = linkIntegration
	default:
		return "", refusal(fk, tk)
	}
	if err := makeLink(context.Background(), v.core, l); err != nil {
		return "", inWords(err)
	}
	if got, ok := findLink(v.core, from, to); ok {
		l = got
	}
	v.links[l.id()] = l
	return l.label(), nil
}

// refusal says why a link from one kind to another cannot exist.
func refusal(from, to string) error {
	what := withArticle(nodeLabels[to])
	switch from {
	case nodeQueue:
		if to == nodeTopic {
			return errors.New("A queue cannot publish to a topic: it feeds a function or dead-letters into a queue")
		}
		return fmt.Errorf("A queue cannot feed %s: it feeds a function or dead-letters into a queue", what)
	case nodeTopic:
		return fmt.Errorf("A topic cannot deliver to %s: it delivers to queues and functions", what)
	case nodeStream:
		return fmt.Errorf("A stream cannot feed %s: only a function reads a stream", what)
	case nodeAPI:
		return fmt.Errorf("An API cannot send to %s: drop a Route onto the API and connect the route", what)
	case nodeRoute:
		return fmt.Errorf("A route cannot send to %s: it sends to a queue, topic, stream, state machine or function", what)
	case nodeMachine:
		return fmt.Errorf("A state machine calls %s from a Task state: add one in its editor", what)
	case nodeFunction:
		return fmt.Errorf("A function cannot send to %s: it calls services from its code; connect sources to it instead", what)
	}
	return fmt.Errorf("%s cannot link to %s", from, to)
}

// nodeMenu builds a node's context menu: open it in the inspector, or
// delete it (after a confirmation, and undoable on the canvas).
func (v *flowView) nodeMenu(id string) *fyne.Menu {
	kind, _ := parseNode(id)
	items := []*fyne.MenuItem{fyne.NewMenuItem("Inspect", func() {
		if v.onSelect != nil {
			v.onSelect(selectionOf(id))
		}
	})}
	if v.actions != nil { // the one-click actions the inspector offers
		k, name := selectionOf(id)
		if acts := v.actions(k, name); len(acts) > 0 {
			items = append(append(items, fyne.NewMenuItemSeparator()), acts...)
		}
	}
	items = append(items, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Delete "+nodeLabels[kind]+"…", func() { v.confirmDelete(id) }))
	return fyne.NewMenu("", items...)
}

func (v *flowView) showNodeMenu(id string, abs fyne.Position) {
	widget.ShowPopUpMenuAtPosition(v.nodeMenu(id), v.win.Canvas(), abs)
}

// confirmDelete asks before deleting a node's resource; the deletion is a
// canvas edit, so Undo brings the resource back (a queue empty).
func (v *flowView) confirmDelete(id string) {
	v.canvas.Select([]string{id}, nil)
	v.confirmDeleteSelection([]string{id}, nil)
}

// confirmDeleteSelection asks before the Delete key removes the selected
// resources and links from the core. Task edges belong to a state
// machine's definition and are not deleted here.
func (v *flowView) confirmDeleteSelection(nodes, edges []string) {
	for _, id := range edges {
		if l := v.links[id]; l.kind == linkTask {
			v.notice = "This edge is the " + l.state + " Task state of the state machine: change it in the machine's editor."
			dialog.ShowInformation("Cannot delete", v.notice, v.win)
			return
		}
	}
	title, msg := "Delete", deleteQuestion(v, nodes, edges)
	if len(nodes) == 1 && len(edges) == 0 {
		kind, _ := parseNode(nodes[0])
		title = "Delete " + nodeLabels[kind]
	}
	v.confirm = dialog.NewConfirm(title, msg, func(ok bool) {
		v.confirm = nil
		if ok {
			v.canvas.DeleteSelection()
			v.syncAll()
		}
	}, v.win)
	v.confirm.Show()
}

func deleteQuestion(v *flowView, nodes, edges []string) string {
	var parts []string
	for _, id := range nodes {
		kind, name := parseNode(id)
		if kind == nodeRoute {
			_, name = routeOf(name)
		}
		if kind == nodeQueue && len(nodes) == 1 && len(edges) == 0 {
			return "Delete " + name + " and all its messages?"
		}
		parts = append(parts, nodeLabels[kind]+" "+name)
	}
	for _, id := range edges {
		l := v.links[id]
		_, from := parseNode(l.from)
		_, to := parseNode(l.to)
		parts = append(parts, "the "+l.kind+" "+from+" → "+to)
	}
	return "Delete " + strings.Join(parts, ", ") + "?"
}

// nodeNames lists the canvas's queue names, sorted, for tests and the log.
func (v *flowView) nodeNames() []string { return v.namesOf(nodeQueue) }

// namesOf lists the names of a kind's nodes, sorted.
func (v *flowView) namesOf(kind string) []string {
	var out []string
	for _, n := range v.canvas.Nodes() {
		if k, name := parseNode(n.ID); k == kind {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
