package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestCheckRunsWithJiraAlone: check without --post needs Jira only. With
// Slack not configured, its token variable unset, its token refused or
// Slack not answering, check still reads the tickets, prints what it would
// post, and says the owners were not looked up in Slack; --post, which
// sends, still needs Slack.
func TestCheckRunsWithJiraAlone(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL + "/api/"
	gone.Close()
	slackBlock := regexp.MustCompile(`(?m)^slack:\n(  .*\n)+`)
	for _, tc := range []struct {
		name string
		edit func(string) string
		// token, when set, replaces the Slack token's value.
		token string
		why   []string
	}{
		{name: "no slack section", edit: func(y string) string { return slackBlock.ReplaceAllString(y, "") },
			why: []string{"Slack is not configured", "slack.token: required"}},
		{name: "token variable not set", edit: func(y string) string {
			return strings.Replace(y, "${TEST_SLACK_TOKEN}", "${PATCHBOT_TEST_NO_SUCH_TOKEN}", 1)
		}, why: []string{"Slack is not configured", "PATCHBOT_TEST_NO_SUCH_TOKEN is not set", "would post: Slack validation"}},
		{name: "token refused", token: "xoxb-not-the-token",
			why: []string{"Slack could not be used", "would post: Slack validation"}},
		{name: "slack not answering", edit: func(y string) string {
			return regexp.MustCompile(`(?m)^  api_url: .*$`).ReplaceAllString(y, "  api_url: "+goneURL)
		}, why: []string{"Slack could not be used", "would post: Slack validation"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t, tc.edit)
			if tc.token != "" {
				t.Setenv("TEST_SLACK_TOKEN", tc.token)
			}
			key := c.w.Keys["CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"]
			writes, msgs := c.w.Jira.Writes(), len(c.w.Slack.All())
			code, out, errOut := c.run("check", "--issue", key)
			if code != exitFindings {
				t.Fatalf("check: exit %d, want %d\n%s%s", code, exitFindings, out, errOut)
			}
			for _, want := range append([]string{key, "would post: Jira comment", "owners were not looked up in Slack"}, tc.why...) {
				if !strings.Contains(out, want) {
					t.Errorf("check output lacks %q:\n%s", want, out)
				}
			}
			if c.w.Jira.Writes() != writes || len(c.w.Slack.All()) != msgs {
				t.Fatal("check without --post wrote")
			}
			if code, out, errOut := c.run("check", "--issue", key, "--post"); code != exitError {
				t.Fatalf("check --post without a usable Slack: exit %d, want %d\n%s%s", code, exitError, out, errOut)
			}
		})
	}
}

// TestCheckWithSlackSaysNothingAboutIt: with a working Slack, no note.
func TestCheckWithSlackSaysNothingAboutIt(t *testing.T) {
	c := newCLI(t, nil)
	key := c.w.Keys["CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"]
	if _, out, _ := c.run("check", "--issue", key); strings.Contains(out, "not looked up in Slack") {
		t.Fatalf("check with Slack working says it did not use it:\n%s", out)
	}
}
