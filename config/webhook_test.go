package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestWebhookKeys: the endpoint is off by default; once on it needs a
// secret or a long token, each a secret from the environment or a file
// and never printed, and a port of its own.
func TestWebhookKeys(t *testing.T) {
	t.Parallel()
	const (
		secret = "whsec-0123456789-s3cr3t"
		token  = "tok-0123456789abcdef-s3cr3t-0123"
	)
	env := func(name string) (string, bool) {
		switch name {
		case "JIRA_WEBHOOK_SECRET":
			return secret, true
		case "JIRA_WEBHOOK_TOKEN":
			return token, true
		case "SHORT_TOKEN":
			return "short-s3cr3t", true
		}
		return testEnv(name)
	}
	files := func(name string) ([]byte, error) {
		if name == "/run/secrets/jira-webhook" {
			return []byte(secret + "\n"), nil
		}
		return testFiles(name)
	}
	tests := []struct {
		name    string
		webhook string
		want    string // an error's text; "" for none
		warn    string // a warning's text
	}{
		{"off by default", "", "", ""},
		{"a secret from the environment", "webhook:\n  listen: :8443\n  secret: ${JIRA_WEBHOOK_SECRET}\n  window: 500ms\n  max_body: 65536\n  projects: [SEC, OPS_2]\n", "", ""},
		{"a secret from a file", "webhook:\n  listen: 127.0.0.1:8443\n  secret_file: /run/secrets/jira-webhook\n", "", ""},
		{"a Data Center token", "webhook:\n  listen: :8443\n  token: ${JIRA_WEBHOOK_TOKEN}\n", "", ""},
		{"on without a secret or token", "webhook:\n  listen: :8443\n", "webhook.secret: required when webhook.listen is set", ""},
		{"a short token", "webhook:\n  listen: :8443\n  token: ${SHORT_TOKEN}\n", "webhook.token: has 12 characters; use at least 24", ""},
		{"a literal secret", "webhook:\n  listen: :8443\n  secret: " + secret + "\n", "literal secret", ""},
		{"the metrics port", "webhook:\n  listen: 0.0.0.0:8080\n  secret: ${JIRA_WEBHOOK_SECRET}\n", "webhook.listen: must differ from http.listen", ""},
		{"not host:port", "webhook:\n  listen: \"8443\"\n  secret: ${JIRA_WEBHOOK_SECRET}\n", "webhook.listen: expected host:port", ""},
		{"a window too long", "webhook:\n  listen: :8443\n  secret: ${JIRA_WEBHOOK_SECRET}\n  window: 5m\n", "webhook.window: must be between 0s and 1m", ""},
		{"a body limit too small", "webhook:\n  listen: :8443\n  secret: ${JIRA_WEBHOOK_SECRET}\n  max_body: 10\n", "webhook.max_body: must be between", ""},
		{"a project that is JQL", "webhook:\n  listen: :8443\n  secret: ${JIRA_WEBHOOK_SECRET}\n  projects: [\"SEC OR 1=1\"]\n", "webhook.projects[0]: \"SEC OR 1=1\" is not a Jira project key", ""},
		{"a secret with the endpoint off", "webhook:\n  secret: ${JIRA_WEBHOOK_SECRET}\n", "", "webhook.listen is not"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("config.yaml", []byte(base+tc.webhook), env, files)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s := fmt.Sprintf("%+v %v", c, c.Warnings()); strings.Contains(s, "s3cr3t") {
					t.Error("the config prints the webhook's secret or token")
				}
				if w := strings.Join(c.Warnings(), "\n"); tc.warn != "" && !strings.Contains(w, tc.warn) {
					t.Errorf("warnings %q, want %q", w, tc.warn)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}

	c, err := Parse("config.yaml", []byte(base), env, files)
	if err != nil {
		t.Fatal(err)
	}
	if c.Webhook.Enabled() || c.Webhook.Window != 2*time.Second || c.Webhook.MaxBody != 1<<20 {
		t.Errorf("defaults: %+v, want off, 2s, 1 MiB", c.Webhook)
	}
	c, err = Parse("config.yaml", []byte(base+"webhook:\n  listen: :8443\n  secret_file: /run/secrets/jira-webhook\n  window: 250ms\n"), env, files)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Webhook.Enabled() || c.Webhook.Secret.Value() != secret || c.Webhook.Window != 250*time.Millisecond {
		t.Errorf("webhook = %+v (secret from %s), want on, the file's secret, 250ms", c.Webhook, c.Webhook.Secret.Source())
	}
}
