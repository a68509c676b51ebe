package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/skyport-dev/skyport/core/event"
)

// AccessLog is the kind of the event emitted for every request an API
// serves; its Message is the access log line.
const AccessLog event.Kind = "api.request"

// apiHandler serves one API on its listener.
type apiHandler struct {
	s   *Service
	api *apiState
}

func (h *apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.s.serveHTTP(w, r, h.api.cur.Load())
}

// serveHTTP runs a request through c and writes the answer, then records
// the route's metrics and the access log. Latency is measured in real
// time: it is a measurement of work, not a timeout.
func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request, c *compiled) {
	started := time.Now()
	in, rt, resp := s.handle(r, c)
	id := ""
	if in != nil {
		id = in.requestID
	} else {
		id = newRequestID()
	}
	resp.header.Set("Apigw-Requestid", id)
	writeResponse(w, r, resp)
	latency := time.Since(started)
	var m *routeMetrics
	routeKey := "-"
	if rt != nil {
		m, routeKey = rt.stats, rt.route.Key
	} else {
		m = s.routeStats(c.spec.Name, noRoute)
	}
	m.observe(resp.status, latency)
	if s.cfg.Events != nil {
		s.accessLog(c, r, in, id, routeKey, resp)
	}
}

func (s *Service) accessLog(c *compiled, r *http.Request, in *inbound, id, routeKey string, resp *response) {
	level := event.Info
	switch {
	case resp.status >= 500:
		level = event.Error
	case resp.status >= 400:
		level = event.Warn
	}
	now := s.clock.Now()
	if in != nil {
		now = in.time
	}
	// The line is CLF as API Gateway's default access log format has it:
	// ip - - [time] "method routeKey protocol" status length requestId
	b := make([]byte, 0, 128)
	b = append(b, sourceIP(r)...)
	b = append(b, " - - ["...)
	b = now.UTC().AppendFormat(b, requestTimeLayout)
	b = append(b, `] "`...)
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, routeKey...)
	b = append(b, ' ')
	b = append(b, r.Proto...)
	b = append(b, `" `...)
	b = strconv.AppendInt(b, int64(resp.status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(resp.body)), 10)
	b = append(b, ' ')
	b = append(b, id...)
	if detail := resp.header.Get(errorHeader); detail != "" {
		b = append(b, " ("...)
		b = append(b, detail...)
		b = append(b, ')')
	}
	msg := string(b)
	s.cfg.Events.Publish(event.Event{Time: now, Kind: AccessLog, Level: level, Service: "gateway", Resource: c.spec.Name, Message: msg})
}

// errorHeader carries the reason for a gateway error to the local caller
// (the body stays as AWS words it).
const errorHeader = "X-Skyport-Error"

// handle is the request pipeline: size limit, CORS preflight, stage and
// route, API key and usage plan, throttle, cache, integration.
func (s *Service) handle(r *http.Request, c *compiled) (*inbound, *routeRT, *response) {
	if r.ContentLength > MaxBodyBytes {
		return nil, nil, s.finish(c, r, message(http.StatusRequestEntityTooLarge, "Request Entity Too Large"))
	}
	var body []byte
	var err error
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	}
	if err != nil {
		return nil, nil, s.finish(c, r, message(http.StatusBadRequest, "Bad Request"))
	}
	if len(body) > MaxBodyBytes {
		return nil, nil, s.finish(c, r, message(http.StatusRequestEntityTooLarge, "Request Entity Too Large"))
	}
	if c.cors != nil && isPreflight(r) {
		return nil, nil, c.cors.preflight(r)
	}
	stage, path := c.stageFor(r.URL.EscapedPath())
	if stage == nil {
		return nil, nil, s.finish(c, r, message(http.StatusNotFound, "Not Found"))
	}
	idx, params := c.matcher.match(r.Method, path)
	if idx < 0 {
		return nil, nil, s.finish(c, r, message(http.StatusNotFound, "Not Found"))
	}
	rt := c.routes[idx]
	now := s.clock.Now()
	in := &inbound{
		method: r.Method, rawPath: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery, header: r.Header, body: body,
		host: r.Host, proto: r.Proto, sourceIP: sourceIP(r), routeKey: rt.route.Key, stage: stage.Name,
		stageVars: stage.Variables, pathParams: params, requestID: newRequestID(), apiID: c.spec.ID,
		account: s.cfg.Account, time: now,
	}
	if resp := s.admit(c, rt, in); resp != nil {
		return in, rt, s.finish(c, r, resp)
	}
	if resp := s.chaosRoute(r.Context(), c, rt); resp != nil {
		return in, rt, s.finish(c, r, resp)
	}
	cc := rt.route.Cache
	useCache := cc != nil && cacheable(r.Method)
	var key string
	if useCache {
		key = cacheKey(c, rt, cc, in)
		if hit, ok := s.cache.Get(key); ok && now.Before(hit.expires) {
			rt.stats.hits.Inc()
			resp := &response{status: hit.status, header: hit.header.Clone(), body: hit.body}
			resp.header.Set("X-Skyport-Cache", "hit")
			return in, rt, s.finish(c, r, resp)
		}
	}
	if !useCache {
		return in, rt, s.finish(c, r, s.integrate(r.Context(), rt, in))
	}
	resp := s.fill(key, func() *response {
		resp := s.integrate(r.Context(), rt, in)
		if resp.status >= 200 && resp.status < 300 && len(resp.body) <= maxCachedResponseBytes {
			entry := &cached{status: resp.status, header: resp.header.Clone(), body: resp.body,
				expires: now.Add(time.Duration(cc.TTLSeconds) * time.Second)}
			if s.cache.Set(key, entry, entry.cost()) {
				s.cache.Wait()
			}
		}
		return resp
	})
	return in, rt, s.finish(c, r, resp)
}

// flight is one integration call that concurrent identical cache misses
// share.
type flight struct {
	done    chan struct{}
	resp    *response
	waiters atomic.Int32
}

// fill runs call for the first of concurrent misses of key; the others
// wait for it and get a copy of its response.
func (s *Service) fill(key string, call func() *response) *response {
	s.flightMu.Lock()
	if f, ok := s.flights[key]; ok {
		f.waiters.Add(1)
		s.flightMu.Unlock()
		<-f.done
		return &response{status: f.resp.status, header: f.resp.header.Clone(), body: f.resp.body}
	}
	f := &flight{done: make(chan struct{})}
	s.flights[key] = f
	s.flightMu.Unlock()
	defer func() {
		if f.resp == nil { // call panicked; net/http answers the first caller
			f.resp = internal("the integration call failed")
		}
		s.flightMu.Lock()
		delete(s.flights, key)
		s.flightMu.Unlock()
		close(f.done)
	}()
	resp := call()
	f.resp = &response{status: resp.status, header: resp.header.Clone(), body: resp.body}
	return resp
}

// admit applies the API key check and the throttles.
func (s *Service) admit(c *compiled, rt *routeRT, in *inbound) *response {
	if rt.route.APIKeyRequired {
		switch s.keys.Load().check(c.spec.Name, in.stage, in.header.Get("X-Api-Key"), in.time) {
		case keyForbidden:
			return message(http.StatusForbidden, "Forbidden")
		case keyThrottled:
			rt.stats.throttled.Inc()
			return message(http.StatusTooManyRequests, "Too Many Requests")
		case keyQuotaExceeded:
			rt.stats.throttled.Inc()
			return message(http.StatusTooManyRequests, "Limit Exceeded")
		}
	}
	if b := rt.buckets[in.stage]; b != nil && !b.take(in.time) {
		rt.stats.throttled.Inc()
		return message(http.StatusTooManyRequests, "Too Many Requests")
	}
	return nil
}

// finish adds the CORS headers every response of a CORS-enabled API has.
func (s *Service) finish(c *compiled, r *http.Request, resp *response) *response {
	if c.cors != nil {
		c.cors.decorate(r, resp.header)
	}
	return resp
}

// message is API Gateway's error shape: {"message":"…"}.
func message(status int, msg string) *response {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &response{status: status, header: h, body: []byte(`{"message":` + strconv.Quote(msg) + `}`)}
}

// unavailable is the 502 of a route whose target is missing.
func unavailable(format string, args ...any) *response {
	detail := "integration target not available: " + fmt.Sprintf(format, args...)
	resp := message(http.StatusBadGateway, detail)
	resp.header.Set(errorHeader, detail)
	return resp
}

// internal is the 500 of a failed integration; the reason goes in a header.
func internal(detail string) *response {
	resp := message(http.StatusInternalServerError, "Internal Server Error")
	resp.header.Set(errorHeader, sanitize(detail))
	return resp
}

func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 512 {
		s = s[:512]
	}
	return s
}

func writeResponse(w http.ResponseWriter, r *http.Request, resp *response) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // no sniffing: send none, as API Gateway does
	}
	if bodyAllowed(resp.status) {
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	} else {
		h.Del("Content-Length")
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead && len(resp.body) > 0 && bodyAllowed(resp.status) {
		_, _ = w.Write(resp.body)
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newRequestID returns an id shaped like HTTP API request ids.
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// withTimeout runs call under the integration timeout on the core clock. A
// call that does not return in time is abandoned with 503, as API Gateway
// answers a timed-out integration.
func (s *Service) withTimeout(parent context.Context, timeout time.Duration, call func(ctx context.Context) *response) *response {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	t := s.clock.AfterFunc(timeout, func() { cancel(errTimeout) })
	defer t.Stop()
	done := make(chan *response, 1)
	go func() { done <- call(ctx) }()
	select {
	case resp := <-done:
		if errors.Is(context.Cause(ctx), errTimeout) {
			return timedOut(timeout)
		}
		return resp
	case <-ctx.Done():
		if errors.Is(context.Cause(ctx), errTimeout) {
			return timedOut(timeout)
		}
		return message(http.StatusServiceUnavailable, "Service Unavailable")
	}
}

var errTimeout = errors.New("integration timed out")

func timedOut(d time.Duration) *response {
	resp := message(http.StatusServiceUnavailable, "Service Unavailable")
	resp.header.Set(errorHeader, fmt.Sprintf("integration timed out after %s", d))
	return resp
}
