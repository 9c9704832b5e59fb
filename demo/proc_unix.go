//go:build unix && !linux

package demo

import (
	"os"
	"syscall"
)

// sysProcAttr puts a child in its own process group, so that stopping it
// reaches whatever it started.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// terminate asks the child's process group to stop.
func terminate(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGTERM) }

// kill kills the child's process group.
func kill(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
