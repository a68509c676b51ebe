package wire

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxSQSBody caps an SQS request body before it is read: a 1 MiB message
// (the largest MaximumMessageSize) or a 1 MiB batch, plus the growth of JSON
// escaping or form encoding.
const maxSQSBody = 4 << 20

const sqsJSONPrefix = "AmazonSQS."

// serveSQSJSON handles X-Amz-Target: AmazonSQS.Action (JSON 1.0).
func (s *sqsServer) serveJSON(w http.ResponseWriter, req *http.Request, action string) {
	run, ok := sqsActions[action]
	if !ok {
		writeSQSJSONError(w, &Error{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: "The action " + action + " is not valid for this endpoint."}, "InvalidAction")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxSQSBody))
	if err != nil {
		writeSQSJSONError(w, bodyError(err), "")
		return
	}
	p, err := decodeJSONParams(body)
	if err != nil {
		writeSQSJSONError(w, &Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: err.Error()}, "")
		return
	}
	r := &sqsRequest{ctx: req.Context(), action: action, p: p, baseURL: baseURL(req), path: req.URL.Path}
	result, err := run(s, r)
	if err != nil {
		e, query := sqsWireError(err)
		writeSQSJSONError(w, e, query)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	if result == nil {
		result = emptyResult{}
	}
	if !writeFastJSON(w, result) {
		_ = json.NewEncoder(w).Encode(result)
	}
}

// bodyError is the error for a body that could not be read.
func bodyError(err error) *Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &Error{Code: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
			Message: "The request body is larger than the service accepts."}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Code: "RequestCanceled", Status: 499, Message: "The client closed the request."}
	}
	return &Error{Code: "MalformedRequest", Status: http.StatusBadRequest, Message: "The request body could not be read: " + err.Error()}
}

// writeSQSJSONError writes {"__type":"com.amazonaws.sqs#Code","message":…}
// and the x-amzn-query-error header that query-compatible SDKs read.
func writeSQSJSONError(w http.ResponseWriter, e *Error, queryCode string) {
	if queryCode == "" {
		queryCode = e.Code
	}
	fault := "Sender"
	if e.Status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("x-amzn-query-error", queryCode+";"+fault)
	typ := e.Code
	if !strings.Contains(typ, "#") {
		typ = "com.amazonaws.sqs#" + typ
	}
	writeJSONError(w, &Error{Code: typ, Status: e.Status, Message: e.Message})
}

// baseURL is scheme://host as the client addressed us.
func baseURL(req *http.Request) string {
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	host := req.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}
