package flow

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s differs from the golden file (review, then go test -update):\n%s", name, got)
	}
}

func TestDemoCloudFormationGolden(t *testing.T) {
	tpl, err := ExportCloudFormation(Demo())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "demo.cfn.yaml", tpl)
}

func TestDemoASLGolden(t *testing.T) {
	out, err := ExportASL(Demo())
	if err != nil {
		t.Fatal(err)
	}
	got := out["fulfil-order"]
	if !json.Valid(got) {
		t.Fatalf("not JSON: %s", got)
	}
	golden(t, "demo.fulfil-order.asl.json", got)
}
