package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/handoff"
)

// cmdFeeds shows the public feeds' copies: source, version, release date,
// entries, when last confirmed current and how long ago, and the last
// error; with --refresh it fetches them first (a conditional GET: an
// unchanged feed costs a 304).
func cmdFeeds(ctx context.Context, args []string, out, errOut io.Writer) int {
	fs := flags("feeds", "[--refresh] [--config FILE]",
		"Show the public feeds patchbot holds handoffs to (CISA KEV, FIRST EPSS): each copy's version, release date, size and age. With --refresh, bring them up to date first.", errOut)
	path := configFlag(fs)
	refresh := fs.Bool("refresh", false, "fetch the feeds now (a failed fetch keeps the last good copy)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, ok := load(*path, errOut)
	if !ok {
		return exitError
	}
	logger := slog.New(slog.DiscardHandler)
	if *refresh {
		logger = app.Logger(cfg.Log, errOut)
	}
	f, err := app.NewFeeds(ctx, cfg, logger, time.Now, nil)
	if err != nil {
		fmt.Fprintln(errOut, "patchbot feeds:", err)
		return exitError
	}
	if f == nil {
		fmt.Fprintln(out, "feeds: off (feeds.kev.source and feeds.epss.source are both off)")
		return exitOK
	}
	code := exitOK
	if *refresh {
		if err := f.Store.Refresh(ctx); err != nil {
			fmt.Fprintln(errOut, "patchbot feeds:", err)
			code = exitError
		}
	}
	printFeeds(out, f, cfg.FeedsDir(), time.Now())
	return code
}

// printFeeds is the feeds' table and where their cache is.
func printFeeds(w io.Writer, f *app.Feeds, dir string, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tVERSION\tRELEASED\tENTRIES\tCONFIRMED\tAGE\tSTATE\tSOURCE")
	for _, st := range f.Store.Status() {
		name := string(st.Feed)
		if st.Mode != "" {
			name += " (" + string(st.Mode) + ")"
		}
		state := "ok"
		switch {
		case st.Entries == 0:
			state = "no copy yet"
		case f.Stale(st):
			state = "stale"
		}
		if st.LastError != "" {
			state += ": " + app.OneLine(st.LastError, 120)
		}
		age := "-"
		if st.Entries > 0 && !st.VerifiedAt.IsZero() {
			age = st.Age.Round(time.Minute).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", name, orDash(st.Version), dayOrDash(st.Released), st.Entries,
			stamp(st.VerifiedAt), age, state, st.Source)
		for _, p := range st.Problems {
			fmt.Fprintf(tw, "\t\t\t\t\t\t  tolerated: %s\t\n", app.OneLine(p, 120))
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "cache: %s (checked %s)\n", dir, now.UTC().Format(time.RFC3339))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func dayOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

// printIntel is check's line per CVE the ticket names: what the feeds
// hold on it (nothing is printed without feed data).
func printIntel(w io.Writer, in handoff.Intel) {
	for _, c := range in.CVEs {
		var parts []string
		if c.KEV {
			kev := "KEV since " + c.KEVAdded.UTC().Format(time.DateOnly)
			if !c.KEVDue.IsZero() {
				kev += ", due " + c.KEVDue.UTC().Format(time.DateOnly)
			}
			if c.Ransomware {
				kev += ", known ransomware use"
			}
			parts = append(parts, kev)
		} else {
			parts = append(parts, "not in KEV")
		}
		if c.HasEPSS {
			epss := fmt.Sprintf("EPSS %s, %s percentile", handoff.FormatScore(c.EPSS), handoff.Ordinal(c.Percentile))
			if !c.ScoreDate.IsZero() {
				epss += " on " + c.ScoreDate.UTC().Format(time.DateOnly)
			}
			parts = append(parts, epss)
		} else {
			parts = append(parts, "no EPSS score")
		}
		fmt.Fprintf(w, "  feeds: %s: %s\n", c.ID, strings.Join(parts, "; "))
	}
}

// printFeedNote tells check's reader when the feeds it read from hold no
// copy or a stale one, and how to fetch them.
func printFeedNote(w io.Writer, f *app.Feeds) {
	if f == nil {
		return
	}
	var weak []string
	for _, st := range f.Store.Status() {
		switch {
		case st.Entries == 0:
			weak = append(weak, string(st.Feed)+" has no copy yet")
		case f.Stale(st):
			weak = append(weak, fmt.Sprintf("%s was last confirmed %s ago", st.Feed, st.Age.Round(time.Hour)))
		}
	}
	if len(weak) > 0 {
		fmt.Fprintf(w, "feeds: %s (the daemon refreshes them; patchbot feeds --refresh fetches them now)\n", strings.Join(weak, ", "))
	}
}
