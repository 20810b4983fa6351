package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestVersionCommand runs `version` and `--version`: both print the same
// report, with a version, a commit line and a date line, whatever the
// build recorded.
func TestVersionCommand(t *testing.T) {
	var outs []string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		s := out.String()
		for _, want := range []string{"patchbot ", "\n  commit  ", "\n  built   ", "\n  go      go1."} {
			if !strings.Contains(s, want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, s)
			}
		}
		outs = append(outs, s)
	}
	if outs[0] != outs[1] || outs[1] != outs[2] {
		t.Errorf("version and --version differ:\n%s\n%s\n%s", outs[0], outs[1], outs[2])
	}
}

// TestReadBuild reads the build information of builds with and without
// version control information, and with -ldflags stamps.
func TestReadBuild(t *testing.T) {
	t.Parallel()
	vcs := func(modified string) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "github.com/patchbot/patchbot", Version: "v0.0.0-20260203040506-0123456789ab"},
			Settings: []debug.BuildSetting{
				{Key: "-trimpath", Value: "true"},
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
				{Key: "vcs.time", Value: "2026-02-03T04:05:06Z"},
				{Key: "vcs.modified", Value: modified},
			}}
	}
	noVCS := &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "github.com/patchbot/patchbot", Version: "(devel)"}}
	for _, tc := range []struct {
		name    string
		info    *debug.BuildInfo
		stamped buildStamp
		want    []string
	}{
		{"no build information", nil, buildStamp{Version: "dev"},
			[]string{"patchbot dev\n", "commit  unknown (built without version control information)", "built   unknown\n"}},
		{"built with -buildvcs=false", noVCS, buildStamp{Version: "dev"},
			[]string{"patchbot dev\n", "commit  unknown", "built   unknown\n", "go      go1.26.1 "}},
		{"built from a clean checkout", vcs("false"), buildStamp{Version: "dev"},
			[]string{"patchbot v0.0.0-20260203040506-0123456789ab\n", "commit  0123456789abcdef0123456789abcdef01234567\n",
				"built   unknown (committed 2026-02-03T04:05:06Z)"}},
		{"built with uncommitted changes", vcs("true"), buildStamp{Version: "dev"},
			[]string{"commit  0123456789abcdef0123456789abcdef01234567 (with uncommitted changes)"}},
		{"release stamped with -ldflags", vcs("true"), buildStamp{Version: "v1.4.0", Commit: "fedcba9", Date: "2026-03-01T10:00:00Z"},
			[]string{"patchbot v1.4.0\n", "commit  fedcba9\n", "built   2026-03-01T10:00:00Z\n"}},
		{"image stamped without .git", noVCS, buildStamp{Version: "v1.4.0", Commit: "fedcba9", Date: "2026-03-01T10:00:00Z"},
			[]string{"patchbot v1.4.0\n", "commit  fedcba9\n", "built   2026-03-01T10:00:00Z\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := readBuild(tc.info, tc.stamped).String()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("report lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestConfigValidateFIFO gives `config validate` a FIFO as the config
// file and as a token file: it answers with an error instead of waiting
// for a writer that never comes.
func TestConfigValidateFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	cfg := filepath.Join(dir, "patchbot.yaml")
	doc := "jira:\n  url: https://acme.atlassian.net\n  email: bot@acme.example\n  token_file: " + fifo +
		"\nslack:\n  token_file: " + fifo + "\n  fallback_channel: \"#patches\"\nprojects:\n  - {name: SEC, jql: project = SEC, use_description: true}\n"
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, cfg} {
		done := make(chan int, 1)
		var out, errOut bytes.Buffer
		go func() {
			done <- run(context.Background(), []string{"config", "validate", "--config", path}, &out, &errOut)
		}()
		select {
		case code := <-done:
			if code != exitError || !strings.Contains(errOut.String(), "not a regular file (a named pipe)") {
				t.Errorf("config validate --config %s: exit %d, want %d and a named pipe refused:\n%s", path, code, exitError, errOut.String())
			}
		case <-time.After(20 * time.Second): // a guard against hanging forever, not a timing assertion
			t.Fatalf("config validate --config %s blocked", path)
		}
	}
}
