package wire

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
)

// Error is an AWS error as sent on the wire: its code, HTTP status and
// message. Services return typed errors; this package maps them to Error once.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func (e *Error) faultType() string {
	if e.Status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// writeJSONError writes the JSON protocols' error shape: {"__type","message"}.
func writeJSONError(w http.ResponseWriter, e *Error) {
	id := newRequestID()
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-RequestId", id)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Code, e.Message})
}

type xmlErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	Detail    string   `xml:"Error>Detail"`
	RequestID string   `xml:"RequestId"`
}

// writeXMLError writes the query protocols' ErrorResponse document.
func writeXMLError(w http.ResponseWriter, e *Error) {
	id := newRequestID()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", id)
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(xmlErrorResponse{Type: e.faultType(), Code: e.Code, Message: e.Message, RequestID: id})
}
