package dockerstate

import "syscall"

// setPdeathsig has the kernel kill the command if academy dies first.
func setPdeathsig(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
