//go:build unix

package helmtest

import (
	"os"
	"syscall"
)

// lockFile blocks until it holds an exclusive lock on path, and returns the function that releases it.
// The kernel drops the lock if the process dies, so a killed build never leaves a stale lock behind.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
