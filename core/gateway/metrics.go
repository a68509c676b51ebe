package gateway

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/metrics"
)

// routeMetrics are a route's counters, named as CloudWatch names API
// Gateway's (Count, 4XXError, 5XXError, Latency, IntegrationLatency) and
// exported as skyport_gateway_* series labelled by api and route.
type routeMetrics struct {
	route       string
	count       *metrics.Counter
	err4        *metrics.Counter
	err5        *metrics.Counter
	hits        *metrics.Counter
	throttled   *metrics.Counter
	latency     *metrics.Histogram
	integration *metrics.Histogram
	labels      []metrics.Label
}

// noRoute is the route label of requests that matched no route.
const noRoute = "(no route)"

func (s *Service) routeStats(api, route string) *routeMetrics {
	id := api + "\x00" + route
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if m := s.stats[id]; m != nil {
		return m
	}
	l := []metrics.Label{{Name: "api", Value: api}, {Name: "route", Value: route}}
	r := s.reg
	m := &routeMetrics{
		route:       route,
		labels:      l,
		count:       r.Counter("skyport_gateway_requests_total", "API requests (CloudWatch Count), by API and route.", l...),
		err4:        r.Counter("skyport_gateway_4xx_errors_total", "API responses with a 4xx status (CloudWatch 4XXError).", l...),
		err5:        r.Counter("skyport_gateway_5xx_errors_total", "API responses with a 5xx status (CloudWatch 5XXError).", l...),
		hits:        r.Counter("skyport_gateway_cache_hits_total", "API responses served from the route's cache.", l...),
		throttled:   r.Counter("skyport_gateway_throttled_total", "API requests refused with 429 by a throttle or quota.", l...),
		latency:     r.Histogram("skyport_gateway_latency_seconds", "Time from request to response (CloudWatch Latency).", nil, l...),
		integration: r.Histogram("skyport_gateway_integration_latency_seconds", "Time spent in the integration (CloudWatch IntegrationLatency).", nil, l...),
	}
	s.stats[id] = m
	return m
}

// observe records one finished request.
func (m *routeMetrics) observe(status int, latency time.Duration) {
	m.count.Inc()
	switch {
	case status >= 500:
		m.err5.Inc()
	case status >= 400:
		m.err4.Inc()
	}
	m.latency.ObserveDuration(latency)
}

func (s *Service) dropStats(api string) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	prefix := api + "\x00"
	for id, m := range s.stats {
		if !strings.HasPrefix(id, prefix) {
			continue
		}
		delete(s.stats, id)
		for _, name := range []string{"skyport_gateway_requests_total", "skyport_gateway_4xx_errors_total", "skyport_gateway_5xx_errors_total",
			"skyport_gateway_cache_hits_total", "skyport_gateway_throttled_total", "skyport_gateway_latency_seconds", "skyport_gateway_integration_latency_seconds"} {
			s.reg.Remove(name, m.labels...)
		}
	}
}

// RouteStats returns the counters of an API's routes (and of requests that
// matched none), by route key.
func (s *Service) RouteStats(api string) ([]RouteStats, error) {
	if _, err := s.lookup(api); err != nil {
		return nil, err
	}
	prefix := api + "\x00"
	s.statsMu.Lock()
	var out []RouteStats
	for id, m := range s.stats {
		if !strings.HasPrefix(id, prefix) {
			continue
		}
		out = append(out, RouteStats{
			Route: m.route, Count: m.count.Value(), Errors4XX: m.err4.Value(), Errors5XX: m.err5.Value(),
			CacheHits: m.hits.Value(), Throttled: m.throttled.Value(),
			LatencyP50: seconds(m.latency.Quantile(0.5)), LatencyP99: seconds(m.latency.Quantile(0.99)),
		})
	}
	s.statsMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Route < out[j].Route })
	return out, nil
}

func seconds(v float64) time.Duration {
	if math.IsInf(v, 1) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(v * float64(time.Second))
}
