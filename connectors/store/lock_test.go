//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"context"
	"testing"
)

// TestTryLockAcrossHandles: two handles on one ledger file (as two
// processes have: flock conflicts between open files, not only between
// processes) cannot hold one job's lock at once; other jobs are free; a
// release frees it.
func TestTryLockAcrossHandles(t *testing.T) {
	t.Parallel()
	a, path := openTest(t)
	b, err := Open(context.Background(), path)
	must(t, err)
	defer b.Close()

	release, ok, err := a.TryLock("sync")
	must(t, err)
	if !ok {
		t.Fatal("the first lock was refused")
	}
	if _, ok, err := b.TryLock("sync"); err != nil || ok {
		t.Fatalf("a second holder got the sync lock (ok=%v, err=%v)", ok, err)
	}
	relNag, ok, err := b.TryLock("nag")
	must(t, err)
	if !ok {
		t.Fatal("the nag lock was refused while only sync was held")
	}
	relNag()
	release()
	rel, ok, err := b.TryLock("sync")
	must(t, err)
	if !ok {
		t.Fatal("the sync lock was refused after its release")
	}
	rel()
}
