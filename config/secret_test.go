package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestSecretNeverPrints prints a Secret, and a config holding secrets,
// every way a program might, and looks for the values.
func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	c, err := parse(base)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Jira.Token
	if s.Value() != "jira-s3cr3t-value" {
		t.Fatalf("token = %q", s.Value())
	}
	secrets := []string{"jira-s3cr3t-value", "slack-s3cr3t-value"}

	render := map[string]func() string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		render["fmt "+verb+" secret"] = func() string { return fmt.Sprintf(verb, s) }
		render["fmt "+verb+" *secret"] = func() string { return fmt.Sprintf(verb, &s) }
		render["fmt "+verb+" config"] = func() string { return fmt.Sprintf(verb, c) }
		render["fmt "+verb+" jira section"] = func() string { return fmt.Sprintf(verb, c.Jira) }
	}
	render["fmt Sprint"] = func() string { return fmt.Sprint(s, c.Slack) }
	render["json"] = func() string {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	render["yaml"] = func() string {
		b, err := yaml.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	} {
		render["slog "+h.name] = func() string {
			var buf bytes.Buffer
			log := slog.New(h.new(&buf))
			log.Info("loaded", "token", s, "jira", c.Jira, "slack", c.Slack, "config", c)
			log.Info("group", slog.Group("jira", "token", c.Jira.Token))
			return buf.String()
		}
	}
	for name, f := range render {
		t.Run(name, func(t *testing.T) {
			out := f()
			for _, v := range secrets {
				if strings.Contains(out, v) {
					t.Errorf("secret printed: %s", out)
				}
			}
			if !strings.Contains(out, "<secret>") && !strings.Contains(out, `\u003csecret\u003e`) &&
				!strings.Contains(strings.ToLower(out), "3c7365637265743e") {
				t.Errorf("no <secret> marker in %s", out)
			}
		})
	}
}

// TestErrorsNeverHoldSecrets breaks a config around its secrets and checks
// that no error message carries a secret value.
func TestErrorsNeverHoldSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, doc, secret string
	}{
		{"literal secret", edit(t, "${SLACK_BOT_TOKEN}", "xoxb-1111-2222-literal"), "xoxb-1111-2222-literal"},
		{"literal secret in a file key", edit(t, "token: ${JIRA_API_TOKEN}", "token_file: ATATT3xFfGF0literalliteral"), "ATATT3xFfGF0literalliteral"},
		{"wrong type around a set secret", edit(t, "  email:", "  page_size: x\n  email:"), "jira-s3cr3t-value"},
		{"secret shaped value in a plain key", base + "log:\n  level: xoxp-99999999-88888888\n", "xoxp-99999999-88888888"},
		{"password in a URL", edit(t, "https://acme.atlassian.net", "ftp://bot:pa55w0rd@acme.example"), "pa55w0rd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.doc)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error holds the secret:\n%v", err)
			}
		})
	}
}

func TestSecretSources(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		doc        string
		files      map[string]string
		value, src string
	}{
		{"environment", base, nil, "jira-s3cr3t-value", "environment variable JIRA_API_TOKEN"},
		{"file with trailing newline", edit(t, "token: ${JIRA_API_TOKEN}", "token_file: /run/secrets/jira"),
			map[string]string{"/run/secrets/jira": "abc\n"}, "abc", "file /run/secrets/jira"},
		{"file with CRLF", edit(t, "token: ${JIRA_API_TOKEN}", "token_file: /run/secrets/jira"),
			map[string]string{"/run/secrets/jira": "abc\r\n"}, "abc", "file /run/secrets/jira"},
		{"relative file next to the config", edit(t, "token: ${JIRA_API_TOKEN}", "token_file: secrets/jira"),
			map[string]string{"/etc/patchbot/secrets/jira": "rel"}, "rel", "file /etc/patchbot/secrets/jira"},
		{"file name from the environment", edit(t, "token: ${JIRA_API_TOKEN}", "token_file: /run/${SECRET_DIR}/jira"),
			map[string]string{"/run/s/jira": "envdir"}, "envdir", "file /run/s/jira"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func(name string) ([]byte, error) {
				if v, ok := tc.files[name]; ok {
					return []byte(v), nil
				}
				return nil, errors.New("no such file")
			}
			env := func(k string) (string, bool) {
				if k == "SECRET_DIR" {
					return "s", true
				}
				return testEnv(k)
			}
			c, err := Parse("/etc/patchbot/config.yaml", []byte(tc.doc), env, read)
			if err != nil {
				t.Fatal(err)
			}
			if c.Jira.Token.Value() != tc.value || c.Jira.Token.Source() != tc.src {
				t.Errorf("got %q from %q, want %q from %q", c.Jira.Token.Value(), c.Jira.Token.Source(), tc.value, tc.src)
			}
		})
	}
}
