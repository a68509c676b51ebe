package queue

import (
	"slices"
	"sync"
)

// readAheadRows is how many consecutive message rows a cache miss reads.
// Receives take messages in roughly the order they were stored, so the rows
// after a missed one are the next to be asked for: one range scan that
// keeps them costs far less than a lookup per receive. This is what keeps
// receiving from a queue holding millions of messages — whose oldest bodies
// the bounded cache cannot hold — as fast as from a near-empty one.
const readAheadRows = 512

// keptWindows is how many finished read-ahead windows stay consultable.
// Their rows are not put in the body cache (a backlog it cannot hold would
// only churn it): the most recent windows answer for them directly, and an
// older row is read again with the window after it. 8 × 512 rows of 1 KiB
// is 4 MiB at most.
const keptWindows = 8

// window is one range of message ids [lo, hi) read (or being read) from the
// store. rows and err are written before done is closed.
type window struct {
	lo, hi int64
	done   chan struct{}
	rows   map[int64]*record
	err    error
}

// readAhead shares range reads between concurrent receivers: a miss inside
// a window being read waits for it instead of reading again.
type readAhead struct {
	mu      sync.Mutex
	windows []*window // oldest first
}

// covering returns the windows that hold any of ids.
func (ra *readAhead) covering(ids []int64) []*window {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	var out []*window
	for _, w := range ra.windows {
		for _, id := range ids {
			if id >= w.lo && id < w.hi {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// start registers a new window from lo, unless one that covers lo was
// registered meanwhile (then it returns that one and false).
func (ra *readAhead) start(lo int64) (*window, bool) {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	for _, w := range ra.windows {
		if lo >= w.lo && lo < w.hi {
			return w, false
		}
	}
	w := &window{lo: lo, hi: lo + readAheadRows, done: make(chan struct{})}
	ra.windows = append(ra.windows, w)
	if len(ra.windows) > keptWindows {
		ra.windows = append(ra.windows[:0], ra.windows[len(ra.windows)-keptWindows:]...)
	}
	return w, true
}

// fromWindows fills found with the rows of missing that the windows hold,
// waiting for windows still being read, and returns the ids still missing.
// An id inside a finished window's range but not among its rows is gone
// from the store (deleted): it is neither found nor missing.
func (ra *readAhead) fromWindows(missing []int64, found map[int64]*record) ([]int64, error) {
	for _, w := range ra.covering(missing) {
		<-w.done
		ra.mu.Lock()
		hi := w.hi // final once done is closed
		ra.mu.Unlock()
		if w.err != nil {
			return nil, w.err
		}
		rest := missing[:0:0]
		for _, id := range missing {
			if r, ok := w.rows[id]; ok {
				found[id] = r
			} else if id < w.lo || id >= hi {
				rest = append(rest, id)
			}
		}
		missing = rest
	}
	return missing, nil
}

// readRange loads the missing messages through the read-ahead windows:
// rows already read or being read are shared; otherwise one range scan from
// the lowest missing id reads it and the rows after it. Ids beyond every
// window are read one by one.
func (s *Service) readRange(missing []int64) (map[int64]*record, error) {
	found := make(map[int64]*record, len(missing))
	rest, err := s.ahead.fromWindows(missing, found)
	if err != nil || len(rest) == 0 {
		return found, err
	}
	lo := rest[0]
	for _, id := range rest {
		lo = min(lo, id)
	}
	w, mine := s.ahead.start(lo)
	if mine {
		s.fillWindow(w)
		s.prefetchAfter(w)
	}
	if rest, err = s.ahead.fromWindows(rest, found); err != nil || len(rest) == 0 {
		return found, err
	}
	more, err := s.readRecords(rest)
	for id, r := range more {
		found[id] = r
		s.cacheRecord(id, r)
	}
	return found, err
}

// prefetchAfter starts reading the window after w in the background when
// w was full (the table goes on beyond it): receivers reach it next, and
// find it read or being read instead of each waiting for a scan in turn.
func (s *Service) prefetchAfter(w *window) {
	s.ahead.mu.Lock()
	full := w.err == nil && w.hi-w.lo == readAheadRows
	lo := w.hi
	s.ahead.mu.Unlock()
	if !full {
		return
	}
	if next, mine := s.ahead.start(lo); mine {
		go s.fillWindow(next)
	}
}

// fillWindow reads w's rows and publishes them. The window then ends after
// the last row it found: ids beyond it may belong to messages committed
// after the read, which it must not report as gone.
func (s *Service) fillWindow(w *window) {
	rows, err := s.queryRecords(`SELECT `+recordColumns+` FROM queue_messages WHERE id >= ? AND id < ?`, w.lo, w.hi)
	// The rows are not put in the body cache: the window itself answers
	// for them while it is kept, and a backlog the cache cannot hold
	// would only churn it.
	last := w.lo - 1
	for id := range rows {
		last = max(last, id)
	}
	s.ahead.mu.Lock()
	w.rows, w.err, w.hi = rows, err, last+1
	if err != nil { // let the next miss try again
		s.ahead.windows = slices.DeleteFunc(s.ahead.windows, func(o *window) bool { return o == w })
	}
	s.ahead.mu.Unlock()
	close(w.done)
}
