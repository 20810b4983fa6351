//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// flock takes an exclusive flock on the file at path (creating it) without
// waiting: ok is false when another open file holds it. The kernel drops
// the lock when the process ends, however it ends, so a crash leaves no
// stale lock; release unlocks and closes the file (see unlock), and
// calling it again does nothing.
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
	var once sync.Once
	return func() { once.Do(func() { unlock(f) }) }, true, nil
}

// unlock drops the lock, then closes the file. Closing alone is not
// enough: the lock belongs to the open file description, and every fork
// copies this process's descriptors (close-on-exec ones too) into a child
// that holds them until its exec. A release while another goroutine was
// starting a process would leave the lock held by that half-started
// child, and this process's next run of the job would find it busy
// (ErrBusy from its own process). LOCK_UN on any descriptor of the
// description drops it for every copy.
func unlock(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	_ = f.Close()
}
