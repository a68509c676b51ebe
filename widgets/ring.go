package widgets

import "sync"

// Ring is a fixed-size buffer of samples that keeps the newest ones. It is
// safe for concurrent use, so a metrics goroutine can push while the UI reads.
type Ring struct {
	mu    sync.Mutex
	buf   []float64
	start int // index of the oldest sample
	n     int
}

// NewRing returns a ring holding up to capacity samples (at least 2).
func NewRing(capacity int) *Ring {
	return &Ring{buf: make([]float64, max(capacity, 2))}
}

// Push appends a sample, dropping the oldest when the ring is full.
func (r *Ring) Push(v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = v
		r.n++
		return
	}
	r.buf[r.start] = v
	r.start = (r.start + 1) % len(r.buf)
}

// Values appends the samples, oldest first, to dst and returns it.
func (r *Ring) Values(dst []float64) []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 0; i < r.n; i++ {
		dst = append(dst, r.buf[(r.start+i)%len(r.buf)])
	}
	return dst
}

// Len returns how many samples the ring holds.
func (r *Ring) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Cap returns how many samples the ring can hold.
func (r *Ring) Cap() int { return len(r.buf) }

// Last returns the newest sample.
func (r *Ring) Last() (float64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return 0, false
	}
	return r.buf[(r.start+r.n-1)%len(r.buf)], true
}

// Set replaces the samples with the newest Cap() of values, oldest first,
// for a ring that mirrors a history kept elsewhere.
func (r *Ring) Set(values []float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	values = values[max(0, len(values)-len(r.buf)):]
	r.start, r.n = 0, copy(r.buf, values)
}
