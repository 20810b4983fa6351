package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Validate checks the whole config and returns every problem as Errors,
// placed at its key's line when the config came from a file. Parse and
// Load call it; call it yourself after building or changing a Config in
// code (the demo).
//
// No message holds a secret's value, nor the value of a key written with
// ${VAR}: such a key's value is shown as the reference.
func (c *Config) Validate() error {
	return redact(c.validate(nil), c.refs, c.secretValues()).err()
}

// Warnings lists what the last validation accepted but an operator should
// know about (plain http:// allowed by allow_insecure_http), for the
// daemon to log at start. It is empty for a config that was not validated.
func (c *Config) Warnings() []string { return slices.Clone(c.warnings) }

// validate runs every check and sets c.warnings; failed holds the key
// paths whose decoding already failed, whose defaults must not draw a
// second complaint.
func (c *Config) validate(failed map[string]bool) Errors {
	v := &validator{c: c, failed: failed}
	v.jira()
	v.slack()
	v.projects()
	v.policy("policy", c.GlobalPolicy)
	v.wording()
	v.schedules()
	v.nag()
	v.safety()
	v.service()
	v.feeds()
	v.status() // status.go
	v.webhook()
	v.interact()
	c.warnings = v.warnings
	return v.errs
}

// Pos returns where a key path sits in the file: the key itself, or the
// nearest enclosing key when it was not written (a missing required key is
// reported at its section). It is the zero Pos for a hand-built Config.
func (c *Config) Pos(path string) Pos {
	for {
		if p, ok := c.pos[path]; ok {
			return p
		}
		up, ok := parent(path)
		if !ok {
			return Pos{}
		}
		path = up
	}
}

// File is the name the config was loaded from; empty for a hand-built one.
func (c *Config) File() string { return c.file }

// Errorf builds an Error at a key path, with the key's file and line, for
// checks made outside this package (the online check of Jira field names):
//
//	errs = append(errs, cfg.Errorf(config.Path("projects", i, "fields", id), "Jira has no field %q", name))
func (c *Config) Errorf(path, format string, args ...any) *Error {
	return &Error{File: c.file, Line: c.Pos(path).Line, Path: path, Message: fmt.Sprintf(format, args...)}
}

type validator struct {
	c        *Config
	errs     Errors
	warnings []string
	failed   map[string]bool
}

// errorf reports a problem, unless decoding the key already failed: the
// key then holds its default, and the decoding error says what is wrong.
func (v *validator) errorf(path, format string, args ...any) {
	if v.failed[path] {
		return
	}
	v.errs = append(v.errs, v.c.Errorf(path, format, args...))
}

var (
	channelName = regexp.MustCompile(`^#[a-z0-9][a-z0-9._-]{0,79}$`)
	channelID   = regexp.MustCompile(`^[CGD][A-Z0-9]{8,}$`)
	slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{8,}$`)
	clock       = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// channel checks a channel reference; empty passes (required is checked
// apart).
func (v *validator) channel(path, s string) {
	if s != "" && !channelName.MatchString(s) && !channelID.MatchString(s) {
		v.errorf(path, "%s is not a channel: write \"#name\" (lowercase) or a channel id such as C0123456789", quote(s))
	}
}

// slackUser checks a Slack user reference: a user id or an email.
func (v *validator) slackUser(path, s string) {
	if !slackUserID.MatchString(s) && !isEmail(s) {
		v.errorf(path, "%s is not a Slack user: write a user id such as U0123456789 or an email", quote(s))
	}
}

// httpURL checks an absolute https URL without credentials. Plain http
// is refused, since the token would travel in clear text, except on a
// loopback host (the demo, tests, a local proxy) or when the section's
// allow_insecure_http says so, which draws a warning.
func (v *validator) httpURL(path, s string, allowInsecure bool) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		v.errorf(path, "not a URL: %v", urlErr(err))
	case u.Scheme != "http" && u.Scheme != "https":
		v.errorf(path, "URL must start with https://, got %s", quote(u.Redacted()))
	case u.Host == "":
		v.errorf(path, "URL has no host: %s", quote(u.Redacted()))
	case u.User != nil:
		v.errorf(path, "URL holds credentials: put them in the token key, not the URL")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		section, _ := parent(path)
		if !allowInsecure {
			v.errorf(path, "http:// would send the token in clear text: use https://, or set %s.allow_insecure_http: true if the network in between is trusted", section)
			return
		}
		v.warnings = append(v.warnings, fmt.Sprintf("%s is plain http:// to %s: the token travels in clear text (%s.allow_insecure_http is true)", path, u.Host, section))
	}
}

// isLoopback reports a host that never leaves the machine: localhost,
// 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// urlErr drops the URL from url.Parse's error, since it may hold a
// password.
func urlErr(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func (v *validator) positive(path string, n, max int) {
	if n < 1 || n > max {
		v.errorf(path, "must be between 1 and %d, got %d", max, n)
	}
}

func (v *validator) jira() {
	j := v.c.Jira
	if j.URL == "" {
		v.errorf("jira.url", "required: the Jira site, e.g. https://example.atlassian.net")
	} else {
		v.httpURL("jira.url", j.URL, j.AllowInsecureHTTP)
	}
	switch j.Deployment {
	case DeploymentAuto, DeploymentCloud, DeploymentDataCenter:
	default:
		v.errorf("jira.deployment", "must be cloud, datacenter or auto, got %s%s", quote(j.Deployment),
			didYouMean(j.Deployment, []string{DeploymentAuto, DeploymentCloud, DeploymentDataCenter}))
	}
	if j.Email != "" && !isEmail(j.Email) {
		v.errorf("jira.email", "%s is not an email address", quote(j.Email))
	}
	if j.Deployment == DeploymentCloud && j.Email == "" {
		v.errorf("jira.email", "required on Jira Cloud: the account the API token belongs to")
	}
	if j.Deployment == DeploymentDataCenter && j.Email != "" {
		v.errorf("jira.email", "not used on Data Center, where the token is a personal access token: remove it")
	}
	if !j.Token.IsSet() {
		v.errorf("jira.token", "required: token: ${JIRA_API_TOKEN} or token_file: /run/secrets/jira")
	}
	v.positive("jira.page_size", j.PageSize, 1000)
	if j.RequestsPerSecond <= 0 || j.RequestsPerSecond > 1000 {
		v.errorf("jira.requests_per_second", "must be above 0 and at most 1000, got %g", j.RequestsPerSecond)
	}
	if j.MaxRetries < 0 || j.MaxRetries > 10 {
		v.errorf("jira.max_retries", "must be between 0 and 10, got %d", j.MaxRetries)
	}
	if strings.ContainsAny(j.Label, " \t\r\n") {
		v.errorf("jira.label", "a Jira label cannot contain spaces: %s", quote(j.Label))
	}
	if j.PropertyKey == "" || len(j.PropertyKey) > 255 {
		v.errorf("jira.property_key", "must be 1 to 255 characters")
	}
	if j.Timeout <= 0 {
		v.errorf("jira.timeout", "must be positive, got %s", j.Timeout)
	}
}

func (v *validator) slack() {
	s := v.c.Slack
	if !s.Token.IsSet() {
		v.errorf("slack.token", "required: token: ${SLACK_BOT_TOKEN} or token_file: /run/secrets/slack")
	}
	if s.APIURL != "" {
		v.httpURL("slack.api_url", s.APIURL, s.AllowInsecureHTTP)
	}
	if s.FallbackChannel == "" {
		v.errorf("slack.fallback_channel", "required: the channel that gets what cannot reach its owner")
	}
	v.channel("slack.fallback_channel", s.FallbackChannel)
	v.channel("slack.escalation_channel", s.EscalationChannel)
	v.channel("slack.digest_channel", s.DigestChannel)
	for _, k := range sortedKeys(s.OwnerMap) {
		v.slackUser(Path("slack", "owner_map", k), s.OwnerMap[k])
	}
	if s.LookupTTL <= 0 {
		v.errorf("slack.lookup_ttl", "must be positive, got %s", s.LookupTTL)
	}
	if s.PerChannelInterval < 0 {
		v.errorf("slack.per_channel_interval", "must not be negative, got %s", s.PerChannelInterval)
	}
	r := s.Routing
	v.channel("slack.routing.default", r.Default)
	v.laneChannels("slack.routing.lanes", r.Lanes)
	names := make([]string, len(v.c.Projects))
	for i, p := range v.c.Projects {
		names[i] = p.Name
	}
	for _, name := range sortedKeys(r.Projects) {
		path := Path("slack", "routing", "projects", name)
		if !slices.Contains(names, name) {
			v.errorf(path, "no project named %s%s", quote(name), didYouMean(name, names))
		}
		v.channel(join(path, "channel"), r.Projects[name].Channel)
		v.laneChannels(join(path, "lanes"), r.Projects[name].Lanes)
	}
}

func (v *validator) laneChannels(path string, m map[string]string) {
	for _, lane := range sortedKeys(m) {
		v.lane(join(path, lane), lane, false)
		v.channel(join(path, lane), m[lane])
	}
}

func (v *validator) projects() {
	ps := v.c.Projects
	if len(ps) == 0 {
		v.errorf("projects", "at least one project is required")
	}
	first := map[string]int{}
	for i, p := range ps {
		path := Path("projects", i)
		if strings.TrimSpace(p.Name) == "" {
			v.errorf(join(path, "name"), "required: the project's name")
		} else if j, dup := first[p.Name]; dup {
			v.errorf(join(path, "name"), "duplicate project name %s (first at projects[%d], line %d)",
				quote(p.Name), j, v.c.Pos(Path("projects", j, "name")).Line)
		} else {
			first[p.Name] = i
		}
		switch {
		case strings.TrimSpace(p.JQL) == "":
			v.errorf(join(path, "jql"), "required: the JQL that selects the project's patch tickets")
		case orderBy.MatchString(p.JQL):
			v.errorf(join(path, "jql"), "remove ORDER BY: patchbot adds its own update filter and order to the JQL")
		}
		for _, id := range sortedKeys(p.Fields) {
			fpath := sub(path, "fields", string(id))
			v.field(fpath, id)
			if strings.TrimSpace(p.Fields[id]) == "" {
				v.errorf(fpath, "empty Jira field name: remove the key or name the field as Jira shows it")
			}
		}
		if len(p.Fields) == 0 && !p.UseDescription && !v.failed[join(path, "use_description")] {
			v.errorf(join(path, "fields"), "project reads nothing: map Jira fields under fields, or set use_description: true")
		}
		v.policy(join(path, "policy"), p.Policy)
		if p.EscalateTo != "" && !channelName.MatchString(p.EscalateTo) && !channelID.MatchString(p.EscalateTo) &&
			!slackUserID.MatchString(p.EscalateTo) && !isEmail(p.EscalateTo) {
			v.errorf(join(path, "escalate_to"), "%s is neither a channel (#name, C…) nor a Slack user (U…, email)", quote(p.EscalateTo))
		}
		for _, k := range sortedKeys(p.Managers) {
			v.slackUser(sub(path, "managers", k), p.Managers[k])
		}
	}
}

var orderBy = regexp.MustCompile(`(?i)\border\s+by\b`)

func (v *validator) schedules() {
	s := v.c.Schedules
	loc, err := s.Location()
	if err != nil {
		v.errorf("schedules.timezone", "%v", err)
		loc = time.UTC // still check the specs
	}
	for _, j := range []struct{ key, spec string }{
		{JobSync, s.Sync}, {JobFullSync, s.FullSync}, {JobNag, s.Nag}, {JobDigest, s.Digest},
	} {
		if _, _, err := parseSpec(j.spec, loc); err != nil {
			v.errorf("schedules."+j.key, "%v", err)
		}
	}
}

func (v *validator) nag() {
	n := v.c.Nag
	if n.HeadsUpDays < 0 || n.HeadsUpDays > 90 {
		v.errorf("nag.heads_up_days", "must be between 0 and 90, got %d", n.HeadsUpDays)
	}
	for i, d := range n.Backoff {
		if d < 1 || d > 365 {
			v.errorf(Path("nag", "backoff", i), "must be between 1 and 365 days, got %d", d)
		}
	}
	v.positive("nag.then_every_days", n.ThenEveryDays, 365)
	if n.EscalateAfter < 0 {
		v.errorf("nag.escalate_after", "must not be negative (0 never escalates), got %d", n.EscalateAfter)
	}
	v.quietHours("nag.quiet_hours", n.QuietHours)
	for _, k := range sortedKeys(n.OwnerQuietHours) {
		q := n.OwnerQuietHours[k]
		path := Path("nag", "owner_quiet_hours", k)
		if q.Start == "" && q.End == "" {
			v.errorf(path, "set start and end")
		}
		v.quietHours(path, q)
	}
}

func (v *validator) quietHours(path string, q QuietHours) {
	if q.Start == "" && q.End == "" {
		if q.Timezone != "" {
			v.errorf(join(path, "timezone"), "a time zone without start and end does nothing")
		}
		return
	}
	for _, t := range []struct{ key, val string }{{"start", q.Start}, {"end", q.End}} {
		if !clock.MatchString(t.val) {
			v.errorf(join(path, t.key), "expected a time of day as HH:MM (24-hour), got %s", quote(t.val))
		}
	}
	if q.Start == q.End {
		v.errorf(join(path, "end"), "start and end are equal: the window would be empty")
	}
	if q.Timezone != "" {
		if _, err := loadZone(q.Timezone); err != nil {
			v.errorf(join(path, "timezone"), "%v", err)
		}
	}
}

func (v *validator) safety() {
	v.positive("safety.max_writes_per_cycle", v.c.Safety.MaxWritesPerCycle, 100000)
}

func (v *validator) service() {
	c := v.c
	v.store()
	if _, port, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		v.errorf("http.listen", "expected host:port such as :8080, got %s", quote(c.HTTP.Listen))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.errorf("http.listen", "bad port %s", quote(port))
	}
	levels := []string{"debug", "info", "warn", "error"}
	if !slices.Contains(levels, c.Log.Level) {
		v.errorf("log.level", "must be debug, info, warn or error, got %s%s", quote(c.Log.Level), didYouMean(c.Log.Level, levels))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		v.errorf("log.format", "must be text or json, got %s", quote(c.Log.Format))
	}
}

// sortedKeys lists a map's keys in order, so errors come out stable.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
