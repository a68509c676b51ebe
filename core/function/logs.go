package function

import (
	"bytes"
	"sync"

	"github.com/skyport-dev/skyport/core/event"
)

// logSink collects what one invocation writes, up to MaxLogBytes, and
// emits every complete line as a LogLine event.
type logSink struct {
	s         *Service
	fn, reqID string

	mu        sync.Mutex
	buf       bytes.Buffer
	partial   []byte
	truncated bool
}

func newLogSink(s *Service, fn, reqID string) *logSink {
	return &logSink{s: s, fn: fn, reqID: reqID}
}

// take returns what the sink holds and empties it.
func (l *logSink) take() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := bytes.Clone(l.buf.Bytes())
	l.buf.Reset()
	l.truncated = false
	return out
}

// Write implements io.Writer; it never fails.
func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := MaxLogBytes - l.buf.Len(); room < len(p) {
		l.buf.Write(p[:max(room, 0)])
		l.truncated = true
	} else {
		l.buf.Write(p)
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(l.partial[:i])
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > 8<<10 { // an endless line: emit what there is
		l.line(l.partial)
		l.partial = nil
	}
	return len(p), nil
}

func (l *logSink) line(b []byte) {
	l.s.emit(LogLine, event.Debug, l.fn, l.reqID+"\t"+string(bytes.TrimRight(b, "\r")))
}

// String returns the collected logs, flushing a last unterminated line.
func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.line(l.partial)
		l.partial = nil
	}
	if l.truncated {
		return l.buf.String() + "\n[logs truncated]\n"
	}
	return l.buf.String()
}
