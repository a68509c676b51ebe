package function

import (
	"io"
	"os"
	"sync"
	"syscall"
)

// output collects a warm process's stdout and stderr into whichever sink is
// current: the running invocation's logs, or the process's own between
// invocations.
type output struct {
	mu    sync.Mutex
	sink  io.Writer
	conns []syscall.RawConn
	wg    sync.WaitGroup
}

func (o *output) setSink(w io.Writer) {
	o.mu.Lock()
	o.sink = w
	o.mu.Unlock()
}

// Write forwards p to the current sink.
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sink.Write(p)
}

// followPlain copies f into the output with an ordinary reader goroutine.
func (o *output) followPlain(f *os.File) {
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		defer f.Close()
		_, _ = io.Copy(o, f)
	}()
}

// wait returns once every followed stream has ended.
func (o *output) wait() { o.wg.Wait() }
