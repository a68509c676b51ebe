package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core/flow"
)

// runSkyport runs the binary built by TestMain and returns its output and
// exit status.
func runSkyport(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func writeDemo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(path, flow.DemoYAML(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExportImportCLI(t *testing.T) {
	ws := writeDemo(t)
	tpl, stderr, code := runSkyport(t, "export", "--format", "cloudformation", ws)
	if code != 0 || !strings.Contains(tpl, "AWS::StepFunctions::StateMachine") || !strings.Contains(tpl, "!GetAtt OrdersDlqQueue.Arn") {
		t.Fatalf("export: code %d, stderr %q\n%s", code, stderr, tpl)
	}
	dir := t.TempDir()
	tplPath := filepath.Join(dir, "stack.yaml")
	if err := os.WriteFile(tplPath, []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	wsOut := filepath.Join(dir, "imported.yaml")
	if _, stderr, code := runSkyport(t, "import", "--out", wsOut, tplPath); code != 0 || stderr != "" {
		t.Fatalf("import: code %d, stderr %q", code, stderr)
	}
	got, err := flow.Load(wsOut)
	if err != nil {
		t.Fatal(err)
	}
	want := flow.Demo()
	got.Normalize()
	want.Normalize()
	a, _ := got.Marshal()
	b, _ := want.Marshal()
	if string(a) != string(b) {
		t.Fatalf("export → import changed the workspace:\n%s\n--- want\n%s", a, b)
	}
}

func TestExportASLCLI(t *testing.T) {
	ws := writeDemo(t)
	// The demo has two state machines: one must be picked for stdout.
	_, stderr, code := runSkyport(t, "export", "--format", "asl", ws)
	if code == 0 || !strings.Contains(stderr, "2 state machines (fulfil-order, ship-orders)") {
		t.Fatalf("no machine picked: code %d stderr %q", code, stderr)
	}
	out, stderr, code := runSkyport(t, "export", "--format", "asl", "--machine", "fulfil-order", ws)
	if code != 0 || !strings.Contains(out, `"StartAt": "Prepare"`) {
		t.Fatalf("code %d stderr %q\n%s", code, stderr, out)
	}
	dir := t.TempDir()
	if _, stderr, code = runSkyport(t, "export", "--format", "asl", "--out", dir, ws); code != 0 {
		t.Fatalf("--out DIR: code %d stderr %q", code, stderr)
	}
	for _, name := range []string{"fulfil-order", "ship-orders"} {
		if _, err := os.Stat(filepath.Join(dir, name+".asl.json")); err != nil {
			t.Errorf("--out DIR: %v", err)
		}
	}
	_, stderr, code = runSkyport(t, "export", "--format", "asl", "--machine", "nope", ws)
	if code != 1 || !strings.Contains(stderr, `no state machine "nope"`) || !strings.Contains(stderr, "fulfil-order") {
		t.Fatalf("code %d stderr %q", code, stderr)
	}
}

func TestImportListsUnsupportedResources(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stack.json")
	src := `{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
 "Bucket": {"Type": "AWS::S3::Bucket"}}}`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runSkyport(t, "import", path)
	if code != 0 || !strings.Contains(out, "name: jobs") {
		t.Fatalf("code %d stderr %q\n%s", code, stderr, out)
	}
	if !strings.Contains(stderr, "unsupported resource Bucket (AWS::S3::Bucket, line 2)") {
		t.Fatalf("stderr does not list the bucket: %q", stderr)
	}
}

func TestFlowCLIBadInput(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("version: 1\nqueues:\n  - name: a\n    colour: red\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", broken}, 1, broken + ":4: "},
		{[]string{"export", "--format", "xml", writeDemo(t)}, 2, `--format "xml"`},
		{[]string{"export"}, 2, "want one WORKSPACE argument"},
		{[]string{"import", filepath.Join(dir, "missing.yaml")}, 1, "no such file"},
		{[]string{"import", broken}, 1, broken + ":1: not a CloudFormation template"},
	}
	for _, tc := range cases {
		_, stderr, code := runSkyport(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: code %d stderr %q; want code %d with %q on one line", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
