package main

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/store"
)

// ledgerOf opens the CLI's ledger, to see what a command wrote.
func (c *cli) ledgerOf(t *testing.T) *store.Ledger {
	t.Helper()
	b, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^  path: (.+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no store path in the config")
	}
	l, err := store.Open(context.Background(), string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestSnoozeChecksKeyAndDate: snooze stores the key as Jira writes it,
// refuses what is not a key, a ticket Jira does not know or no project
// watches, and a day that is not after today; --list shows what is in
// force and --off lifts it.
func TestSnoozeChecksKeyAndDate(t *testing.T) {
	c := newCLI(t, nil)
	key := c.w.Keys["CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"]
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(berlin)
	later := today.AddDate(0, 0, 10).Format(time.DateOnly)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"not a key", []string{"snooze", "frobnicate", "--until", later}, exitUsage, `"frobnicate" is not a Jira issue key`},
		{"no number", []string{"snooze", "SEC-", "--until", later}, exitUsage, "is not a Jira issue key"},
		{"unknown ticket", []string{"snooze", "SEC-99999", "--until", later}, exitError, "SEC-99999 is not in any watched project's scope"},
		{"unwatched project", []string{"snooze", "HR-1", "--until", later}, exitError, "HR-1 is not in any watched project's scope (SEC, OPS)"},
		{"day in the past", []string{"snooze", key, "--until", "2020-01-01"}, exitUsage, "is not after today"},
		{"today", []string{"snooze", key, "--until", today.Format(time.DateOnly)}, exitUsage, "is not after today (" + today.Format(time.DateOnly) + " in Europe/Berlin)"},
		{"no date", []string{"snooze", key}, exitUsage, "give --until DATE to snooze, or --off"},
		{"both", []string{"snooze", key, "--until", later, "--off"}, exitUsage, "not both"},
		{"list with a key", []string{"snooze", key, "--list"}, exitUsage, "--list takes no key"},
	} {
		code, out, errOut := c.run(tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%s: %v: exit %d, want %d with %q\n%s%s", tc.name, tc.args, code, tc.code, tc.want, out, errOut)
		}
	}
	led := c.ledgerOf(t)
	if all, err := led.Snoozes(context.Background()); err != nil || len(all) != 0 {
		t.Fatalf("refused snoozes left %v (%v) in the ledger", all, err)
	}

	// Typed in lower case, with a space pasted along: stored as Jira
	// writes the key, which is what the nag looks up.
	typed := " " + strings.ToLower(key) + "\u200b"
	if code, out, errOut := c.run("snooze", typed, "--until", later, "--by", "ana"); code != exitOK || !strings.Contains(out, key+": no reminders until") {
		t.Fatalf("snooze %q: exit %d\n%s%s", typed, code, out, errOut)
	}
	if until, _ := led.SnoozedUntil(context.Background(), key); until.IsZero() {
		t.Fatalf("the snooze of %q is not found under %s", typed, key)
	}
	code, out, _ := c.run("snooze", "--list")
	if code != exitOK || !regexp.MustCompile(`(?m)^`+key+`\s+`+later+` 00:00\s+\S+ \S+\s+ana$`).MatchString(out) {
		t.Fatalf("snooze --list: exit %d\n%s", code, out)
	}
	if code, out, _ := c.run("snooze", key, "--off"); code != exitOK || !strings.Contains(out, "snooze lifted") {
		t.Fatalf("snooze --off: exit %d\n%s", code, out)
	}
	if until, _ := led.SnoozedUntil(context.Background(), key); !until.IsZero() {
		t.Fatalf("still snoozed until %v after --off", until)
	}
	if code, out, _ := c.run("snooze", key, "--off"); code != exitOK || !strings.Contains(out, "was not snoozed") {
		t.Fatalf("snooze --off again: exit %d\n%s", code, out)
	}
	if code, out, _ := c.run("snooze", "--list"); code != exitOK || !strings.Contains(out, "no snoozes in force") {
		t.Fatalf("snooze --list after --off: exit %d\n%s", code, out)
	}
}

// TestSnoozeWithoutJira: with Jira not answering (here: refusing the
// bot, which is not retried), a well-formed key is snoozed all the same,
// and the command says it was checked for its form only.
func TestSnoozeWithoutJira(t *testing.T) {
	c := newCLI(t, nil)
	c.w.Jira.Inject(jiratest.Fault{Status: http.StatusUnauthorized, Path: "/myself"})
	later := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	code, out, errOut := c.run("snooze", "SEC-7", "--until", later)
	if code != exitOK || !strings.Contains(errOut, "Jira could not be asked, so SEC-7 was checked for its form only") {
		t.Fatalf("snooze without Jira: exit %d\n%s%s", code, out, errOut)
	}
	if until, _ := c.ledgerOf(t).SnoozedUntil(context.Background(), "SEC-7"); until.IsZero() {
		t.Fatal("the snooze was not kept")
	}
}
