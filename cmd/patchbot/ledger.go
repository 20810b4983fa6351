package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/patchbot/patchbot/connectors/store"
)

// cmdLedger is `patchbot ledger copy --from sqlite:PATH`: it copies an
// SQLite ledger into the configured one (PostgreSQL, when moving from one
// replica to several). Stop the daemon that writes the SQLite file first.
func cmdLedger(ctx context.Context, args []string, out, errOut io.Writer) int {
	const usageLine = "copy --from sqlite:PATH [--config FILE]"
	if len(args) == 0 || args[0] != "copy" {
		fmt.Fprintln(errOut, "Usage: patchbot ledger "+usageLine)
		return exitUsage
	}
	fs := flags("ledger copy", "--from sqlite:PATH [--config FILE]",
		"Copy an SQLite ledger (every send, thread, watermark, last run, snooze and inbox entry) into the ledger the config names, which must be empty. Stop the daemon writing the SQLite file first.", errOut)
	path := configFlag(fs)
	from := fs.String("from", "", "the ledger to copy, as sqlite:PATH")
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	src, ok := strings.CutPrefix(*from, "sqlite:")
	if !ok || src == "" {
		fmt.Fprintln(errOut, "patchbot ledger copy: give --from sqlite:PATH, the SQLite ledger file to copy")
		return exitUsage
	}
	cfg, ok := load(*path, errOut)
	if !ok {
		return exitError
	}
	if cfg.Store.Driver == store.DriverSQLite && sameFile(cfg.Store.Path, src) {
		fmt.Fprintln(errOut, "patchbot ledger copy: the source is the configured ledger itself: point store.driver/store.dsn at the new ledger")
		return exitUsage
	}
	source, err := store.Open(ctx, src)
	if err != nil {
		fmt.Fprintln(errOut, "patchbot ledger copy: source:", err)
		return exitError
	}
	defer source.Close()
	to, err := store.OpenDriver(ctx, cfg.Store.Driver, cfg.Store.Target())
	if err != nil {
		fmt.Fprintln(errOut, "patchbot ledger copy: destination:", err)
		return exitError
	}
	defer to.Close()
	counts, err := store.Copy(ctx, to, source)
	if err != nil {
		fmt.Fprintln(errOut, "patchbot ledger copy:", err)
		return exitError
	}
	fmt.Fprintf(out, "copied %s into %s: %d sends (%d items), %d threads, %d watermarks, %d last runs, %d snoozes, %d inbox entries\n",
		src, to.Name(), counts["sends"], counts["send_items"], counts["threads"], counts["watermarks"], counts["last_runs"], counts["snoozes"], counts["inbox"])
	return exitOK
}

// sameFile reports whether two paths name one file.
func sameFile(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}
