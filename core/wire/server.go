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
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/event"
)

// Server is a running listener serving one core.
type Server struct {
	core *core.Core
	http *http.Server
	ln   net.Listener
	done chan error
}

// ErrAddrInUse is returned by Listen when another process holds the address.
var ErrAddrInUse = errors.New("address already in use")

// Listen binds addr (host:port; port 0 picks a free one) and serves c on it
// in the background until Shutdown.
func Listen(c *core.Core, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if isAddrInUse(err) {
			return nil, fmt.Errorf("listen on %s: %w", addr, ErrAddrInUse)
		}
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{core: c, ln: ln, done: make(chan error, 1)}
	router := NewRouter(c, s.URL)
	s.http = &http.Server{
		Handler:           router,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	s.http.RegisterOnShutdown(router.Shutdown)
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	c.Emit(event.Event{Kind: event.ListenerStarted, Level: event.Info, Service: "wire",
		Message: "AWS endpoint listening on " + s.URL()})
	return s, nil
}

// Addr returns the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL returns the endpoint URL clients should use, e.g. http://127.0.0.1:4566.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Shutdown stops accepting, lets in-flight requests (long polls included)
// finish until ctx ends, and returns the serve error if any.
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
