package wire_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

const (
	testKey    = "AKIASKYPORTTEST"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSKYPORT"
)

var testCreds = wire.Credentials{testKey: testSecret, "AKIAOTHER": "other-secret"}

// signedEnv is a listener that verifies signatures, with a client signing
// with the right key.
func signedEnv(t *testing.T) *env {
	t.Helper()
	e := start(t, core.Config{}, wire.WithCredentials(testCreds))
	e.sqs = sdkClient(e.srv.URL(), testKey, testSecret)
	return e
}

// sdkClient is an SQS client with static credentials and no retries, so
// that an authentication error comes back as the first answer.
func sdkClient(endpoint, key, secret string) *sqs.Client {
	return sqs.New(sqs.Options{
		HTTPClient: sdkhttp.Client(),
		Region:     "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
	})
}

// wantStatus checks the HTTP status of an SDK error.
func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want an HTTP response error, got %v", err)
	}
	if re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d, got %d (%v)", status, re.HTTPStatusCode(), err)
	}
}

func TestSigV4SDKClients(t *testing.T) {
	e := signedEnv(t)
	url := e.createQueue(t, "signed", nil)
	if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("hello")}); err != nil {
		t.Fatalf("signed send: %v", err)
	}
	out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil || len(out.Messages) != 1 || *out.Messages[0].Body != "hello" {
		t.Fatalf("signed receive: %v %v", out, err)
	}
	// The second key of the file works too.
	if _, err := sdkClient(e.srv.URL(), "AKIAOTHER", "other-secret").ListQueues(e.ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("second key: %v", err)
	}

	_, err = sdkClient(e.srv.URL(), testKey, "not-the-secret").SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")})
	wantCode(t, err, "SignatureDoesNotMatch")
	wantStatus(t, err, http.StatusForbidden)

	_, err = sdkClient(e.srv.URL(), "AKIAUNKNOWN", testSecret).ListQueues(e.ctx, &sqs.ListQueuesInput{})
	wantCode(t, err, "InvalidClientTokenId")
	wantStatus(t, err, http.StatusForbidden)

	// Nothing unsigned got in: the queue holds no message from the bad clients.
	a, err := e.sqs.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil || a.Attributes["ApproximateNumberOfMessages"] != "0" || a.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Fatalf("attributes after rejected calls: %v %v", a, err)
	}
}

// Off by default: any signature (or none) is accepted.
func TestSigV4OffByDefault(t *testing.T) {
	e := start(t, core.Config{})
	c := sdkClient(e.srv.URL(), "anything", "at-all")
	if _, err := c.ListQueues(e.ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatal(err)
	}
	resp := do(t, jsonRequest(t, e.srv.URL(), "ListQueues", `{}`))
	if resp.status != 200 {
		t.Fatalf("unsigned request refused without credentials: %d %s", resp.status, resp.body)
	}
}

// response is an HTTP answer, read.
type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func jsonRequest(t *testing.T, endpoint, action, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+action)
	return req
}

func formRequest(t *testing.T, endpoint string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func sha256hex(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

// sign signs req with the SDK's own SigV4 signer.
func sign(t *testing.T, req *http.Request, body, key, secret string, at time.Time) {
	t.Helper()
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		req, sha256hex(body), "sqs", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
}

// wantJSONError checks the JSON protocol's error shape.
func wantJSONError(t *testing.T, r response, status int, code string) {
	t.Helper()
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, r.body)
	}
	if r.status != status || !strings.HasSuffix(body.Type, "#"+code) || body.Message == "" ||
		!strings.HasPrefix(r.header.Get("x-amzn-query-error"), code+";") {
		t.Fatalf("want %d %s, got %d %s (x-amzn-query-error %q)", status, code, r.status, r.body, r.header.Get("x-amzn-query-error"))
	}
}

// wantXMLError checks the query protocol's ErrorResponse.
func wantXMLError(t *testing.T, r response, status int, code string) {
	t.Helper()
	var doc struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Code    string   `xml:"Error>Code"`
		Message string   `xml:"Error>Message"`
	}
	if err := xml.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("error body is not an ErrorResponse: %v: %s", err, r.body)
	}
	if r.status != status || doc.Code != code || doc.Message == "" {
		t.Fatalf("want %d %s, got %d %s", status, code, r.status, r.body)
	}
}

func TestSigV4HeaderSignatures(t *testing.T) {
	e := signedEnv(t)
	base := e.srv.URL()
	now := time.Now()
	const body = `{"QueueNamePrefix":"s"}`

	cases := []struct {
		name   string
		build  func() *http.Request
		status int
		code   string // "" for success
	}{
		{"valid", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now)
			return r
		}, 200, ""},
		{"ten minutes old is still valid", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now.Add(-10*time.Minute))
			return r
		}, 200, ""},
		{"tampered body", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now)
			tampered := `{"QueueNamePrefix":"t"}`
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(tampered)), int64(len(tampered))
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"tampered target header", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now)
			r.Header.Set("X-Amz-Target", "AmazonSQS.CreateQueue")
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"wrong secret", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, "wrong", now)
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"unknown key", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, "AKIANOBODY", testSecret, now)
			return r
		}, 403, "InvalidClientTokenId"},
		{"expired date", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now.Add(-20*time.Minute))
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"date in the future", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now.Add(20*time.Minute))
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"no signature at all", func() *http.Request {
			return jsonRequest(t, base, "ListQueues", body)
		}, 403, "MissingAuthenticationToken"},
		{"missing x-amz-date", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now)
			r.Header.Del("X-Amz-Date")
			return r
		}, 400, "IncompleteSignature"},
		{"missing Signature part", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now)
			auth := r.Header.Get("Authorization")
			r.Header.Set("Authorization", auth[:strings.Index(auth, ", Signature=")])
			return r
		}, 400, "IncompleteSignature"},
		{"malformed credential scope", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			sign(t, r, body, testKey, testSecret, now)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "", 1))
			return r
		}, 400, "IncompleteSignature"},
		{"UNSIGNED-PAYLOAD", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
				r, "UNSIGNED-PAYLOAD", "sqs", "us-east-1", now)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, 200, ""},
		{"content hash header not matching the body", func() *http.Request {
			r := jsonRequest(t, base, "ListQueues", body)
			other := sha256hex("something else")
			r.Header.Set("X-Amz-Content-Sha256", other)
			err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
				r, other, "sqs", "us-east-1", now)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, 403, "SignatureDoesNotMatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, c.build())
			if c.code == "" {
				if r.status != c.status {
					t.Fatalf("want %d, got %d %s", c.status, r.status, r.body)
				}
				return
			}
			wantJSONError(t, r, c.status, c.code)
		})
	}
}

func TestSigV4QueryProtocol(t *testing.T) {
	e := signedEnv(t)
	base := e.srv.URL()
	form := url.Values{"Action": {"CreateQueue"}, "Version": {"2012-11-05"}, "QueueName": {"form-signed"}}
	body := form.Encode()

	r := formRequest(t, base, form)
	sign(t, r, body, testKey, testSecret, time.Now())
	if got := do(t, r); got.status != 200 || !strings.Contains(got.body, "<CreateQueueResponse") {
		t.Fatalf("signed form: %d %s", got.status, got.body)
	}

	r = formRequest(t, base, form)
	sign(t, r, body, testKey, "wrong", time.Now())
	wantXMLError(t, do(t, r), 403, "SignatureDoesNotMatch")

	r = formRequest(t, base, form)
	sign(t, r, body, "AKIANOBODY", testSecret, time.Now())
	wantXMLError(t, do(t, r), 403, "InvalidClientTokenId")

	r = formRequest(t, base, form)
	sign(t, r, body, testKey, testSecret, time.Now().Add(-time.Hour))
	wantXMLError(t, do(t, r), 403, "SignatureDoesNotMatch")

	wantXMLError(t, do(t, formRequest(t, base, form)), 403, "MissingAuthenticationToken")

	r = formRequest(t, base, form)
	sign(t, r, body, testKey, testSecret, time.Now())
	r.Header.Del("X-Amz-Date")
	wantXMLError(t, do(t, r), 400, "IncompleteSignature")

	// Skyport's own endpoints are not AWS protocols: never signed.
	resp, err := http.Get(base + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health behind auth: %v %v", resp, err)
	}
	resp.Body.Close()
}

// presign returns a presigned GET URL for a query-protocol call.
func presign(t *testing.T, base string, form url.Values, key, secret string, at time.Time, expires string) string {
	t.Helper()
	q := url.Values{}
	for k, v := range form {
		q[k] = v
	}
	q.Set("X-Amz-Expires", expires)
	req, err := http.NewRequest(http.MethodGet, base+"/?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		req, sha256hex(""), "sqs", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSigV4Presigned(t *testing.T) {
	e := signedEnv(t)
	base := e.srv.URL()
	e.createQueue(t, "presigned", nil)
	form := url.Values{"Action": {"GetQueueUrl"}, "Version": {"2012-11-05"}, "QueueName": {"presigned"}}
	get := func(u string) response {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}

	if r := get(presign(t, base, form, testKey, testSecret, time.Now(), "300")); r.status != 200 || !strings.Contains(r.body, "/presigned</QueueUrl>") {
		t.Fatalf("presigned GET: %d %s", r.status, r.body)
	}
	// Signed an hour ago, valid for 5 minutes: expired.
	wantXMLError(t, get(presign(t, base, form, testKey, testSecret, time.Now().Add(-time.Hour), "300")), 403, "SignatureDoesNotMatch")
	// Signed an hour ago, valid for two hours: fine (the 15-minute window is the header form's).
	if r := get(presign(t, base, form, testKey, testSecret, time.Now().Add(-time.Hour), "7200")); r.status != 200 {
		t.Fatalf("long-lived presigned URL: %d %s", r.status, r.body)
	}
	wantXMLError(t, get(presign(t, base, form, testKey, "wrong", time.Now(), "300")), 403, "SignatureDoesNotMatch")
	wantXMLError(t, get(presign(t, base, form, "AKIANOBODY", testSecret, time.Now(), "300")), 403, "InvalidClientTokenId")

	u := presign(t, base, form, testKey, testSecret, time.Now(), "300")
	wantXMLError(t, get(strings.Replace(u, "QueueName=presigned", "QueueName=other", 1)), 403, "SignatureDoesNotMatch")
	parsed, _ := url.Parse(u)
	q := parsed.Query()
	q.Del("X-Amz-Signature")
	parsed.RawQuery = q.Encode()
	wantXMLError(t, get(parsed.String()), 400, "IncompleteSignature")
}

func TestParseCredentials(t *testing.T) {
	in := `# Skyport keys
AKIAONE secret/one

[default]
aws_access_key_id = AKIATWO
aws_secret_access_key = secret+two
; comment
`
	creds, err := wire.ParseCredentials(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 2 || creds["AKIAONE"] != "secret/one" || creds["AKIATWO"] != "secret+two" {
		t.Fatalf("parsed %v", creds)
	}
	for _, bad := range []string{"", "# only a comment\n", "AKIA only-two words here\n"} {
		if _, err := wire.ParseCredentials(bytes.NewBufferString(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// The JSON-only protocols (Kinesis, Step Functions) name the same failures
// as those services do; the check runs at the edge, before any service.
func TestSigV4JSONServiceNames(t *testing.T) {
	e := signedEnv(t)
	const body = `{"StreamName":"s"}`
	build := func(secret, key string) *http.Request {
		r, err := http.NewRequest(http.MethodPost, e.srv.URL()+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "Kinesis_20131202.DescribeStream")
		if secret != "" {
			err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
				r, sha256hex(body), "kinesis", "us-east-1", time.Now())
			if err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	for _, c := range []struct {
		req    *http.Request
		status int
		code   string
	}{
		{build("wrong", testKey), 400, "InvalidSignatureException"},
		{build(testSecret, "AKIANOBODY"), 400, "UnrecognizedClientException"},
		{build("", ""), 403, "MissingAuthenticationTokenException"},
	} {
		r := do(t, c.req)
		var got struct {
			Type string `json:"__type"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != c.status || got.Type != c.code {
			t.Errorf("want %d %s, got %d %s", c.status, c.code, r.status, r.body)
		}
	}
	// A valid signature passes the edge and reaches Kinesis, which answers
	// for the (absent) stream itself.
	if r := do(t, build(testSecret, testKey)); !strings.Contains(r.body, "ResourceNotFoundException") {
		t.Fatalf("valid Kinesis signature did not reach the dispatcher: %d %s", r.status, r.body)
	}
}
