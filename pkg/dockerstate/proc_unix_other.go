//go:build unix && !linux

package dockerstate

import "syscall"

func setPdeathsig(*syscall.SysProcAttr) {}
