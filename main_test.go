package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the skyport binary built once for the tests in this file.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "skyport-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "skyport")
	build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("building skyport: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var servingLine = regexp.MustCompile(`serving on (http://\S+)`)

// startServe runs `skyport serve` with args and returns the process and the
// endpoint URL it printed.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	urlc := make(chan string, 1)
	rest := &strings.Builder{}
	go func() {
		for lines.Scan() {
			if m := servingLine.FindStringSubmatch(lines.Text()); m != nil {
				urlc <- m[1]
				continue
			}
			rest.WriteString(lines.Text() + "\n")
		}
		close(urlc)
	}()
	select {
	case url, ok := <-urlc:
		if !ok {
			t.Fatalf("serve exited before listening; stderr: %s", stderr.String())
		}
		return cmd, url, rest
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not report its URL; stderr: %s", stderr.String())
	}
	return nil, "", nil
}

func TestServeHealthMetricsAndGracefulStop(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data", "sky.db")
	cmd, url, _ := startServe(t, "--addr", "127.0.0.1:0", "--data", data, "--durability", "relaxed")

	resp, err := http.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("health is not JSON: %v\n%s", err, body)
	}
	if resp.StatusCode != 200 || raw["status"] != "ok" || raw["version"] == "" || raw["data_path"] != data ||
		raw["durability"] != "relaxed" || raw["endpoint"] != url {
		t.Fatalf("health = %d %s", resp.StatusCode, body)
	}
	if _, ok := raw["uptime_seconds"].(float64); !ok {
		t.Fatalf("health has no uptime: %s", body)
	}

	resp, err = http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("metrics content type %q", ct)
	}
	for _, want := range []string{"# TYPE skyport_uptime_seconds gauge", "skyport_build_info{version="} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve did not exit cleanly after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15s of SIGTERM")
	}
	if _, err := os.Stat(data); err != nil {
		t.Fatalf("database not created: %v", err)
	}
}

// httpPost posts body and returns the status code.
func httpPost(url, body string) (int, error) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestServeClockAdvanceOverHTTP(t *testing.T) {
	_, url, _ := startServe(t, "--addr", "127.0.0.1:0", "--memory")
	resp, err := http.Post(url+"/_skyport/clock/advance", "application/json", strings.NewReader(`{"by":"1h"}`))
	if err != nil {
		t.Fatal(err)
	}
	var clock struct {
		Offset float64 `json:"offset_seconds"`
	}
	json.NewDecoder(resp.Body).Decode(&clock)
	resp.Body.Close()
	if resp.StatusCode != 200 || clock.Offset < 3600 || clock.Offset > 3601 {
		t.Fatalf("advance: status %d, offset %v", resp.StatusCode, clock.Offset)
	}
	resp, err = http.Post(url+"/_skyport/clock/advance", "application/json", strings.NewReader(`{"by":"-5m"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("negative advance: status %d, want 400", resp.StatusCode)
	}
}

// TestBadInputExitsWithOneLine runs the binary with bad input: each must
// print one clear line on stderr (no stack trace) and exit with status 2.
func TestBadInputExitsWithOneLine(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, []byte("x"), 0o600)

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"serve", "--bogus"}, "flag provided but not defined"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"bad durability", []string{"serve", "--durability", "sometimes", "--memory"}, "durability"},
		{"unwritable data path", []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(blocker, "sub", "x.db")}, blocker},
		{"port in use", []string{"serve", "--memory", "--addr", busy.Addr().String()}, "address already in use"},
		{"stray argument", []string{"version", "extra"}, "unexpected argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary, tc.args...)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			exit, ok := err.(*exec.ExitError)
			if !ok || exit.ExitCode() != 2 {
				t.Fatalf("exit = %v, want status 2; stderr %q", err, stderr.String())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "goroutine") {
				t.Fatalf("stderr = %q, want one line containing %q", msg, tc.want)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, err := exec.Command(binary, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "skyport ") {
		t.Fatalf("version: %q %v", out, err)
	}
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"version", "--help"}, {"help"}} {
		out, err := exec.Command(binary, args...).Output()
		if err != nil || !strings.Contains(string(out), "Usage:") {
			t.Errorf("%v: %q %v", args, out, err)
		}
	}
	out, _ = exec.Command(binary, "serve", "--help").Output()
	for _, flag := range []string{"--addr", "--data", "--memory", "--durability"} {
		if !strings.Contains(string(out), flag) {
			t.Errorf("serve --help lacks %s:\n%s", flag, out)
		}
	}
}

// TestBenchAgainstServe runs `skyport bench` against a live `skyport serve`
// and checks every scenario ran without errors and moved messages.
func TestBenchAgainstServe(t *testing.T) {
	_, url, _ := startServe(t, "--addr", "127.0.0.1:0", "--memory")
	out, err := exec.Command(binary, "bench", "--endpoint", url, "--clients", "4", "--duration", "300ms", "--rate", "50").CombinedOutput()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	line := regexp.MustCompile(`(?m)^(send|send-batch|receive-delete|latency)\s+clients=\d+\s+msgs/s=(\d+)\s+calls/s=(\d+)\s.*errors=(\d+)$`)
	found := line.FindAllStringSubmatch(string(out), -1)
	if len(found) != 4 {
		t.Fatalf("want 4 scenario lines, got %d:\n%s", len(found), out)
	}
	for _, m := range found {
		errs, _ := strconv.Atoi(m[4])
		if m[2] == "0" || errs != 0 {
			t.Errorf("scenario %s: msgs/s=%s calls/s=%s errors=%s\n%s", m[1], m[2], m[3], m[4], out)
		}
	}
}
