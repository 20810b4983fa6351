//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// flock takes an exclusive flock on the file at path (creating it) without
// waiting: ok is false when another open file holds it. The kernel drops
// the lock when the process ends, however it ends, so a crash leaves no
// stale lock; release closes the file, which drops it too.
func flock(path string) (release func(), ok bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return func() { _ = f.Close() }, true, nil // closing the file drops the lock
}
