package main

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestCLIOutputHoldsNoToken runs the CLI's config and connection errors
// with real tokens in the environment: `config validate` on a file with
// bad values, and `config validate --online` and `check` with tokens that
// Jira (401) and Slack (invalid_auth) refuse. The output names what is
// wrong and never holds a token, right or wrong, raw or base64. A config
// file holding a literal token is refused by config.Load: see config's
// TestMalformedConfigs ("literal secret" cases) and TestErrorsNeverHoldSecrets.
func TestCLIOutputHoldsNoToken(t *testing.T) {
	c := newCLI(t, func(y string) string {
		y = strings.Replace(y, "timezone: Europe/Berlin", "timezone: Mars/Olympus", 1)
		return strings.Replace(y, "per_channel_interval: 1ms", "per_channel_interval: soon", 1)
	})
	good := []string{c.w.Config.Jira.Token.Value(), c.w.Config.Slack.Token.Value()}
	const wrongJira, wrongSlack = "ATATT3xWRONGjiraTOKEN0000", "xoxb-0000-wrong-slack-token"
	forms := func(email string, tokens ...string) []string {
		var out []string
		for _, tok := range tokens {
			out = append(out, tok)
			for _, raw := range []string{tok, email + ":" + tok} {
				for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
					out = append(out, strings.TrimRight(enc.EncodeToString([]byte(raw)), "="))
				}
			}
		}
		return out
	}
	secrets := forms(c.w.Config.Jira.Email, append(good, wrongJira, wrongSlack)...)
	clean := func(what, out string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s prints a token (%q):\n%s", what, s, out)
			}
		}
	}

	code, out, errOut := c.run("config", "validate")
	if code != exitError || !strings.Contains(errOut, "schedules.timezone") || !strings.Contains(errOut, "slack.per_channel_interval") {
		t.Fatalf("config validate on bad values: exit %d, want %d naming both keys\n%s", code, exitError, errOut)
	}
	clean("config validate", out+errOut)

	// A valid file, but a token Jira (401) or Slack (invalid_auth) refuses.
	c = newCLI(t, nil)
	for _, tokens := range [][2]string{{wrongJira, good[1]}, {good[0], wrongSlack}} {
		t.Setenv("TEST_JIRA_TOKEN", tokens[0])
		t.Setenv("TEST_SLACK_TOKEN", tokens[1])
		want := "Jira"
		if tokens[1] == wrongSlack {
			want = "invalid_auth"
		}
		for _, args := range [][]string{{"config", "validate", "--online"}, {"check", "--jql", "project = SEC"}, {"nag"}} {
			code, out, errOut := c.run(args...)
			// check posts nothing: it goes on without the Slack that
			// refused it, and says why in its output.
			wantCode, said := exitError, errOut
			if args[0] == "check" && tokens[1] == wrongSlack {
				wantCode, said = exitFindings, out
			}
			if code != wantCode || !strings.Contains(said, want) {
				t.Errorf("%s with a refused token: exit %d, want %d and an error naming %s\n%s%s", args, code, wantCode, want, out, errOut)
			}
			clean(strings.Join(args, " "), out+errOut)
		}
	}
}
