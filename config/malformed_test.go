package config

import (
	"strings"
	"testing"
)

// TestMalformedConfigs is the table of broken configs: each must fail
// with exactly these errors, at these lines and key paths.
func TestMalformedConfigs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		doc  func(t *testing.T) string
		want []want
	}{
		{"YAML syntax", func(*testing.T) string { return base + "schedules:\n  nag: 0 9: * * *\n" },
			[]want{{13, "", "YAML syntax: mapping values are not allowed in this context"}}},
		{"YAML syntax: unclosed flow list", func(*testing.T) string { return base + "schedules:\n  nag: [0 9\n" },
			// yaml.v3 places this one at the enclosing key.
			[]want{{12, "", "YAML syntax: did not find expected ',' or ']'"}}},
		{"tab indentation", func(*testing.T) string { return base + "log:\n\tlevel: debug\n" },
			[]want{{13, "", "YAML syntax"}}},
		{"empty file", func(*testing.T) string { return "" },
			[]want{{0, "", "the config is empty"}}},
		{"two documents", func(*testing.T) string { return base + "---\nlog: {level: info}\n" },
			[]want{{12, "", "more than one YAML document"}}},
		{"not a mapping", func(*testing.T) string { return "- jira\n" },
			[]want{{1, "", "expected a mapping of sections"}}},
		{"wrong type: word for a number", func(t *testing.T) string { return edit(t, "  email:", "  page_size: lots\n  email:") },
			[]want{{3, "jira.page_size", `expected a whole number, got "lots"`}}},
		{"wrong type: list for a string", func(t *testing.T) string { return edit(t, "    jql: project = SEC", "    jql: [SEC]") },
			[]want{{10, "projects[0].jql", "expected a string, got a list"}}},
		{"wrong type: scalar for a list", func(t *testing.T) string { return base + "nag:\n  backoff: 3\n" },
			[]want{{13, "nag.backoff", "expected a list, got \"3\""}}},
		{"wrong type: yes for a bool", func(t *testing.T) string { return edit(t, "use_description: true", "use_description: yes") },
			[]want{{11, "projects[0].use_description", `expected true or false, got "yes"`}}},
		{"wrong type: projects as a mapping", func(t *testing.T) string {
			return strings.Split(base, "projects:")[0] + "projects:\n  SEC: project = SEC\n"
		}, []want{{8, "projects", "expected a list, got a mapping"}}},
		{"unknown top-level key with suggestion", func(*testing.T) string { return base + "schedule:\n  nag: \"0 9 * * *\"\n" },
			[]want{{12, "schedule", `unknown key "schedule" (did you mean "schedules"?)`}}},
		{"unknown nested key with suggestion", func(t *testing.T) string { return edit(t, "  email:", "  emial:") },
			[]want{{3, "jira.emial", `unknown key "emial" (did you mean "email"?)`}}},
		{"unknown key in a list item", func(t *testing.T) string { return edit(t, "    use_description", "    use_descripton") },
			[]want{
				{9, "projects[0].fields", "project reads nothing"},
				{11, "projects[0].use_descripton", `(did you mean "use_description"?)`},
			}},
		{"unknown key without a close match", func(*testing.T) string { return base + "frobnicate: 1\n" },
			[]want{{12, "frobnicate", `unknown key "frobnicate"; known keys: feeds, http, interact, jira, log, nag, policy, projects, safety, schedules, slack, status, store, webhook, wording`}}},
		{"duplicate key", func(t *testing.T) string {
			return edit(t, "  email: bot@acme.example\n", "  email: bot@acme.example\n  email: ops@acme.example\n")
		},
			[]want{{4, "jira.email", "duplicate key (first at line 3)"}}},
		{"bad cron", func(*testing.T) string { return base + "schedules:\n  nag: \"0 25 * * 1-5\"\n" },
			[]want{{13, "schedules.nag", `bad cron spec "0 25 * * 1-5"`}}},
		{"cron with six fields", func(*testing.T) string { return base + "schedules:\n  sync: \"0 */5 * * * *\"\n" },
			[]want{{13, "schedules.sync", "bad cron spec"}}},
		{"bare CRON_TZ", func(*testing.T) string { return base + "schedules:\n  digest: CRON_TZ=Europe/Berlin\n" },
			[]want{{13, "schedules.digest", "CRON_TZ= needs a schedule after the zone"}}},
		{"bare TZ", func(*testing.T) string { return base + "schedules:\n  nag: TZ=UTC\n" },
			[]want{{13, "schedules.nag", "TZ= needs a schedule after the zone"}}},
		{"CRON_TZ with unknown zone", func(*testing.T) string { return base + "schedules:\n  nag: CRON_TZ=Mars/Olympus 0 9 * * *\n" },
			[]want{{13, "schedules.nag", `unknown time zone "Mars/Olympus"`}}},
		{"CRON_TZ with no zone", func(*testing.T) string { return base + "schedules:\n  nag: CRON_TZ= 0 9 * * *\n" },
			[]want{{13, "schedules.nag", "CRON_TZ= names no time zone"}}},
		{"cron that never fires", func(*testing.T) string { return base + "schedules:\n  digest: \"0 9 30 2 *\"\n" },
			[]want{{13, "schedules.digest", "never fires"}}},
		{"bad timezone", func(*testing.T) string { return base + "schedules:\n  timezone: Europe/Berln\n" },
			[]want{{13, "schedules.timezone", `unknown time zone "Europe/Berln"`}}},
		{"missing env var in a secret", func(t *testing.T) string { return edit(t, "${SLACK_BOT_TOKEN}", "${SLACK_TOKEN}") },
			[]want{{6, "slack.token", "environment variable SLACK_TOKEN is not set"}}},
		{"empty env var in a secret", func(t *testing.T) string { return edit(t, "${SLACK_BOT_TOKEN}", "${EMPTY}") },
			[]want{{6, "slack.token", "environment variable EMPTY is empty"}}},
		{"missing env var in a plain value", func(t *testing.T) string { return edit(t, "https://acme.atlassian.net", "${JIRA_URL}") },
			[]want{{2, "jira.url", "environment variable JIRA_URL is not set"}}},
		{"unterminated env reference", func(t *testing.T) string { return edit(t, "https://acme.atlassian.net", "${JIRA_SITE") },
			[]want{{2, "jira.url", `unterminated "${"`}}},
		{"literal secret", func(t *testing.T) string { return edit(t, "${SLACK_BOT_TOKEN}", "hunter2-literal") },
			[]want{{6, "slack.token", "literal secret in the config file: reference an environment variable (token: ${SLACK_BOT_TOKEN}) or a file (token_file:"}}},
		{"secret inside a longer string", func(t *testing.T) string { return edit(t, "${JIRA_API_TOKEN}", "Bearer ${JIRA_API_TOKEN}") },
			[]want{{4, "jira.token", "literal secret in the config file"}}},
		{"token-shaped value in a plain key", func(t *testing.T) string {
			return edit(t, `"#patches"`, "\"#patches\"\n  api_url: https://x.example/xoxb-1234567890-abcdefghij")
		}, []want{{8, "slack.api_url", "looks like a Slack or Atlassian token"}}},
		{"token and token_file", func(t *testing.T) string {
			return edit(t, "  token: ${JIRA_API_TOKEN}\n", "  token: ${JIRA_API_TOKEN}\n  token_file: /run/secrets/jira\n")
		},
			[]want{{5, "jira.token_file", "set either token or token_file, not both"}}},
		{"missing secret file", func(t *testing.T) string { return edit(t, "token: ${JIRA_API_TOKEN}", "token_file: /run/secrets/nope") },
			[]want{{4, "jira.token_file", "cannot read secret file /run/secrets/nope: file does not exist"}}},
		{"empty secret file", func(t *testing.T) string {
			return edit(t, "token: ${JIRA_API_TOKEN}", "token_file: /run/secrets/empty")
		},
			[]want{{4, "jira.token_file", "secret file /run/secrets/empty is empty"}}},
		{"missing token", func(t *testing.T) string { return edit(t, "  token: ${JIRA_API_TOKEN}\n", "") },
			[]want{{1, "jira.token", "required: token: ${JIRA_API_TOKEN} or token_file"}}},
		{"unknown field concept", func(*testing.T) string { return base + "    fields:\n      rollback_plan: Rollback Plan\n" },
			[]want{{13, "projects[0].fields.rollback_plan", `unknown handoff field "rollback_plan" (did you mean "rollback"?)`}}},
		{"misspelt field concept", func(*testing.T) string { return base + "    fields:\n      fixed_verison: Fixed Version\n" },
			[]want{{13, "projects[0].fields.fixed_verison", `(did you mean "fixed_version"?)`}}},
		{"empty Jira field name", func(*testing.T) string { return base + "    fields:\n      rollback: \"\"\n" },
			[]want{{13, "projects[0].fields.rollback", "empty Jira field name"}}},
		{"unknown lane in global policy", func(*testing.T) string {
			return base + "policy:\n  lanes:\n    patchnow:\n      require: [rollback]\n"
		}, []want{{14, "policy.lanes.patchnow", `unknown lane "patchnow" (did you mean "patch_now"?)`}}},
		{"unknown field in a project's policy", func(*testing.T) string {
			return base + "    policy:\n      lanes:\n        exception:\n          drop: [aproval]\n"
		}, []want{{15, "projects[0].policy.lanes.exception.drop[0]", `unknown handoff field "aproval" (did you mean "approval"?)`}}},
		{"field required and dropped", func(*testing.T) string {
			return base + "policy:\n  lanes:\n    monitor:\n      require: [owner]\n      drop: [owner]\n"
		}, []want{{15, "policy.lanes.monitor.require[0]", `"owner" is both required and dropped`}}},
		{"unknown lane in routing", func(t *testing.T) string {
			return edit(t, `"#patches"`, "\"#patches\"\n  routing:\n    lanes:\n      mitigate: \"#mitigations\"")
		}, []want{{10, "slack.routing.lanes.mitigate", `unknown lane "mitigate" (did you mean "mitigate_first"?)`}}},
		{"routing to an unknown project", func(t *testing.T) string {
			return edit(t, "  fallback_channel: \"#patches\"\n", "  fallback_channel: \"#patches\"\n  routing:\n    projects:\n      SECC: {channel: \"#sec\"}\n")
		}, []want{{10, `slack.routing.projects.SECC`, `no project named "SECC" (did you mean "SEC"?)`}}},
		{"duplicate project", func(*testing.T) string {
			return base + "  - name: SEC\n    jql: project = SEC2\n    use_description: true\n"
		},
			[]want{{12, "projects[1].name", `duplicate project name "SEC" (first at projects[0], line 9)`}}},
		{"no projects", func(*testing.T) string { return strings.Split(base, "projects:")[0] },
			[]want{{1, "projects", "at least one project is required"}}},
		{"project reads nothing", func(t *testing.T) string { return edit(t, "    use_description: true\n", "") },
			[]want{{9, "projects[0].fields", "project reads nothing"}}},
		{"JQL with ORDER BY", func(t *testing.T) string { return edit(t, "project = SEC", "project = SEC order by created") },
			[]want{{10, "projects[0].jql", "remove ORDER BY"}}},
		{"bad URL: no scheme", func(t *testing.T) string { return edit(t, "https://acme.atlassian.net", "acme.atlassian.net") },
			[]want{{2, "jira.url", `URL must start with https://`}}},
		{"bad URL: unparsable", func(t *testing.T) string {
			return edit(t, "https://acme.atlassian.net", `"https://acme atlassian.net/%zz"`)
		},
			[]want{{2, "jira.url", "not a URL"}}},
		{"bad URL: credentials", func(t *testing.T) string {
			return edit(t, "https://acme.atlassian.net", "https://bot:pw@acme.atlassian.net")
		},
			[]want{{2, "jira.url", "URL holds credentials"}}},
		{"bad duration: no unit", func(t *testing.T) string { return edit(t, "  email:", "  timeout: 30\n  email:") },
			[]want{{3, "jira.timeout", `duration "30" has no unit: write e.g. 30s or 30m`}}},
		{"bad duration: word", func(t *testing.T) string { return edit(t, `"#patches"`, "\"#patches\"\n  lookup_ttl: a day") },
			[]want{{8, "slack.lookup_ttl", `expected a duration such as 30s, 5m or 24h, got "a day"`}}},
		{"negative duration", func(t *testing.T) string { return edit(t, "  email:", "  timeout: -5s\n  email:") },
			[]want{{3, "jira.timeout", "must be positive"}}},
		{"bad deployment", func(t *testing.T) string { return edit(t, "  email:", "  deployment: data-center\n  email:") },
			[]want{{3, "jira.deployment", `(did you mean "datacenter"?)`}}},
		{"email on Data Center", func(t *testing.T) string { return edit(t, "  email:", "  deployment: datacenter\n  email:") },
			[]want{{4, "jira.email", "not used on Data Center"}}},
		{"no email on Cloud", func(t *testing.T) string { return edit(t, "  email: bot@acme.example", "  deployment: cloud") },
			[]want{{1, "jira.email", "required on Jira Cloud"}}},
		{"page size out of bounds", func(t *testing.T) string { return edit(t, "  email:", "  page_size: 5000\n  email:") },
			[]want{{3, "jira.page_size", "must be between 1 and 1000, got 5000"}}},
		{"bad channel", func(t *testing.T) string { return edit(t, `"#patches"`, "patches") },
			[]want{{7, "slack.fallback_channel", `"patches" is not a channel`}}},
		{"bad owner map value", func(t *testing.T) string {
			return edit(t, `"#patches"`, "\"#patches\"\n  owner_map:\n    dana@acme.example: dana")
		}, []want{{9, `slack.owner_map["dana@acme.example"]`, `"dana" is not a Slack user`}}},
		{"bad escalate_to", func(*testing.T) string { return base + "    escalate_to: security team\n" },
			[]want{{12, "projects[0].escalate_to", "neither a channel"}}},
		{"bad quiet hours", func(*testing.T) string { return base + "nag:\n  quiet_hours:\n    start: 7pm\n    end: \"07:00\"\n" },
			[]want{{14, "nag.quiet_hours.start", `expected a time of day as HH:MM (24-hour), got "7pm"`}}},
		{"bad backoff", func(*testing.T) string { return base + "nag:\n  backoff: [1, 0, 4]\n" },
			[]want{{13, "nag.backoff[1]", "must be between 1 and 365 days, got 0"}}},
		{"bad since date", func(*testing.T) string { return base + "safety:\n  since: 01/02/2026\n" },
			[]want{{13, "safety.since", `expected a date such as 2026-01-31, got "01/02/2026"`}}},
		{"bad log level", func(*testing.T) string { return base + "log:\n  level: verbose\n" },
			[]want{{13, "log.level", "must be debug, info, warn or error"}}},
		{"bad listen address", func(*testing.T) string { return base + "http:\n  listen: 8080\n" },
			[]want{{13, "http.listen", `expected host:port such as :8080, got "8080"`}}},
		{"unsupported store", func(*testing.T) string { return base + "store:\n  driver: mysql\n" },
			[]want{{13, "store.driver", `unsupported driver "mysql"`}}},
		{"unknown wording key", func(*testing.T) string { return base + "wording:\n  lane.patchnow: patch right now\n" },
			[]want{{13, `wording["lane.patchnow"]`, `unknown wording key "lane.patchnow" (did you mean "lane.patch_now"?)`}}},
		{"broken wording template", func(*testing.T) string { return base + "wording:\n  lane.patch_now: \"{{.Nope}}\"\n" },
			[]want{{13, `wording["lane.patch_now"]`, `template: lane.patch_now:1:2: executing "lane.patch_now" at <.Nope>`}}},
		{"bad merge key", func(*testing.T) string { return base + "log:\n  <<: 3\n" },
			[]want{{13, "log", "a merge key (<<) takes a mapping"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(tc.doc(t))
			checkErrors(t, err, tc.want)
		})
	}
}

// TestManyErrorsAtOnce checks that one pass reports every problem, sorted
// by line, across sections, decoding and validation alike.
func TestManyErrorsAtOnce(t *testing.T) {
	t.Parallel()
	doc := `log:
  level: loud
jira:
  url: ftp://acme.example
  token: plaintext-token
  page_size: 0
slack:
  token: ${SLACK_BOT_TOKEN}
  fallback_channel: "#patches"
  colour: blue
projects:
  - name: SEC
    jql: project = SEC
    fields:
      rolback: Rollback Plan
  - name: SEC
    jql: project = SEC2
    use_description: true
schedules:
  digest: CRON_TZ=Europe/Berlin
  timezone: Atlantis
`
	_, err := parse(doc)
	checkErrors(t, err, []want{
		{2, "log.level", "must be debug, info, warn or error"},
		{4, "jira.url", "URL must start with https://"},
		{5, "jira.token", "literal secret"},
		{6, "jira.page_size", "must be between 1 and 1000, got 0"},
		{10, "slack.colour", "unknown key"},
		{15, "projects[0].fields.rolback", `(did you mean "rollback"?)`},
		{16, "projects[1].name", "duplicate project name"},
		{20, "schedules.digest", "needs a schedule after the zone"},
		{21, "schedules.timezone", "unknown time zone"},
	})
	if strings.Contains(err.Error(), "plaintext-token") {
		t.Errorf("error repeats the literal secret:\n%v", err)
	}
}

func TestValuesDecoded(t *testing.T) {
	t.Parallel()
	doc := edit(t, "token: ${JIRA_API_TOKEN}", "token_file: /run/secrets/jira") +
		`    jql: project = SEC AND labels = "cost$$center"
    fields: &fields
      rollback: Rollback Plan
  - name: OPS
    jql: project = OPS
    fields:
      <<: *fields
      deadline: duedate
schedules:
  nag: CRON_TZ=America/New_York 30 8 * * 1-5
  timezone: Asia/Tokyo
nag:
  backoff: [2, 5]
safety:
  since: 2026-03-01
`
	doc = strings.Replace(doc, "https://acme.atlassian.net", "${JIRA_SITE}/", 1)
	doc = strings.Replace(doc, "    jql: project = SEC\n", "", 1)
	c, err := parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Jira.URL != "https://env.atlassian.net" {
		t.Errorf("url = %q", c.Jira.URL)
	}
	if c.Jira.Token.Value() != "file-s3cr3t-value" || c.Jira.Token.Source() != "file /run/secrets/jira" {
		t.Errorf("token from file: %q from %s", c.Jira.Token.Value(), c.Jira.Token.Source())
	}
	if c.Projects[0].JQL != `project = SEC AND labels = "cost$center"` {
		t.Errorf("$$ not unescaped: %q", c.Projects[0].JQL)
	}
	if f := c.Projects[1].Fields; f["rollback"] != "Rollback Plan" || f["deadline"] != "duedate" {
		t.Errorf("merge key: %v", f)
	}
	if len(c.Nag.Backoff) != 2 || c.Nag.Backoff[1] != 5 {
		t.Errorf("backoff = %v", c.Nag.Backoff)
	}
	if c.Safety.Since.Format("2006-01-02") != "2026-03-01" {
		t.Errorf("since = %v", c.Safety.Since)
	}
	crons, err := c.Schedules.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if crons.Nag.Location.String() != "America/New_York" || crons.Sync.Location.String() != "Asia/Tokyo" {
		t.Errorf("locations: nag %v, sync %v", crons.Nag.Location, crons.Sync.Location)
	}
}
