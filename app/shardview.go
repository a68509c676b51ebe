package app

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/stream"
)

// The inspector's "Shards" section for streams: each shard's hash-key range
// as a bar over the 128-bit key space, open and closed shards with their
// parents, per-shard lag, where a typed partition key lands (the core's own
// MD5 routing), and buttons that split a shard at its midpoint or merge it
// with the next adjacent open shard.

func init() {
	registerInspectorSection(inspectorSection{order: 20, title: "Shards", build: buildShardSection})
}

// shardViews keeps each core's view, so the key being typed survives the
// inspector's rebuilds. Views are used on the UI thread; the lock guards
// the map only.
var shardViews = struct {
	sync.Mutex
	m map[*core.Core]*shardView
}{m: map[*core.Core]*shardView{}}

func buildShardSection(sc sectionContext) fyne.CanvasObject {
	if sc.kind != Streams || sc.name == "" || sc.core.Streams() == nil {
		return nil
	}
	shardViews.Lock()
	v := shardViews.m[sc.core]
	if v == nil || v.name != sc.name {
		v = newShardView(sc.core.Streams(), sc.name)
		shardViews.m[sc.core] = v
	}
	shardViews.Unlock()
	v.refresh()
	return v.content
}

// shardView draws one stream's shards. Use it on the UI thread.
type shardView struct {
	svc  *stream.Service
	name string

	key     *widget.Entry // partition key to place
	landing *widget.Label // where it lands
	status  *widget.Label // errors of the last action, in words
	rows    *fyne.Container
	content fyne.CanvasObject

	shards []stream.ShardInfo
	hash   float64 // the key's position, 0..1; <0 when none
	lands  string  // shard the key lands in
	tracks map[string]*trackLayout
	splits map[string]*widget.Button
	merges map[string]*widget.Button
}

func newShardView(svc *stream.Service, name string) *shardView {
	v := &shardView{svc: svc, name: name, hash: -1, key: widget.NewEntry(), landing: widget.NewLabel(""),
		status: widget.NewLabel(""), rows: container.NewVBox()}
	v.key.SetPlaceHolder("Partition key: where does it land?")
	v.key.OnChanged = func(string) { v.place() }
	v.landing.Wrapping = fyne.TextWrapWord
	v.status.Wrapping = fyne.TextWrapWord
	v.status.Importance = widget.DangerImportance
	v.status.Hide()
	v.content = container.NewVBox(v.rows, v.key, v.landing, v.status)
	return v
}

// refresh reads the shards from the core and redraws the rows.
func (v *shardView) refresh() {
	d, err := v.svc.Describe(v.name)
	if err != nil {
		v.rows.RemoveAll()
		v.showError(err)
		return
	}
	v.shards = d.Shards
	v.rows.RemoveAll()
	v.tracks, v.splits, v.merges = map[string]*trackLayout{}, map[string]*widget.Button{}, map[string]*widget.Button{}
	for _, sh := range v.shards {
		v.rows.Add(v.row(sh))
	}
	v.place()
	v.content.Refresh() // the rows changed: lay the section out again
}

// row is one shard: name and lineage, its range bar, lag, and actions.
func (v *shardView) row(sh stream.ShardInfo) fyne.CanvasObject {
	open := sh.Open()
	label := shortShard(sh.ID)
	if sh.Parent != "" {
		label += " ← " + shortShard(sh.Parent)
		if sh.AdjacentParent != "" {
			label += "+" + shortShard(sh.AdjacentParent)
		}
	}
	name := widget.NewLabel(label)
	if !open {
		name.Importance = widget.LowImportance
	}
	state := "closed"
	if open {
		state = "lag " + shortLag(sh.IteratorAge)
		if sh.LatestSeq != "" {
			state += " · …" + tail(sh.LatestSeq, 6)
		}
	}
	lag := widget.NewLabel(state)
	lag.Importance = widget.LowImportance

	fill := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	if !open {
		fill.FillColor = theme.Color(theme.ColorNameDisabled)
	}
	fill.CornerRadius = theme.InputRadiusSize()
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	marker := canvas.NewRectangle(theme.Color(theme.ColorNameError))
	tl := &trackLayout{start: fraction(sh.Range.Start), end: fraction(sh.Range.End), marker: -1}
	v.tracks[sh.ID] = tl
	track := container.New(tl, bg, fill, marker)

	var actions fyne.CanvasObject = widget.NewLabel("")
	if open {
		split := widget.NewButton("Split", func() { v.split(sh) })
		v.splits[sh.ID] = split
		box := container.NewHBox(split)
		if next := v.adjacentOpen(sh); next != "" {
			merge := widget.NewButton("Merge "+shortShard(next), func() { v.merge(sh.ID, next) })
			v.merges[sh.ID] = merge
			box.Add(merge)
		}
		actions = box
	}
	// Two lines a shard, so the section fits the inspector's usual width:
	// the name and its range bar, then its lag and the actions.
	h := widget.NewButton("Merge 0000", nil).MinSize().Height
	left := container.NewGridWrap(fyne.NewSize(textWidth("0000 ← 0000+0000"), h), name)
	lag.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(container.NewBorder(nil, nil, left, nil, track),
		container.NewBorder(nil, nil, nil, actions, lag))
}

// textWidth is the width a label needs for s.
func textWidth(s string) float32 {
	return fyne.MeasureText(s, theme.TextSize(), fyne.TextStyle{Bold: true}).Width + theme.InnerPadding()*2
}

// adjacentOpen returns the open shard whose range starts right after sh's.
func (v *shardView) adjacentOpen(sh stream.ShardInfo) string {
	for _, o := range v.shards {
		if o.Open() && o.ID != sh.ID && sh.Range.End.Add1() == o.Range.Start && sh.Range.End.Cmp(o.Range.Start) < 0 {
			return o.ID
		}
	}
	return ""
}

// place routes the typed key through the core and marks where it lands.
func (v *shardView) place() {
	key := v.key.Text
	v.hash, v.lands = -1, ""
	if key == "" {
		v.landing.SetText("")
	} else if l, err := v.svc.ShardFor(v.name, key, ""); err != nil {
		v.landing.SetText(err.Error())
	} else {
		v.hash, v.lands = fraction(l.Hash), l.ShardID
		v.landing.SetText(fmt.Sprintf("%q → MD5 %s → %s", key, l.Hash, l.ShardID))
	}
	for id, tl := range v.tracks {
		tl.marker = -1
		if id == v.lands {
			tl.marker = float32(v.hash)
		}
	}
	v.rows.Refresh()
}

func (v *shardView) split(sh stream.ShardInfo) {
	mid := midpoint(sh.Range)
	v.act(v.svc.SplitShard(context.Background(), v.name, sh.ID, mid))
}

func (v *shardView) merge(a, b string) {
	v.act(v.svc.MergeShards(context.Background(), v.name, a, b))
}

// act shows the core's error in words, or redraws after a reshard.
func (v *shardView) act(err error) {
	if err != nil {
		v.showError(err)
		return
	}
	v.status.Hide()
	v.refresh()
}

func (v *shardView) showError(err error) {
	v.status.SetText(err.Error())
	v.status.Show()
}

// midpoint is the first hash key of a split's upper child: the middle of
// the range, rounded up so both children are non-empty.
func midpoint(r stream.HashRange) string {
	lo, hi := r.Start.Big(), r.End.Big()
	m := new(big.Int).Add(lo, hi)
	m.Add(m, big.NewInt(1))
	m.Rsh(m, 1)
	return m.String()
}

// fraction places a hash key on the 128-bit space, 0..1.
func fraction(k stream.HashKey) float64 {
	return (float64(k.Hi) + float64(k.Lo)/math.Exp2(64)) / math.Exp2(64)
}

// shortShard turns shardId-000000000003 into 0003.
func shortShard(id string) string {
	s := strings.TrimPrefix(id, "shardId-")
	if len(s) > 4 && strings.Trim(s[:len(s)-4], "0") == "" {
		return s[len(s)-4:]
	}
	return s
}

func shortLag(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// trackLayout lays out a bar's background, its range and the key marker:
// objects are the background, the fill and the marker.
type trackLayout struct {
	start, end float64 // the range, 0..1
	marker     float32 // the key's position, 0..1; <0 hides it
}

func (l *trackLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	h := size.Height * 0.6
	y := (size.Height - h) / 2
	objs[0].Move(fyne.NewPos(0, y))
	objs[0].Resize(fyne.NewSize(size.Width, h))
	x0, x1 := float32(l.start)*size.Width, float32(l.end)*size.Width
	objs[1].Move(fyne.NewPos(x0, y))
	objs[1].Resize(fyne.NewSize(fyne.Max(1, x1-x0-1), h))
	if l.marker < 0 {
		objs[2].Hide()
	} else {
		objs[2].Show()
	}
	objs[2].Move(fyne.NewPos(l.marker*size.Width-1, 0))
	objs[2].Resize(fyne.NewSize(2, size.Height))
}

func (l *trackLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(theme.IconInlineSize()*4, theme.IconInlineSize())
}
