package config

import (
	"net"
	"regexp"
	"strconv"
	"time"
)

// Webhook is the optional endpoint for Jira webhooks (POST /webhooks/jira):
// a ticket Jira says changed is synced within seconds instead of at the
// next scheduled sync. It is on when Listen is set.
type Webhook struct {
	// Listen is the address the endpoint listens on, e.g. ":8443"; empty
	// turns it off. It must differ from http.listen: this port is the one
	// reachable from Jira, /metrics and the probes stay on theirs.
	Listen string `yaml:"listen"`
	// Secret is the webhook's secret (Jira Cloud, and Data Center versions
	// that have one): each delivery must carry its HMAC-SHA256 in
	// X-Hub-Signature. secret: ${JIRA_WEBHOOK_SECRET} or secret_file.
	Secret Secret `yaml:"secret"`
	// Token is, for Data Center versions without a secret, a long random
	// string the webhook's URL carries (/webhooks/jira/<token>); at least
	// 24 characters. token: ${JIRA_WEBHOOK_TOKEN} or token_file. With
	// both set, a delivery needs both.
	Token Secret `yaml:"token"`
	// Window gathers the events for one ticket into one targeted sync
	// (default 2s).
	Window time.Duration `yaml:"window"`
	// MaxBody is the largest delivery accepted, in bytes (default 1 MiB);
	// larger ones are answered 413.
	MaxBody int `yaml:"max_body"`
	// Projects, when set, are the Jira project keys whose events are
	// looked at; others are dropped before any Jira search. The projects'
	// JQL is checked anyway, so this only saves work.
	Projects []string `yaml:"projects"`
}

// Enabled reports whether the endpoint is on.
func (w Webhook) Enabled() bool { return w.Listen != "" }

// The limits of the webhook settings.
const (
	// MinWebhookToken is the shortest URL token accepted: it is the only
	// proof of origin a Data Center webhook without a secret has.
	MinWebhookToken = 24
	minWebhookBody  = 1 << 10
	maxWebhookBody  = 64 << 20
)

var jiraProjectKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func (v *validator) webhook() {
	w := v.c.Webhook
	if !w.Enabled() {
		if w.Secret.IsSet() || w.Token.IsSet() {
			v.warnings = append(v.warnings, "webhook: a secret or token is set but webhook.listen is not, so the Jira webhook endpoint is off")
		}
		return
	}
	host, port, err := net.SplitHostPort(w.Listen)
	n, perr := strconv.Atoi(port)
	switch {
	case err != nil:
		v.errorf("webhook.listen", "expected host:port such as :8443, got %s", quote(w.Listen))
	case perr != nil || n < 0 || n > 65535:
		v.errorf("webhook.listen", "bad port %s", quote(port))
	case n != 0 && sameListener(host, port, v.c.HTTP.Listen):
		v.errorf("webhook.listen", "must differ from http.listen (%s): the webhook port is the one Jira reaches, /metrics and the probes stay on theirs", v.c.HTTP.Listen)
	}
	if !w.Secret.IsSet() && !w.Token.IsSet() {
		v.errorf("webhook.secret", "required when webhook.listen is set: secret: ${JIRA_WEBHOOK_SECRET} or secret_file: /run/secrets/jira-webhook (the secret entered in Jira's webhook); on Data Center without a secret, token: ${JIRA_WEBHOOK_TOKEN} instead")
	}
	if w.Token.IsSet() && len(w.Token.Value()) < MinWebhookToken {
		v.errorf("webhook.token", "has %d characters; use at least %d random ones (e.g. openssl rand -hex 32)", len(w.Token.Value()), MinWebhookToken)
	}
	if w.Window < 0 || w.Window > time.Minute {
		v.errorf("webhook.window", "must be between 0s and 1m, got %s", w.Window)
	}
	if w.MaxBody < minWebhookBody || w.MaxBody > maxWebhookBody {
		v.errorf("webhook.max_body", "must be between %d (1 KiB) and %d (64 MiB) bytes, got %d", minWebhookBody, maxWebhookBody, w.MaxBody)
	}
	for i, p := range w.Projects {
		if !jiraProjectKey.MatchString(p) {
			v.errorf(Path("webhook", "projects", i), "%s is not a Jira project key (letters, digits, underscores, starting with a letter)", quote(p))
		}
	}
}

// sameListener reports whether host:port would take the port addr takes.
func sameListener(host, port, addr string) bool {
	h, p, err := net.SplitHostPort(addr)
	if err != nil || p != port {
		return false
	}
	any := func(s string) bool { return s == "" || s == "0.0.0.0" || s == "::" }
	return h == host || any(h) || any(host)
}
