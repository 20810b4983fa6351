//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// TryLock takes the lock of one kind of job (sync, nag, digest) on this
// ledger, for every process that opens the same file: a one-shot
// `patchbot sync --post` and a running daemon never sync at once, which
// could otherwise each find the other's open intent, look it up before
// the other posted, and post it too. The lock is an flock on a file next
// to the ledger (<ledger>.<job>.lock); the kernel drops it when the
// process ends, however it ends, so a crash leaves no stale lock. ok is
// false when another holder has it.
func (s *SQLite) TryLock(job string) (release func(), ok bool, err error) {
	path := s.path + "." + job + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("store: lock %s: %w", job, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("store: lock %s (%s): %w", job, path, err)
	}
	return func() { _ = f.Close() }, true, nil // closing the file drops the lock
}
