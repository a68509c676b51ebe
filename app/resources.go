package app

import (
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// ResourceKind is one of the six kinds of resource the core hosts; the
// resource tree shows one branch per kind.
type ResourceKind int

// The kinds, in the tree's order.
const (
	Queues ResourceKind = iota
	Topics
	Streams
	APIs
	StateMachines
	Functions
)

var kindInfo = [...]struct{ id, label, singular string }{
	Queues:        {"queues", "Queues", "Queue"},
	Topics:        {"topics", "Topics", "Topic"},
	Streams:       {"streams", "Streams", "Stream"},
	APIs:          {"apis", "APIs", "API"},
	StateMachines: {"machines", "State machines", "State machine"},
	Functions:     {"functions", "Functions", "Function"},
}

// ResourceKinds returns every kind in display order.
func ResourceKinds() []ResourceKind {
	return []ResourceKind{Queues, Topics, Streams, APIs, StateMachines, Functions}
}

func (k ResourceKind) valid() bool { return k >= 0 && int(k) < len(kindInfo) }

// String returns the kind's plural label, e.g. "State machines".
func (k ResourceKind) String() string {
	if !k.valid() {
		return "ResourceKind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindInfo[k].label
}

// Singular returns the label of one resource of the kind, e.g. "State machine".
func (k ResourceKind) Singular() string {
	if !k.valid() {
		return k.String()
	}
	return kindInfo[k].singular
}

func kindByID(id string) (ResourceKind, bool) {
	for _, k := range ResourceKinds() {
		if kindInfo[k].id == id {
			return k, true
		}
	}
	return 0, false
}

// Tree node IDs: a branch is the kind's id ("queues"); a leaf is the kind's
// id, a slash and the resource name ("queues/orders").
func branchUID(k ResourceKind) widget.TreeNodeID { return kindInfo[k].id }

func leafUID(k ResourceKind, name string) widget.TreeNodeID { return kindInfo[k].id + "/" + name }

func parseUID(uid widget.TreeNodeID) (k ResourceKind, name string, ok bool) {
	id, name, _ := strings.Cut(uid, "/")
	k, ok = kindByID(id)
	return k, name, ok
}

// resourceTree is the left panel: one branch per kind with a live count and
// the resources of that kind as leaves. Use it from the UI thread only.
type resourceTree struct {
	names    map[ResourceKind][]string
	details  map[ResourceKind]map[string]string // per-leaf badge, e.g. a queue's counts
	tree     *widget.Tree
	selected widget.TreeNodeID
	onSelect func(k ResourceKind, name string) // name "" when nothing is selected
}

func newResourceTree(onSelect func(ResourceKind, string)) *resourceTree {
	r := &resourceTree{names: map[ResourceKind][]string{}, details: map[ResourceKind]map[string]string{}, onSelect: onSelect}
	r.tree = &widget.Tree{
		ChildUIDs:  r.childUIDs,
		IsBranch:   func(uid widget.TreeNodeID) bool { return uid == "" || !strings.Contains(uid, "/") },
		CreateNode: r.createNode,
		UpdateNode: r.updateNode,
		OnSelected: r.selectNode,
		OnUnselected: func(uid widget.TreeNodeID) {
			if uid == r.selected {
				r.selected = ""
				r.onSelect(0, "")
			}
		},
	}
	r.tree.ExtendBaseWidget(r.tree)
	r.tree.OpenAllBranches()
	return r
}

func (r *resourceTree) childUIDs(uid widget.TreeNodeID) []widget.TreeNodeID {
	if uid == "" {
		ids := make([]widget.TreeNodeID, 0, len(kindInfo))
		for _, k := range ResourceKinds() {
			ids = append(ids, branchUID(k))
		}
		return ids
	}
	k, name, ok := parseUID(uid)
	if !ok || name != "" {
		return nil
	}
	ids := make([]widget.TreeNodeID, 0, len(r.names[k]))
	for _, n := range r.names[k] {
		ids = append(ids, leafUID(k, n))
	}
	return ids
}

func (r *resourceTree) createNode(branch bool) fyne.CanvasObject {
	name := widget.NewLabel("")
	name.Truncation = fyne.TextTruncateEllipsis
	name.TextStyle.Bold = branch
	count := newMuted("", fyne.TextAlignTrailing)
	return container.NewBorder(nil, nil, nil, count, name)
}

func (r *resourceTree) updateNode(uid widget.TreeNodeID, branch bool, o fyne.CanvasObject) {
	row := o.(*fyne.Container)
	name, count := row.Objects[0].(*widget.Label), row.Objects[1].(*widget.RichText)
	k, n, ok := parseUID(uid)
	if !ok {
		return
	}
	if branch {
		setLabel(name, k.String())
		setMuted(count, strconv.Itoa(len(r.names[k])))
		return
	}
	setLabel(name, n)
	setMuted(count, r.details[k][n])
}

// setLabel changes l's text when it differs: every tree refresh updates
// every visible row, and an unchanged label need not lay itself out again.
func setLabel(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

// setDetails sets the leaves' badges of kind k (shown at the next set or Refresh).
func (r *resourceTree) setDetails(k ResourceKind, details map[string]string) {
	r.details[k] = details
}

func (r *resourceTree) selectNode(uid widget.TreeNodeID) {
	k, name, ok := parseUID(uid)
	if !ok {
		return
	}
	if name == "" { // a category: fold or unfold it rather than select it
		r.tree.Unselect(uid)
		r.tree.ToggleBranch(uid)
		return
	}
	r.selected = uid
	r.onSelect(k, name)
}

// set replaces the resources of kind k (kept sorted) and redraws the tree.
func (r *resourceTree) set(k ResourceKind, names []string) {
	if !k.valid() {
		return
	}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	r.names[k] = slices.Compact(sorted)
	if sk, sn, ok := parseUID(r.selected); ok && sk == k && !slices.Contains(r.names[k], sn) {
		r.tree.Unselect(r.selected)
	}
	r.tree.Refresh()
}

// count returns how many resources of kind k the tree shows.
func (r *resourceTree) count(k ResourceKind) int { return len(r.names[k]) }
