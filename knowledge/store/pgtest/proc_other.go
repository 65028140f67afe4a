//go:build unix && !linux

package pgtest

import "syscall"

// dieWithParent does nothing here: only Linux has a parent-death signal, so a test binary that
// dies without Stop leaves its postgres running.
func dieWithParent(*syscall.SysProcAttr) {}
