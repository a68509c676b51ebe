package cli

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// --pprof serves the runtime's heap profile on loopback and nowhere else.
func TestPprofServesHeapOnLoopbackOnly(t *testing.T) {
	url, stop, err := startPprof("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get(url + "heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile:") {
		t.Fatalf("heap profile: %d %.80q", resp.StatusCode, body)
	}
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060", "example.com:6060", "6060"} {
		var stderr strings.Builder
		code := Main([]string{"serve", "--memory", "--addr", "127.0.0.1:0", "--pprof", addr},
			Env{Stdout: &strings.Builder{}, Stderr: &stderr, Signals: make(chan os.Signal)})
		if code != ExitUsage || !strings.Contains(stderr.String(), "--pprof") {
			t.Errorf("--pprof %s: exit %d, stderr %q", addr, code, stderr.String())
		}
	}
}
