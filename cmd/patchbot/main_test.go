package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/demo"
	"github.com/patchbot/patchbot/connectors/store"
)

// cli runs the command line against the demo's fake Jira and Slack with a
// config file written the way a person would write it.
type cli struct {
	t    *testing.T
	w    *demo.World
	path string
}

func newCLI(t *testing.T, edit func(string) string) *cli {
	t.Helper()
	w, err := demo.NewWorld(context.Background(), demo.Options{Now: time.Now(), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	t.Setenv("TEST_JIRA_TOKEN", w.Config.Jira.Token.Value())
	t.Setenv("TEST_SLACK_TOKEN", w.Config.Slack.Token.Value())
	var fields []string
	for concept, name := range demo.SECMapping() {
		fields = append(fields, fmt.Sprintf("      %s: %q", concept, name))
	}
	sort.Strings(fields)
	yaml := fmt.Sprintf(`jira:
  url: %s
  deployment: cloud
  email: %s
  token: ${TEST_JIRA_TOKEN}
slack:
  token: ${TEST_SLACK_TOKEN}
  api_url: %s
  fallback_channel: "#patch-fallback"
  digest_channel: "#patch-digest"
  per_channel_interval: 1ms
projects:
  - name: SEC
    jql: project = SEC
    fields:
%s
  - name: OPS
    jql: project = OPS
    use_description: true
schedules:
  timezone: Europe/Berlin
store:
  path: %s
`, w.Jira.URL, w.Config.Jira.Email, w.Slack.URL(), strings.Join(fields, "\n"), filepath.Join(t.TempDir(), "ledger.db"))
	if edit != nil {
		yaml = edit(yaml)
	}
	path := filepath.Join(t.TempDir(), "patchbot.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return &cli{t: t, w: w, path: path}
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), append(args, "--config", c.path), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckPrintsWhatItWouldPostAndWritesNothing(t *testing.T) {
	c := newCLI(t, nil)
	incomplete := c.w.Keys["CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"]
	completeKey := c.w.Keys["CVE-2026-20198 IOS XE web UI privilege escalation on edge routers"]
	writes, msgs := c.w.Jira.Writes(), len(c.w.Slack.All())

	code, out, errOut := c.run("check", "--issue", incomplete)
	if code != exitFindings {
		t.Fatalf("check %s: exit %d, want %d (incomplete)\n%s%s", incomplete, code, exitFindings, out, errOut)
	}
	for _, want := range []string{incomplete, "missing", "Rollback path", "would post: Jira comment", "would post: Slack validation", "dry run: nothing was posted"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if code, out, _ := c.run("check", "--issue", completeKey); code != exitOK {
		t.Errorf("check %s: exit %d, want 0 (complete)\n%s", completeKey, code, out)
	}
	if c.w.Jira.Writes() != writes || len(c.w.Slack.All()) != msgs {
		t.Fatalf("check without --post wrote %d Jira writes and %d Slack messages", c.w.Jira.Writes()-writes, len(c.w.Slack.All())-msgs)
	}

	// --jql narrows a project's scope; --post posts.
	code, out, _ = c.run("check", "--jql", "key = "+incomplete, "--post")
	if code != exitFindings || !strings.Contains(out, "posted: Jira comment") {
		t.Fatalf("check --post: exit %d\n%s", code, out)
	}
	if c.w.Jira.Writes() == writes {
		t.Fatal("check --post wrote nothing to Jira")
	}
}

func TestUsageAndExitCodes(t *testing.T) {
	c := newCLI(t, nil)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"check"}, exitUsage, "give --issue KEY or --jql JQL"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"check", "--help"}, exitOK, "Usage: patchbot check"},
		{[]string{"version"}, exitOK, "patchbot"},
		{[]string{"config", "validate"}, exitOK, "ok (2 projects)"},
		{[]string{"fields", "--match", "rollback"}, exitOK, "Rollback Plan"},
	} {
		code, out, errOut := c.run(tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.want, out, errOut)
		}
	}
}

func TestNagAndDigestPrintWithoutPosting(t *testing.T) {
	c := newCLI(t, nil)
	msgs := len(c.w.Slack.All())
	for _, job := range []string{"sync", "nag", "digest"} {
		code, out, errOut := c.run(job)
		if code != exitOK || !strings.Contains(out, "would post: Slack") {
			t.Errorf("%s: exit %d\n%s%s", job, code, out, errOut)
		}
	}
	if got := len(c.w.Slack.All()) - msgs; got != 0 {
		t.Fatalf("nag and digest without --post sent %d Slack messages", got)
	}
}

func TestConfigValidateOnlinePlacesFieldErrorsAtTheirLine(t *testing.T) {
	c := newCLI(t, func(y string) string {
		return strings.Replace(y, `rollback: "Rollback Plan"`, `rollback: "Rollback Plna"`, 1)
	})
	if code, _, errOut := c.run("config", "validate"); code != exitOK {
		t.Fatalf("offline validate should not know Jira's fields: exit %d\n%s", code, errOut)
	}
	code, _, errOut := c.run("config", "validate", "--online")
	if code != exitError {
		t.Fatalf("online validate: exit %d, want %d\n%s", code, exitError, errOut)
	}
	data, _ := os.ReadFile(c.path)
	line := 1 + strings.Count(string(data[:bytes.Index(data, []byte("Rollback Plna"))]), "\n")
	want := regexp.MustCompile(fmt.Sprintf(`patchbot\.yaml:%d projects\[0\]\.fields\.rollback: no Jira field is named "Rollback Plna"; closest: "Rollback Plan"`, line))
	if !want.MatchString(errOut) {
		t.Fatalf("online validate said:\n%s\nwant a line matching %s", errOut, want)
	}
}

func TestSyncOnceWithPost(t *testing.T) {
	c := newCLI(t, nil)
	code, out, errOut := c.run("sync", "--full", "--post")
	if code != exitOK || !strings.Contains(out, "sync:") {
		t.Fatalf("sync --full --post: exit %d\n%s%s", code, out, errOut)
	}
	writes := c.w.Jira.Writes()
	if writes == 0 {
		t.Fatal("sync --post wrote nothing to Jira")
	}
	// A real run prints a line per post, naming the site's format, and no
	// texts: a first sync of a large site makes thousands.
	posted := regexp.MustCompile(`(?m)^  ── posted: Jira comment on [A-Z]+-\d+ \(validation, ADF\)\n\n`)
	if n := len(posted.FindAllString(out, -1)); n == 0 || n != c.w.Jira.Writes() {
		t.Errorf("sync --post printed %d comment lines for %d Jira writes:\n%s", n, c.w.Jira.Writes(), out)
	}
	if strings.Contains(out, "wiki markup") || strings.Contains(out, "\n     \n") {
		t.Errorf("sync --post printed a wrong format or empty texts:\n%s", out)
	}
	if code, _, _ := c.run("sync", "--full", "--post"); code != exitOK || c.w.Jira.Writes() != writes {
		t.Fatalf("a second sync --post wrote %d more", c.w.Jira.Writes()-writes)
	}
}

// TestPostRefusedWhileTheLedgerIsInUse: a write command run while another
// process holds the same ledger's lock for that job (a daemon syncing)
// does nothing and says why; a read-only run is not held up.
func TestPostRefusedWhileTheLedgerIsInUse(t *testing.T) {
	c := newCLI(t, nil)
	b, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^  path: (.+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no store path in the config")
	}
	other, err := store.Open(context.Background(), string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	release, ok, err := other.TryLock("sync")
	if err != nil || !ok {
		t.Fatalf("taking the lock: ok=%v err=%v", ok, err)
	}
	code, out, errOut := c.run("sync", "--full", "--post")
	if code != exitError || !strings.Contains(errOut, "another patchbot process is running this job on the same ledger") {
		t.Fatalf("sync --post with the ledger in use: exit %d\n%s%s", code, out, errOut)
	}
	if n := c.w.Jira.Writes(); n != 0 {
		t.Fatalf("a refused sync wrote %d times to Jira", n)
	}
	if code, out, errOut := c.run("sync", "--full"); code != exitOK {
		t.Fatalf("a dry sync was held up by the lock: exit %d\n%s%s", code, out, errOut)
	}
	release()
	if code, out, errOut := c.run("sync", "--full", "--post"); code != exitOK || c.w.Jira.Writes() == 0 {
		t.Fatalf("sync --post after the release: exit %d, %d writes\n%s%s", code, c.w.Jira.Writes(), out, errOut)
	}
}
