package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
)

// benchClients is how many clients send at once.
const benchClients = 16

// load sends n GETs to url from benchClients clients over keep-alive
// connections and returns the rate and the 99th percentile latency.
func load(b *testing.B, url string, n int) (float64, time.Duration) {
	b.Helper()
	tr := &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	lat := make([][]time.Duration, benchClients)
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				res, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, n)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return float64(n) / elapsed.Seconds(), all[(len(all)*99)/100]
}

// benchGateway serves route on a real clock (the frozen test clock would
// never refill the bucket) and compares it with a bare handler that
// answers the same body, in the same run.
func benchGateway(b *testing.B, route Route, targets Targets) {
	f := openFixture(b, "", nil)
	f.svc.Close()
	svc, err := Open(Config{Store: f.st, Clock: clock.New(), Events: f.bus, Metrics: f.reg, AnyPort: true, Targets: targets})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	route.Throttle = &Throttle{RateLimit: 1e9, BurstLimit: 1e9}
	info, err := svc.CreateAPI(f.ctx, API{Name: "bench", Routes: []Route{route}})
	if err != nil {
		b.Fatal(err)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, benchBody)
	}))
	defer bare.Close()
	n := max(b.N, 200)
	load(b, bare.URL+"/items/1", 200) // warm both
	load(b, info.URL+"/items/1", 200)
	b.ResetTimer()
	bareRate, bareP99 := load(b, bare.URL+"/items/1", n)
	gwRate, gwP99 := load(b, info.URL+"/items/1", n)
	b.StopTimer()
	b.ReportMetric(gwRate, "gateway-req/s")
	b.ReportMetric(bareRate, "bare-req/s")
	b.ReportMetric(bareRate/gwRate, "overhead-x")
	b.ReportMetric(float64(gwP99.Microseconds()), "gateway-p99-µs")
	b.ReportMetric(float64(bareP99.Microseconds()), "bare-p99-µs")
}

const benchBody = `{"ok":true}`

// BenchmarkGatewayMock: requests/s and p99 of a mock route with 16
// concurrent clients, against a bare net/http handler serving the same
// body in the same run; overhead-x is bare rate / gateway rate.
func BenchmarkGatewayMock(b *testing.B) {
	benchGateway(b, Route{Key: "GET /items/{id}", Integration: Integration{Type: Mock,
		Mock: &MockResponse{Body: benchBody, Headers: map[string]string{"Content-Type": "application/json"}}}}, Targets{})
}

// echoFunction answers every event at once, in process: the benchmark
// measures the gateway's Lambda proxy work (event encoding, response
// decoding, timeout), not a function runtime.
type echoFunction struct{}

func (echoFunction) Invoke(_ context.Context, _ string, payload []byte) ([]byte, string, error) {
	if !json.Valid(payload) {
		return nil, "", errors.New("invalid payload")
	}
	return []byte(`{"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{\"ok\":true}"}`), "", nil
}

// BenchmarkGatewayFunction: as BenchmarkGatewayMock, through the function
// integration with an in-process function.
func BenchmarkGatewayFunction(b *testing.B) {
	benchGateway(b, Route{Key: "GET /items/{id}", Integration: Integration{Type: Function, Target: "echo"}}, Targets{Functions: echoFunction{}})
}

// BenchmarkPipeline: the gateway's own work per request, in process
// (no sockets): routing, throttle, integration, metrics, access log.
func BenchmarkPipeline(b *testing.B) {
	for _, c := range []struct {
		name  string
		route Route
	}{
		{"mock", Route{Key: "GET /items/{id}", Integration: Integration{Type: Mock, Mock: &MockResponse{Body: benchBody}}}},
		{"function", Route{Key: "GET /items/{id}", Integration: Integration{Type: Function, Target: "echo"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := openFixture(b, "", nil)
			f.svc.Close()
			svc, err := Open(Config{Store: f.st, Clock: clock.New(), Events: f.bus, Metrics: f.reg, AnyPort: true, Targets: Targets{Functions: echoFunction{}}})
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close()
			c.route.Throttle = &Throttle{RateLimit: 1e9, BurstLimit: 1e9}
			if _, err := svc.CreateAPI(f.ctx, API{Name: "p", Routes: []Route{c.route}}); err != nil {
				b.Fatal(err)
			}
			cur := svc.apis["p"].cur.Load()
			req, _ := http.NewRequest("GET", "http://127.0.0.1/items/7?x=1", nil)
			req.RemoteAddr = "127.0.0.1:1234"
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rec := &recorder{header: http.Header{}}
					svc.serveHTTP(rec, req, cur)
					if rec.status != 200 {
						b.Errorf("status %d", rec.status)
						return
					}
				}
			})
		})
	}
}
