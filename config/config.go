package config

import (
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// Config is the whole configuration file. The yaml tags are the file's
// keys; a Secret field also accepts its "<key>_file" twin.
type Config struct {
	Jira     Jira      `yaml:"jira"`
	Slack    Slack     `yaml:"slack"`
	Projects []Project `yaml:"projects"`
	// GlobalPolicy applies to every project; Config.Policy gives one
	// project's effective policy.
	GlobalPolicy Policy    `yaml:"policy"`
	Wording      Wording   `yaml:"wording"`
	Schedules    Schedules `yaml:"schedules"`
	Nag          Nag       `yaml:"nag"`
	Safety       Safety    `yaml:"safety"`
	Store        Store     `yaml:"store"`
	HTTP         HTTP      `yaml:"http"`
	Log          Log       `yaml:"log"`
	// Feeds are the public vulnerability feeds, KEV and EPSS (feeds.go).
	Feeds Feeds `yaml:"feeds"`
	// Status is the status page (status.go).
	Status Status `yaml:"status"`
	// Webhook is the optional Jira webhook endpoint (webhook.go).
	Webhook Webhook `yaml:"webhook"`
	// Interact is who may answer from Slack, and the snooze bounds
	// (interact.go).
	Interact Interact `yaml:"interact"`

	// file and pos place errors; both are empty for a hand-built Config.
	file string
	pos  map[string]Pos
	// refs are the values written with ${VAR}, by key path, so that
	// errors show the reference (see redact).
	refs map[string]ref
	// warnings are set by validation (see Warnings).
	warnings []string
}

// The Jira deployment kinds.
const (
	DeploymentAuto       = "auto"
	DeploymentCloud      = "cloud"
	DeploymentDataCenter = "datacenter"
)

// Jira is how to reach the Jira site.
type Jira struct {
	// URL is the site's base URL, e.g. https://example.atlassian.net.
	URL string `yaml:"url"`
	// Deployment is cloud, datacenter or auto (ask serverInfo).
	Deployment string `yaml:"deployment"`
	// Email is the Cloud account for basic auth; empty on Data Center,
	// where Token is a personal access token sent as a bearer token.
	Email string `yaml:"email"`
	// Token is the Cloud API token or the Data Center PAT.
	Token Secret `yaml:"token"`
	// PageSize is how many issues to ask for per search page.
	PageSize int `yaml:"page_size"`
	// RequestsPerSecond caps requests to Jira across the whole daemon.
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// MaxRetries bounds retries of one request (429, 5xx, network).
	MaxRetries int `yaml:"max_retries"`
	// Label is added to tickets with an incomplete handoff and removed
	// when it is complete; empty disables the label.
	Label string `yaml:"label"`
	// PropertyKey is the issue entity property holding the bot's state.
	PropertyKey string `yaml:"property_key"`
	// Timeout bounds one HTTP request.
	Timeout time.Duration `yaml:"timeout"`
	// AllowInsecureHTTP accepts an http:// URL on a host other than
	// loopback, which sends the token in clear text; the daemon logs a
	// warning at start. Loopback (localhost, 127.0.0.0/8, ::1) needs no
	// permission.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http"`
}

// Slack is how to reach Slack and where messages go.
type Slack struct {
	// Token is the bot token (xoxb-…).
	Token Secret `yaml:"token"`
	// AppToken is the app-level token (xapp-…, scope connections:write)
	// that opens Socket Mode, so people can answer from Slack (interact.go);
	// without it there are no buttons.
	AppToken Secret `yaml:"app_token"`
	// APIURL overrides Slack's Web API base URL (tests, the demo); empty
	// means https://slack.com/api/. It always ends in "/" once loaded.
	APIURL string `yaml:"api_url"`
	// FallbackChannel gets what cannot reach its owner, naming the owner.
	FallbackChannel string `yaml:"fallback_channel"`
	// EscalationChannel gets escalations for owners without a manager;
	// empty means the fallback channel.
	EscalationChannel string `yaml:"escalation_channel"`
	// DigestChannel gets the weekly overdue digest; empty means the
	// routing default, else the fallback channel (filled in on load).
	DigestChannel string `yaml:"digest_channel"`
	// OwnerMap maps a Jira account id, user name or email to a Slack user
	// id or email, for owners whose email Jira hides.
	OwnerMap map[string]string `yaml:"owner_map"`
	// LookupTTL is how long a users.lookupByEmail answer is cached.
	LookupTTL time.Duration `yaml:"lookup_ttl"`
	// PerChannelInterval paces posts to one channel.
	PerChannelInterval time.Duration `yaml:"per_channel_interval"`
	// Routing says which channel gets each validation request.
	Routing Routing `yaml:"routing"`
	// AllowInsecureHTTP accepts an http:// api_url on a host other than
	// loopback (the token then travels in clear text); the daemon logs a
	// warning at start.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http"`
}

// Routing picks the channel for a validation request. The first that is
// set wins: the project's lane channel, the project's channel, the lane
// channel, the default, the fallback channel.
type Routing struct {
	// Default is the channel when nothing more specific is set.
	Default string `yaml:"default"`
	// Lanes maps a lane (or "blocked", "closure") to a channel.
	Lanes map[string]string `yaml:"lanes"`
	// Projects maps a project name to its routing.
	Projects map[string]ProjectRoute `yaml:"projects"`
}

// ProjectRoute is one project's routing.
type ProjectRoute struct {
	// Channel is the project's channel.
	Channel string `yaml:"channel"`
	// Lanes maps a lane to a channel for this project only.
	Lanes map[string]string `yaml:"lanes"`
}

// Project is one JQL scope with its own field mapping and policy.
type Project struct {
	// Name identifies the project in routing, logs and the ledger.
	Name string `yaml:"name"`
	// JQL selects the project's patch tickets.
	JQL string `yaml:"jql"`
	// Fields maps a handoff field to the Jira field holding it, by the
	// name a person sees in Jira ("Rollback Plan") or a system field id
	// (fixVersions, duedate, assignee).
	Fields map[handoff.FieldID]string `yaml:"fields"`
	// UseDescription reads fields the mapping lacks from the copy
	// template pasted into the description.
	UseDescription bool `yaml:"use_description"`
	// Policy overrides the global policy for this project.
	Policy Policy `yaml:"policy"`
	// EscalateTo receives this project's escalations when an owner has no
	// manager: a channel (#name or id), a Slack user id or an email.
	EscalateTo string `yaml:"escalate_to"`
	// Managers maps an owner (Jira account id, user name or email) to the
	// manager escalations go to (a Slack user id or email).
	Managers map[string]string `yaml:"managers"`
}

// Policy is a set of per-lane overrides of the seeds' default policy.
type Policy struct {
	// Lanes maps a lane (or "blocked", "closure", or "*" for every lane)
	// to its override.
	Lanes map[string]LaneOverride `yaml:"lanes"`
}

// LaneOverride changes what one lane requires.
type LaneOverride struct {
	// Require adds fields to the lane's minimum.
	Require []handoff.FieldID `yaml:"require"`
	// Drop removes fields from the lane's minimum.
	Drop []handoff.FieldID `yaml:"drop"`
	// Prompts replaces how a field is asked for.
	Prompts map[handoff.FieldID]string `yaml:"prompts"`
}

// Wording replaces entries of the bot's wording (handoff.DefaultWording),
// key by key.
type Wording map[string]string

// Schedules are the jobs' cron specs (standard five fields, descriptors
// such as @hourly, an optional CRON_TZ= or TZ= prefix) and the time zone
// they run in when the spec names none.
type Schedules struct {
	// Sync is the incremental sync.
	Sync string `yaml:"sync"`
	// FullSync is the full reconcile of every scope.
	FullSync string `yaml:"full_sync"`
	// Nag is the reminder run.
	Nag string `yaml:"nag"`
	// Digest is the weekly digest.
	Digest string `yaml:"digest"`
	// Timezone is an IANA zone name, e.g. Europe/Berlin. It is also the
	// zone dates are read in and quiet hours are kept in.
	Timezone string `yaml:"timezone"`
}

// Nag is the reminder cadence.
type Nag struct {
	// HeadsUpDays warns owners this many days before a review date,
	// deadline or expiry; 0 disables heads-ups. Config.Policy carries it
	// into the core's policy.
	HeadsUpDays int `yaml:"heads_up_days"`
	// Backoff lists the days between reminders about an overdue item.
	Backoff []int `yaml:"backoff"`
	// ThenEveryDays repeats reminders at this interval once Backoff is
	// used up, so long-overdue items never go quiet.
	ThenEveryDays int `yaml:"then_every_days"`
	// EscalateAfter escalates an item after this many reminders; 0 never
	// escalates.
	EscalateAfter int `yaml:"escalate_after"`
	// QuietHours is when no DM is sent, in the schedules' time zone.
	QuietHours QuietHours `yaml:"quiet_hours"`
	// OwnerQuietHours overrides QuietHours per owner (Jira account id,
	// user name or email, as in slack.owner_map).
	OwnerQuietHours map[string]QuietHours `yaml:"owner_quiet_hours"`
	// PersonalDigest also sends each owner their share of the digest.
	PersonalDigest bool `yaml:"personal_digest"`
}

// QuietHours is a daily window, "HH:MM" to "HH:MM", that may wrap past
// midnight. Both empty means no quiet hours.
type QuietHours struct {
	Start string `yaml:"start"`
	End   string `yaml:"end"`
	// Timezone is the owner's zone; empty means the schedules' zone.
	Timezone string `yaml:"timezone"`
}

// Safety holds the first-run brakes.
type Safety struct {
	// DryRun logs what would be posted and posts nothing.
	DryRun bool `yaml:"dry_run"`
	// MaxWritesPerCycle caps comments, edits and messages in one cycle.
	MaxWritesPerCycle int `yaml:"max_writes_per_cycle"`
	// Since is the backlog cut-off: tickets created before it are listed
	// in a one-time backlog summary instead of being commented on. Zero
	// means no cut-off. A bare date (2026-01-31) is midnight UTC; write
	// RFC 3339 (2026-01-31T00:00:00+01:00) for another offset.
	Since time.Time `yaml:"since"`
}

// HTTP is the health and metrics server.
type HTTP struct {
	// Listen is the address to listen on, e.g. ":8080".
	Listen string `yaml:"listen"`
}

// Log is how the daemon logs.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text or json.
	Format string `yaml:"format"`
}

// Default returns a Config with every default set and no projects, Jira
// URL or tokens: the demo and tests fill those in and call Validate.
func Default() *Config {
	return &Config{
		Jira: Jira{
			Deployment:        DeploymentAuto,
			PageSize:          100,
			RequestsPerSecond: 10,
			MaxRetries:        4,
			Label:             "handoff-incomplete",
			PropertyKey:       "patchbot",
			Timeout:           30 * time.Second,
		},
		Slack: Slack{
			LookupTTL:          24 * time.Hour,
			PerChannelInterval: time.Second,
		},
		Schedules: Schedules{
			Sync:     "*/5 * * * *",
			FullSync: "0 * * * *",
			Nag:      "0 9 * * 1-5",
			Digest:   "0 9 * * 1",
			Timezone: "UTC",
		},
		Nag: Nag{
			HeadsUpDays:   3,
			Backoff:       []int{1, 2, 4, 7},
			ThenEveryDays: 7,
			EscalateAfter: 3,
		},
		Safety: Safety{MaxWritesPerCycle: 50},
		Store:  Store{Driver: "sqlite", Path: "patchbot.db"},
		HTTP:   HTTP{Listen: ":8080"},
		Log:    Log{Level: "info", Format: "text"},
		Feeds:  defaultFeeds(), // feeds.go
		// The status page is off, and loopback-only when on (status.go).
		Status: Status{Listen: DefaultStatusListen},

		// The webhook endpoint is off until webhook.listen is set.
		Webhook: Webhook{Window: 2 * time.Second, MaxBody: 1 << 20},
	}
}
