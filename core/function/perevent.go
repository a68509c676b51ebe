package function

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"sync"
)

// runOnce runs one event in a process of its own: the event on stdin, the
// answer on stdout, logs on stderr. The process group is killed when the
// command exits (so forked children do not outlive it), on timeout and
// when ctx ends.
func (s *Service) runOnce(ctx context.Context, f *function, def Definition, id string, payload []byte, logs *logSink) (outcome, error) {
	cmd := exec.Command(def.Command[0], def.Command[1:]...)
	cmd.Dir = def.Dir
	cmd.Env = s.environ(def, "AWS_LAMBDA_REQUEST_ID="+id)
	inOwnGroup(cmd)
	p, err := newPipes()
	if err != nil {
		return outcome{fail: startFailed(err)}, nil
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.inR, p.outW, p.errW
	if err := cmd.Start(); err != nil {
		p.closeAll()
		return outcome{fail: startFailed(err)}, nil
	}
	p.closeChildEnds()
	stdout := &cappedBuffer{max: MaxPayloadBytes + 1}
	var streams sync.WaitGroup
	streams.Add(3)
	go func() { defer streams.Done(); _, _ = p.inW.Write(payload); p.inW.Close() }()
	go func() { defer streams.Done(); copyAll(stdout, p.outR) }()
	go func() { defer streams.Done(); copyAll(logs, p.errR) }()
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait() }()

	timer := s.clock.NewTimer(def.Timeout)
	defer timer.Stop()
	f.active.Add(1)
	defer f.active.Add(-1)
	pid := cmd.Process.Pid
	finish := func() { killGroup(pid); streams.Wait(); p.outR.Close(); p.errR.Close() }
	select {
	case werr := <-exit:
		finish()
		if werr != nil {
			return outcome{fail: exited(id, werr)}, nil
		}
		return checkResponse(stdout.Bytes()), nil
	case <-timer.C:
		killGroup(pid)
		<-exit
		finish()
		return outcome{fail: timedOut(id, def.Timeout)}, nil
	case <-ctx.Done():
		killGroup(pid)
		<-exit
		finish()
		return outcome{}, ctx.Err()
	}
}

// pipes are the three standard streams of a child process. They are real
// pipes (not exec's copying goroutines) so that Wait returns as soon as the
// command exits, even when a forked child still holds them open.
type pipes struct {
	inR, inW, outR, outW, errR, errW *os.File
}

func newPipes() (*pipes, error) {
	var p pipes
	var err error
	if p.inR, p.inW, err = os.Pipe(); err != nil {
		return nil, err
	}
	if p.outR, p.outW, err = os.Pipe(); err != nil {
		p.closeAll()
		return nil, err
	}
	if p.errR, p.errW, err = os.Pipe(); err != nil {
		p.closeAll()
		return nil, err
	}
	return &p, nil
}

func (p *pipes) closeChildEnds() {
	for _, f := range []*os.File{p.inR, p.outW, p.errW} {
		if f != nil {
			f.Close()
		}
	}
}

func (p *pipes) closeAll() {
	p.closeChildEnds()
	for _, f := range []*os.File{p.inW, p.outR, p.errR} {
		if f != nil {
			f.Close()
		}
	}
}

// copyAll copies r to w until r ends or fails.
func copyAll(w io.Writer, r io.Reader) {
	_, _ = io.Copy(w, r)
}

// cappedBuffer keeps the first max bytes written to it and drops the rest.
type cappedBuffer struct {
	max int
	buf bytes.Buffer
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (c *cappedBuffer) Bytes() []byte { return c.buf.Bytes() }
