package wire

import (
	"encoding/xml"
	"net/http"
	"net/url"
)

const sqsXMLNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"

// sqsQueryVersion is the Version of the SQS query protocol.
const sqsQueryVersion = "2012-11-05"

// serveQuery handles Action=…&Version=2012-11-05 with XML responses.
func (s *sqsServer) serveQuery(w http.ResponseWriter, req *http.Request, form url.Values) {
	action := form.Get("Action")
	run, ok := sqsActions[action]
	if !ok {
		writeXMLError(w, &Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: "The action " + action + " is not valid for this endpoint."})
		return
	}
	r := &sqsRequest{ctx: req.Context(), action: action, p: formParams{form: form}, baseURL: baseURL(req), path: req.URL.Path}
	result, err := run(s, r)
	if err != nil {
		e, query := sqsWireError(err)
		writeXMLError(w, &Error{Code: query, Status: e.Status, Message: e.Message})
		return
	}
	id := newRequestID()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", id)
	enc := xml.NewEncoder(w)
	_, _ = w.Write([]byte(xml.Header))
	root := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: sqsXMLNamespace}}}
	if err := enc.EncodeToken(root); err != nil {
		return
	}
	if result != nil {
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return
		}
	}
	_ = enc.EncodeElement(struct {
		RequestID string `xml:"RequestId"`
	}{id}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	_ = enc.EncodeToken(root.End())
	_ = enc.Flush()
}
