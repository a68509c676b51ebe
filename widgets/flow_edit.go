package widgets

import (
	"fmt"
	"slices"
	"sort"

	"fyne.io/fyne/v2"
)

// maxHistory bounds the undo stack.
const maxHistory = 500

// edit is one undoable change to the canvas. apply and revert use the
// canvas's primitives, which report every step through OnChange.
type edit interface {
	apply(f *FlowCanvas)
	revert(f *FlowCanvas)
}

// record applies a new edit and makes it the one Undo reverts next.
func (f *FlowCanvas) record(e edit) {
	e.apply(f)
	f.undo = append(f.undo, e)
	if len(f.undo) > maxHistory {
		f.undo = slices.Delete(f.undo, 0, len(f.undo)-maxHistory)
	}
	f.redo = nil
	f.refresh()
}

// Undo reverts the last edit; it reports whether there was one.
func (f *FlowCanvas) Undo() bool {
	if len(f.undo) == 0 {
		return false
	}
	e := f.undo[len(f.undo)-1]
	f.undo = f.undo[:len(f.undo)-1]
	e.revert(f)
	f.redo = append(f.redo, e)
	f.refresh()
	return true
}

// Redo applies the last undone edit again; it reports whether there was one.
func (f *FlowCanvas) Redo() bool {
	if len(f.redo) == 0 {
		return false
	}
	e := f.redo[len(f.redo)-1]
	f.redo = f.redo[:len(f.redo)-1]
	e.apply(f)
	f.undo = append(f.undo, e)
	f.refresh()
	return true
}

// CanUndo and CanRedo say whether Undo and Redo have anything to do.
func (f *FlowCanvas) CanUndo() bool { return len(f.undo) > 0 }

// CanRedo says whether Redo has anything to do.
func (f *FlowCanvas) CanRedo() bool { return len(f.redo) > 0 }

// AddNode adds a node as an undoable edit; a zero position means the next
// free one. Positions snap to the grid.
func (f *FlowCanvas) AddNode(n Node) error {
	if f.nodeIndex(n.ID) >= 0 {
		return fmt.Errorf("node %q: %w", n.ID, ErrDuplicate)
	}
	if n.Pos.IsZero() {
		n.Pos = f.FreePosition()
	}
	n.Pos = Snap(n.Pos)
	n.Badges = slices.Clone(n.Badges)
	f.record(&addNodes{nodes: []indexedNode{{len(f.nodes), n}}})
	return nil
}

// Connect adds an edge as an undoable edit, after OnConnect agreed. The
// error is OnConnect's refusal or why the edge cannot exist.
func (f *FlowCanvas) Connect(from, to string) error {
	e := normEdge(Edge{From: from, To: to})
	if err := f.checkEnds(e); err != nil {
		return err
	}
	if f.edgeIndex(e.ID) >= 0 {
		return fmt.Errorf("%s is %w", e.ID, ErrDuplicate)
	}
	if f.OnConnect != nil {
		label, err := f.OnConnect(from, to)
		if err != nil {
			return err
		}
		e.Label = label
	}
	f.record(&addEdges{edges: []indexedEdge{{len(f.edges), e}}})
	return nil
}

// AddEdge adds an edge as an undoable edit without asking OnConnect: the
// link it stands for was made already (see ErrPending).
func (f *FlowCanvas) AddEdge(e Edge) error {
	e = normEdge(e)
	if err := f.checkEnds(e); err != nil {
		return err
	}
	if f.edgeIndex(e.ID) >= 0 {
		return fmt.Errorf("%s is %w", e.ID, ErrDuplicate)
	}
	f.record(&addEdges{edges: []indexedEdge{{len(f.edges), e}}})
	return nil
}

// MoveNodes moves nodes to new model positions (snapped) as one edit.
func (f *FlowCanvas) MoveNodes(to map[string]fyne.Position) {
	m := &moveNodes{}
	for _, id := range sortedKeys(to) {
		i := f.nodeIndex(id)
		if i < 0 {
			continue
		}
		p := Snap(to[id])
		if p != f.nodes[i].Pos {
			m.ids = append(m.ids, id)
			m.from = append(m.from, f.nodes[i].Pos)
			m.to = append(m.to, p)
		}
	}
	if len(m.ids) > 0 {
		f.record(m)
	}
}

// DeleteSelection removes the selected nodes, their edges and the selected
// edges as one edit; it reports whether anything was selected.
func (f *FlowCanvas) DeleteSelection() bool {
	d := &deleteItems{}
	for i, e := range f.edges {
		if f.selEdges[e.ID] || f.selNodes[e.From] || f.selNodes[e.To] {
			d.edges = append(d.edges, indexedEdge{i, *e})
		}
	}
	for i, n := range f.nodes {
		if f.selNodes[n.ID] {
			d.nodes = append(d.nodes, indexedNode{i, *n})
		}
	}
	if len(d.nodes)+len(d.edges) == 0 {
		return false
	}
	f.record(d)
	f.selectOnly(nil, nil)
	return true
}

type indexedNode struct {
	at   int
	node Node
}

type indexedEdge struct {
	at   int
	edge Edge
}

type addNodes struct{ nodes []indexedNode }

func (a *addNodes) apply(f *FlowCanvas)  { f.insertNodes(a.nodes) }
func (a *addNodes) revert(f *FlowCanvas) { f.deleteNodes(a.nodes) }

type addEdges struct{ edges []indexedEdge }

func (a *addEdges) apply(f *FlowCanvas)  { f.insertEdges(a.edges) }
func (a *addEdges) revert(f *FlowCanvas) { f.deleteEdges(a.edges) }

// deleteItems removes edges first, then nodes; revert restores in reverse.
type deleteItems struct {
	nodes []indexedNode
	edges []indexedEdge
}

func (d *deleteItems) apply(f *FlowCanvas) {
	f.deleteEdges(d.edges)
	f.deleteNodes(d.nodes)
}

func (d *deleteItems) revert(f *FlowCanvas) {
	f.insertNodes(d.nodes)
	f.insertEdges(d.edges)
}

type moveNodes struct {
	ids      []string
	from, to []fyne.Position
}

func (m *moveNodes) apply(f *FlowCanvas)  { f.placeNodes(m.ids, m.to) }
func (m *moveNodes) revert(f *FlowCanvas) { f.placeNodes(m.ids, m.from) }

// The primitives below keep the order items had (ascending indices) and
// tolerate items that external Put/Remove calls have changed meanwhile.

func (f *FlowCanvas) insertNodes(ns []indexedNode) {
	for _, in := range ns {
		if f.nodeIndex(in.node.ID) >= 0 {
			continue
		}
		n := in.node
		n.Badges = slices.Clone(n.Badges)
		f.nodes = slices.Insert(f.nodes, min(in.at, len(f.nodes)), &n)
		f.changed(Change{Kind: NodeAdded, Node: n})
	}
}

func (f *FlowCanvas) deleteNodes(ns []indexedNode) {
	for k := len(ns) - 1; k >= 0; k-- {
		if i := f.nodeIndex(ns[k].node.ID); i >= 0 {
			n := *f.nodes[i]
			f.nodes = slices.Delete(f.nodes, i, i+1)
			delete(f.selNodes, n.ID)
			f.changed(Change{Kind: NodeRemoved, Node: n})
		}
	}
}

func (f *FlowCanvas) insertEdges(es []indexedEdge) {
	for _, ie := range es {
		if f.edgeIndex(ie.edge.ID) >= 0 || f.checkEnds(ie.edge) != nil {
			continue
		}
		e := ie.edge
		f.edges = slices.Insert(f.edges, min(ie.at, len(f.edges)), &e)
		f.changed(Change{Kind: EdgeAdded, Edge: e})
	}
}

func (f *FlowCanvas) deleteEdges(es []indexedEdge) {
	for k := len(es) - 1; k >= 0; k-- {
		if i := f.edgeIndex(es[k].edge.ID); i >= 0 {
			e := *f.edges[i]
			f.edges = slices.Delete(f.edges, i, i+1)
			delete(f.selEdges, e.ID)
			f.changed(Change{Kind: EdgeRemoved, Edge: e})
		}
	}
}

func (f *FlowCanvas) placeNodes(ids []string, to []fyne.Position) {
	for k, id := range ids {
		i := f.nodeIndex(id)
		if i < 0 {
			continue
		}
		f.nodes[i].Pos = to[k]
		f.changed(Change{Kind: NodeMoved, Node: *f.nodes[i]})
		if f.OnNodeMoved != nil {
			f.OnNodeMoved(id, to[k])
		}
	}
}

func (f *FlowCanvas) changed(c Change) {
	if f.OnChange != nil {
		f.OnChange(c)
	}
}

// Selected returns the ids of the selected nodes and edges, sorted.
func (f *FlowCanvas) Selected() (nodes, edges []string) {
	return sortedKeys(f.selNodes), sortedKeys(f.selEdges)
}

// Select replaces the selection.
func (f *FlowCanvas) Select(nodes, edges []string) {
	f.selectOnly(nodes, edges)
}

// SelectAll selects every node and edge.
func (f *FlowCanvas) SelectAll() {
	var ns, es []string
	for _, n := range f.nodes {
		ns = append(ns, n.ID)
	}
	for _, e := range f.edges {
		es = append(es, e.ID)
	}
	f.selectOnly(ns, es)
}

func (f *FlowCanvas) selectOnly(nodes, edges []string) {
	sn, se := map[string]bool{}, map[string]bool{}
	for _, id := range nodes {
		if f.nodeIndex(id) >= 0 {
			sn[id] = true
		}
	}
	for _, id := range edges {
		if f.edgeIndex(id) >= 0 {
			se[id] = true
		}
	}
	f.setSelection(sn, se)
}

func (f *FlowCanvas) setSelection(sn, se map[string]bool) {
	same := mapsEqual(sn, f.selNodes) && mapsEqual(se, f.selEdges)
	f.selNodes, f.selEdges = sn, se
	f.refresh()
	if !same && f.OnSelect != nil {
		f.OnSelect(f.Selected())
	}
}

func (f *FlowCanvas) toggleNode(id string) {
	sn, se := cloneSet(f.selNodes), cloneSet(f.selEdges)
	if sn[id] {
		delete(sn, id)
	} else {
		sn[id] = true
	}
	f.setSelection(sn, se)
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func cloneSet(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
