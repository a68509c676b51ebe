package wire

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fuzzNow is the verifier's wall clock in the fuzz tests: the seeds below
// were signed at this time.
var fuzzNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// authCodes are the only answers the verifier may give.
var authCodes = map[string]int{
	"MissingAuthenticationToken":        http.StatusForbidden,
	"InvalidClientTokenId":              http.StatusForbidden,
	"SignatureDoesNotMatch":             http.StatusForbidden,
	"IncompleteSignature":               http.StatusBadRequest,
	"AuthorizationQueryParametersError": http.StatusBadRequest,
}

// FuzzSigV4 feeds arbitrary Authorization headers, dates, query strings and
// bodies to the verifier: it answers with one of the SigV4 errors and its
// status, never panics, and accepts nothing it cannot recompute.
func FuzzSigV4(f *testing.F) {
	const sig = "AWS4-HMAC-SHA256 Credential=AKIAFUZZ/20260102/us-east-1/sqs/aws4_request, " +
		"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0f3e2d"
	f.Add(sig, "20260102T030405Z", "", `{"QueueName":"q"}`, "")
	f.Add(sig, "20260102T030405Z", "", "", "UNSIGNED-PAYLOAD")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAFUZZ/2026/x, SignedHeaders=, Signature=", "bad", "", "", "")
	f.Add("AWS4-HMAC-SHA256 ,,,= =,Credential==", "", "", "", "")
	f.Add("", "", "Action=ListQueues&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAFUZZ%2F20260102%2Fus-east-1%2Fsqs%2Faws4_request"+
		"&X-Amz-Date=20260102T030405Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", "", "")
	f.Add("", "", "X-Amz-Signature=&X-Amz-Expires=-1&X-Amz-Credential=////", "", "")
	f.Add("Basic dXNlcjpwYXNz", "", "", "", "")
	v := &verifier{creds: Credentials{"AKIAFUZZ": "fuzz-secret"}, now: func() time.Time { return fuzzNow }}
	f.Fuzz(func(t *testing.T, auth, date, query, body, contentHash string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "AmazonSQS.ListQueues")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if date != "" {
			req.Header.Set("X-Amz-Date", date)
		}
		if contentHash != "" {
			req.Header.Set("X-Amz-Content-Sha256", contentHash)
		}
		e := v.verify(req, []byte(body))
		if e == nil {
			t.Fatalf("accepted a request nobody signed: auth %q date %q query %q", auth, date, query)
		}
		if status, ok := authCodes[e.Code]; !ok || status != e.Status || e.Message == "" {
			t.Fatalf("answer %d %s %q", e.Status, e.Code, e.Message)
		}
	})
}

// FuzzParseCredentials: any file either fails to parse or yields pairs of
// non-empty keys and secrets without spaces.
func FuzzParseCredentials(f *testing.F) {
	f.Add("AKIAONE secret\n")
	f.Add("# c\n\n[default]\naws_access_key_id = A\naws_secret_access_key = B\n")
	f.Add("[x]\naws_secret_access_key=only\n=\n")
	f.Add("a b c\n")
	f.Fuzz(func(t *testing.T, in string) {
		creds, err := ParseCredentials(strings.NewReader(in))
		if err != nil {
			return
		}
		if len(creds) == 0 {
			t.Fatal("no error and no credentials")
		}
		for k, s := range creds {
			if k == "" || s == "" || strings.ContainsAny(k, " \t\n") {
				t.Fatalf("pair %q %q", k, s)
			}
		}
	})
}
