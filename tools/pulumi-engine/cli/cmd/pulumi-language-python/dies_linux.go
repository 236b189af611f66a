package main

import "syscall"

// diesWithParent has the kernel kill the host when the proxy dies, however it dies.
func diesWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
