package wire

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/internal/uuid"
	"github.com/skyport-dev/skyport/core/topic"
)

// Router dispatches every request the listener receives.
type Router struct {
	core *core.Core
	url  func() string
	mux  *http.ServeMux
	sqs  *sqsServer
	sns  *snsServer
	kin  *kinesisServer
	sfn  *sfnServer

	closing   chan struct{}
	closeOnce sync.Once
	auth      atomic.Pointer[verifier] // nil: signatures are accepted unchecked; swapped whole by SetCredentials
}

// NewRouter returns the handler for c; url reports the public endpoint URL
// (used in /health and in queue URLs).
func NewRouter(c *core.Core, url func() string) *Router {
	r := &Router{core: c, url: url, mux: http.NewServeMux(),
		sqs:     &sqsServer{queues: c.Queues(), account: c.Account(), chaos: c.Chaos()},
		sfn:     &sfnServer{machines: c.Machines(), chaos: c.Chaos()},
		closing: make(chan struct{})}
	r.kin = &kinesisServer{streams: c.Streams(), closing: r.closing, chaos: c.Chaos()}
	r.sns = &snsServer{topics: c.Topics(), chaos: c.Chaos()}
	c.Topics().SetEndpoint(url)
	r.mux.HandleFunc("GET "+topic.SigningCertPath, r.sns.signingCert)
	r.mux.HandleFunc("GET /health", r.health)
	r.mux.HandleFunc("GET /metrics", r.metrics)
	r.mux.HandleFunc("GET /_skyport/clock", r.clockState)
	r.mux.HandleFunc("POST /_skyport/clock/advance", r.clockAdvance)
	r.mux.HandleFunc("GET /_skyport/chaos", r.chaosList)
	r.mux.HandleFunc("POST /_skyport/chaos", r.chaosSet)
	r.mux.HandleFunc("DELETE /_skyport/chaos", r.chaosClear)
	return r
}

// Shutdown ends the long-lived responses (Kinesis SubscribeToShard streams)
// so that the server's graceful shutdown does not wait for them.
func (r *Router) Shutdown() {
	r.closeOnce.Do(func() { close(r.closing) })
}

// ServeHTTP sends AWS protocol requests to their service and everything else
// to Skyport's own endpoints.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if target := req.Header.Get("X-Amz-Target"); target != "" {
		if r.admit(w, req, target) {
			r.dispatchTarget(w, req, target)
		}
		return
	}
	if isQuery(req) {
		if r.admit(w, req, "") {
			r.dispatchForm(w, req)
		}
		return
	}
	r.mux.ServeHTTP(w, req)
}

// isQuery tells a query-protocol call: a form POST, or Action in the URL.
func isQuery(req *http.Request) bool {
	if req.Method == http.MethodPost && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return true
	}
	return req.URL.Query().Get("Action") != ""
}

// dispatchTarget handles the JSON protocols (SQS JSON 1.0, Kinesis JSON 1.1,
// Step Functions JSON 1.0). Services register as they land.
func (r *Router) dispatchTarget(w http.ResponseWriter, req *http.Request, target string) {
	service, action, _ := strings.Cut(target, ".")
	switch service {
	case "AmazonSQS":
		r.sqs.serveJSON(w, req, action)
		return
	case "Kinesis_20131202":
		r.kin.serve(w, req, action)
		return
	case "AWSStepFunctions":
		r.sfn.serveJSON(w, req, action)
		return
	}
	writeJSONError(w, &Error{Code: "UnknownOperationException", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("Skyport does not serve %q (service %q)", target, service)})
}

// dispatchForm handles the query protocols (SQS 2012-11-05, SNS 2010-03-31).
func (r *Router) dispatchForm(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, maxSQSBody)
	if err := req.ParseForm(); err != nil {
		e := bodyError(err)
		if e.Code == "MalformedRequest" {
			e = &Error{Code: "MalformedQueryString", Status: http.StatusBadRequest, Message: "The request could not be parsed as a form: " + err.Error()}
		}
		writeXMLError(w, e)
		return
	}
	action := req.Form.Get("Action")
	if action == "" {
		writeXMLError(w, &Error{Code: "MissingAction", Status: http.StatusBadRequest, Message: "The request must contain the parameter Action."})
		return
	}
	version := req.Form.Get("Version")
	_, sqsAction := sqsActions[action]
	if version == sqsQueryVersion || (version == "" && sqsAction) {
		r.sqs.serveQuery(w, req, req.Form)
		return
	}
	if _, snsAction := snsActions[action]; version == snsQueryVersion || (version == "" && snsAction) {
		r.sns.serveQuery(w, req, req.Form)
		return
	}
	writeXMLError(w, &Error{Code: "InvalidAction", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("The action %s is not valid for this endpoint.", action)})
}

// healthReport is the body of GET /health.
type healthReport struct {
	Status        string  `json:"status"`
	Version       string  `json:"version"`
	UptimeSeconds float64 `json:"uptime_seconds"`
	Uptime        string  `json:"uptime"`
	DataPath      string  `json:"data_path"`
	Memory        bool    `json:"memory"`
	Durability    string  `json:"durability"`
	Endpoint      string  `json:"endpoint"`
	Region        string  `json:"region"`
	Account       string  `json:"account"`
	Clock         clockJS `json:"clock"`
	// StorageFault says why writes fail now (status "degraded"); empty when healthy.
	StorageFault string `json:"storage_fault,omitempty"`
}

type clockJS struct {
	Now           time.Time `json:"now"`
	OffsetSeconds float64   `json:"offset_seconds"`
	Frozen        bool      `json:"frozen"`
}

func (r *Router) clockJSON() clockJS {
	clk := r.core.Clock()
	return clockJS{Now: clk.Now().UTC(), OffsetSeconds: clk.Advanced().Seconds(), Frozen: clk.Frozen()}
}

func (r *Router) health(w http.ResponseWriter, _ *http.Request) {
	up := r.core.Uptime()
	status, fault := "ok", ""
	if err := r.core.StorageFault(); err != nil {
		status, fault = "degraded", err.Error()
	}
	writeJSON(w, http.StatusOK, healthReport{
		Status:        status,
		StorageFault:  fault,
		Version:       core.Version,
		UptimeSeconds: up.Seconds(),
		Uptime:        up.Round(time.Second).String(),
		DataPath:      r.core.DataPath(),
		Memory:        r.core.DataPath() == "",
		Durability:    r.core.Durability().String(),
		Endpoint:      r.url(),
		Region:        r.core.Region(),
		Account:       r.core.Account(),
		Clock:         r.clockJSON(),
	})
}

func (r *Router) metrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_ = r.core.Metrics().WritePrometheus(w)
}

func (r *Router) clockState(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, r.clockJSON())
}

// clockAdvance fast-forwards the core clock: ?by=1h30m, or a JSON body
// {"by":"90m"} or {"seconds":5400}.
func (r *Router) clockAdvance(w http.ResponseWriter, req *http.Request) {
	d, err := parseAdvance(req)
	if err == nil {
		err = r.core.AdvanceClock(d)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, r.clockJSON())
}

func parseAdvance(req *http.Request) (time.Duration, error) {
	if by := req.URL.Query().Get("by"); by != "" {
		return time.ParseDuration(by)
	}
	var body struct {
		By      string  `json:"by"`
		Seconds float64 `json:"seconds"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, req.Body, 4096))
	if err := dec.Decode(&body); err != nil {
		return 0, fmt.Errorf("body must be JSON like {\"by\":\"1h\"} or {\"seconds\":60}: %w", err)
	}
	if body.By != "" {
		return time.ParseDuration(body.By)
	}
	if body.Seconds <= 0 {
		return 0, fmt.Errorf("give a positive \"seconds\" or a duration \"by\"")
	}
	return time.Duration(body.Seconds * float64(time.Second)), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// newRequestID returns a random UUID, as AWS request ids are.
func newRequestID() string { return uuid.New() }
