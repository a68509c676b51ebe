package main

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

func TestBenchServiceScenariosAgainstServe(t *testing.T) {
	_, url, _ := startServe(t, "--addr", "127.0.0.1:0", "--memory")
	out, err := exec.Command(binary, "bench", "--endpoint", url, "--clients", "2", "--duration", "400ms",
		"--scenarios", "publish-fanout,put-records,transitions", "--fanout", "3").CombinedOutput()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	line := regexp.MustCompile(`(?m)^(publish-fanout|put-records|transitions)\s+clients=2\s+msgs/s=(\d+)\s+calls/s=(\d+)\s.*errors=(\d+)$`)
	found := line.FindAllStringSubmatch(string(out), -1)
	if len(found) != 3 {
		t.Fatalf("want 3 scenario lines, got %d:\n%s", len(found), out)
	}
	for _, m := range found {
		errs, _ := strconv.Atoi(m[4])
		if m[2] == "0" || errs != 0 {
			t.Errorf("scenario %s: msgs/s=%s calls/s=%s errors=%s\n%s", m[1], m[2], m[3], m[4], out)
		}
	}
}

func TestBenchJSONOutput(t *testing.T) {
	_, url, _ := startServe(t, "--addr", "127.0.0.1:0", "--memory")
	out, err := exec.Command(binary, "bench", "--endpoint", url, "--clients", "2", "--duration", "300ms",
		"--scenarios", "send,transitions", "--json").Output()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	var results []struct {
		Scenario          string  `json:"scenario"`
		Messages          int64   `json:"messages"`
		Errors            int64   `json:"errors"`
		MessagesPerSecond float64 `json:"messagesPerSecond"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(results) != 2 || results[0].Scenario != "send" || results[1].Scenario != "transitions" {
		t.Fatalf("results %+v", results)
	}
	for _, r := range results {
		if r.Messages == 0 || r.Errors != 0 || r.MessagesPerSecond <= 0 {
			t.Errorf("%s: %+v", r.Scenario, r)
		}
	}
}
