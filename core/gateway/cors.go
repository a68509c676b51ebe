package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// corsRT is an API's CORS configuration ready to answer with: HTTP APIs
// answer preflight requests themselves and set the CORS headers of every
// response, replacing any the integration returned.
type corsRT struct {
	anyOrigin     bool
	origins       []string // lower case
	methods       string
	anyMethod     bool
	methodSet     []string
	headers       string
	anyHeader     bool
	expose        string
	maxAge        string
	credentials   bool
	headerAllowed map[string]bool
}

func newCORS(c CORS) *corsRT {
	r := &corsRT{credentials: c.AllowCredentials, headerAllowed: map[string]bool{}}
	for _, o := range c.AllowOrigins {
		if o == "*" {
			r.anyOrigin = true
		}
		r.origins = append(r.origins, strings.ToLower(strings.TrimSuffix(o, "/")))
	}
	ms := make([]string, 0, len(c.AllowMethods))
	for _, m := range c.AllowMethods {
		m = strings.ToUpper(m)
		if m == "*" {
			r.anyMethod = true
		}
		ms = append(ms, m)
	}
	r.methodSet = ms
	r.methods = strings.Join(ms, ",")
	hs := make([]string, 0, len(c.AllowHeaders))
	for _, h := range c.AllowHeaders {
		h = strings.ToLower(h)
		if h == "*" {
			r.anyHeader = true
		}
		r.headerAllowed[h] = true
		hs = append(hs, h)
	}
	r.headers = strings.Join(hs, ",")
	r.expose = strings.ToLower(strings.Join(c.ExposeHeaders, ","))
	if c.MaxAge > 0 {
		r.maxAge = strconv.Itoa(c.MaxAge)
	}
	return r
}

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or "".
func (c *corsRT) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	if c.anyOrigin && !c.credentials {
		return "*"
	}
	if c.anyOrigin || slices.Contains(c.origins, strings.ToLower(origin)) {
		return origin
	}
	return ""
}

// isPreflight tells a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a preflight request: 204 with the allowed methods and
// headers when the origin, method and headers are allowed, 204 without
// CORS headers otherwise (the browser then refuses the call).
func (c *corsRT) preflight(r *http.Request) *response {
	h := http.Header{}
	resp := &response{status: http.StatusNoContent, header: h}
	origin := c.allowOrigin(r.Header.Get("Origin"))
	if origin == "" {
		return resp
	}
	method := strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))
	if !c.anyMethod && !slices.Contains(c.methodSet, method) {
		return resp
	}
	for _, want := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		want = strings.ToLower(strings.TrimSpace(want))
		if want != "" && !c.anyHeader && !c.headerAllowed[want] {
			return resp
		}
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if c.methods != "" {
		h.Set("Access-Control-Allow-Methods", c.methods)
	}
	if c.headers != "" {
		h.Set("Access-Control-Allow-Headers", c.headers)
	}
	if c.maxAge != "" {
		h.Set("Access-Control-Max-Age", c.maxAge)
	}
	if c.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if origin != "*" {
		h.Add("Vary", "Origin")
	}
	return resp
}

// decorate sets the CORS headers of an actual response.
func (c *corsRT) decorate(r *http.Request, h http.Header) {
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
		h.Del(k)
	}
	origin := c.allowOrigin(r.Header.Get("Origin"))
	if origin == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if c.expose != "" {
		h.Set("Access-Control-Expose-Headers", c.expose)
	}
	if c.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if origin != "*" {
		h.Add("Vary", "Origin")
	}
}
