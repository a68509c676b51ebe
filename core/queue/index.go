package queue

// The index is a queue's hot state: for every stored message a 24-byte
// entry (no body), per-group rings giving the delivery order, a ring of
// groups that have something to deliver (round robin, which is what makes
// fair queues fair and FIFO groups independent), and heaps of delayed and
// in-flight messages by the time they become visible. Every operation is
// O(1) or O(log n) in the number of stored messages. It is not safe for
// concurrent use: its queue's mutex guards it.
//
// Standard queues keep only ready messages in their group rings (in the
// order they became available). FIFO queues keep every live message of a
// group in its ring in send order, so the head is always the next message
// of the group, and a group is deliverable only when nothing of it is in
// flight and its head is ready.
//
// Removed messages are not searched for in rings and heaps: entries whose
// message is gone or has changed are skipped when they come up.

// Message states.
const (
	stReady uint32 = iota
	stDelayed
	stInflight
)

// meta is what the index keeps per message.
type meta struct {
	sentAt    int64  // epoch ms (retention)
	visibleAt int64  // epoch ms: end of the delay or visibility deadline
	rc        uint32 // receive count
	gs        uint32 // group index << 2 | state
}

func (m meta) state() uint32      { return m.gs & 3 }
func (m meta) group() uint32      { return m.gs >> 2 }
func (m *meta) setState(s uint32) { m.gs = m.gs&^3 | s }

// group is a message group ("" for messages without MessageGroupId).
type group struct {
	name     string
	ids      ring[int64]
	refs     int32 // live messages of the group
	inflight int32 // FIFO: messages of the group in flight
	active   bool  // in index.active
}

// verdict is what a take visitor decides for a candidate message.
type verdict int

const (
	deliver verdict = iota // mark in flight and return it
	drop                   // remove it (expired, or moved to a dead-letter queue)
	extract                // remove it and return it (message move tasks)
)

// taken is a message handed out by take.
type taken struct {
	id     int64
	rc     uint32 // receive count after this receive
	sentAt int64
	group  string
}

// maxDropsPerTake bounds the work one take spends on dropped messages.
const maxDropsPerTake = 1000

type index struct {
	fifo     bool
	msgs     map[int64]meta
	groups   []*group
	byName   map[string]uint32
	free     []uint32
	active   ring[uint32]
	delayed  dueHeap
	inflight dueHeap
	// ages holds every stored message by send time, for retention and the
	// age of the oldest message (the store keeps no index of send times).
	// Entries of removed messages stay until they come up or compactAges
	// drops them, so the heap holds at most about twice the live messages.
	ages dueHeap

	visible, notVisible, delayedN int64
}

func newIndex(fifo bool) *index {
	return &index{
		fifo:   fifo,
		msgs:   make(map[int64]meta),
		groups: []*group{{name: ""}},
		byName: map[string]uint32{"": 0},
	}
}

// groupFor returns the index of the named group, creating it.
func (x *index) groupFor(name string) uint32 {
	if gi, ok := x.byName[name]; ok {
		return gi
	}
	g := &group{name: name}
	var gi uint32
	if n := len(x.free); n > 0 {
		gi = x.free[n-1]
		x.free = x.free[:n-1]
		x.groups[gi] = g
	} else {
		gi = uint32(len(x.groups))
		x.groups = append(x.groups, g)
	}
	x.byName[name] = gi
	return gi
}

// insert adds a message. A message with receive count 0 not yet visible is
// delayed; one with receive count > 0 is in flight. It reports whether the
// message is ready now.
func (x *index) insert(id, sentAt, visibleAt int64, rc uint32, groupName string, now int64) bool {
	gi := x.groupFor(groupName)
	g := x.groups[gi]
	g.refs++
	m := meta{sentAt: sentAt, visibleAt: visibleAt, rc: rc, gs: gi << 2}
	x.ages.push(due{sentAt, id})
	if x.ages.len() > 2*len(x.msgs)+1024 {
		x.compactAges()
	}
	if x.fifo {
		g.ids.push(id)
	}
	switch {
	case visibleAt > now && rc == 0:
		m.setState(stDelayed)
		x.delayed.push(due{visibleAt, id})
		x.delayedN++
	case visibleAt > now:
		m.setState(stInflight)
		x.inflight.push(due{visibleAt, id})
		x.notVisible++
		if x.fifo {
			g.inflight++
		}
	default:
		m.setState(stReady)
		x.visible++
	}
	x.msgs[id] = m
	if m.state() != stReady {
		return false
	}
	x.readied(id, gi)
	return true
}

// readied files a message that just became ready.
func (x *index) readied(id int64, gi uint32) {
	if x.fifo {
		x.check(gi)
		return
	}
	x.groups[gi].ids.push(id)
	x.activate(gi)
}

// activate puts a group in the round-robin ring.
func (x *index) activate(gi uint32) {
	if g := x.groups[gi]; !g.active {
		g.active = true
		x.active.push(gi)
	}
}

// check activates a group that has something to deliver, and frees one
// that holds nothing any more.
func (x *index) check(gi uint32) {
	g := x.groups[gi]
	if g.active {
		return
	}
	if !x.fifo {
		if g.ids.len() > 0 {
			x.activate(gi)
		} else {
			x.maybeFree(gi)
		}
		return
	}
	if g.inflight > 0 {
		return
	}
	for g.ids.len() > 0 {
		if _, ok := x.msgs[g.ids.front()]; ok {
			break
		}
		g.ids.pop()
	}
	if g.ids.len() == 0 {
		x.maybeFree(gi)
		return
	}
	if x.msgs[g.ids.front()].state() == stReady {
		x.activate(gi)
	}
}

// maybeFree forgets a group that has no messages and is not queued.
func (x *index) maybeFree(gi uint32) {
	g := x.groups[gi]
	if gi == 0 || g.refs > 0 || g.active {
		return
	}
	delete(x.byName, g.name)
	x.groups[gi] = nil
	x.free = append(x.free, gi)
}

// advance makes visible every delayed or in-flight message whose time has
// come, and reports whether any became ready.
func (x *index) advance(now int64) bool {
	woke := false
	for x.delayed.len() > 0 && x.delayed.top().at <= now {
		d := x.delayed.pop()
		m, ok := x.msgs[d.id]
		if !ok || m.state() != stDelayed || m.visibleAt != d.at {
			continue
		}
		m.setState(stReady)
		x.msgs[d.id] = m
		x.delayedN--
		x.visible++
		x.readied(d.id, m.group())
		woke = true
	}
	for x.inflight.len() > 0 && x.inflight.top().at <= now {
		d := x.inflight.pop()
		m, ok := x.msgs[d.id]
		if !ok || m.state() != stInflight || m.visibleAt != d.at {
			continue
		}
		m.setState(stReady)
		x.msgs[d.id] = m
		x.notVisible--
		x.visible++
		if x.fifo {
			x.groups[m.group()].inflight--
		}
		x.readied(d.id, m.group())
		woke = true
	}
	return woke
}

// nextDue returns the earliest time a delayed or in-flight message may
// become visible.
func (x *index) nextDue() (int64, bool) {
	var at int64
	ok := false
	if x.delayed.len() > 0 {
		at, ok = x.delayed.top().at, true
	}
	if x.inflight.len() > 0 && (!ok || x.inflight.top().at < at) {
		at, ok = x.inflight.top().at, true
	}
	return at, ok
}

// take hands out up to max ready messages in delivery order, asking visit
// about each: delivered ones go in flight until deadline.
func (x *index) take(max int, deadline int64, visit func(id int64, m meta) verdict) []taken {
	var out []taken
	drops := 0
	for len(out) < max && drops < maxDropsPerTake && x.active.len() > 0 {
		gi := x.active.pop()
		g := x.groups[gi]
		g.active = false
		if x.fifo {
			out, drops = x.takeGroupFIFO(g, out, max, drops, deadline, visit)
		} else {
			out, drops = x.takeGroup(g, out, drops, deadline, visit)
		}
		x.check(gi)
	}
	return out
}

// takeGroup takes one message from a standard queue's group.
func (x *index) takeGroup(g *group, out []taken, drops int, deadline int64, visit func(int64, meta) verdict) ([]taken, int) {
	for g.ids.len() > 0 && drops < maxDropsPerTake {
		id := g.ids.pop()
		m, ok := x.msgs[id]
		if !ok || m.state() != stReady {
			continue
		}
		switch visit(id, m) {
		case drop:
			x.removeMeta(id, m)
			drops++
			continue
		case extract:
			x.removeMeta(id, m)
			return append(out, taken{id: id, rc: m.rc, sentAt: m.sentAt, group: g.name}), drops
		}
		return append(out, x.deliver(id, m, deadline, g)), drops
	}
	return out, drops
}

// takeGroupFIFO takes consecutive ready messages from the head of a FIFO
// group (which has nothing in flight).
func (x *index) takeGroupFIFO(g *group, out []taken, max, drops int, deadline int64, visit func(int64, meta) verdict) ([]taken, int) {
	if g.inflight > 0 {
		return out, drops
	}
	for i := 0; len(out) < max && i < g.ids.len() && drops < maxDropsPerTake; {
		id := g.ids.at(i)
		m, ok := x.msgs[id]
		if ok && m.state() != stReady {
			break
		}
		if !ok {
			i = x.skip(g, i)
			continue
		}
		switch visit(id, m) {
		case drop:
			x.removeMeta(id, m)
			drops++
			i = x.skip(g, i)
		case extract:
			x.removeMeta(id, m)
			i = x.skip(g, i)
			out = append(out, taken{id: id, rc: m.rc, sentAt: m.sentAt, group: g.name})
		default:
			out = append(out, x.deliver(id, m, deadline, g))
			i++
		}
	}
	return out, drops
}

// skip steps over a dead ring entry, dropping it when it is the head.
func (x *index) skip(g *group, i int) int {
	if i == 0 {
		g.ids.pop()
		return 0
	}
	return i + 1
}

// deliver puts a ready message in flight.
func (x *index) deliver(id int64, m meta, deadline int64, g *group) taken {
	m.rc++
	m.visibleAt = deadline
	m.setState(stInflight)
	x.msgs[id] = m
	x.visible--
	x.notVisible++
	x.inflight.push(due{deadline, id})
	if x.fifo {
		g.inflight++
	}
	return taken{id: id, rc: m.rc, sentAt: m.sentAt, group: g.name}
}

// undeliver takes back a delivery whose receive failed: a message still in
// flight until deadline (nothing else touched it) gets its receive count
// back and becomes due now; advance then makes it ready.
func (x *index) undeliver(id int64, deadline, now int64) {
	m, ok := x.msgs[id]
	if !ok || m.state() != stInflight || m.visibleAt != deadline || m.rc == 0 {
		return
	}
	m.rc--
	m.visibleAt = now
	x.msgs[id] = m
	x.inflight.push(due{now, id})
}

// removeMeta forgets a message in any state, leaving its group's upkeep to
// the caller.
func (x *index) removeMeta(id int64, m meta) {
	delete(x.msgs, id)
	g := x.groups[m.group()]
	switch m.state() {
	case stReady:
		x.visible--
	case stDelayed:
		x.delayedN--
	case stInflight:
		x.notVisible--
		if x.fifo {
			g.inflight--
		}
	}
	g.refs--
}

// remove forgets a message; it reports whether it was there.
func (x *index) remove(id int64) (meta, bool) {
	m, ok := x.msgs[id]
	if !ok {
		return m, false
	}
	x.removeMeta(id, m)
	x.check(m.group())
	return m, true
}

// current reports whether an ages entry is still a stored message's.
func (x *index) current(d due) bool {
	m, ok := x.msgs[d.id]
	return ok && m.sentAt == d.at
}

// compactAges drops the entries of removed messages from ages.
func (x *index) compactAges() {
	kept := x.ages[:0]
	for _, d := range x.ages {
		if x.current(d) {
			kept = append(kept, d)
		}
	}
	clear(x.ages[len(kept):])
	x.ages = kept
	x.ages.heapify()
}

// oldest returns the send time of the oldest stored message.
func (x *index) oldest() (int64, bool) {
	for x.ages.len() > 0 {
		if d := x.ages.top(); x.current(d) {
			return d.at, true
		}
		x.ages.pop()
	}
	return 0, false
}

// expire removes up to max messages sent at or before cutoff, in any
// state, oldest first, and returns their ids.
func (x *index) expire(cutoff int64, max int) []int64 {
	var ids []int64
	for len(ids) < max && x.ages.len() > 0 && x.ages.top().at <= cutoff {
		if d := x.ages.pop(); x.current(d) {
			x.remove(d.id)
			ids = append(ids, d.id)
		}
	}
	return ids
}

// ids returns every stored message's id.
func (x *index) ids() []int64 {
	ids := make([]int64, 0, len(x.msgs))
	for id := range x.msgs {
		ids = append(ids, id)
	}
	return ids
}

// setDeadline moves an in-flight message's visibility deadline; call
// advance afterwards to release it if the deadline has passed.
func (x *index) setDeadline(id int64, deadline int64) {
	m := x.msgs[id]
	m.visibleAt = deadline
	x.msgs[id] = m
	x.inflight.push(due{deadline, id})
}

// peek returns up to max ready message ids in delivery order without
// changing anything (FIFO: the ready heads of deliverable groups).
func (x *index) peek(max int) []int64 {
	var out []int64
	budget := 100 * max // dead entries skipped
	for i := 0; i < x.active.len() && len(out) < max && budget > 0; i++ {
		g := x.groups[x.active.at(i)]
		for j := 0; j < g.ids.len() && len(out) < max && budget > 0; j++ {
			budget--
			id := g.ids.at(j)
			m, ok := x.msgs[id]
			if !ok {
				continue
			}
			if m.state() != stReady {
				if x.fifo {
					break
				}
				continue
			}
			out = append(out, id)
		}
	}
	return out
}

// groupName returns the name of a message's group.
func (x *index) groupName(m meta) string { return x.groups[m.group()].name }
