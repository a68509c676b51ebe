package gateway

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzRouteMatcher: parsing a route key never panics; a parsed key
// matches the path made by filling its parameters, with those parameters
// back; matching any path never panics and returns a route that fits.
func FuzzRouteMatcher(f *testing.F) {
	for _, s := range [][3]string{
		{"GET /pets/{id}", "GET", "/pets/7"},
		{"ANY /{proxy+}", "DELETE", "/a/b/c"},
		{"$default", "POST", "/"},
		{"GET /", "GET", "/"},
		{"POST /a/{b}/c/{d+}", "POST", "/a/x%20y/c/d/e"},
		{"GET /{a}/{a}", "GET", "/x/y"},
		{"PUT /a{b}", "PUT", "/a%2F"},
		{"GET //", "GET", "//"},
		{"OPTIONS /x/{y+}/z", "OPTIONS", "/x/1/z"},
	} {
		f.Add(s[0], s[1], s[2], "v1", "v/2")
	}
	f.Fuzz(func(t *testing.T, key, method, path, v1, v2 string) {
		k, err := parseRouteKey(key)
		if err != nil {
			return
		}
		if k.method == "" {
			if key != DefaultRoute {
				t.Fatalf("%q parsed as $default", key)
			}
			return
		}
		// Fill the key's parameters and match it back.
		var b strings.Builder
		want := map[string]string{}
		for i, s := range k.segs {
			b.WriteByte('/')
			switch s.kind {
			case literal:
				b.WriteString(url.PathEscape(s.text))
			case param:
				v := v1
				if v == "" || i%2 == 1 {
					v = "p" + v2
				}
				v = strings.ReplaceAll(v, "/", "_")
				b.WriteString(url.PathEscape(v))
				want[s.text] = v
			case greedy:
				parts := strings.Split("g/"+v2, "/")
				for j, p := range parts {
					if p == "" {
						parts[j] = "_"
					}
				}
				for j, p := range parts {
					parts[j] = url.PathEscape(p)
				}
				b.WriteString(strings.Join(parts, "/"))
				want[s.text] = unescape(strings.Join(parts, "/"))
			}
		}
		filled := b.String()
		if filled == "" {
			filled = "/"
		}
		m := newMatcher([]routeKey{k})
		idx, params := m.match(k.method, filled)
		if k.method == "ANY" {
			idx, params = m.match("PATCH", filled)
		}
		if idx != 0 {
			t.Fatalf("%q does not match its own path %q", key, filled)
		}
		for name, v := range want {
			if params[name] != v {
				t.Fatalf("%q on %q: param %s = %q, want %q", key, filled, name, params[name], v)
			}
		}
		// Any path: no panic, and a match really fits.
		if idx, _ := m.match(method, path); idx == 0 && !k.matches(splitPath(path)) {
			t.Fatalf("%q matched %q that it does not fit", key, path)
		}
	})
}

// FuzzProxyPayload: any request encodes to a payload 2.0 event that
// aws-lambda-go reads back with the same method, path, query, headers
// and body (base64 when binary).
func FuzzProxyPayload(f *testing.F) {
	f.Add("GET", "/pets/7", "a=1&a=2&b", "X-Custom", "v", "a=1; b=2", "application/json", []byte(`{"x":1}`))
	f.Add("POST", "/up%20load", "", "Accept", "*/*", "", "application/octet-stream", []byte{0, 0xff, 0x10})
	f.Add("PUT", "/", "%zz=%", "X-Empty", "", ";;", "text/plain; charset=utf-8", []byte("\xff\xfe"))
	f.Add("DELETE", "/a/b", "q=%E2%9C%93", "Cookie", "c=3", "k=v", "", []byte(nil))
	f.Fuzz(func(t *testing.T, method, rawPath, rawQuery, hname, hvalue, cookie, ctype string, body []byte) {
		h := http.Header{}
		if hname != "" {
			h.Add(hname, hvalue)
		}
		if cookie != "" {
			h.Add("Cookie", cookie)
		}
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		in := &inbound{method: method, rawPath: rawPath, rawQuery: rawQuery, header: h, body: body, host: "127.0.0.1:8080",
			proto: "HTTP/1.1", sourceIP: "127.0.0.1", routeKey: "$default", stage: "$default", requestID: "id", apiID: "api", account: "0", time: epoch}
		out, err := encodeProxyRequest(in)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(out, &ev); err != nil {
			t.Fatalf("payload %s: %v", out, err)
		}
		if !json.Valid(out) || ev.Version != "2.0" || ev.RequestContext.HTTP.Method != viaJSON(method) {
			t.Fatalf("head of %s", out)
		}
		if ev.RawQueryString != viaJSON(rawQuery) {
			t.Fatalf("rawQueryString %q, want %q", ev.RawQueryString, rawQuery)
		}
		var got []byte
		if ev.IsBase64Encoded {
			got, err = base64.StdEncoding.DecodeString(ev.Body)
			if err != nil {
				t.Fatal(err)
			}
		} else {
			got = []byte(ev.Body)
		}
		if string(got) != string(body) {
			t.Fatalf("body %q, want %q (base64 %v)", got, body, ev.IsBase64Encoded)
		}
		if _, ok := ev.Headers["cookie"]; ok {
			t.Fatal("cookie header left in headers")
		}
		if hname != "" && !strings.EqualFold(hname, "cookie") && !strings.EqualFold(hname, "content-type") {
			if v, ok := ev.Headers[strings.ToLower(hname)]; !ok || v != viaJSON(hvalue) {
				t.Fatalf("header %q = %q, want %q", hname, v, hvalue)
			}
		}
	})
}

// viaJSON is s as a JSON string carries it (invalid UTF-8 replaced).
func viaJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// FuzzProxyResponse: any function output either becomes a response or is
// refused as malformed; it never panics.
func FuzzProxyResponse(f *testing.F) {
	f.Add([]byte(`{"statusCode":200,"headers":{"a":"b"},"body":"x","cookies":["c=1"]}`))
	f.Add([]byte(`{"statusCode":201,"isBase64Encoded":true,"body":"AAE="}`))
	f.Add([]byte(`{"hello":"world"}`))
	f.Add([]byte(`"text"`))
	f.Add([]byte(`{"statusCode":99}`))
	f.Add([]byte(`{"statusCode":200,"headers":{"bad name":"x"}}`))
	f.Add([]byte(`{"statusCode":200,"multiValueHeaders":{"x":["1","2"]},"headers":null}`))
	f.Add([]byte(`nope`))
	f.Fuzz(func(t *testing.T, out []byte) {
		r, err := decodeProxyResponse(out)
		if err != nil {
			if !errors.Is(err, errMalformedResponse) {
				t.Fatalf("error %v is not errMalformedResponse", err)
			}
			return
		}
		if r.status < 200 || r.status > 599 || !validHeader(r.header) {
			t.Fatalf("response %+v from %q", r, out)
		}
	})
}

// FuzzMapping: evaluating and validating any mapping expression against
// any request never panics, and static text (no "$") stays as it is.
func FuzzMapping(f *testing.F) {
	f.Add("$request.body.a[0].b", `{"a":[{"b":1}]}`, "x")
	f.Add("id ${request.path.id} ${context.requestId", "", "7")
	f.Add("${}${request.header.X}$", "{}", "")
	f.Add("$response.body", "[1,2]", "y")
	f.Add("plain text", "", "")
	f.Fuzz(func(t *testing.T, expr, body, id string) {
		in := &inbound{method: "GET", rawPath: "/p/" + id, header: http.Header{"X": {id}}, body: []byte(body),
			pathParams: map[string]string{"id": id}, stageVars: map[string]string{"v": id}, time: epoch,
			resp: &response{status: 200, header: http.Header{"R": {id}}, body: []byte(body)}}
		got := evaluate(expr, in)
		_ = validateExpr(expr, true)
		if !strings.Contains(expr, "$") && got != expr {
			t.Fatalf("static %q became %q", expr, got)
		}
		params := map[string]map[string]string{"200": {"overwrite:header.X-Mapped": expr}}
		if validateResponseParameters(params) == nil {
			r := mapResponse(params, in, in.resp)
			if !validHeader(http.Header{"X-Mapped": r.header.Values("X-Mapped")}) {
				t.Fatalf("mapped header %q", r.header.Values("X-Mapped"))
			}
		}
	})
}
