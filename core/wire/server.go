// Package wire is the AWS front door of the core: one HTTP listener that
// dispatches each request by X-Amz-Target or form Action to a protocol
// handler, plus Skyport's own endpoints (/health, /metrics, /_skyport/…).
package wire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/event"
)

// Server is a running listener serving one core.
type Server struct {
	core   *core.Core
	router *Router
	http   *http.Server
	ln     net.Listener
	done   chan error
	unused unusedConns
}

// ErrAddrInUse is returned by Listen when another process holds the address.
var ErrAddrInUse = errors.New("address already in use")

// Timeouts bound how long a connection may hold the server. Zero fields
// take the defaults.
type Timeouts struct {
	ReadHeader time.Duration // to read a request's headers (slow-loris clients)
	Read       time.Duration // to read a whole request, body included
	Idle       time.Duration // a keep-alive connection waiting for its next request
}

// DefaultTimeouts returns the listener's timeouts unless WithTimeouts says
// otherwise. None bounds writing a response: a long poll (up to 20 s) is a
// response that takes its time on purpose.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, Read: 60 * time.Second, Idle: 120 * time.Second}
}

// Option configures a listener.
type Option func(*options)

type options struct {
	creds    Credentials
	timeouts Timeouts
}

// WithCredentials makes the listener verify the AWS Signature Version 4 of
// every AWS protocol request against creds (none: signatures are accepted
// unchecked, the default).
func WithCredentials(creds Credentials) Option {
	return func(o *options) { o.creds = creds }
}

// WithTimeouts overrides the default timeouts (zero fields keep theirs).
func WithTimeouts(t Timeouts) Option {
	return func(o *options) {
		if t.ReadHeader > 0 {
			o.timeouts.ReadHeader = t.ReadHeader
		}
		if t.Read > 0 {
			o.timeouts.Read = t.Read
		}
		if t.Idle > 0 {
			o.timeouts.Idle = t.Idle
		}
	}
}

// Listen binds addr (host:port; port 0 picks a free one) and serves c on it
// in the background until Shutdown.
func Listen(c *core.Core, addr string, opts ...Option) (*Server, error) {
	o := options{timeouts: DefaultTimeouts()}
	for _, opt := range opts {
		opt(&o)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if isAddrInUse(err) {
			return nil, fmt.Errorf("listen on %s: %w", addr, ErrAddrInUse)
		}
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{core: c, ln: ln, done: make(chan error, 1)}
	router := NewRouter(c, s.URL)
	s.router = router
	router.auth.Store(newVerifier(o.creds))
	s.http = &http.Server{
		Handler:           router,
		ReadHeaderTimeout: o.timeouts.ReadHeader,
		ReadTimeout:       o.timeouts.Read,
		IdleTimeout:       o.timeouts.Idle,
		MaxHeaderBytes:    64 << 10,
		ConnState:         s.unused.track,
	}
	s.http.RegisterOnShutdown(router.Shutdown)
	s.http.RegisterOnShutdown(s.unused.closeAll)
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	msg := "AWS endpoint listening on " + s.URL()
	if len(o.creds) > 0 {
		msg += fmt.Sprintf(" (SigV4 signatures required, %d access keys)", len(o.creds))
	}
	c.Emit(event.Event{Kind: event.ListenerStarted, Level: event.Info, Service: "wire", Message: msg})
	return s, nil
}

// newVerifier returns a verifier of creds, or nil (signatures unchecked)
// when there are none. It keeps its own copy: the caller's map may change.
func newVerifier(creds Credentials) *verifier {
	if len(creds) == 0 {
		return nil
	}
	own := make(Credentials, len(creds))
	for k, v := range creds {
		own[k] = v
	}
	return &verifier{creds: own, now: time.Now}
}

// SetCredentials replaces, while the listener serves, the access keys it
// verifies SigV4 signatures against; none turns verification off. The swap
// is atomic: each request is checked against the old set or the new one as
// a whole, never a mix, and requests already admitted are not re-checked.
func (s *Server) SetCredentials(creds Credentials) {
	s.router.auth.Store(newVerifier(creds))
	msg := "SigV4 signatures are no longer checked"
	if len(creds) > 0 {
		msg = fmt.Sprintf("SigV4 signatures required from now on (%d access keys)", len(creds))
	}
	s.core.Emit(event.Event{Level: event.Info, Service: "wire", Message: msg})
}

// VerifiesSignatures reports how many access keys the listener checks
// signatures against (0: signatures are accepted unchecked).
func (s *Server) VerifiesSignatures() int {
	if v := s.router.auth.Load(); v != nil {
		return len(v.creds)
	}
	return 0
}

// Addr returns the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL returns the endpoint URL clients should use, e.g. http://127.0.0.1:4566.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Shutdown stops accepting, lets in-flight requests (long polls included)
// finish until ctx ends, and returns the serve error if any. Connections
// that are idle, or that never sent a request, are closed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close()
	}
	if serveErr := <-s.done; serveErr != nil && err == nil {
		err = serveErr
	}
	return err
}

func isAddrInUse(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) {
		return errors.Is(op.Err, errAddrInUse())
	}
	return false
}

// unusedConns are the accepted connections that have not sent a byte of a
// request yet (http.StateNew). HTTP clients open such connections
// and may never use them: net/http's Transport dials a connection for a
// request that finds none idle, and when another connection frees up first
// the request takes that one and the new connection goes, unused, to the
// client's idle pool. http.Server.Shutdown closes idle keep-alive
// connections at once but counts a new one as idle only once it is 5 s old
// (Go issue 22682), so one such connection made Shutdown wait 5–6 s.
// Closing them at once loses nothing: once shutting down, net/http drops
// any request it reads on a connection that was not serving one already.
// (The listener serves HTTP/1 only: HTTP/2 over TLS would skip the hook.)
type unusedConns struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool // closeAll ran: a connection accepted just before is closed as it comes
}

// track is the server's ConnState hook.
func (u *unusedConns) track(c net.Conn, st http.ConnState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if st != http.StateNew {
		delete(u.conns, c)
		return
	}
	if u.closed {
		_ = c.Close()
		return
	}
	if u.conns == nil {
		u.conns = make(map[net.Conn]struct{})
	}
	u.conns[c] = struct{}{}
}

// closeAll closes every connection that has not sent a request yet. The
// server runs it once Shutdown has closed the listener.
func (u *unusedConns) closeAll() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	for c := range u.conns {
		_ = c.Close()
		delete(u.conns, c)
	}
}
