package core_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
)

// BenchmarkGatewayWarmFunction measures an API route backed by a warm Go
// function (aws-lambda-go, Lambda Runtime API) with 16 concurrent HTTP
// clients, against a bare net/http handler driven the same way in the same
// run. Run with -benchtime=Nx (N requests per side).
func BenchmarkGatewayWarmFunction(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "apihandler")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/apihandler").CombinedOutput(); err != nil {
		b.Fatalf("go build testdata/apihandler: %v\n%s", err, out)
	}
	c := openCore(b, clock.New())
	ctx := context.Background()
	if err := c.Functions().CreateFunction(ctx, function.Definition{Name: "api", Command: []string{bin}, Mode: function.Warm, Concurrency: 16}); err != nil {
		b.Fatal(err)
	}
	info, err := c.Gateway().CreateAPI(ctx, gateway.API{Name: "bench", Routes: []gateway.Route{
		{Key: "GET /items/{id}", Integration: gateway.Integration{Type: gateway.Function, Target: "api"}}}})
	if err != nil {
		b.Fatal(err)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"path":"`+r.URL.Path+`","method":"GET"}`)
	}))
	defer bare.Close()

	hammer(b, info.URL+"/items/1", 200) // start the warm processes
	hammer(b, bare.URL+"/items/1", 200)
	b.ResetTimer()
	gwRate, gwP99 := hammer(b, info.URL+"/items/1", b.N)
	bareRate, bareP99 := hammer(b, bare.URL+"/items/1", b.N)
	b.StopTimer()
	b.ReportMetric(gwRate, "gateway-req/s")
	b.ReportMetric(bareRate, "bare-req/s")
	b.ReportMetric(bareRate/gwRate, "overhead-x")
	b.ReportMetric(float64(gwP99.Microseconds())/1000, "gateway-p99-ms")
	b.ReportMetric(float64(bareP99.Microseconds())/1000, "bare-p99-ms")
}

// hammer sends n GETs to url from 16 clients and returns requests/s and p99.
func hammer(b *testing.B, url string, n int) (float64, time.Duration) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var next atomic.Int64
	lat := make([][]time.Duration, 16)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range lat {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				res, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Errorf("GET %s: %d", url, res.StatusCode)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) == 0 {
		return 0, 0
	}
	return float64(len(all)) / elapsed.Seconds(), all[len(all)*99/100]
}
