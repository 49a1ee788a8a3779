//go:build unix

package dockerstate

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr puts the command in a session of its own: no terminal, so
// ssh cannot stop to ask for a password, and a process group to end with
// all it started.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
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
