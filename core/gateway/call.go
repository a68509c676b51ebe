package gateway

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"
)

// Call sends a request to an API in process, through the same pipeline as
// its listener (routes, keys, throttles, cache, integrations), for the
// GUI's "call route" action.
func (s *Service) Call(ctx context.Context, api string, in CallInput) (CallOutput, error) {
	st, err := s.lookup(api)
	if err != nil {
		return CallOutput{}, err
	}
	method := strings.ToUpper(in.Method)
	if method == "" {
		method = http.MethodGet
	}
	path := in.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	c := st.cur.Load()
	host := "127.0.0.1"
	if u := s.URL(api); u != "" {
		host = strings.TrimPrefix(u, "http://")
	}
	req, rerr := http.NewRequestWithContext(ctx, method, "http://"+host+path, bytes.NewReader(in.Body))
	if rerr != nil {
		return CallOutput{}, errorf(BadRequest, "call %s %s: %v", method, path, rerr)
	}
	for k, v := range in.Headers {
		req.Header.Set(k, v)
	}
	req.RemoteAddr = "127.0.0.1:0"
	rec := &recorder{header: http.Header{}}
	started := time.Now()
	s.serveHTTP(rec, req, c)
	return CallOutput{Status: rec.status, Headers: rec.header, Body: rec.body.Bytes(), Latency: time.Since(started)}, nil
}

// recorder is the ResponseWriter of an in-process Call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
