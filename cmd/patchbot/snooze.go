package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/store"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// issueKey is a Jira issue key: the project key (a letter, then letters,
// digits or underscores) and the issue's number.
var issueKey = regexp.MustCompile(`^[A-Z][A-Z0-9_]*-[1-9][0-9]*$`)

// normalKey is key as Jira writes it — upper case, without spaces or
// invisible characters pasted along — or an error saying what a key looks
// like. The nag looks snoozes up by the key Jira gives, so "sec-1" stored
// as typed would silence nothing.
func normalKey(key string) (string, error) {
	k := strings.ToUpper(strings.TrimSpace(handoff.Visible(key)))
	if !issueKey.MatchString(k) {
		return "", fmt.Errorf("%q is not a Jira issue key: write it like SEC-123", key)
	}
	return k, nil
}

func cmdSnooze(ctx context.Context, args []string, out, errOut io.Writer) int {
	fs := flags("snooze", "KEY --until DATE [--by NAME] | KEY --off | --list",
		"Silence reminders about a ticket until a day (YYYY-MM-DD, in the configured time zone), lift a snooze with --off, or list the snoozes in force with --list. The key must name a ticket in a watched project (checked with Jira when it answers); the day must be after today.", errOut)
	path := configFlag(fs)
	until := fs.String("until", "", "the day reminders resume (YYYY-MM-DD, after today)")
	by := fs.String("by", os.Getenv("USER"), "who snoozed it (kept in the ledger)")
	off := fs.Bool("off", false, "lift the ticket's snooze: reminders resume with the next nag")
	list := fs.Bool("list", false, "list the snoozes in force")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args = append(args[1:], args[0])
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	usage := func(why string) int {
		fmt.Fprintln(errOut, "patchbot snooze:", why)
		fs.Usage()
		return exitUsage
	}
	switch {
	case *list && (fs.NArg() > 0 || *off || *until != ""):
		return usage("--list takes no key, --until or --off")
	case *list:
	case fs.NArg() != 1:
		return usage("give one ticket key")
	case *off && *until != "":
		return usage("give --until DATE to snooze or --off to lift, not both")
	case !*off && *until == "":
		return usage("give --until DATE to snooze, or --off to lift the snooze")
	}
	cfg, ok := load(*path, errOut)
	if !ok {
		return exitError
	}
	loc, err := cfg.Schedules.Location()
	if err != nil {
		fmt.Fprintln(errOut, "patchbot snooze:", err)
		return exitError
	}
	if *list {
		return listSnoozes(ctx, cfg, loc, out, errOut)
	}
	raw := fs.Arg(0)
	key, err := normalKey(raw)
	if err != nil {
		fmt.Fprintln(errOut, "patchbot snooze:", err)
		return exitUsage
	}
	if *off {
		return liftSnooze(ctx, cfg, key, raw, out, errOut)
	}
	at, dateOnly, err := handoff.ParseDate(*until)
	if err != nil {
		fmt.Fprintln(errOut, "patchbot snooze: --until:", err)
		return exitUsage
	}
	if dateOnly {
		at = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, loc)
	}
	if now := time.Now(); !at.After(now) {
		fmt.Fprintf(errOut, "patchbot snooze: --until %s is not after today (%s in %s): give a later day\n",
			*until, now.In(loc).Format(time.DateOnly), loc)
		return exitUsage
	}
	led, code := ledgerForSnooze(ctx, cfg, key, errOut)
	if led == nil {
		return code
	}
	defer led.Close()
	if err := led.Snooze(ctx, key, at, *by); err != nil {
		fmt.Fprintln(errOut, "patchbot snooze:", err)
		return exitError
	}
	fmt.Fprintf(out, "%s: no reminders until %s\n", key, at.In(loc).Format(time.RFC1123))
	return exitOK
}

// ledgerForSnooze checks the key with Jira — the ticket exists and a
// watched project's scope holds it — and opens the ledger. When Jira
// cannot be reached the snooze is kept all the same, the key checked for
// its form only, and a warning says so; a ticket Jira does not know, or
// that no project watches, is refused.
func ledgerForSnooze(ctx context.Context, cfg *config.Config, key string, errOut io.Writer) (*store.Ledger, int) {
	a, err := app.Build(ctx, cfg, app.Deps{DryRun: true, Offline: true, Logger: app.Logger(cfg.Log, errOut)})
	if err != nil {
		led, lerr := store.OpenDriver(ctx, cfg.Store.Driver, cfg.Store.Target())
		if lerr != nil {
			fmt.Fprintln(errOut, "patchbot snooze:", lerr)
			return nil, exitError
		}
		fmt.Fprintf(errOut, "patchbot snooze: warning: Jira could not be asked, so %s was checked for its form only: %v\n", key, err)
		return led, 0
	}
	found, err := watched(ctx, a, cfg, key)
	switch {
	case err != nil && notFound(err):
		fmt.Fprintf(errOut, "patchbot snooze: Jira has no ticket %s: %v\n", key, err)
	case err != nil:
		fmt.Fprintf(errOut, "patchbot snooze: warning: Jira could not be asked about %s, so it was checked for its form only: %v\n", key, err)
		return a.Store, 0
	case !found:
		names := make([]string, len(cfg.Projects))
		for i, p := range cfg.Projects {
			names[i] = p.Name
		}
		fmt.Fprintf(errOut, "patchbot snooze: %s is not in any watched project's scope (%s): check the key, or the projects' jql\n", key, strings.Join(names, ", "))
	default:
		return a.Store, 0
	}
	_ = a.Close()
	return nil, exitError
}

// watched reports whether a configured project's scope holds the ticket.
func watched(ctx context.Context, a *app.App, cfg *config.Config, key string) (bool, error) {
	for _, p := range cfg.Projects {
		found := false
		err := a.Jira.Scan(ctx, ports.ScanRequest{Project: p.Name, Keys: []string{key}}, func(t ports.Ticket) error {
			found = found || t.Input.Ticket.Key == key
			return nil
		})
		if err != nil {
			return false, err
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

// notFound is Jira refusing a query for naming an issue that does not
// exist ("An issue with key 'SEC-999' does not exist for field 'key'").
func notFound(err error) bool {
	var je *jira.Error
	return errors.As(err, &je) && je.Status == http.StatusBadRequest
}

// liftSnooze lifts a ticket's snooze. A snooze stored under the key as
// typed (an older patchbot kept "sec-1" beside "SEC-1") is lifted too.
func liftSnooze(ctx context.Context, cfg *config.Config, key, raw string, out, errOut io.Writer) int {
	led, err := store.OpenDriver(ctx, cfg.Store.Driver, cfg.Store.Target())
	if err != nil {
		fmt.Fprintln(errOut, "patchbot snooze:", err)
		return exitError
	}
	defer led.Close()
	held := false
	for _, k := range slices.Compact([]string{key, strings.TrimSpace(raw)}) {
		until, err := led.SnoozedUntil(ctx, k)
		if err == nil && !until.IsZero() {
			held = true
			err = led.Unsnooze(ctx, k)
		}
		if err != nil {
			fmt.Fprintln(errOut, "patchbot snooze:", err)
			return exitError
		}
	}
	if !held {
		fmt.Fprintf(out, "%s was not snoozed\n", key)
		return exitOK
	}
	fmt.Fprintf(out, "%s: snooze lifted; reminders resume with the next nag\n", key)
	return exitOK
}

// listSnoozes prints the snoozes in force, soonest end first.
func listSnoozes(ctx context.Context, cfg *config.Config, loc *time.Location, out, errOut io.Writer) int {
	led, err := store.OpenDriver(ctx, cfg.Store.Driver, cfg.Store.Target())
	if err != nil {
		fmt.Fprintln(errOut, "patchbot snooze:", err)
		return exitError
	}
	defer led.Close()
	all, err := led.Snoozes(ctx)
	if err != nil {
		fmt.Fprintln(errOut, "patchbot snooze:", err)
		return exitError
	}
	now := time.Now()
	n := 0
	for _, z := range all {
		if !z.Until.After(now) {
			continue
		}
		if n == 0 {
			fmt.Fprintf(out, "%-14s %-16s %-16s %s\n", "TICKET", "UNTIL", "SINCE", "BY")
		}
		n++
		fmt.Fprintf(out, "%-14s %-16s %-16s %s\n", z.Key, z.Until.In(loc).Format("2006-01-02 15:04"), z.At.In(loc).Format("2006-01-02 15:04"), z.By)
	}
	if n == 0 {
		fmt.Fprintln(out, "no snoozes in force")
	}
	return exitOK
}
