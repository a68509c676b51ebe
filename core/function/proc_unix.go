//go:build unix

package function

import (
	"os/exec"
	"syscall"
)

// inOwnGroup makes cmd the leader of a new process group, so that killGroup
// reaches every process it forks.
func inOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group led by pid (the command and whatever it
// forked that stayed in its group).
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
