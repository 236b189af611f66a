//go:build !linux

package main

import "syscall"

// diesWithParent: only Linux has a parent-death signal. Elsewhere a host whose proxy was killed
// stops when its health check finds the engine gone (rpcutil.Healthcheck, in the host's main).
func diesWithParent() *syscall.SysProcAttr { return nil }
