package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/skyport-dev/skyport/core/chaos"
)

// Chaos over HTTP:
//
//	GET    /_skyport/chaos                    the policies in force
//	POST   /_skyport/chaos                    set one: {"kind":"queue","name":"orders","drop":0.1,
//	                                          "duplicate":0.05,"delay":"100-500","throttle":20,"fail":0.01}
//	DELETE /_skyport/chaos?kind=queue&name=x  clear one; without kind and name, clear all
//
// Errors are {"code","message"}: InvalidRequest (400) for bad JSON or
// knobs, ResourceNotFoundException (404) for a resource that does not exist.

type chaosError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (r *Router) chaosList(w http.ResponseWriter, _ *http.Request) {
	list := r.core.Chaos().List()
	if list == nil {
		list = []chaos.Policy{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"policies": list})
}

func (r *Router) chaosSet(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 64<<10))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, chaosError{"InvalidRequest", "could not read the body: " + err.Error()})
		return
	}
	var p chaos.Policy
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		writeJSON(w, http.StatusBadRequest, chaosError{"InvalidRequest",
			`body must be a JSON policy like {"kind":"queue","name":"orders","drop":0.1}: ` + err.Error()})
		return
	}
	if err := r.core.Chaos().Set(p); err != nil {
		writeChaosError(w, err)
		return
	}
	current, _ := r.core.Chaos().Get(p.Kind, p.Name)
	writeJSON(w, http.StatusOK, current)
}

func (r *Router) chaosClear(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	kind, name := q.Get("kind"), q.Get("name")
	if kind == "" && name == "" {
		writeJSON(w, http.StatusOK, map[string]int{"cleared": r.core.Chaos().ClearAll()})
		return
	}
	if kind == "" || name == "" {
		writeJSON(w, http.StatusBadRequest, chaosError{"InvalidRequest", "give both kind and name, or neither to clear every policy"})
		return
	}
	if !r.core.Chaos().Clear(chaos.Kind(kind), name) {
		writeJSON(w, http.StatusNotFound, chaosError{"ResourceNotFoundException", "no chaos policy on " + kind + " " + name})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"cleared": 1})
}

func writeChaosError(w http.ResponseWriter, err error) {
	var ve *chaos.ValidationError
	switch {
	case errors.As(err, &ve):
		writeJSON(w, http.StatusBadRequest, chaosError{"InvalidRequest", ve.Reason})
	case errors.Is(err, chaos.ErrNotFound):
		writeJSON(w, http.StatusNotFound, chaosError{"ResourceNotFoundException", err.Error()})
	default:
		writeJSON(w, http.StatusInternalServerError, chaosError{"InternalError", err.Error()})
	}
}
