// Package jira is patchbot's Jira connector: it reads patch tickets into the
// handoff core's types (Scan) and keeps the bot's one living comment, label
// and state property on each ticket in line with the core's checklist
// (Apply). It speaks to Jira Cloud (email + API token, /rest/api/2/search/jql,
// comments in ADF through /rest/api/3) and to Jira Data Center (personal
// access token, /rest/api/2/search, comments in wiki markup), through
// github.com/andygrunwald/go-jira and a polite transport that honours rate
// limits and retries what is safe to retry.
//
// It owns the translation between Jira's JSON and handoff values, paging,
// and Jira's failure modes. It decides nothing about what to say: the texts
// come rendered by the core, the decisions from the scheduler.
package jira

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/patchbot/patchbot/connectors/internal/clock"
	"github.com/patchbot/patchbot/handoff"
)

// Deployment is the kind of Jira site.
type Deployment string

// The deployments. DeploymentAuto detects the site's kind from
// /rest/api/2/serverInfo (deploymentType).
const (
	DeploymentAuto       Deployment = ""
	DeploymentCloud      Deployment = "cloud"
	DeploymentDataCenter Deployment = "datacenter"
)

// Project is one watched scope.
type Project struct {
	// Name is the config's name for the scope; ScanRequest.Project uses it.
	Name string
	// JQL selects the scope's tickets, e.g. `project = SEC AND labels = patch`.
	JQL string
	// Fields maps a handoff field to a Jira field as a person sees it
	// ("Rollback Plan") or a field id ("duedate", "customfield_10042").
	Fields map[handoff.FieldID]string
	// UseDescription asks for the description, to read the copy template
	// pasted there; without it the description is not fetched.
	UseDescription bool
}

// Options configures a Client. Secrets (Token, PAT) never appear in
// String(), errors or logs.
type Options struct {
	// BaseURL is the site, e.g. https://example.atlassian.net.
	BaseURL string
	// Deployment forces Cloud or Data Center; empty detects it.
	Deployment Deployment
	// Email and Token are Cloud basic-auth credentials (API token).
	Email string
	Token string
	// PAT is a Data Center personal access token (bearer).
	PAT string
	// Projects are the watched scopes.
	Projects []Project
	// PageSize is the search page size asked for (default 100 on Cloud,
	// 1000 on Data Center; the server may answer fewer).
	PageSize int
	// ResultWindow is how far Data Center lets startAt go (default 10000);
	// larger scopes are continued with a key range.
	ResultWindow int
	// RequestsPerSecond caps requests through one shared limiter
	// (default 10; negative = unlimited).
	RequestsPerSecond float64
	// MaxRetries bounds retries of one request (default 4; negative = 0).
	MaxRetries int
	// Label is kept on tickets with findings; empty turns it off.
	Label string
	// PropertyKey is the entity property holding the bot's trail
	// (default "patchbot").
	PropertyKey string
	// RightsTTL is how long what the bot may do in a project (its
	// permissions and edit screens) is trusted before it is read again
	// (default 1 hour); refusals in between update it at once.
	RightsTTL time.Duration
	// Overlap is subtracted from ScanRequest.UpdatedSince to cover clock
	// skew and Cloud's eventually consistent search (default 1 minute).
	Overlap time.Duration
	// Logger receives warnings (unknown field shapes, retries); default
	// discards.
	Logger *slog.Logger
	// HTTPClient is the base client (default http.DefaultClient's
	// transport with a 60 s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits between retries (default a timer honouring ctx); tests
	// replace it to measure waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// String describes the options without secrets.
func (o Options) String() string {
	secret := func(s string) string {
		if s == "" {
			return `""`
		}
		return "<secret>"
	}
	return fmt.Sprintf("jira.Options{BaseURL:%q Deployment:%q Email:%q Token:%s PAT:%s Projects:%d PageSize:%d RequestsPerSecond:%g MaxRetries:%d Label:%q PropertyKey:%q}",
		o.BaseURL, o.Deployment, o.Email, secret(o.Token), secret(o.PAT), len(o.Projects), o.PageSize, o.RequestsPerSecond, o.MaxRetries, o.Label, o.PropertyKey)
}

// GoString is String, so %#v does not print secrets either.
func (o Options) GoString() string { return o.String() }

func (o Options) withDefaults() Options {
	if o.RequestsPerSecond == 0 {
		o.RequestsPerSecond = 10
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.PropertyKey == "" {
		o.PropertyKey = "patchbot"
	}
	if o.Overlap == 0 {
		o.Overlap = time.Minute
	}
	if o.RightsTTL == 0 {
		o.RightsTTL = time.Hour
	}
	if o.ResultWindow == 0 {
		o.ResultWindow = 10000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = clock.Sleep
	}
	return o
}

// FieldInfo is one Jira field, for `patchbot fields`.
type FieldInfo struct {
	ID     string
	Name   string
	Custom bool
	// Type is the schema type (string, date, user, array, option...);
	// Items the element type of arrays; CustomType the plugin type key.
	Type       string
	Items      string
	CustomType string
	// ClauseNames are the names JQL accepts for the field.
	ClauseNames []string
}
