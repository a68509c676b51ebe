package wire

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

// The edge is what every AWS protocol request passes before its service
// sees it, whatever the service: the body is capped at the protocol's limit
// before a byte of it is read, and, when the listener has credentials, the
// SigV4 signature is verified. Errors go out in the protocol's own shape.

// Body limits per protocol. Each is the service's largest legal request plus
// the growth of its encoding (JSON escaping, base64, form encoding).
const (
	// maxQueryBody covers the query protocols (SQS 2012-11-05 and SNS
	// 2010-03-31), whose service is known only once the form is parsed: the
	// larger of the two, SQS's.
	maxQueryBody = maxSQSBody
	// defaultJSONBody is the cap for a JSON protocol without its own entry.
	defaultJSONBody = 1 << 20
)

// jsonBodyLimits caps the JSON protocols by X-Amz-Target service prefix.
// Services add their entry as they land.
var jsonBodyLimits = map[string]int64{
	"AmazonSQS":        maxSQSBody, // 1 MiB message or batch, JSON-escaped
	"Kinesis_20131202": 16 << 20,   // a 10 MiB record (UpdateMaxRecordSize) in base64, or PutRecords' 5 MiB
	"AWSStepFunctions": 2 << 20,    // a 1 MiB definition or 256 KiB input, JSON-escaped
}

// bodyLimit returns the body cap for a request: target is its X-Amz-Target,
// "" for the query protocols.
func bodyLimit(target string) int64 {
	if target == "" {
		return maxQueryBody
	}
	service, _, _ := strings.Cut(target, ".")
	if n, ok := jsonBodyLimits[service]; ok {
		return n
	}
	return defaultJSONBody
}

// admit reads the body under its cap and checks the signature. It reports
// whether the request may be dispatched; when not, the error is written.
func (r *Router) admit(w http.ResponseWriter, req *http.Request, target string) bool {
	limit := bodyLimit(target)
	if req.ContentLength > limit {
		writeEdgeError(w, target, &Error{Code: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
			Message: "The request body is larger than the service accepts."})
		return false
	}
	auth := r.auth.Load() // one set of credentials for the whole request, whatever SetCredentials does meanwhile
	if auth == nil && req.ContentLength >= 0 {
		// A declared length within the cap: the server never lets the
		// service read past it, and without signatures to check there is
		// no need to copy the body here.
		return true
	}
	// The body is read here, whole, for every protocol: the signature
	// covers it, and a service that does not read it (or has not landed
	// yet) still cannot be sent more than the cap.
	body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err == nil && int64(len(body)) > limit {
		err = &http.MaxBytesError{Limit: limit}
		w.Header().Set("Connection", "close") // the rest is not read
	}
	if err != nil {
		writeEdgeError(w, target, bodyError(err))
		return false
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if auth == nil {
		return true
	}
	if e := auth.verify(req, body); e != nil {
		writeEdgeError(w, target, e)
		return false
	}
	return true
}

// writeEdgeError writes e in the shape of the request's protocol.
func writeEdgeError(w http.ResponseWriter, target string, e *Error) {
	if target == "" {
		writeXMLError(w, e)
		return
	}
	service, _, _ := strings.Cut(target, ".")
	switch service {
	case "AmazonSQS": // query-compatible: SQS's own codes, as the query protocol
		writeSQSJSONError(w, e, "")
	default:
		if alt, ok := jsonAuthErrors[e.Code]; ok {
			e = &Error{Code: alt.Code, Status: alt.Status, Message: e.Message}
		}
		writeJSONError(w, e)
	}
}

// jsonAuthErrors are the names and statuses the JSON-only services
// (Kinesis, Step Functions, …) give the SigV4 failures that the query
// services call InvalidClientTokenId, SignatureDoesNotMatch and so on.
var jsonAuthErrors = map[string]Error{
	"MissingAuthenticationToken": {Code: "MissingAuthenticationTokenException", Status: http.StatusForbidden},
	"IncompleteSignature":        {Code: "IncompleteSignatureException", Status: http.StatusBadRequest},
	"InvalidClientTokenId":       {Code: "UnrecognizedClientException", Status: http.StatusBadRequest},
	"SignatureDoesNotMatch":      {Code: "InvalidSignatureException", Status: http.StatusBadRequest},
}
