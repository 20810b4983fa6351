package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// Build stamps. A release build sets them with
//
//	-ldflags "-X main.version=v1.4.0 -X main.commit=$(git rev-parse HEAD) -X main.buildDate=$(date -u +%FT%TZ)"
//
// (deploy/Dockerfile passes its VERSION, COMMIT and BUILD_DATE build
// arguments). What is left unset comes from the build information Go
// records: the module version, and vcs.revision, vcs.time and vcs.modified
// when the build could see the repository (not with -buildvcs=false, nor in
// an image built from a context without .git).
var (
	version   = "dev"
	commit    = ""
	buildDate = ""
)

// buildStamp is what `patchbot version` reports.
type buildStamp struct {
	Version string
	Commit  string
	// Modified says the commit Go recorded had uncommitted changes.
	Modified bool
	// Date is the build date when stamped, else the commit's date (and
	// CommitDate is set), else empty.
	Date       string
	CommitDate bool
	// Go is the Go release and platform.
	Go string
}

// currentBuild is this binary's build.
func currentBuild() buildStamp {
	info, _ := debug.ReadBuildInfo()
	return readBuild(info, buildStamp{Version: version, Commit: commit, Date: buildDate})
}

// readBuild fills what the stamps left unset ("dev" counts as unset for
// the version) from Go's build information, nil when there is none.
func readBuild(info *debug.BuildInfo, stamped buildStamp) buildStamp {
	b := stamped
	if b.Version == "dev" {
		b.Version = ""
	}
	goVersion := runtime.Version()
	if info != nil {
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date, b.CommitDate = s.Value, true
				}
			case "vcs.modified":
				// About the commit Go saw, not one stamped with -X.
				b.Modified = s.Value == "true" && stamped.Commit == ""
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	b.Go = goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
	return b
}

// String is the report: the version on the first line, then the commit,
// the date and the Go release, with "unknown" where the build recorded
// nothing.
func (b buildStamp) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "patchbot %s\n", b.Version)
	switch {
	case b.Commit == "":
		s.WriteString("  commit  unknown (built without version control information)\n")
	case b.Modified:
		fmt.Fprintf(&s, "  commit  %s (with uncommitted changes)\n", b.Commit)
	default:
		fmt.Fprintf(&s, "  commit  %s\n", b.Commit)
	}
	switch {
	case b.Date == "":
		s.WriteString("  built   unknown\n")
	case b.CommitDate:
		fmt.Fprintf(&s, "  built   unknown (committed %s)\n", b.Date)
	default:
		fmt.Fprintf(&s, "  built   %s\n", b.Date)
	}
	fmt.Fprintf(&s, "  go      %s\n", b.Go)
	return s.String()
}

func cmdVersion(_ context.Context, args []string, out, errOut io.Writer) int {
	fs := flags("version", "", "Print the version, the commit and the build date.", errOut)
	// Accepted and unused, so a wrapper that passes --config to every
	// command can ask for the version too.
	_ = configFlag(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	fmt.Fprint(out, currentBuild())
	return exitOK
}
