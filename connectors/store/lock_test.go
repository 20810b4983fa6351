//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestTryLockReleaseWithForkedCopy: a release frees the lock even while
// another reference to the lock file's open file description lives on.
// Every fork copies the parent's descriptors, close-on-exec ones included,
// and the child holds them until its exec; a job's lock released while
// another goroutine was starting a process (a test, a hook) stayed held by
// that half-started child, and the next run of the job got ErrBusy from
// its own process. The dup here is that child's copy, made deterministic.
func TestTryLockReleaseWithForkedCopy(t *testing.T) {
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
	copyFd := dupOpenFile(t, path+".sync.lock")
	defer syscall.Close(copyFd)
	release()

	rel, ok, err := b.TryLock("sync")
	must(t, err)
	if !ok {
		t.Fatal("the sync lock was refused after its release: a copy of the released descriptor (a forked child's) still held it")
	}
	rel()
}

// TestTryLockWhileStartingProcesses is the race in the wild: lock and
// release in a loop while other goroutines start processes, as the
// daemon's tests and a process with hooks do. No attempt may find the
// lock held: this process released it each time.
func TestTryLockWhileStartingProcesses(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) to start")
	}
	s, _ := openTest(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = exec.Command(bin).Run()
			}
		}()
	}
	defer wg.Wait()
	defer close(stop)
	deadline := time.Now().Add(2 * time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		release, ok, err := s.TryLock("sync")
		must(t, err)
		if !ok {
			t.Fatalf("attempt %d: the lock this process had released was held (by a child being started)", n)
		}
		release()
	}
}

// dupOpenFile duplicates this process's open descriptor of path, as a
// fork does: the copy shares the open file description, and its flock.
func dupOpenFile(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Stat(path)
	must(t, err)
	want, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Skip("no inode numbers on this platform")
	}
	entries, err := os.ReadDir("/dev/fd")
	if err != nil {
		t.Skipf("cannot list this process's descriptors: %v", err)
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Fstat(fd, &st) != nil || uint64(st.Ino) != uint64(want.Ino) || uint64(st.Dev) != uint64(want.Dev) {
			continue
		}
		d, err := syscall.Dup(fd)
		must(t, err)
		return d
	}
	t.Fatalf("no open descriptor of %s", path)
	return -1
}
