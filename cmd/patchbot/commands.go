package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/cmd/patchbot/demo"
	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/scheduler"
)

// load reads and validates the config, printing every problem.
func load(path string, errOut io.Writer) (*config.Config, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(errOut, err)
		return nil, false
	}
	return cfg, true
}

// build wires the daemon for a command.
func build(ctx context.Context, cfg *config.Config, d app.Deps, errOut io.Writer) (*app.App, bool) {
	if d.Logger == nil {
		d.Logger = app.Logger(cfg.Log, errOut)
	}
	a, err := app.Build(ctx, cfg, d)
	if err != nil {
		fmt.Fprintln(errOut, "patchbot:", err)
		return nil, false
	}
	return a, true
}

func cmdRun(ctx context.Context, args []string, out, errOut io.Writer) int {
	fs := flags("run", "[--config FILE] [--dry-run]", "Run the daemon: sync, nag and digest on their schedules, with /healthz, /readyz and /metrics.", errOut)
	path := configFlag(fs)
	dry := fs.Bool("dry-run", false, "log what would be posted and post nothing")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, ok := load(*path, errOut)
	if !ok {
		return exitError
	}
	ln, ok := bind(cfg.HTTP.Listen, "http.listen", errOut)
	if !ok {
		return exitError
	}
	a, ok := build(ctx, cfg, app.Deps{DryRun: *dry}, errOut)
	if !ok {
		_ = ln.Close()
		return exitError
	}
	defer a.Close()
	return serveDaemon(ctx, a, ln)
}

// serveDaemon runs the engine, and the HTTP endpoints on ln (bound
// before, so a taken port ended the command before any job started),
// until ctx ends.
func serveDaemon(ctx context.Context, a *app.App, ln net.Listener) int {
	log := a.Logger
	var leading atomic.Bool
	srv := &server{status: a.Engine.Status, leading: leading.Load, now: time.Now, reg: a.Registry, maxSyncAge: 3 * syncEvery(a.Schedules.Sync),
		probes: map[string]probe{"jira": newCachedProbe(a.Jira.Ping, time.Now).check}}
	if a.Slack != nil {
		srv.probes["slack"] = newCachedProbe(a.Slack.Ping, time.Now).check
	}
	hook, err := startWebhook(ctx, a, nil) // webhook.go: off unless webhook.listen is set
	if err != nil {
		log.Error("jira webhook endpoint", "err", err)
		return exitError
	}
	defer hook.close()
	srv.degraded = a.Engine.Degraded // capabilities.go
	if a.Feeds != nil {
		// feeds.go: the feeds refresh on their own schedule, on every
		// replica, and /readyz shows how they stand.
		srv.feeds = func() any { return a.Feeds.Readiness() }
		go a.Feeds.Run(ctx)
	}
	page, mount, err := startStatus(ctx, a) // status.go: off unless status.enabled
	if err != nil {
		log.Error("status page", "err", err)
		return exitError
	}
	defer page.close()
	srv.mount = mount
	errc := make(chan error, 1)
	go func() { errc <- srv.serve(ctx, ln, log) }()
	log.Info("patchbot started", "version", version, "dry_run", a.Engine.DryRun(), "projects", len(a.Config.Projects))
	logCapabilities(ctx, a, log) // capabilities.go
	if err := a.Engine.Lead(ctx, a.Schedules, a.Elector(), scheduler.NewLeaderMetrics(a.Registry), interactWhileLeading(ctx, a, leading.Store)); err != nil {
		log.Error("daemon stopped", "err", err)
		return exitError
	}
	if err := <-errc; err != nil {
		log.Error("http server", "err", err)
		return exitError
	}
	log.Info("patchbot stopped")
	return exitOK
}

// syncEvery estimates the sync interval from its schedule, for readiness.
func syncEvery(sc scheduler.Schedule) time.Duration {
	s := sc.Cron
	if s == nil {
		return 5 * time.Minute
	}
	t := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	n := s.Next(t)
	return max(s.Next(n).Sub(n), time.Minute)
}

func cmdCheck(ctx context.Context, args []string, out, errOut io.Writer) int {
	fs := flags("check", "(--issue KEY | --jql JQL) [--post]", "Read tickets now and print each handoff, its findings, what is due, and the exact texts patchbot would post. Exits 3 when a handoff is incomplete or overdue.", errOut)
	path := configFlag(fs)
	var keys multi
	fs.Var(&keys, "issue", "ticket key (repeatable)")
	jql := fs.String("jql", "", "JQL selecting tickets (the projects' field mappings apply)")
	project := fs.String("project", "", "only this config project")
	post := fs.Bool("post", false, "post the validation requests for real")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if len(keys) == 0 && *jql == "" {
		fmt.Fprintln(errOut, "patchbot check: give --issue KEY or --jql JQL")
		return exitUsage
	}
	cfg, noSlack, ok := loadForCheck(*path, *post, errOut)
	if !ok {
		return exitError
	}
	a, buildNote, ok := buildForCheck(ctx, cfg, *post, errOut)
	if !ok {
		return exitError
	}
	noSlack = cmp.Or(noSlack, buildNote)
	defer a.Close()
	rep, err := a.Engine.Sync(ctx, scheduler.SyncOptions{Keys: keys, JQL: *jql, Project: *project, Keep: true, DryRun: !*post})
	if rep != nil {
		printCheck(out, rep, a.Jira.Deployment() == "cloud")
		printFeedNote(out, a.Feeds) // feeds.go
		printNoSlack(out, noSlack)
	}
	if err != nil {
		fmt.Fprintln(errOut, "patchbot check:", err)
		return exitError
	}
	for _, r := range rep.Results {
		if r.Evaluation.Fingerprint != "" || len(r.Due) > 0 {
			return exitFindings
		}
	}
	return exitOK
}

func cmdSync(ctx context.Context, args []string, out, errOut io.Writer) int {
	var full *bool
	return oneShot(ctx, "sync", args, out, errOut, func(fs *flag.FlagSet) {
		full = fs.Bool("full", false, "read the whole scope, not just what changed since the last sync")
	}, func(e *scheduler.Engine, dry bool, show showFunc) (*scheduler.Report, error) {
		// A dry run shows each text; a real one a line per post (a
		// first sync of a large site makes thousands).
		line := func(a scheduler.Action, dry bool) {
			if !dry {
				a.Doc = richtext.Doc{}
			}
			show(a, dry)
		}
		return e.Sync(ctx, scheduler.SyncOptions{Full: *full, DryRun: dry, CountsOnly: true, OnAction: line})
	})
}

// cmdNag, like cmdDigest, prints each message as it is sent (or would
// be) and keeps none: a nag over a large scope writes thousands of them.
func cmdNag(ctx context.Context, args []string, out, errOut io.Writer) int {
	return oneShot(ctx, "nag", args, out, errOut, nil, func(e *scheduler.Engine, dry bool, show showFunc) (*scheduler.Report, error) {
		return e.Nag(ctx, scheduler.NagOptions{DryRun: dry, CountsOnly: true, OnAction: show})
	})
}

func cmdDigest(ctx context.Context, args []string, out, errOut io.Writer) int {
	return oneShot(ctx, "digest", args, out, errOut, nil, func(e *scheduler.Engine, dry bool, show showFunc) (*scheduler.Report, error) {
		return e.Digest(ctx, scheduler.DigestOptions{DryRun: dry, CountsOnly: true, OnAction: show})
	})
}

// showFunc prints one action of a one-shot job with its text.
type showFunc = func(a scheduler.Action, dryRun bool)

// oneShot runs a job once, printing what it sent or would send: the job
// shows each action (as it goes, or from its report), oneShot the summary.
func oneShot(ctx context.Context, name string, args []string, out, errOut io.Writer, extra func(*flag.FlagSet), job func(e *scheduler.Engine, dry bool, show showFunc) (*scheduler.Report, error)) int {
	fs := flags(name, "[--config FILE] [--post]", fmt.Sprintf("Run the %s job once and print its messages; nothing is sent without --post.", name), errOut)
	path := configFlag(fs)
	post := fs.Bool("post", false, "send for real (recorded in the ledger like a daemon run)")
	if extra != nil {
		extra(fs)
	}
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, ok := load(*path, errOut)
	if !ok {
		return exitError
	}
	a, ok := build(ctx, cfg, app.Deps{DryRun: !*post}, errOut)
	if !ok {
		return exitError
	}
	defer a.Close()
	cloud := a.Jira != nil && a.Jira.Deployment() == "cloud"
	show := func(act scheduler.Action, dry bool) {
		printAction(out, act, dry, cloud)
		fmt.Fprintln(out)
	}
	rep, err := job(a.Engine, !*post, show)
	if rep != nil {
		fmt.Fprintln(out, summaryLine(rep))
	}
	if err != nil {
		fmt.Fprintf(errOut, "patchbot %s: %v\n", name, err)
		return exitError
	}
	return exitOK
}

func cmdConfig(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] != "validate" {
		fmt.Fprintln(errOut, "Usage: patchbot config validate [--online] [--config FILE]")
		return exitUsage
	}
	fs := flags("config validate", "[--online] [--config FILE]", "Check the config file and print every problem with its line. With --online, also check that the Jira fields exist and the Slack token has its scopes.", errOut)
	path := configFlag(fs)
	online := fs.Bool("online", false, "also connect to Jira and Slack")
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	if fs.NArg() == 1 {
		*path = fs.Arg(0)
	}
	cfg, ok := load(*path, errOut)
	if !ok {
		return exitError
	}
	if *online {
		a, err := app.Build(ctx, cfg, app.Deps{DryRun: true, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			printOnlineErrors(errOut, cfg, err)
			return exitError
		}
		unreadable := printCapabilities(out, a.Jira.Probe(ctx)) // capabilities.go
		_ = a.Close()
		if unreadable > 0 {
			fmt.Fprintf(errOut, "%s: the bot cannot read %d of the projects (see above)\n", *path, unreadable)
			return exitError
		}
	}
	fmt.Fprintf(out, "%s: ok (%d projects)\n", *path, len(cfg.Projects))
	return exitOK
}

func cmdFields(ctx context.Context, args []string, out, errOut io.Writer) int {
	fs := flags("fields", "[--config FILE] [--match TEXT]", "List the Jira site's fields (name, id, type), to find the names for the config's field mapping.", errOut)
	path := configFlag(fs)
	match := fs.String("match", "", "only fields whose name or id contains TEXT")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, ok := load(*path, errOut)
	if !ok {
		return exitError
	}
	a, ok := build(ctx, cfg, app.Deps{DryRun: true, Offline: true}, errOut)
	if !ok {
		return exitError
	}
	defer a.Close()
	fields, err := a.Jira.Fields(ctx)
	if err != nil {
		fmt.Fprintln(errOut, "patchbot fields:", err)
		return exitError
	}
	fmt.Fprintf(out, "%-36s %-22s %s\n", "NAME", "ID", "TYPE")
	for _, f := range fields {
		if *match != "" && !strings.Contains(strings.ToLower(f.Name+" "+f.ID), strings.ToLower(*match)) {
			continue
		}
		typ := f.Type
		if f.Items != "" {
			typ += " of " + f.Items
		}
		if f.CustomType != "" {
			typ += " (" + f.CustomType[strings.LastIndex(f.CustomType, ":")+1:] + ")"
		}
		fmt.Fprintf(out, "%-36s %-22s %s\n", f.Name, f.ID, typ)
	}
	return exitOK
}

// printOnlineErrors prints what connecting found wrong, placing each Jira
// field-mapping error at its line in the config file.
func printOnlineErrors(w io.Writer, cfg *config.Config, err error) {
	var fes []*jira.FieldError
	var walk func(error)
	walk = func(e error) {
		if fe, ok := e.(*jira.FieldError); ok {
			fes = append(fes, fe)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	walk(err)
	if len(fes) == 0 {
		fmt.Fprintln(w, "patchbot:", err)
		return
	}
	for _, fe := range fes {
		i := slices.IndexFunc(cfg.Projects, func(p config.Project) bool { return p.Name == fe.Project })
		fmt.Fprintln(w, cfg.Errorf(config.Path("projects", i, "fields", string(fe.Field)), "%v", fe.Err))
	}
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	if len(*m) == 0 {
		return errors.New("empty")
	}
	return nil
}

func cmdDemo(ctx context.Context, args []string, out, errOut io.Writer) int {
	fs := flags("demo", "[--serve] [--listen ADDR] [--zone ZONE] [--verbose]",
		"Run the whole daemon against a built-in simulated Jira Cloud and Slack, seeded with about thirty patch tickets, and print what it posts. No accounts, no database server.", errOut)
	serve := fs.Bool("serve", false, "keep running afterwards with /healthz, /readyz and /metrics up")
	listen := fs.String("listen", "127.0.0.1:8080", "address for --serve")
	zone := fs.String("zone", "Europe/Berlin", "the team's time zone")
	verbose := fs.Bool("verbose", false, "also print the daemon's logs")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	var ln net.Listener
	if *serve {
		var ok bool
		if ln, ok = bind(*listen, "--listen", errOut); !ok {
			return exitError
		}
		defer ln.Close()
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	w, err := demo.NewWorld(ctx, demo.Options{Out: out, Zone: *zone, Logger: logger})
	if err != nil {
		fmt.Fprintln(errOut, "patchbot demo:", err)
		return exitError
	}
	defer w.Close()
	if err := w.Play(ctx, out); err != nil {
		fmt.Fprintln(errOut, "patchbot demo:", err)
		return exitError
	}
	if !*serve {
		return exitOK
	}
	fmt.Fprintf(out, "\nServing http://%s/healthz, /readyz and /metrics with the simulated Jira at %s; Ctrl-C to stop.\n", ln.Addr(), w.Jira.URL)
	demoStatus(w.App, out, ln.Addr().String()) // status.go
	return serveDaemon(ctx, w.App, ln)
}
