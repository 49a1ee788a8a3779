//go:build unix

package dockerstate

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr puts the command in a process group of its own, so ending it
// ends what it started too.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setPdeathsig(cmd.SysProcAttr)
}

// terminate signals the process group: SIGTERM, or SIGKILL when kill.
func terminate(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(-p.Pid, sig); err != nil {
		_ = p.Signal(sig)
	}
}
