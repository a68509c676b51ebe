package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// proxyRequest is the Lambda proxy integration event, payload format 2.0,
// field for field as API Gateway sends it.
type proxyRequest struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        proxyContext      `json:"requestContext"`
	Body                  *string           `json:"body,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
}

type proxyContext struct {
	AccountID    string    `json:"accountId"`
	APIID        string    `json:"apiId"`
	DomainName   string    `json:"domainName"`
	DomainPrefix string    `json:"domainPrefix"`
	HTTP         proxyHTTP `json:"http"`
	RequestID    string    `json:"requestId"`
	RouteKey     string    `json:"routeKey"`
	Stage        string    `json:"stage"`
	Time         string    `json:"time"`
	TimeEpoch    int64     `json:"timeEpoch"`
}

type proxyHTTP struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// requestTimeLayout is $context.requestTime's format (CLF).
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// inbound is a request as the gateway handles it: read once, matched, and
// shared by every integration.
type inbound struct {
	method     string
	rawPath    string // escaped, stage prefix included (as rawPath has it)
	rawQuery   string
	header     http.Header
	body       []byte
	host       string
	proto      string
	sourceIP   string
	routeKey   string
	stage      string
	stageVars  map[string]string
	pathParams map[string]string
	requestID  string
	apiID      string
	account    string
	time       time.Time
	resp       *response // the integration's answer, for response parameters
}

// encodeProxyRequest builds the payload 2.0 event for in: header names in
// lower case with repeated headers joined by commas, cookies moved out of
// the headers into "cookies", repeated query parameters joined by commas,
// and a body that is base64-encoded unless its content type is text (and
// it is valid UTF-8, which JSON needs to carry it unchanged).
func encodeProxyRequest(in *inbound) ([]byte, error) {
	ev := proxyRequest{
		Version:        "2.0",
		RouteKey:       in.routeKey,
		RawPath:        in.rawPath,
		RawQueryString: in.rawQuery,
		Headers:        map[string]string{},
		PathParameters: in.pathParams,
		StageVariables: in.stageVars,
	}
	for name, vals := range in.header {
		lower := strings.ToLower(name)
		if lower == "cookie" {
			for _, v := range vals {
				ev.Cookies = append(ev.Cookies, splitCookies(v)...)
			}
			continue
		}
		if prev, ok := ev.Headers[lower]; ok {
			vals = append([]string{prev}, vals...)
		}
		ev.Headers[lower] = strings.Join(vals, ",")
	}
	if q := queryParams(in.rawQuery); len(q) > 0 {
		ev.QueryStringParameters = q
	}
	if len(in.body) > 0 {
		var s string
		if isText(in.header.Get("Content-Type")) && utf8.Valid(in.body) {
			s = string(in.body)
		} else {
			s = base64.StdEncoding.EncodeToString(in.body)
			ev.IsBase64Encoded = true
		}
		ev.Body = &s
	}
	host := in.host
	ev.RequestContext = proxyContext{
		AccountID:    in.account,
		APIID:        in.apiID,
		DomainName:   host,
		DomainPrefix: domainPrefix(host),
		HTTP: proxyHTTP{
			Method:    in.method,
			Path:      unescape(in.rawPath),
			Protocol:  in.proto,
			SourceIP:  in.sourceIP,
			UserAgent: in.header.Get("User-Agent"),
		},
		RequestID: in.requestID,
		RouteKey:  in.routeKey,
		Stage:     in.stage,
		Time:      in.time.UTC().Format(requestTimeLayout),
		TimeEpoch: in.time.UnixMilli(),
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// splitCookies splits a Cookie header into its "name=value" pairs.
func splitCookies(v string) []string {
	var out []string
	for _, c := range strings.Split(v, ";") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// queryParams decodes a raw query string, joining repeated names with
// commas in the order they came. A malformed pair is kept undecoded.
func queryParams(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	out := map[string]string{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		if prev, ok := out[k]; ok {
			v = prev + "," + v
		}
		out[k] = v
	}
	return out
}

func domainPrefix(host string) string {
	prefix, _, _ := strings.Cut(host, ".")
	prefix, _, _ = strings.Cut(prefix, ":")
	return prefix
}

// isText tells the content types whose bodies API Gateway passes as text.
func isText(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded",
		mt == "application/graphql", mt == "application/yaml":
		return true
	}
	return false
}

// proxyResponse is what a function may return in payload format 2.0.
type proxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
	Cookies           []string            `json:"cookies"`
}

// response is an answer on its way to the client.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errMalformedResponse is a function output API Gateway cannot use.
var errMalformedResponse = fmt.Errorf("malformed Lambda proxy response")

// decodeProxyResponse turns a function's output into the HTTP response as
// HTTP APIs do for payload 2.0: an object with "statusCode" is a formatted
// response (headers, multiValueHeaders, cookies as Set-Cookie, body,
// isBase64Encoded); any other valid JSON is the body of a 200 response
// with Content-Type application/json.
func decodeProxyResponse(out []byte) (*response, error) {
	trimmed := bytes.TrimSpace(out)
	if !json.Valid(trimmed) {
		return nil, fmt.Errorf("%w: the output is not JSON", errMalformedResponse)
	}
	if len(trimmed) == 0 || trimmed[0] != '{' || !hasStatusCode(trimmed) {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		return &response{status: http.StatusOK, header: h, body: trimmed}, nil
	}
	var pr proxyResponse
	if err := json.Unmarshal(trimmed, &pr); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformedResponse, err)
	}
	if pr.StatusCode == nil || *pr.StatusCode < 200 || *pr.StatusCode > 599 {
		return nil, fmt.Errorf("%w: statusCode must be 200–599", errMalformedResponse)
	}
	r := &response{status: *pr.StatusCode, header: http.Header{}}
	names := make([]string, 0, len(pr.MultiValueHeaders))
	for k := range pr.MultiValueHeaders {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range pr.MultiValueHeaders[k] {
			r.header.Add(k, v)
		}
	}
	for k, v := range pr.Headers {
		r.header.Set(k, v)
	}
	for _, c := range pr.Cookies {
		r.header.Add("Set-Cookie", c)
	}
	if pr.Body != nil {
		if pr.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(*pr.Body)
			if err != nil {
				return nil, fmt.Errorf("%w: isBase64Encoded body: %v", errMalformedResponse, err)
			}
			r.body = b
		} else {
			r.body = []byte(*pr.Body)
		}
	}
	if !validHeader(r.header) {
		return nil, fmt.Errorf("%w: invalid header name or value", errMalformedResponse)
	}
	return r, nil
}

// hasStatusCode reports whether a JSON object has a top-level statusCode.
func hasStatusCode(obj []byte) bool {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return false
	}
	_, ok := m["statusCode"]
	return ok
}

// validHeader rejects header names and values net/http would refuse.
func validHeader(h http.Header) bool {
	for k, vs := range h {
		if k == "" || strings.ContainsAny(k, " \t\r\n:()<>@,;\\\"/[]?={}") {
			return false
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return false
			}
		}
	}
	return true
}
