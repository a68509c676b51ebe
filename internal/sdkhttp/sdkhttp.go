// Package sdkhttp gives AWS SDK for Go v2 clients an HTTP client that does
// not lose responses to a request-body race in smithy-go.
//
// The race: smithy-go wraps every request body in a reader whose WriteTo
// returns io.EOF once the body is closed, and it closes the body as soon as
// http.Client.Do returns. net/http's connection writer, after sending the
// declared Content-Length, copies whatever is left of the body (normally
// nothing) into io.Discard, which calls WriteTo. When a fast server has
// answered before that copy runs, the copy gets io.EOF, net/http takes it
// for a failed write and closes the connection — under the response body
// the SDK is still reading. The client sees "use of closed network
// connection" mid-response (about one call in a few hundred against this
// core on 2 busy cores; long-lived event streams such as SubscribeToShard
// die the same way). Any SDK client of any fast endpoint can hit it; the
// server cannot prevent it.
//
// Client hides WriteTo from request bodies, so net/http reads them with
// Read, which reports a closed body as a plain end of input.
package sdkhttp

import (
	"io"
	"net/http"
	"time"
)

// Client returns an HTTP client for AWS SDK clients talking to a local
// endpoint, sized for many concurrent callers.
func Client() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 512 // a bench with 64 callers keeps its connections
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: Transport{Base: t}}
}

// Transport is a RoundTripper that passes each request to Base with its
// body stripped of io.WriterTo (see the package doc).
type Transport struct{ Base http.RoundTripper }

// RoundTrip is part of http.RoundTripper.
func (t Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, ok := req.Body.(io.WriterTo); ok {
		req = req.Clone(req.Context())
		req.Body = readOnly{req.Body}
	}
	return t.Base.RoundTrip(req)
}

// readOnly is an io.ReadCloser without the WriteTo of the value it wraps.
type readOnly struct{ io.ReadCloser }
