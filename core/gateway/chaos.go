package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
)

// chaosRoute applies a route's chaos policy (named "API ROUTEKEY", e.g.
// "shop GET /orders"): a throttled request gets 429, a failed one 500
// without reaching the integration, and a delay holds the request first.
func (s *Service) chaosRoute(ctx context.Context, c *compiled, rt *routeRT) *response {
	if !s.cfg.Chaos.Active() {
		return nil
	}
	rule := s.cfg.Chaos.For(chaos.Route, c.spec.Name+" "+rt.route.Key)
	if rule == nil {
		return nil
	}
	d := rule.Decide()
	switch {
	case d.Throttle:
		rt.stats.throttled.Inc()
		return message(http.StatusTooManyRequests, "Too Many Requests")
	case d.Fail:
		resp := message(http.StatusInternalServerError, "Internal server error")
		resp.header.Set(errorHeader, "Skyport chaos failed this request")
		return resp
	}
	if d.Delay > 0 {
		t := time.NewTimer(d.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return nil
}
