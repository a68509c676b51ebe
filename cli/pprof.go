package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves Go's runtime profiles (net/http/pprof: heap, allocs,
// goroutine, profile for CPU, trace…) under /debug/pprof/ on addr, which
// must be a loopback address: profiles show memory contents such as
// message bodies, so they are never offered to the network. An empty addr
// serves nothing. The returned stop closes the listener.
func startPprof(addr string) (url string, stop func(), err error) {
	if addr == "" {
		return "", func() {}, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, startupError{fmt.Errorf("--pprof: %w", err)}
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", nil, startupError{fmt.Errorf("--pprof: %s is not a loopback address (use 127.0.0.1:PORT)", addr)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, startupError{fmt.Errorf("--pprof: %w", err)}
	}
	mux := http.NewServeMux() // not http.DefaultServeMux: nothing else is exposed
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with ErrServerClosed at stop
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String() + "/debug/pprof/", stop, nil
}
