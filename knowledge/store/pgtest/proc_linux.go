package pgtest

import "syscall"

// dieWithParent has the kernel send postgres SIGQUIT (immediate shutdown) if the thread that
// started it ends, so a test binary that dies without Stop leaves no server behind.
func dieWithParent(a *syscall.SysProcAttr) {
	a.Pdeathsig = syscall.SIGQUIT
}
