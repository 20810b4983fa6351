// Package rigtest holds what the whole-product rigs (faulttest,
// failovertest) share: the patchbot binary they run as child processes,
// their trial counts, and a team zone where a run never spans midnight.
package rigtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Main builds the patchbot binary into a temp dir, sets *binary to its
// path, runs the package's tests and removes the dir: a rig's TestMain.
func Main(m *testing.M, binary *string) {
	dir, err := os.MkdirTemp("", "patchbot-rig-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*binary = filepath.Join(dir, "patchbot")
	out, err := exec.Command("go", "build", "-o", *binary, "github.com/patchbot/patchbot/cmd/patchbot").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/patchbot: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// Trials is how many trials a test runs: the number in the environment
// variable env, else def.
func Trials(t testing.TB, env string, def int) int {
	t.Helper()
	if s := os.Getenv(env); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q is not a positive number", env, s)
		}
		return n
	}
	return def
}

// MiddayZone is a fixed-offset zone where it is now about noon, so that a
// run of trials never spans a local midnight: reminders are keyed by the
// team's day, and the subprocesses run on the wall clock.
func MiddayZone(now time.Time) string {
	off := 12 - now.UTC().Hour()
	switch {
	case off > 14:
		off -= 24
	case off < -12:
		off += 24
	}
	switch {
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off) // POSIX signs: GMT-3 is UTC+3
	case off < 0:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
	return "Etc/UTC"
}
