package bench

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Ceiling is the reference server for SQS benchmarks: a bare net/http
// handler that decodes each SQS JSON request and answers a canned response
// (with the MD5 digests the SDK verifies), storing nothing. Driving it with
// the same client and concurrency as the server under test measures what
// the client and loopback HTTP alone allow on this machine.
type Ceiling struct{}

type ceilingEntry struct {
	ID            string `json:"Id"`
	MessageBody   string `json:"MessageBody"`
	ReceiptHandle string `json:"ReceiptHandle"`
}

type ceilingRequest struct {
	QueueName   string         `json:"QueueName"`
	QueueURL    string         `json:"QueueUrl"`
	MessageBody string         `json:"MessageBody"`
	Entries     []ceilingEntry `json:"Entries"`
	MaxMessages int            `json:"MaxNumberOfMessages"`
}

var cannedBody = strings.Repeat("x", 256)

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ServeHTTP answers the SQS JSON actions the benchmarks use.
func (Ceiling) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var in ceilingRequest
	body, _ := io.ReadAll(req.Body)
	_ = json.Unmarshal(body, &in)
	action := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "AmazonSQS.")
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	enc := json.NewEncoder(w)
	switch action {
	case "CreateQueue", "GetQueueUrl":
		enc.Encode(map[string]string{"QueueUrl": "http://" + req.Host + "/000000000000/" + in.QueueName})
	case "SendMessage":
		enc.Encode(map[string]string{"MessageId": "00000000-0000-4000-8000-000000000000", "MD5OfMessageBody": md5Hex(in.MessageBody)})
	case "SendMessageBatch":
		ok := make([]map[string]string, len(in.Entries))
		for i, e := range in.Entries {
			ok[i] = map[string]string{"Id": e.ID, "MessageId": "00000000-0000-4000-8000-00000000000" + strconv.Itoa(i%10), "MD5OfMessageBody": md5Hex(e.MessageBody)}
		}
		enc.Encode(map[string]any{"Successful": ok, "Failed": []any{}})
	case "ReceiveMessage":
		n := max(1, min(in.MaxMessages, 10))
		msgs := make([]map[string]string, n)
		for i := range msgs {
			msgs[i] = map[string]string{"MessageId": "m" + strconv.Itoa(i), "ReceiptHandle": "h" + strconv.Itoa(i), "Body": cannedBody, "MD5OfBody": md5Hex(cannedBody)}
		}
		enc.Encode(map[string]any{"Messages": msgs})
	case "DeleteMessageBatch":
		ok := make([]map[string]string, len(in.Entries))
		for i, e := range in.Entries {
			ok[i] = map[string]string{"Id": e.ID}
		}
		enc.Encode(map[string]any{"Successful": ok, "Failed": []any{}})
	default:
		enc.Encode(map[string]string{})
	}
}
