package function

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
)

// Runtime API paths (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
const (
	runtimePrefix = "/2018-06-01/runtime"
	pathNext      = runtimePrefix + "/invocation/next"
	pathResponse  = runtimePrefix + "/invocation/{id}/response"
	pathError     = runtimePrefix + "/invocation/{id}/error"
	pathInitError = runtimePrefix + "/init/error"
)

// Runtime API headers.
const (
	hdrRequestID   = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline    = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID     = "Lambda-Runtime-Trace-Id"
	hdrErrorType   = "Lambda-Runtime-Function-Error-Type"
)

// WarmIdleTimeout is how long (on the core clock) a warm process may wait
// for work before it is stopped; the next event starts a new one.
const WarmIdleTimeout = 10 * time.Minute

// call is one invocation handed to a warm process.
type call struct {
	id       string
	payload  []byte
	deadline time.Time // real time: the process measures its deadline with its own clock
	once     sync.Once
	done     chan outcome // receives exactly one outcome
}

func (c *call) finish(out outcome) { c.once.Do(func() { c.done <- out }) }

// instance is one warm process with its own Runtime API listener.
type instance struct {
	s    *Service
	f    *function
	gen  uint64
	arn  string
	cmd  *exec.Cmd
	srv  *http.Server
	out  output
	idle *logSink // output between invocations

	work   chan *call    // the invocation the process should take next
	exited chan struct{} // closed once the process has exited and been reaped
	err    error         // the process's exit status, set before exited closes

	idleTimer *clock.Timer // reaps the process when idle too long; guarded by f.mu

	mu      sync.Mutex
	cur     *call          // the invocation the process is working on
	initErr *ErrorDocument // posted to /init/error
	killed  sync.Once
}

// runWarm runs one event on an idle warm process of f, starting one when
// none is idle.
func (s *Service) runWarm(ctx context.Context, f *function, def Definition, id string, payload []byte, logs *logSink) (outcome, error) {
	in, err := s.takeInstance(f, def)
	if err != nil {
		return outcome{fail: startFailed(err)}, nil
	}
	c := &call{id: id, payload: payload, deadline: time.Now().Add(def.Timeout), done: make(chan outcome, 1)}
	in.out.setSink(logs)
	// What the process printed before this invocation (its start-up, for a
	// process just started) belongs to this invocation's logs, as Lambda
	// puts INIT output in the first invocation's log stream.
	_, _ = logs.Write(in.idle.take())
	in.work <- c
	timer := s.clock.NewTimer(def.Timeout)
	defer timer.Stop()
	f.active.Add(1)
	defer f.active.Add(-1)
	select {
	case out := <-c.done:
		in.out.setSink(in.idle)
		f.putIdle(in)
		return out, nil
	case <-in.exited:
		in.out.wait()
		select {
		case out := <-c.done: // answered just before exiting
			return out, nil
		default:
		}
		return outcome{fail: in.crash(id)}, nil
	case <-timer.C:
		in.kill()
		<-in.exited
		in.out.wait()
		return outcome{fail: timedOut(id, def.Timeout)}, nil
	case <-ctx.Done():
		in.kill()
		<-in.exited
		return outcome{}, ctx.Err()
	}
}

// crash explains why a process exited during an invocation.
func (in *instance) crash(id string) *ErrorDocument {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.initErr != nil {
		return in.initErr
	}
	return exited(id, in.err)
}

// takeInstance returns an idle live process of f's current generation or
// starts a new one.
func (s *Service) takeInstance(f *function, def Definition) (*instance, error) {
	f.mu.Lock()
	for len(f.idle) > 0 {
		in := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		if in.idleTimer != nil {
			in.idleTimer.Stop()
		}
		if in.alive() {
			f.mu.Unlock()
			return in, nil
		}
	}
	gen := f.gen
	f.procs++
	f.mu.Unlock()
	in, err := s.startInstance(f, def, gen)
	if err != nil {
		f.mu.Lock()
		f.procs--
		f.mu.Unlock()
	}
	return in, err
}

// putIdle returns a process to f's idle list, or retires it when f changed.
func (f *function) putIdle(in *instance) {
	f.mu.Lock()
	if in.gen != f.gen || f.deleted || !in.alive() {
		f.mu.Unlock()
		in.kill()
		return
	}
	f.idle = append(f.idle, in)
	in.idleTimer = in.s.clock.AfterFunc(WarmIdleTimeout, func() { f.reapIdle(in) })
	f.mu.Unlock()
}

// reapIdle kills a process that stayed idle for WarmIdleTimeout.
func (f *function) reapIdle(in *instance) {
	f.mu.Lock()
	i := slices.Index(f.idle, in)
	if i < 0 {
		f.mu.Unlock()
		return // taken for work meanwhile
	}
	f.idle = slices.Delete(f.idle, i, i+1)
	f.mu.Unlock()
	in.kill()
}

// retireAll kills every idle process and makes busy ones retire when done.
func (f *function) retireAll() {
	f.mu.Lock()
	f.gen++
	idle := f.idle
	f.idle = nil
	f.mu.Unlock()
	for _, in := range idle {
		in.kill()
	}
}

func (in *instance) alive() bool {
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

// startInstance starts def's command with a Runtime API of its own.
func (s *Service) startInstance(f *function, def Definition, gen uint64) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	in := &instance{s: s, f: f, gen: gen, arn: s.ARN(def.Name), work: make(chan *call, 1), exited: make(chan struct{}),
		idle: newLogSink(s, def.Name, "-")}
	in.out.setSink(in.idle)
	in.srv = &http.Server{Handler: in.runtimeAPI(), ReadHeaderTimeout: 10 * time.Second}

	cmd := exec.Command(def.Command[0], def.Command[1:]...)
	cmd.Dir = def.Dir
	cmd.Env = s.environ(def, "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(), "_HANDLER="+def.Command[0])
	inOwnGroup(cmd)
	outR, outW, err := os.Pipe()
	if err != nil {
		ln.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		ln.Close()
		outR.Close()
		outW.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		ln.Close()
		outR.Close()
		errR.Close()
		return nil, err
	}
	in.cmd = cmd
	in.out.follow(outR)
	in.out.follow(errR)
	go func() { _ = in.srv.Serve(ln) }()
	go in.reap()
	return in, nil
}

// runtimeAPI is the Lambda Runtime API this process talks to.
func (in *instance) runtimeAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathNext, in.next)
	mux.HandleFunc("POST "+pathResponse, in.response)
	mux.HandleFunc("POST "+pathError, in.invocationError)
	mux.HandleFunc("POST "+pathInitError, in.initError)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		runtimeError(w, http.StatusNotFound, "InvalidRequest", "unknown Runtime API path "+r.URL.Path)
	})
	return mux
}

// reap waits for the process to exit, then cleans up its group and listener.
func (in *instance) reap() {
	err := in.cmd.Wait()
	killGroup(in.cmd.Process.Pid)
	in.mu.Lock()
	in.err = err
	in.mu.Unlock()
	_ = in.srv.Close()
	f := in.f
	f.mu.Lock()
	f.procs--
	f.mu.Unlock()
	close(in.exited)
}

// kill ends the process and everything in its group.
func (in *instance) kill() {
	in.killed.Do(func() {
		if in.cmd != nil && in.cmd.Process != nil {
			killGroup(in.cmd.Process.Pid)
		}
		if in.srv != nil {
			_ = in.srv.Close()
		}
	})
}

// next hands the process its next invocation, waiting as long as it takes.
func (in *instance) next(w http.ResponseWriter, r *http.Request) {
	select {
	case c := <-in.work:
		in.mu.Lock()
		in.cur = c
		in.mu.Unlock()
		h := w.Header()
		h.Set(hdrRequestID, c.id)
		h.Set(hdrDeadline, strconv.FormatInt(c.deadline.UnixMilli(), 10))
		h.Set(hdrFunctionARN, in.arn)
		h.Set(hdrTraceID, "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+c.id[:8]+c.id[9:13]+c.id[14:18]+c.id[19:23]+";Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(c.payload)
	case <-r.Context().Done():
	case <-in.exited:
	}
}

// current returns the invocation the process works on if its id is id.
func (in *instance) current(id string) *call {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cur == nil || in.cur.id != id {
		return nil
	}
	return in.cur
}

// complete ends the current invocation with out, once the process's
// output up to now has been collected into its logs.
func (in *instance) complete(c *call, out outcome) {
	in.out.drain()
	in.mu.Lock()
	if in.cur == c {
		in.cur = nil
	}
	in.mu.Unlock()
	c.finish(out)
}

func (in *instance) response(w http.ResponseWriter, r *http.Request) {
	c := in.current(r.PathValue("id"))
	if c == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	if err != nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequest", "could not read the response: "+err.Error())
		return
	}
	out := checkResponse(body)
	if len(body) > MaxPayloadBytes {
		in.complete(c, out)
		runtimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", out.fail.ErrorMessage)
		return
	}
	in.complete(c, out)
	accepted(w)
}

func (in *instance) invocationError(w http.ResponseWriter, r *http.Request) {
	c := in.current(r.PathValue("id"))
	if c == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes))
	errType := r.Header.Get(hdrErrorType)
	if errType == "" && r.Trailer != nil {
		errType = r.Trailer.Get(hdrErrorType)
	}
	in.complete(c, outcome{fail: parseErrorDocument(body, errType)})
	accepted(w)
}

// initError records a failed initialization; the process is killed and the
// waiting invocation, if any, fails with the reported error.
func (in *instance) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes))
	errType := r.Header.Get(hdrErrorType)
	if errType == "" {
		errType = ErrTypeInit
	}
	doc := parseErrorDocument(body, errType)
	in.mu.Lock()
	in.initErr = doc
	in.mu.Unlock()
	accepted(w)
	go in.kill()
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"OK"}`))
}

// runtimeError answers in the Runtime API's error shape.
func runtimeError(w http.ResponseWriter, status int, errType, msg string) {
	b, err := json.Marshal(ErrorDocument{ErrorMessage: msg, ErrorType: errType})
	if err != nil {
		b = []byte(`{"errorMessage":"internal error","errorType":"ServiceException"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
