//go:build unix

package function

import (
	"os"
	"syscall"
)

// follow forwards everything read from f to the output's current sink. All
// reads happen under o.mu, so drain can collect whatever is still in the
// pipe at a given moment.
func (o *output) follow(f *os.File) {
	rc, err := f.SyscallConn()
	if err != nil {
		o.followPlain(f)
		return
	}
	o.conns = append(o.conns, rc)
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		defer f.Close()
		buf := make([]byte, 32<<10)
		for ended := false; !ended; {
			err := rc.Read(func(fd uintptr) bool {
				o.mu.Lock()
				defer o.mu.Unlock()
				more, eof := o.readAvailable(fd, buf)
				ended = eof
				return !more
			})
			if err != nil {
				ended = true
			}
		}
	}()
}

// readAvailable reads fd until it would block (more: wait and read again)
// or ends (eof). o.mu is held.
func (o *output) readAvailable(fd uintptr, buf []byte) (more, eof bool) {
	for {
		n, err := syscall.Read(int(fd), buf)
		switch {
		case n > 0:
			_, _ = o.sink.Write(buf[:n])
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			return true, false
		default:
			return false, true
		}
	}
}

// drain moves whatever the process has written so far into the current sink.
func (o *output) drain() {
	buf := make([]byte, 32<<10)
	for _, rc := range o.conns {
		_ = rc.Control(func(fd uintptr) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.readAvailable(fd, buf)
		})
	}
}
