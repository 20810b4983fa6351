// Command patchbot keeps vulnerability patch handoffs honest: it watches
// Jira patch tickets, asks for what a patch owner needs when it is missing,
// nags owners in Slack when dates pass, and posts a weekly overdue digest.
//
// main only wires: it parses the command line, loads the config, builds the
// connectors and the engine, and runs what was asked.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// Exit codes a script can rely on.
const (
	exitOK       = 0 // done; for check: every handoff is complete
	exitError    = 1 // something failed (config, Jira, Slack, the ledger)
	exitUsage    = 2 // the command line was wrong
	exitFindings = 3 // check: at least one handoff is incomplete or overdue
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal cancels ctx and the command winds down; from then
	// on the signals' default action is back, so a second one ends a
	// command that does not.
	context.AfterFunc(ctx, stop)
	// The daemon logs the version it runs: the stamped one, else the
	// module's.
	version = currentBuild().Version
	stopProfile := startProfile(os.Getenv("PATCHBOT_CPUPROFILE"), os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole command to path, when
// set: a diagnostic for a slow sync on a large site (`go tool pprof`).
func startProfile(path string, errOut io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(errOut, "patchbot: PATCHBOT_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(errOut, "patchbot: PATCHBOT_CPUPROFILE: %v\n", err)
		}
	}
}

// command is one subcommand.
type command struct {
	name, args, help string
	run              func(ctx context.Context, args []string, out, errOut io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "[--config FILE] [--dry-run]", "run the daemon: sync, nag and digest on their schedules", cmdRun},
		{"check", "(--issue KEY | --jql JQL) [--post]", "read tickets now and print each handoff, its findings and the texts patchbot would post", cmdCheck},
		{"sync", "[--full] [--post]", "run the sync job once: from the watermark, or the whole scope with --full (prints what it would post unless --post)", cmdSync},
		{"nag", "[--post]", "run the reminder job once (prints what it would send unless --post)", cmdNag},
		{"digest", "[--post]", "build the weekly overdue digest once (prints it unless --post)", cmdDigest},
		{"config", "validate [--online] [--config FILE]", "check the config file and print every problem with its line", cmdConfig},
		{"fields", "[--config FILE] [--match TEXT]", "list the Jira site's fields, to find the names to map", cmdFields},
		{"snooze", "KEY --until DATE [--by NAME] | KEY --off | --list", "silence reminders about a ticket until a day, lift a snooze, or list them", cmdSnooze},
		{"feeds", "[--refresh] [--config FILE]", "show the public feeds' (KEV, EPSS) versions and ages; --refresh fetches them", cmdFeeds},
		{"ledger", "copy --from sqlite:PATH", "copy an SQLite ledger into the configured one (e.g. PostgreSQL)", cmdLedger},
		{"demo", "[--serve] [--listen ADDR]", "run the whole daemon once against a built-in simulated Jira and Slack", cmdDemo},
		{"version", "", "print the version, the commit and the build date (also --version)", cmdVersion},
	}
}

func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(out)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], out, errOut)
		}
	}
	fmt.Fprintf(errOut, "patchbot: unknown command %q\n\n", args[0])
	usage(errOut)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "patchbot keeps vulnerability patch handoffs honest.")
	fmt.Fprintln(w, "\nUsage: patchbot COMMAND [flags]   (patchbot COMMAND --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.help)
	}
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 error, 2 usage, 3 check found incomplete or overdue handoffs.")
}

// flags returns a flag set for a command that prints its usage on --help.
func flags(name, args, help string, errOut io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprintf(errOut, "Usage: patchbot %s %s\n\n%s\n\nFlags:\n", name, args, help)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, mapping --help to exit 0 and errors to exit 2.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// configFlag adds the --config flag with its default from PATCHBOT_CONFIG.
func configFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("PATCHBOT_CONFIG")
	if def == "" {
		def = "patchbot.yaml"
	}
	return fs.String("config", def, "config file (default from $PATCHBOT_CONFIG)")
}
