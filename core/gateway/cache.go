package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/ristretto/v2"
)

// cached is a stored response; it expires on the core clock.
type cached struct {
	status  int
	header  http.Header
	body    []byte
	expires time.Time
}

func (c *cached) cost() int64 {
	n := 64 + len(c.body)
	for k, vs := range c.header {
		n += len(k)
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	return int64(n)
}

func newResponseCache(maxBytes int64) (*ristretto.Cache[string, *cached], error) {
	return ristretto.NewCache(&ristretto.Config[string, *cached]{
		NumCounters:        max(10_000, maxBytes/1000),
		MaxCost:            maxBytes,
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
}

// cacheKey names a response by API generation, stage, route, method, path
// and the configured headers and query parameters.
func cacheKey(c *compiled, rt *routeRT, cc *CacheConfig, in *inbound) string {
	var b strings.Builder
	b.WriteString(c.spec.Name)
	b.WriteByte('\x00')
	b.WriteString(strconv.FormatUint(c.generation, 36))
	b.WriteByte('\x00')
	b.WriteString(in.stage)
	b.WriteByte('\x00')
	b.WriteString(rt.route.Key)
	b.WriteByte('\x00')
	b.WriteString(in.method)
	b.WriteByte('\x00')
	b.WriteString(in.rawPath)
	for _, h := range cc.KeyHeaders {
		b.WriteString("\x00h:")
		b.WriteString(strings.ToLower(h))
		b.WriteByte('=')
		b.WriteString(strings.Join(in.header.Values(h), ","))
	}
	if len(cc.KeyQuery) > 0 {
		q := queryParams(in.rawQuery)
		for _, name := range cc.KeyQuery {
			b.WriteString("\x00q:")
			b.WriteString(name)
			if v, ok := q[name]; ok {
				b.WriteByte('=')
				b.WriteString(v)
			}
		}
	}
	return b.String()
}

// cacheable tells a request whose response may come from or go to the cache.
func cacheable(method string) bool { return method == http.MethodGet || method == http.MethodHead }
