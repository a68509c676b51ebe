package main

import (
	"os/exec"
	"regexp"
	"testing"
)

func TestBenchServiceScenariosAgainstServe(t *testing.T) {
	_, url, _ := startServe(t, "--addr", "127.0.0.1:0", "--memory")
	out, err := exec.Command(binary, "bench", "--endpoint", url, "--clients", "2", "--duration", "400ms",
		"--scenarios", "publish-fanout,put-records,transitions", "--fanout", "3").CombinedOutput()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	line := regexp.MustCompile(`(?m)^(publish-fanout|put-records|transitions)\s+clients=2\s+msgs/s=(\d+)\s.*errors=(\d+)$`)
	found := line.FindAllStringSubmatch(string(out), -1)
	if len(found) != 3 {
		t.Fatalf("want 3 scenario lines, got %d:\n%s", len(found), out)
	}
	for _, m := range found {
		if m[2] == "0" || m[3] != "0" {
			t.Errorf("scenario %s: msgs/s=%s errors=%s\n%s", m[1], m[2], m[3], out)
		}
	}
}
