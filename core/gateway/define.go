package gateway

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// validateAPI checks a definition and returns its parsed route keys.
func validateAPI(a *API) ([]routeKey, *Error) {
	if !validName(a.Name, 128) {
		return nil, errorf(BadRequest, "API name %q must be 1–128 letters, digits, '.', '_' or '-'", a.Name)
	}
	if a.Port < 0 || a.Port > 65535 {
		return nil, errorf(BadRequest, "port %d is out of range 1–65535 (0 picks one)", a.Port)
	}
	if len(a.Routes) > maxRoutes {
		return nil, errorf(BadRequest, "an API has at most %d routes", maxRoutes)
	}
	if err := validateThrottle("API", a.Throttle); err != nil {
		return nil, err
	}
	if err := validateCORS(a.CORS); err != nil {
		return nil, err
	}
	if err := validateStages(a.Stages); err != nil {
		return nil, err
	}
	if err := validateTags(a.Tags); err != nil {
		return nil, err
	}
	keys := make([]routeKey, len(a.Routes))
	seen := map[string]string{}
	for i := range a.Routes {
		r := &a.Routes[i]
		k, err := parseRouteKey(r.Key)
		if err != nil {
			return nil, errorf(BadRequest, "%v", err)
		}
		shape := k.shape()
		if prev, dup := seen[shape]; dup {
			return nil, errorf(Conflict, "route %q conflicts with route %q", r.Key, prev)
		}
		seen[shape] = r.Key
		keys[i] = k
		if e := validateRoute(r); e != nil {
			return nil, e
		}
	}
	return keys, nil
}

// shape is a route key with parameter names erased: two routes of one
// shape could never be told apart.
func (k routeKey) shape() string {
	if k.method == "" {
		return DefaultRoute
	}
	var b strings.Builder
	b.WriteString(k.method)
	b.WriteByte(' ')
	for _, s := range k.segs {
		b.WriteByte('/')
		switch s.kind {
		case literal:
			b.WriteString(s.text)
		case param:
			b.WriteString("{}")
		case greedy:
			b.WriteString("{+}")
		}
	}
	return b.String()
}

func validateRoute(r *Route) *Error {
	where := fmt.Sprintf("route %q", r.Key)
	if err := validateThrottle(where, r.Throttle); err != nil {
		return err
	}
	if c := r.Cache; c != nil {
		if c.TTLSeconds < 1 || time.Duration(c.TTLSeconds)*time.Second > maxCacheTTL {
			return errorf(BadRequest, "%s: cache TTL must be 1–%d seconds", where, int(maxCacheTTL.Seconds()))
		}
	}
	return validateIntegration(where, &r.Integration)
}

func validateIntegration(where string, in *Integration) *Error {
	switch in.Type {
	case Function, Queue, Topic, Stream, StateMachine:
		if in.Target == "" {
			return errorf(BadRequest, "%s: a %s integration needs a target name", where, in.Type)
		}
	case HTTPProxy:
		u, err := url.Parse(in.Target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errorf(BadRequest, "%s: an http integration needs an http:// or https:// URL, not %q", where, in.Target)
		}
		if in.Method != "" && (!methods[in.Method] || in.Method == "ANY") {
			return errorf(BadRequest, "%s: method override %q is not an HTTP method", where, in.Method)
		}
		if err := validateRequestParameters(in.Parameters); err != nil {
			return errorf(BadRequest, "%s: %v", where, err)
		}
	case Mock:
		if in.Mock != nil && in.Mock.Status != 0 && (in.Mock.Status < 200 || in.Mock.Status > 599) {
			return errorf(BadRequest, "%s: mock status %d is not 200–599", where, in.Mock.Status)
		}
		if in.Mock != nil {
			for k := range in.Mock.Headers {
				if !validHeader(map[string][]string{k: {""}}) {
					return errorf(BadRequest, "%s: mock header name %q is invalid", where, k)
				}
			}
		}
	default:
		return errorf(BadRequest, "%s: integration type %q is not one of function, queue, topic, stream, state-machine, http, mock", where, in.Type)
	}
	if in.TimeoutMS != 0 {
		d := time.Duration(in.TimeoutMS) * time.Millisecond
		if d < MinTimeout || d > MaxTimeout {
			return errorf(BadRequest, "%s: timeout must be %d–%d ms", where, MinTimeout.Milliseconds(), MaxTimeout.Milliseconds())
		}
	}
	for k, v := range in.Parameters {
		if err := validateExpr(v, false); err != nil {
			return errorf(BadRequest, "%s: parameter %s: %v", where, k, err)
		}
	}
	if err := validateResponseParameters(in.ResponseParameters); err != nil {
		return errorf(BadRequest, "%s: %v", where, err)
	}
	return nil
}

func validateThrottle(where string, t *Throttle) *Error {
	if t == nil {
		return nil
	}
	if t.RateLimit < 0 || t.BurstLimit < 0 {
		return errorf(BadRequest, "%s throttle: rate and burst cannot be negative", where)
	}
	if math.IsNaN(t.RateLimit) || math.IsInf(t.RateLimit, 0) {
		return errorf(BadRequest, "%s throttle: the rate must be a finite number", where)
	}
	return nil
}

func validateCORS(c *CORS) *Error {
	if c == nil {
		return nil
	}
	if c.MaxAge < 0 || c.MaxAge > MaxCORSMaxAge {
		return errorf(BadRequest, "CORS maxAge must be 0–%d seconds", MaxCORSMaxAge)
	}
	if c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
		return errorf(BadRequest, "CORS: allowCredentials cannot be used with the origin \"*\"")
	}
	for _, m := range c.AllowMethods {
		if m != "*" && !methods[strings.ToUpper(m)] {
			return errorf(BadRequest, "CORS: %q is not an HTTP method", m)
		}
	}
	return nil
}

// ValidStageName tells whether name may name a stage: "$default", or 1–128
// letters, digits, '.', '_' or '-'.
func ValidStageName(name string) bool { return name == DefaultStage || validName(name, 128) }

func validateStages(stages []Stage) *Error {
	seen := map[string]bool{}
	for _, s := range stages {
		if !ValidStageName(s.Name) {
			return errorf(BadRequest, "stage name %q must be \"$default\" or 1–128 letters, digits, '.', '_' or '-'", s.Name)
		}
		if seen[s.Name] {
			return errorf(Conflict, "stage %q is defined twice", s.Name)
		}
		seen[s.Name] = true
		if err := validateThrottle("stage "+s.Name, s.Throttle); err != nil {
			return err
		}
	}
	return nil
}

// compiled is an API ready to serve: immutable once built; an update
// builds a new one and swaps it in.
type compiled struct {
	spec       API
	generation uint64
	matcher    *matcher
	routes     []*routeRT
	stages     map[string]*Stage
	dfltStage  *Stage
	cors       *corsRT
}

// routeRT is a route's serving state.
type routeRT struct {
	route   Route
	key     routeKey
	stats   *routeMetrics
	buckets map[string]*bucket // by stage name
	timeout time.Duration
}

func (s *Service) compile(a API, keys []routeKey) *compiled {
	c := &compiled{spec: a, generation: s.generation.Add(1), matcher: newMatcher(keys), stages: map[string]*Stage{}}
	stages := a.Stages
	if len(stages) == 0 {
		stages = []Stage{{Name: DefaultStage}}
	}
	for i := range stages {
		st := &stages[i]
		if st.Name == DefaultStage {
			c.dfltStage = st
		} else {
			c.stages[st.Name] = st
		}
	}
	now := s.clock.Now()
	for i, r := range a.Routes {
		rt := &routeRT{route: r, key: keys[i], stats: s.routeStats(a.Name, r.Key), buckets: map[string]*bucket{}, timeout: DefaultTimeout}
		if r.Integration.TimeoutMS > 0 {
			rt.timeout = time.Duration(r.Integration.TimeoutMS) * time.Millisecond
		}
		for _, st := range stages {
			rt.buckets[st.Name] = newBucket(effectiveThrottle(r.Throttle, st.Throttle, a.Throttle), now)
		}
		c.routes = append(c.routes, rt)
	}
	if a.CORS != nil {
		c.cors = newCORS(*a.CORS)
	}
	return c
}

// stageFor splits the stage off an escaped path: a first segment naming a
// stage selects it, anything else goes to $default (nil if there is none).
func (c *compiled) stageFor(path string) (*Stage, string) {
	if len(c.stages) > 0 {
		rest := strings.TrimPrefix(path, "/")
		first, tail, _ := strings.Cut(rest, "/")
		if st, ok := c.stages[unescape(first)]; ok {
			return st, "/" + tail
		}
	}
	return c.dfltStage, path
}
