package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// AWS Signature Version 4 verification. It is off unless the listener has
// credentials (skyport serve --credentials FILE); then every AWS protocol
// request must be signed with one of them, in the Authorization header or as
// a presigned URL (X-Amz-Signature in the query string), exactly as the AWS
// SDKs sign. Skyport's own endpoints (/health, /metrics, /_skyport/…) are
// not AWS protocols and are never checked.

const (
	sigV4Algorithm  = "AWS4-HMAC-SHA256"
	sigV4Terminator = "aws4_request"
	amzDateFormat   = "20060102T150405Z"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	// maxClockSkew is how far x-amz-date may be from the wall clock, as AWS.
	maxClockSkew = 15 * time.Minute
	// maxPresignExpiry is the longest X-Amz-Expires AWS accepts (7 days).
	maxPresignExpiry = 7 * 24 * 3600
)

// verifier checks SigV4 signatures against a set of credentials.
type verifier struct {
	creds Credentials
	// now is the wall clock. It is deliberately not the core's clock: the
	// core clock may be fast-forwarded (tests and users skip visibility
	// timeouts and retention that way) and would then reject every signature
	// a client makes with its real clock. The 15-minute window is about the
	// client's clock against real time, not about service semantics.
	now func() time.Time

	keys sync.Map // "secret\x00date/region/service" → derived signing key
	nkey atomic.Int32
}

// maxCachedKeys bounds the derived-key cache (a key per access key, day,
// region and service in use).
const maxCachedKeys = 1024

// signingKey derives (or reuses) the key for secret and scope: four HMACs
// that would otherwise run on every request.
func (v *verifier) signingKey(secret, date, region, service string) []byte {
	id := secret + "\x00" + date + "/" + region + "/" + service
	if k, ok := v.keys.Load(id); ok {
		return k.([]byte)
	}
	k := signingKey(secret, date, region, service)
	if v.nkey.Add(1) > maxCachedKeys {
		v.keys.Clear()
		v.nkey.Store(1)
	}
	v.keys.Store(id, k)
	return k
}

// signedRequest is what a request says about its signature, from either form.
type signedRequest struct {
	accessKey     string
	date          string // scope date, YYYYMMDD
	region        string
	service       string
	signedHeaders []string
	signature     string
	amzDate       string // X-Amz-Date, ISO 8601 basic
	expires       int    // presigned only: X-Amz-Expires seconds
	presigned     bool
}

func incompleteSignature(format string, a ...any) *Error {
	return &Error{Code: "IncompleteSignature", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, a...)}
}

func signatureMismatch(msg string) *Error {
	return &Error{Code: "SignatureDoesNotMatch", Status: http.StatusForbidden, Message: msg}
}

// verify checks req, whose body has been read into body, and returns the
// AWS error to send when the signature is missing, malformed or wrong.
func (v *verifier) verify(req *http.Request, body []byte) *Error {
	sr, e := parseSignature(req)
	if e != nil {
		return e
	}
	secret, ok := v.creds[sr.accessKey]
	if !ok {
		return &Error{Code: "InvalidClientTokenId", Status: http.StatusForbidden,
			Message: "The security token included in the request is invalid."}
	}
	signedAt, err := time.Parse(amzDateFormat, sr.amzDate)
	if err != nil {
		return incompleteSignature("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", sr.amzDate)
	}
	if e := v.checkTime(sr, signedAt); e != nil {
		return e
	}
	if sr.date != signedAt.Format("20060102") {
		return signatureMismatch(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			sr.date, signedAt.Format("20060102"), sr.amzDate))
	}
	payload, e := payloadHash(req, body, sr.presigned)
	if e != nil {
		return e
	}
	canonical := canonicalRequest(req, sr, payload)
	scope := strings.Join([]string{sr.date, sr.region, sr.service, sigV4Terminator}, "/")
	toSign := strings.Join([]string{sigV4Algorithm, sr.amzDate, scope, hexSHA256([]byte(canonical))}, "\n")
	want := hex.EncodeToString(hmacSHA256(v.signingKey(secret, sr.date, sr.region, sr.service), toSign))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(sr.signature))) {
		return signatureMismatch("The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

// checkTime enforces the 15-minute window (and a presigned URL's expiry).
func (v *verifier) checkTime(sr *signedRequest, signedAt time.Time) *Error {
	now := v.now().UTC()
	if sr.presigned {
		if sr.expires < 1 || sr.expires > maxPresignExpiry {
			return &Error{Code: "AuthorizationQueryParametersError", Status: http.StatusBadRequest,
				Message: "X-Amz-Expires must be between 1 and 604800 seconds."}
		}
		if end := signedAt.Add(time.Duration(sr.expires) * time.Second); now.After(end) {
			return signatureMismatch(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d sec.)",
				end.Format(amzDateFormat), now.Format(amzDateFormat), now.Format(amzDateFormat), sr.expires))
		}
		if signedAt.After(now.Add(maxClockSkew)) {
			return signatureMismatch(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
				signedAt.Format(amzDateFormat), now.Add(maxClockSkew).Format(amzDateFormat), now.Format(amzDateFormat)))
		}
		return nil
	}
	switch {
	case signedAt.Before(now.Add(-maxClockSkew)):
		return signatureMismatch(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			signedAt.Format(amzDateFormat), now.Add(-maxClockSkew).Format(amzDateFormat), now.Format(amzDateFormat)))
	case signedAt.After(now.Add(maxClockSkew)):
		return signatureMismatch(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			signedAt.Format(amzDateFormat), now.Add(maxClockSkew).Format(amzDateFormat), now.Format(amzDateFormat)))
	}
	return nil
}

// parseSignature reads the Authorization header or the presigned query.
func parseSignature(req *http.Request) (*signedRequest, *Error) {
	if auth := req.Header.Get("Authorization"); auth != "" {
		return parseAuthorization(auth, req.Header.Get("X-Amz-Date"))
	}
	q := req.URL.Query()
	if q.Get("X-Amz-Signature") != "" || q.Get("X-Amz-Credential") != "" || q.Get("X-Amz-Algorithm") != "" {
		return parsePresigned(q)
	}
	return nil, &Error{Code: "MissingAuthenticationToken", Status: http.StatusForbidden,
		Message: "Request is missing Authentication Token"}
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=HEX".
func parseAuthorization(auth, amzDate string) (*signedRequest, *Error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != sigV4Algorithm {
		return nil, incompleteSignature("Unsupported authorization type %q: only %s is accepted.", alg, sigV4Algorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = val
		}
	}
	var missing []string
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, incompleteSignature("Authorization header requires '%s' parameter. Authorization=%s",
			strings.Join(missing, "' and '"), auth)
	}
	if amzDate == "" {
		return nil, incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", auth)
	}
	sr := &signedRequest{signature: fields["Signature"], amzDate: amzDate}
	if e := sr.setCredential(fields["Credential"]); e != nil {
		return nil, e
	}
	sr.signedHeaders = strings.Split(fields["SignedHeaders"], ";")
	return sr, nil
}

// parsePresigned parses the X-Amz-* query parameters of a presigned URL.
func parsePresigned(q url.Values) (*signedRequest, *Error) {
	var missing []string
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date", "X-Amz-Expires"} {
		if q.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, incompleteSignature("AWS query-string parameters must include %s. Re-examine the query-string parameters.",
			strings.Join(missing, ", "))
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != sigV4Algorithm {
		return nil, incompleteSignature("X-Amz-Algorithm %q is not supported: only %s is accepted.", alg, sigV4Algorithm)
	}
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil {
		return nil, incompleteSignature("X-Amz-Expires must be a number of seconds, not %q.", q.Get("X-Amz-Expires"))
	}
	sr := &signedRequest{signature: q.Get("X-Amz-Signature"), amzDate: q.Get("X-Amz-Date"), expires: expires, presigned: true,
		signedHeaders: strings.Split(q.Get("X-Amz-SignedHeaders"), ";")}
	if e := sr.setCredential(q.Get("X-Amz-Credential")); e != nil {
		return nil, e
	}
	return sr, nil
}

// setCredential parses AKID/DATE/REGION/SERVICE/aws4_request.
func (sr *signedRequest) setCredential(cred string) *Error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != sigV4Terminator || len(parts[1]) != 8 {
		return incompleteSignature("Credential should be scoped to a valid region, like 'us-east-1', and be of the form "+
			"'ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request', not '%s'.", cred)
	}
	sr.accessKey, sr.date, sr.region, sr.service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// payloadHash is the hash the signature covers: X-Amz-Content-Sha256 when
// the client sent it (UNSIGNED-PAYLOAD included; a real hash must match the
// body), else the SHA-256 of the body.
func payloadHash(req *http.Request, body []byte, presigned bool) (string, *Error) {
	actual := hexSHA256(body)
	claimed := req.Header.Get("X-Amz-Content-Sha256")
	if claimed == "" && presigned {
		claimed = req.URL.Query().Get("X-Amz-Content-Sha256")
	}
	switch {
	case claimed == "":
		return actual, nil
	case claimed == unsignedPayload:
		return unsignedPayload, nil
	case !strings.EqualFold(claimed, actual):
		return "", signatureMismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return claimed, nil
}

// canonicalRequest builds the SigV4 canonical request the way the AWS SDKs
// do for every service but S3 (the path is escaped twice).
func canonicalRequest(req *http.Request, sr *signedRequest, payload string) string {
	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	b.WriteString(req.Method)
	b.WriteByte('\n')
	b.WriteString(escapeSigV4(path, false))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(req.URL.Query(), sr.presigned))
	b.WriteByte('\n')
	for _, h := range sr.signedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(req, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sr.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

// canonicalQuery encodes every parameter (but a presigned URL's signature)
// RFC 3986 style and sorts them after encoding.
func canonicalQuery(q url.Values, presigned bool) string {
	type kv struct{ k, v string }
	var params []kv
	for k, vs := range q {
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		ek := escapeSigV4(k, true)
		for _, v := range vs {
			params = append(params, kv{ek, escapeSigV4(v, true)})
		}
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].k != params[j].k {
			return params[i].k < params[j].k
		}
		return params[i].v < params[j].v
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// canonicalHeaderValue is a signed header's values, trimmed, inner runs of
// spaces collapsed, joined by commas. Go moves Host and Content-Length out
// of the header map on the server side; they are read back from the request.
func canonicalHeaderValue(req *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{req.Host}
	case "content-length":
		values = req.Header.Values("Content-Length")
		if len(values) == 0 {
			values = []string{strconv.FormatInt(req.ContentLength, 10)}
		}
	default:
		values = req.Header.Values(name)
	}
	for i, v := range values {
		values[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(values, ",")
}

// escapeSigV4 percent-encodes everything but RFC 3986 unreserved characters
// (and '/' unless encodeSlash), with upper-case hex.
func escapeSigV4(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' && !encodeSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, sigV4Terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
