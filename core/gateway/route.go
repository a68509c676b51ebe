package gateway

import (
	"fmt"
	"net/url"
	"strings"
)

// methods a route key may name ("ANY" matches every method a route of the
// same path does not name).
var methods = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true,
	"HEAD": true, "OPTIONS": true, "ANY": true,
}

type segKind uint8

const (
	literal segKind = iota
	param
	greedy
)

// segment is one "/"-separated part of a route path.
type segment struct {
	kind segKind
	text string // the literal, or the parameter's name
}

// routeKey is a parsed route key.
type routeKey struct {
	method string // "" for $default
	segs   []segment
}

// parseRouteKey parses "METHOD /path" or "$default". Path parameters are
// whole segments "{name}"; a greedy "{name+}" may only be the last one.
func parseRouteKey(key string) (routeKey, error) {
	if key == DefaultRoute {
		return routeKey{}, nil
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok || !methods[method] {
		return routeKey{}, fmt.Errorf("route key %q must be \"$default\" or a method (%s) and a path", key, "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY")
	}
	if !strings.HasPrefix(path, "/") {
		return routeKey{}, fmt.Errorf("route key %q: the path must start with /", key)
	}
	rk := routeKey{method: method}
	if path == "/" {
		return rk, nil
	}
	names := map[string]bool{}
	parts := strings.Split(path[1:], "/")
	for i, p := range parts {
		s, err := parseSegment(p, i == len(parts)-1)
		if err != nil {
			return routeKey{}, fmt.Errorf("route key %q: %w", key, err)
		}
		if s.kind != literal {
			if names[s.text] {
				return routeKey{}, fmt.Errorf("route key %q: path parameter {%s} appears twice", key, s.text)
			}
			names[s.text] = true
		}
		rk.segs = append(rk.segs, s)
	}
	return rk, nil
}

func parseSegment(p string, last bool) (segment, error) {
	if p == "" {
		return segment{}, fmt.Errorf("empty path segment")
	}
	if !strings.HasPrefix(p, "{") {
		if strings.ContainsAny(p, "{}?# \t") {
			return segment{}, fmt.Errorf("segment %q: braces must enclose a whole segment", p)
		}
		return segment{kind: literal, text: p}, nil
	}
	if !strings.HasSuffix(p, "}") || len(p) < 3 {
		return segment{}, fmt.Errorf("segment %q: a path parameter is {name} or {name+}", p)
	}
	name := p[1 : len(p)-1]
	kind := param
	if strings.HasSuffix(name, "+") {
		if !last {
			return segment{}, fmt.Errorf("greedy parameter %s must be the last segment", p)
		}
		kind, name = greedy, name[:len(name)-1]
	}
	if name == "" || !isParamName(name) {
		return segment{}, fmt.Errorf("segment %q: a parameter name is letters, digits, _ and -", p)
	}
	return segment{kind: kind, text: name}, nil
}

func isParamName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// matcher finds the route of a request, as HTTP APIs choose it: the most
// specific path wins (at the first segment where two routes differ, a
// literal beats a {param}, which beats a {greedy+}); on the same path a
// route naming the method beats ANY; $default catches the rest.
type matcher struct {
	routes []compiledKey
	dflt   int // index of $default in the route list, -1 if none
}

type compiledKey struct {
	index int // position in the API's routes
	key   routeKey
}

func newMatcher(keys []routeKey) *matcher {
	m := &matcher{dflt: -1}
	for i, k := range keys {
		if k.method == "" {
			m.dflt = i
			continue
		}
		m.routes = append(m.routes, compiledKey{index: i, key: k})
	}
	return m
}

// match returns the index of the matching route and its path parameters,
// or -1. path is the escaped request path (stage prefix removed).
func (m *matcher) match(method, path string) (int, map[string]string) {
	parts := splitPath(path)
	best := -1
	var bestKey *routeKey
	for i := range m.routes {
		k := &m.routes[i].key
		if k.method != method && k.method != "ANY" {
			continue
		}
		if !k.matches(parts) {
			continue
		}
		if bestKey == nil || k.moreSpecific(bestKey) {
			best, bestKey = i, k
		}
	}
	if bestKey == nil {
		return m.dflt, nil
	}
	return m.routes[best].index, bestKey.params(parts)
}

// splitPath splits an escaped path into segments; "/" has none, and one
// trailing slash is ignored.
func splitPath(path string) []string {
	path = strings.TrimPrefix(path, "/")
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

func (k *routeKey) matches(parts []string) bool {
	for i, s := range k.segs {
		if s.kind == greedy {
			return len(parts) > i
		}
		if i >= len(parts) {
			return false
		}
		if s.kind == literal && unescape(parts[i]) != s.text {
			return false
		}
		if s.kind == param && parts[i] == "" {
			return false
		}
	}
	return len(parts) == len(k.segs)
}

// moreSpecific reports whether k should win over o when both match.
func (k *routeKey) moreSpecific(o *routeKey) bool {
	for i := 0; i < len(k.segs) && i < len(o.segs); i++ {
		if k.segs[i].kind != o.segs[i].kind {
			return k.segs[i].kind < o.segs[i].kind
		}
	}
	if len(k.segs) != len(o.segs) {
		// Both matched the same path, so one ends in a greedy segment
		// that covers more: the longer fixed prefix is more specific.
		return len(k.segs) > len(o.segs)
	}
	return k.method != "ANY" && o.method == "ANY"
}

func (k *routeKey) params(parts []string) map[string]string {
	var out map[string]string
	for i, s := range k.segs {
		if s.kind == literal {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		if s.kind == greedy {
			out[s.text] = unescape(strings.Join(parts[i:], "/"))
			break
		}
		out[s.text] = unescape(parts[i])
	}
	return out
}

// unescape decodes one path segment (keeping it as is when malformed).
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}
