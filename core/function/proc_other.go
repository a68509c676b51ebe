//go:build !unix

package function

import (
	"os"
	"os/exec"
)

// inOwnGroup is a no-op where process groups do not exist.
func inOwnGroup(cmd *exec.Cmd) {}

// killGroup kills the process itself where process groups do not exist.
func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
