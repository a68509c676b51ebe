package core_test

import (
	"os/exec"
	"strings"
	"testing"
)

// guiModule is Fyne's module path prefix, spelled in two parts so that a
// plain grep of core/ for Fyne import paths finds none in this test either.
const guiModule = "fyne" + ".io/"

// TestCoreImportsNoFyne walks every package the core depends on: the core
// must stay free of GUI code so it can run headless and be tested with -race.
func TestCoreImportsNoFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "github.com/skyport-dev/skyport/core/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list found only %d packages: %q", len(deps), deps)
	}
	for _, p := range deps {
		if strings.HasPrefix(p, guiModule) || strings.Contains(p, "go-gl/") {
			t.Errorf("core depends on GUI package %s", p)
		}
	}
}
