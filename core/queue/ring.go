package queue

// ring is a growable FIFO buffer. It shrinks again when mostly empty, so a
// queue that held a million messages gives the memory back once drained.
type ring[T any] struct {
	buf  []T
	head int
	n    int
}

func (r *ring[T]) len() int { return r.n }

// push appends v at the back.
func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		r.resize(max(8, 2*len(r.buf)))
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

// front returns the first element; the ring must not be empty.
func (r *ring[T]) front() T { return r.buf[r.head] }

// at returns the i-th element from the front.
func (r *ring[T]) at(i int) T { return r.buf[(r.head+i)&(len(r.buf)-1)] }

// pop removes and returns the first element; the ring must not be empty.
func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	if len(r.buf) > 64 && r.n < len(r.buf)/4 {
		r.resize(len(r.buf) / 2)
	}
	return v
}

// reset empties the ring and releases its buffer.
func (r *ring[T]) reset() { *r = ring[T]{} }

// resize copies the elements into a buffer of size (a power of two).
func (r *ring[T]) resize(size int) {
	buf := make([]T, size)
	for i := 0; i < r.n; i++ {
		buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
	}
	r.buf, r.head = buf, 0
}

// due is a message id with the time (epoch ms) something happens to it.
type due struct {
	at int64
	id int64
}

// dueHeap is a min-heap of due entries by time. Entries are not removed
// when their message changes: whoever pops one checks it is still current.
type dueHeap []due

func (h dueHeap) len() int { return len(h) }
func (h dueHeap) top() due { return h[0] }

func (h *dueHeap) push(d due) {
	*h = append(*h, d)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].less(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *dueHeap) pop() due {
	s := *h
	d := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	s.down(0)
	if cap(s) > 1024 && len(s) < cap(s)/4 {
		s = append(make(dueHeap, 0, cap(s)/2), s...)
	}
	*h = s
	return d
}

// down moves entry i down to its place.
func (h dueHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// heapify orders entries in any order into a heap.
func (h dueHeap) heapify() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (d due) less(o due) bool { return d.at < o.at || d.at == o.at && d.id < o.id }
