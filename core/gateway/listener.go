package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/skyport-dev/skyport/core/event"
)

// listener is one API's HTTP server on its own port.
type listener struct {
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
}

func (l *listener) url() string { return "http://" + l.ln.Addr().String() }

func (l *listener) port() int { return l.ln.Addr().(*net.TCPAddr).Port }

// stop shuts the server down, giving in-flight requests five seconds.
func (l *listener) stop() error {
	if l.srv == nil {
		return l.ln.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := l.srv.Shutdown(ctx)
	if err != nil {
		_ = l.srv.Close()
	}
	<-l.done
	return err
}

// portScan is how many ports from the base port are tried for an API
// without one.
const portScan = 100

// listen binds the API's port: the given one, or (0) the first free one
// from the base port that no other API claims, or any port with AnyPort.
func (s *Service) listen(port int) (*listener, int, *Error) {
	host := s.cfg.Host
	if port != 0 {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return nil, 0, errorf(Conflict, "cannot listen on %s port %d: %v", host, port, err)
		}
		return &listener{ln: ln}, port, nil
	}
	if s.cfg.AnyPort {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, 0, errorf(InternalError, "cannot listen on %s: %v", host, err)
		}
		l := &listener{ln: ln}
		return l, l.port(), nil
	}
	claimed := s.claimedPorts()
	for p := s.cfg.BasePort; p < s.cfg.BasePort+portScan && p <= 65535; p++ {
		if claimed[p] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err == nil {
			return &listener{ln: ln}, p, nil
		}
	}
	return nil, 0, errorf(Conflict, "no free port on %s from %d to %d", host, s.cfg.BasePort, s.cfg.BasePort+portScan-1)
}

// claimedPorts are the ports other APIs are defined on.
func (s *Service) claimedPorts() map[int]bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[int]bool{}
	for _, st := range s.apis {
		if p := st.cur.Load().spec.Port; p != 0 {
			out[p] = true
		}
		if st.lis != nil {
			out[st.lis.port()] = true
		}
	}
	return out
}

// portFree refuses a port another API is defined on.
func (s *Service) portFree(name string, port int) *Error {
	if port == 0 {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for other, st := range s.apis {
		if other != name && st.cur.Load().spec.Port == port {
			return errorf(Conflict, "port %d is used by API %q", port, other)
		}
	}
	return nil
}

// serve starts the HTTP server of st on lis.
func (s *Service) serve(name string, st *apiState, lis *listener) {
	lis.done = make(chan struct{})
	lis.srv = &http.Server{
		Handler:           &apiHandler{s: s, api: st},
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	s.mu.Lock()
	st.lis, st.lisErr = lis, ""
	s.mu.Unlock()
	go func() {
		defer close(lis.done)
		err := lis.srv.Serve(lis.ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.emit(event.ResourceChanged, event.Error, name, fmt.Sprintf("API %s stopped serving: %v", name, err))
		}
	}()
}

// startListener brings up a stored API's listener at Open.
func (s *Service) startListener(name string, st *apiState) {
	port := st.cur.Load().spec.Port
	lis, _, err := s.listen(port)
	if err != nil {
		s.mu.Lock()
		st.lisErr = err.Message
		s.mu.Unlock()
		s.emit(event.ResourceChanged, event.Error, name, fmt.Sprintf("API %s is not listening: %s", name, err.Message))
		return
	}
	s.serve(name, st, lis)
	s.emit(event.ListenerStarted, event.Info, name, fmt.Sprintf("API %s listening on %s", name, lis.url()))
}
