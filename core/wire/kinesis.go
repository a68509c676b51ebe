package wire

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/stream"
)

// Kinesis Data Streams: X-Amz-Target: Kinesis_20131202.Action, with a JSON
// 1.1 body (application/x-amz-json-1.1) or a CBOR one
// (application/x-amz-cbor-1.1); the reply uses the request's encoding.
// Actions are in kinesis_actions.go, the two codecs in kinesis_codec.go.

const (
	kinesisJSONType = "application/x-amz-json-1.1"
	kinesisCBORType = "application/x-amz-cbor-1.1"
	// maxKinesisBody caps a request body: a 10 MiB record (the largest
	// MaxRecordSizeInKiB) grows by a third in base64.
	maxKinesisBody = 16 << 20
)

// kinesisServer binds the actions to the stream service.
type kinesisServer struct {
	streams *stream.Service
	chaos   *chaos.Registry // per-stream chaos (kinesis_chaos.go)
	closing <-chan struct{} // closed when the listener shuts down: subscriptions end
}

// kreq is one decoded Kinesis call.
type kreq struct {
	ctx context.Context
	p   kparams
}

type kinesisAction func(k *kinesisServer, r *kreq) (obj, error)

// serveKinesis handles one Kinesis call.
func (k *kinesisServer) serve(w http.ResponseWriter, req *http.Request, action string) {
	useCBOR := strings.HasPrefix(req.Header.Get("Content-Type"), kinesisCBORType)
	run, ok := kinesisActions[action]
	if !ok && action != subscribeToShard {
		writeKinesisError(w, useCBOR, &Error{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: "The action " + action + " is not valid for this endpoint."})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxKinesisBody))
	if err != nil {
		writeKinesisError(w, useCBOR, bodyError(err))
		return
	}
	var p kparams
	if useCBOR {
		p, err = decodeKinesisCBOR(body)
	} else {
		p, err = decodeKinesisJSON(body)
	}
	if err != nil {
		writeKinesisError(w, useCBOR, &Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: err.Error()})
		return
	}
	if action == subscribeToShard {
		k.subscribe(w, req, p, useCBOR)
		return
	}
	if k.chaos.Active() {
		if err := k.kinesisChaos(req.Context(), action, p); err != nil {
			writeKinesisError(w, useCBOR, kinesisWireError(err))
			return
		}
	}
	result, err := run(k, &kreq{ctx: req.Context(), p: p})
	if err != nil {
		writeKinesisError(w, useCBOR, kinesisWireError(err))
		return
	}
	if result == nil {
		result = obj{}
	}
	w.Header().Set("x-amzn-RequestId", newRequestID())
	if useCBOR {
		w.Header().Set("Content-Type", kinesisCBORType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(encodeKinesisCBOR(result))
		return
	}
	w.Header().Set("Content-Type", kinesisJSONType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(encodeKinesisJSON(result))
}

// kinesisWireError maps an action's error to the Kinesis error on the wire.
func kinesisWireError(err error) *Error {
	var se *stream.Error
	var ser *serialErr
	switch {
	case errors.As(err, &se):
		status := http.StatusBadRequest
		if se.Code == stream.InternalFailure {
			status = http.StatusInternalServerError
		}
		return &Error{Code: string(se.Code), Status: status, Message: se.Message}
	case errors.As(err, &ser):
		return &Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: ser.msg}
	case errors.Is(err, context.Canceled):
		return &Error{Code: "RequestCanceled", Status: 499, Message: "The client closed the request."}
	}
	return &Error{Code: string(stream.InternalFailure), Status: http.StatusInternalServerError, Message: "Internal service failure: " + err.Error()}
}

// writeKinesisError writes {"__type","message"} in the request's encoding.
func writeKinesisError(w http.ResponseWriter, useCBOR bool, e *Error) {
	w.Header().Set("x-amzn-RequestId", newRequestID())
	w.Header().Set("x-amzn-ErrorType", e.Code)
	body := obj{"__type": e.Code, "message": e.Message}
	if useCBOR {
		w.Header().Set("Content-Type", kinesisCBORType)
		w.WriteHeader(e.Status)
		_, _ = w.Write(encodeKinesisCBOR(body))
		return
	}
	w.Header().Set("Content-Type", kinesisJSONType)
	w.WriteHeader(e.Status)
	_, _ = w.Write(encodeKinesisJSON(body))
}
