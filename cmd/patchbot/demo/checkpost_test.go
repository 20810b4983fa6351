package demo

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/render/adf"
)

// These tests hold `patchbot check` to its promise: it prints, byte for
// byte, the comment body `patchbot run` posts. The patchbot binary runs
// against the fake Jira (Data Center, then Cloud) and the fake Slack, once
// as a dry-run check and once as a sync that posts, through a first post,
// an edit in place, the completion and a reopen; the body the check
// printed must be the body the fake Jira stored.

func TestCheckPrintsWhatRunPostsDataCenter(t *testing.T) {
	t.Parallel()
	checkPrintsWhatRunPosts(t, jiratest.DataCenter)
}

func TestCheckPrintsWhatRunPostsCloud(t *testing.T) {
	t.Parallel()
	checkPrintsWhatRunPosts(t, jiratest.Cloud)
}

func checkPrintsWhatRunPosts(t *testing.T, fl jiratest.Flavor) {
	cw := newCLIWorld(t, fl)
	key := cw.w.Keys["CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"] // rollback and test plan missing
	format := "wiki markup"
	if fl == jiratest.Cloud {
		format = "ADF"
	}
	for _, st := range []struct {
		name string
		// change is what a person does to the ticket before the step.
		change func() error
		// header is the check's line for the comment; living is which
		// bot comment the sync leaves it in (0 the first, 1 the second),
		// and comments how many bot comments there are then.
		header   string
		living   int
		comments int
		// says is text the body must hold (the note above the checklist).
		says []string
	}{
		{"first post", nil, "would post: Jira comment on " + key + " (validation, " + format + ")", 0, 1,
			[]string{"Validation request", "Rollback path", "Testing expectations"}},
		{"edit in place", func() error { return cw.w.Jira.SetField(key, "Rollback Plan", "Restore the config backup") },
			"would edit: Jira comment on " + key + " (validation, " + format + ")", 0, 1,
			[]string{"Validation request", "Testing expectations"}},
		{"completion", func() error { return cw.w.Jira.SetField(key, "Test Plan", "HA secondary first, then failover") },
			"would edit: Jira comment on " + key + " (complete, " + format + ")", 0, 1,
			[]string{"Handoff complete", "Validation request", "Close with proof, not intent"}},
		{"reopen", func() error { return cw.w.Jira.SetField(key, "Rollback Plan", nil) },
			"would post: Jira comment on " + key + " (reopened, " + format + ")", 1, 2,
			[]string{"Handoff incomplete again", "Validation request", "Rollback path"}},
	} {
		if st.change != nil {
			if err := st.change(); err != nil {
				t.Fatal(err)
			}
		}
		printed := cw.checkComment(t, key, st.header)
		for _, s := range st.says {
			if !strings.Contains(printed, s) {
				t.Errorf("%s: the printed comment lacks %q:\n%s", st.name, s, printed)
			}
		}
		cw.run(t, 0, "sync", "--post")
		bodies := cw.botComments(t, key)
		if len(bodies) != st.comments {
			t.Fatalf("%s: %d bot comments after the sync, want %d", st.name, len(bodies), st.comments)
		}
		if posted := bodies[st.living]; posted != printed {
			t.Errorf("%s: check printed another body than the sync posted\n--- printed (%d bytes) ---\n%s\n--- posted (%d bytes) ---\n%s",
				st.name, len(printed), printed, len(posted), posted)
		}
		// Nothing changed: a check says nothing more about the ticket's
		// comment, and a sync posts nothing.
		if out := cw.run(t, -1, "check", "--issue", key); strings.Contains(out, ": Jira comment on") {
			t.Errorf("%s: a check after the sync would still write a comment:\n%s", st.name, out)
		}
	}
}

// cliWorld is the demo's fake Jira and Slack, seeded, and a config file
// for the patchbot binary pointing at them.
type cliWorld struct {
	w   *World
	bin string
	cfg string
	env []string
}

// newCLIWorld starts the fakes with the demo's seed and writes the config
// a team would for them. The fakes and the binary keep real time; the
// team's zone is a fixed offset where it is now about noon, so that a
// date in a text ("checked 2026-11-24") cannot change between the check
// and the sync.
func newCLIWorld(t *testing.T, fl jiratest.Flavor) *cliWorld {
	t.Helper()
	zone := noonZone(time.Now())
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	w := &World{Clock: &Clock{t: time.Now().In(loc)}, Keys: map[string]string{}, channels: map[string]string{}, dir: t.TempDir()}
	w.Jira = jiratest.New(jiratest.Options{Flavor: fl, Email: jiraEmail, Token: jiraToken, PAT: jiraToken, TimeZone: zone})
	w.Slack = slacktest.New()
	w.Slack.SetToken(slackBot)
	t.Cleanup(func() { w.Jira.Close(); w.Slack.Close() })
	if err := w.seed(loc); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var fields []string
	for concept, name := range SECMapping() {
		fields = append(fields, fmt.Sprintf("      %s: %q", concept, name))
	}
	sort.Strings(fields)
	auth := "  deployment: datacenter\n"
	if fl == jiratest.Cloud {
		auth = "  deployment: cloud\n  email: " + jiraEmail + "\n"
	}
	yaml := fmt.Sprintf(`jira:
  url: %s
%s  token: ${TEST_JIRA_TOKEN}
slack:
  token: ${TEST_SLACK_TOKEN}
  api_url: %s
  fallback_channel: "#patch-fallback"
  digest_channel: "#patch-digest"
  per_channel_interval: 1ms
  owner_map:
    %q: %s
projects:
  - name: SEC
    jql: project = SEC
    fields:
%s
schedules:
  timezone: %s
store:
  path: %s
`, w.Jira.URL, auth, w.Slack.URL(), people["eli"].jira.AccountID, people["eli"].slackID, strings.Join(fields, "\n"), zone, filepath.Join(dir, "ledger.db"))
	cfg := filepath.Join(dir, "patchbot.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return &cliWorld{w: w, bin: buildPatchbot(t), cfg: cfg,
		env: append(os.Environ(), "TEST_JIRA_TOKEN="+jiraToken, "TEST_SLACK_TOKEN="+slackBot)}
}

// noonZone is the fixed-offset zone (Etc/GMT±n) where it is between noon
// and one o'clock at now.
func noonZone(now time.Time) string {
	off := 12 - now.UTC().Hour() // -11 … 12 hours east of UTC
	switch {
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off) // the Etc names count westwards
	case off < 0:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
	return "Etc/GMT"
}

// buildPatchbot builds the command once per test.
func buildPatchbot(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "patchbot")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/patchbot/patchbot/cmd/patchbot").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// run runs the binary with the config and returns what it printed; a
// want of -1 takes any exit code.
func (c *cliWorld) run(t *testing.T, want int, args ...string) string {
	t.Helper()
	cmd := exec.Command(c.bin, append(args, "--config", c.cfg)...)
	cmd.Env = c.env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("patchbot %v: %v", args, err)
	}
	if want >= 0 && code != want {
		t.Fatalf("patchbot %v: exit %d, want %d\n%s%s", args, code, want, out.String(), errOut.String())
	}
	return out.String()
}

// checkComment runs a dry-run check of one ticket and returns the comment
// body it printed under header: each line indented by five spaces, the
// block ending at the first line that is not.
func (c *cliWorld) checkComment(t *testing.T, key, header string) string {
	t.Helper()
	out := c.run(t, -1, "check", "--issue", key) // 0 or 3 (incomplete, or something is due)
	lines := strings.Split(out, "\n")
	at := -1
	for i, l := range lines {
		if l == "  ── "+header {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("check printed no line %q:\n%s", header, out)
	}
	var body []string
	for _, l := range lines[at+1:] {
		rest, ok := strings.CutPrefix(l, "     ")
		if !ok {
			break
		}
		body = append(body, rest)
	}
	return strings.Join(body, "\n")
}

// botComments are the bodies of the bot's comments on a ticket, oldest
// first, as the fake Jira stored them: the wiki markup on Data Center,
// the ADF document's text on Cloud.
func (c *cliWorld) botComments(t *testing.T, key string) []string {
	t.Helper()
	is, ok := c.w.Jira.Issue(key)
	if !ok {
		t.Fatalf("no issue %s", key)
	}
	bot := c.w.Jira.Bot()
	var out []string
	for _, cm := range is.Comments {
		if cm.Author != bot {
			continue
		}
		if len(cm.ADF) > 0 {
			out = append(out, adf.Text(cm.ADF))
		} else {
			out = append(out, cm.Body)
		}
	}
	return out
}
