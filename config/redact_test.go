package config

import (
	"strings"
	"testing"
)

// TestErrorsShowReferencesNotValues writes secrets and other environment
// values into keys whose checks quote what they find, and checks that each
// error names the key and shows the ${VAR} reference, or <secret>, never
// the value.
func TestErrorsShowReferencesNotValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("s3cr3t-0123456789", 6) // quote shortens it
	env := func(k string) (string, bool) {
		switch k {
		case "LONG_TOKEN":
			return long, true
		case "NOT_AN_EMAIL":
			return "plain-value-1234", true
		case "TOKEN_IN_PATH_VAR":
			return "tok3n-pasted-here", true
		}
		return testEnv(k)
	}
	const jiraToken, slackToken = "jira-s3cr3t-value", "slack-s3cr3t-value"
	for _, tc := range []struct {
		name, doc  string
		path, show string // the error's key and what it shows instead
		hidden     []string
	}{
		{"jira token as the url", edit(t, "url: https://acme.atlassian.net", "url: ${JIRA_API_TOKEN}"),
			"jira.url", "${JIRA_API_TOKEN}", []string{jiraToken}},
		{"jira token as the email", edit(t, "email: bot@acme.example", "email: ${JIRA_API_TOKEN}"),
			"jira.email", "${JIRA_API_TOKEN}", []string{jiraToken}},
		{"slack token inside the url", edit(t, "url: https://acme.atlassian.net", "url: https://acme.atlassian.net/${SLACK_BOT_TOKEN}"),
			"jira.url", "${SLACK_BOT_TOKEN}", []string{slackToken}},
		{"jira token as a number", edit(t, "  email:", "  page_size: ${JIRA_API_TOKEN}\n  email:"),
			"jira.page_size", "${JIRA_API_TOKEN}", []string{jiraToken}},
		{"jira token as a duration", edit(t, "  email:", "  timeout: ${JIRA_API_TOKEN}\n  email:"),
			"jira.timeout", "${JIRA_API_TOKEN}", []string{jiraToken}},
		{"secret variable as a file name", edit(t, "token: ${SLACK_BOT_TOKEN}", "token_file: ${JIRA_API_TOKEN}"),
			"slack.token_file", "${JIRA_API_TOKEN}", []string{jiraToken}},
		{"plain variable in a checked key", edit(t, "email: bot@acme.example", "email: ${NOT_AN_EMAIL}"),
			"jira.email", `"${NOT_AN_EMAIL}"`, []string{"plain-value-1234"}},
		{"plain variable as a number", base + "nag:\n  heads_up_days: ${NOT_AN_EMAIL}\n",
			"nag.heads_up_days", `"${NOT_AN_EMAIL}"`, []string{"plain-value-1234"}},
		{"token pasted into a file name variable", edit(t, "token: ${JIRA_API_TOKEN}", "token_file: /run/${TOKEN_IN_PATH_VAR}"),
			"jira.token_file", "/run/${TOKEN_IN_PATH_VAR}", []string{"tok3n-pasted-here"}},
		{"secret value written into a plain key", base + "log:\n  level: slack-s3cr3t-value\n",
			"log.level", `"<secret>"`, []string{slackToken}},
		{"long secret shortened by quote", edit(t, "token: ${JIRA_API_TOKEN}", "token: ${LONG_TOKEN}") + "store:\n  driver: " + long + "\n",
			"store.driver", "<secret>", []string{long, long[:40]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("config.yaml", []byte(tc.doc), env, testFiles)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, h := range tc.hidden {
				if strings.Contains(msg, h) {
					t.Errorf("error holds %q:\n%s", h, msg)
				}
			}
			found := false
			for _, e := range err.(Errors) {
				found = found || e.Path == tc.path && strings.Contains(e.Message, tc.show)
			}
			if !found {
				t.Errorf("no error at %s showing %s:\n%s", tc.path, tc.show, msg)
			}
		})
	}
}

// TestValidateScrubsSecrets checks a hand-built config: a check that
// quotes a value equal to a secret prints <secret>.
func TestValidateScrubsSecrets(t *testing.T) {
	t.Parallel()
	c, err := parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c.Jira.Email = "jira-s3cr3t-value"
	err = c.Validate()
	if err == nil || strings.Contains(err.Error(), "jira-s3cr3t-value") || !strings.Contains(err.Error(), `"<secret>" is not an email`) {
		t.Errorf("err = %v, want the email check to print <secret>", err)
	}
}

// TestPlainHTTP refuses http:// to anything but loopback unless the
// section allows it, and then warns.
func TestPlainHTTP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, old, new string
		err, warn      string // parts of the error at the key, and of the warning
	}{
		{"https", "", "", "", ""},
		{"jira http", "https://acme.atlassian.net", "http://jira.internal.example", "jira.url: http:// would send the token in clear text", ""},
		{"jira http on 127.0.0.1", "https://acme.atlassian.net", "http://127.0.0.1:8080", "", ""},
		{"jira http on 127.8.9.10", "https://acme.atlassian.net", "http://127.8.9.10", "", ""},
		{"jira http on ::1", "https://acme.atlassian.net", "http://[::1]:8080", "", ""},
		{"jira http on localhost", "https://acme.atlassian.net", "http://LocalHost:8080", "", ""},
		{"jira http on a name that only starts like loopback", "https://acme.atlassian.net", "http://127.0.0.1.example.com", "jira.url: http://", ""},
		{"jira http allowed", "url: https://acme.atlassian.net", "url: http://jira.internal.example\n  allow_insecure_http: true", "",
			"jira.url is plain http:// to jira.internal.example"},
		{"slack http", "  fallback_channel:", "  api_url: http://slack-proxy.example/api/\n  fallback_channel:", "slack.api_url: http:// would send the token in clear text", ""},
		{"slack http on loopback", "  fallback_channel:", "  api_url: http://127.0.0.1:9000/api/\n  fallback_channel:", "", ""},
		{"slack http allowed", "  fallback_channel:", "  api_url: http://slack-proxy.example/api/\n  allow_insecure_http: true\n  fallback_channel:", "",
			"slack.api_url is plain http:// to slack-proxy.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := base
			if tc.old != "" {
				doc = edit(t, tc.old, tc.new)
			}
			c, err := parse(doc)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			warnings := strings.Join(c.Warnings(), "\n")
			if tc.warn == "" && warnings != "" || !strings.Contains(warnings, tc.warn) {
				t.Errorf("warnings = %q, want %q", warnings, tc.warn)
			}
		})
	}
}

// TestSecretValuesListsEverySecret: every Secret field of the config is
// scrubbed from errors, not only the Jira and Slack tokens.
func TestSecretValuesListsEverySecret(t *testing.T) {
	t.Parallel()
	var c Config
	c.Jira.Token, c.Slack.Token, c.Slack.AppToken = NewSecret("j-tok"), NewSecret("s-tok"), NewSecret("a-tok")
	c.Store.DSN, c.Webhook.Secret, c.Webhook.Token = NewSecret("dsn-val"), NewSecret("hook-sec"), NewSecret("hook-tok")
	got := strings.Join(c.secretValues(), " ")
	for _, want := range []string{"j-tok", "s-tok", "a-tok", "dsn-val", "hook-sec", "hook-tok"} {
		if !strings.Contains(got, want) {
			t.Errorf("secretValues() = %q, missing %q", got, want)
		}
	}
}
