package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/scheduler"
)

// These tests put hostile text into every place a reporter can type —
// summary, mapped custom fields, the copy template in the description, even
// the owner's display name — and run sync, nag (until it escalates) and
// the digest through the real connectors on Jira Cloud (ADF comments) and
// Data Center (wiki markup comments). What the fakes stored must ping
// nobody but the owner, carry no markup or link from ticket text, and stay
// within Slack's and Jira's limits.

// The injections a ticket's text is tried with, in three parts so that
// each fits in one quoted field (a long value is cut) and together in the
// summary.
const (
	hostileSlack = "<!channel> <!here> <!everyone> <!subteam^S0HACKERS> <@U07ANA0RT1Z> <https://evil.example/x|click> " +
		"<mailto:a@evil.example> @here @everyone @channel &lt;!channel&gt;"
	hostileWiki = "{color:red}x{color} [~admin] [~accountid:5b10ac8d82e05b22cc7d4ef5] {noformat}rm -rf /{noformat} " +
		"{code}x{code} !image.png! [click|https://evil.example/y] *bold* _em_ h1. head \\\\ ||table||"
	hostileUnicode = "\x00\x07\x1b[31mred\x1b[0m\x7f\u0085 ctl \u202eevil.exe\u202c \u2067iso\u2069 \u200fRTL\u200e \u061c " +
		"emoji 🔥🛡️👩‍👩‍👧 مرحبا שלום"
	hostile = hostileUnicode + " " + hostileSlack + " " + hostileWiki
)

var hostileParts = []string{hostileSlack, hostileWiki, hostileUnicode}

// huge is 100 kB of text from one field.
var huge = strings.Repeat("lorem ipsum ", 100_000/12)

// owner is the hostile tickets' patch owner; her display name is hostile
// too. The Slack side knows her by email.
var hostileOwner = struct {
	jira    jiratest.User
	slackID string
}{jiratest.User{AccountID: "5b10fe0000aa11bb22cc3301", Name: "olga", Key: "JIRAUSER10101",
	DisplayName: "Olga <!here> [~admin] *Owner*", Email: "olga.owner@example.com"}, "U07OLGA0WN1"}

// newHostileWorld builds a World on the given Jira flavour seeded with
// hostile tickets only: two SEC tickets with custom fields (one hostile,
// one 100 kB), two OPS tickets with the copy template (one hostile, one
// 100 kB with control characters). All are incomplete and overdue, so
// every kind of text is produced.
func newHostileWorld(t *testing.T, flavor jiratest.Flavor, logger *slog.Logger) *World {
	t.Helper()
	ctx := context.Background()
	loc := mustZone("Europe/Berlin")
	w := &World{Clock: &Clock{t: tuesday}, Keys: map[string]string{}, channels: map[string]string{}, dir: t.TempDir()}
	w.Jira = jiratest.New(jiratest.Options{Flavor: flavor, Email: jiraEmail, Token: jiraToken, PAT: jiraToken, Now: w.Clock.Now, TimeZone: "Europe/Berlin"})
	w.Slack = slacktest.New()
	w.Slack.SetToken(slackBot)
	w.Slack.SetClock(w.Clock.Now)
	t.Cleanup(w.Close)

	owner := hostileOwner.jira
	if flavor == jiratest.Cloud {
		owner.Name, owner.Key = "", ""
	} else {
		owner.AccountID = ""
	}
	w.Jira.AddUser(owner)
	ownerJSON := map[string]any{"displayName": owner.DisplayName, "emailAddress": owner.Email, "active": true}
	if flavor == jiratest.Cloud {
		ownerJSON["accountId"] = owner.AccountID
	} else {
		ownerJSON["name"], ownerJSON["key"] = owner.Name, owner.Key
	}

	shapes := map[handoff.FieldID]secField{}
	for _, f := range secFields {
		w.Jira.AddField(f.name, f.shape)
		shapes[f.concept] = f
	}
	today := time.Date(tuesday.Year(), tuesday.Month(), tuesday.Day(), 0, 0, 0, 0, loc)
	// Every text field of the SEC ticket holds the hostile text; the
	// handoff lacks its fixed version and is past its deadline and review
	// date.
	sec := func(summary string, text ...string) jiratest.IssueSpec {
		f := full(nil, fixed, closureExp)
		n := 0
		for _, sf := range secFields {
			if _, set := f[sf.concept]; !set {
				continue
			}
			switch sf.shape {
			case jiratest.ShapeText, jiratest.ShapeParagraph, jiratest.ShapeSelect:
				f[sf.concept] = text[n%len(text)]
				n++
			}
		}
		f[lane], f[deadline], f[review] = "Patch now", "@-3", "@-1"
		tk := ticket{project: "SEC", summary: summary, createdAgo: 10, fields: f}
		sp, err := tk.spec(today, shapes)
		if err != nil {
			t.Fatal(err)
		}
		u := owner
		sp.Assignee, sp.Reporter = &u, &u
		sp.Fields["Patch Owner"] = ownerJSON
		sp.Fields["Urgency Driver"] = jiratest.MultiOption(text[0], "KEV")
		sp.Labels = []string{"patch"}
		return sp
	}
	// The OPS tickets carry the copy template with text in every slot; the
	// owner is the assignee.
	ops := func(summary string, text ...string) jiratest.IssueSpec {
		tx := func(i int) string { return text[i%len(text)] }
		d := "Patch owner handoff - CVE-2026-0666 " + tx(0) + " Action requested: patch now. Scope: " + tx(1) +
			". Why this matters: KEV " + tx(2) + ". Fix or workaround: [fixed version/patch link/mitigation/configuration]. Deadline or window: " +
			today.AddDate(0, 0, -5).Format("2006-01-02") + ". Change notes: " + tx(3) + ". If blocked: " + tx(4) +
			". Closure evidence needed: " + tx(5) + ". Caveats: " + tx(6) + "."
		u := owner
		return jiratest.IssueSpec{Project: "OPS", Summary: summary, Description: d, Status: "In Progress",
			Assignee: &u, Reporter: &u, Created: today.AddDate(0, 0, -10).Add(9 * time.Hour), Updated: today.AddDate(0, 0, -10).Add(11 * time.Hour)}
	}
	ctlHuge := strings.ReplaceAll(huge, "lorem", "lorem\x1b[2J\u202e")
	specs := []jiratest.IssueSpec{
		sec(hostile, hostileParts...),
		sec(huge, huge),
		ops(hostile, hostileParts...),
		ops(huge+hostile, ctlHuge),
	}
	keys, err := w.Jira.AddIssues(specs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		w.Keys[fmt.Sprint(i)] = k
	}
	for _, ch := range []string{"patching", "patch-fallback", "patch-escalations", "patch-digest"} {
		w.channels[w.Slack.AddChannel(ch)] = "#" + ch
	}
	w.Slack.AddUser(slacktest.User{ID: hostileOwner.slackID, Name: "olga", RealName: "Olga Owner", Email: owner.Email})
	w.Slack.AddUser(slacktest.User{ID: people["ana"].slackID, Name: "ana", RealName: "Ana Ortiz", Email: people["ana"].jira.Email})

	c := config.Default()
	c.Jira.URL = w.Jira.URL
	if flavor == jiratest.Cloud {
		c.Jira.Deployment = config.DeploymentCloud
		c.Jira.Email = jiraEmail
	} else {
		c.Jira.Deployment = config.DeploymentDataCenter
	}
	c.Jira.Token = config.NewSecret(jiraToken)
	c.Slack.Token = config.NewSecret(slackBot)
	c.Slack.APIURL = w.Slack.URL()
	c.Slack.FallbackChannel = "#patch-fallback"
	c.Slack.EscalationChannel = "#patch-escalations"
	c.Slack.DigestChannel = "#patch-digest"
	c.Slack.Routing = config.Routing{Default: "#patching"}
	c.Slack.PerChannelInterval = time.Millisecond
	c.Projects = []config.Project{
		{Name: "SEC", JQL: "project = SEC", Fields: SECMapping()},
		{Name: "OPS", JQL: "project = OPS", UseDescription: true, Fields: map[handoff.FieldID]string{}},
	}
	c.Schedules.Timezone = "Europe/Berlin"
	c.Nag.PersonalDigest = true
	c.Safety.MaxWritesPerCycle = 1000
	c.Store.Path = filepath.Join(w.dir, "patchbot.db")
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	w.Config = c
	w.logger = logger
	if err := w.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	return w
}

// runCycle runs a full sync, nags on each of five days (reminders back off
// and then escalate) and posts the digest, failing on any error.
func runCycle(t *testing.T, w *World) {
	t.Helper()
	ctx := context.Background()
	e := w.App.Engine
	check := func(rep *scheduler.Report, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", rep.Job, err)
		}
		for _, e := range rep.Errors {
			t.Errorf("%s: %v", rep.Job, e)
		}
	}
	check(e.Sync(ctx, scheduler.SyncOptions{Full: true}))
	for day := 0; day < 5; day++ {
		check(e.Nag(ctx, scheduler.NagOptions{}))
		w.Clock.Advance(24 * time.Hour)
	}
	check(e.Digest(ctx, scheduler.DigestOptions{}))
}

func TestHostileTicketTextStaysInert(t *testing.T) {
	t.Parallel()
	for _, flavor := range []jiratest.Flavor{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			w := newHostileWorld(t, flavor, nil)
			runCycle(t, w)
			checkSlackInert(t, w)
			checkCommentsInert(t, w, flavor)
			checkQuoted(t, w, flavor)
		})
	}
}

// slackToken is a <…> token Slack parses in mrkdwn: a mention, a link, a
// special command.
var slackToken = regexp.MustCompile(`<[^<>]*>`)

// bareBroadcast is @here/@channel/@everyone as Slack would read it with
// link_names on or in a client that highlights it: not followed by the
// zero-width joiner the escaper inserts.
var bareBroadcast = regexp.MustCompile(`(?i)@(here|channel|everyone)\b`)

func checkSlackInert(t *testing.T, w *World) {
	t.Helper()
	owner := "<@" + hostileOwner.slackID + ">"
	browse := w.Jira.URL + "/browse/"
	kinds := map[string]int{}
	for _, m := range w.Slack.All() {
		r := ref(m)
		kind, _, _ := strings.Cut(r, "/")
		kinds[kind]++
		if kind == "" {
			t.Errorf("message %s in %s has no ledger ref", m.TS, m.Channel)
		}
		// A channel digest names owners and pings nobody; a personal
		// digest is the owner's own DM and may address her.
		channelDigest := kind == "digest" && m.Channel != w.Slack.DMChannel(hostileOwner.slackID)
		for _, mn := range m.Mentions() {
			if channelDigest || mn != owner {
				t.Errorf("%s in %s pings %s (only %s may be pinged, and nobody by a channel digest)", r, m.Channel, mn, owner)
			}
		}
		if m.Params.Get("link_names") != "" || m.Params.Get("parse") == "full" {
			t.Errorf("%s posted with link_names/parse set: %v", r, m.Params)
		}
		for _, s := range m.Texts() {
			for _, tok := range slackToken.FindAllString(s, -1) {
				if tok == owner && !channelDigest {
					continue
				}
				if strings.HasPrefix(tok, "<"+browse) && !strings.ContainsAny(tok[1:len(tok)-1], "<>") {
					continue // the bot's own link to a ticket
				}
				t.Errorf("%s carries a live Slack token %q", r, tok)
			}
			if strings.Contains(s, "evil.example") && slackToken.MatchString(s) {
				for _, tok := range slackToken.FindAllString(s, -1) {
					if strings.Contains(tok, "evil") {
						t.Errorf("%s links to the ticket's URL: %q", r, tok)
					}
				}
			}
			if loc := bareBroadcast.FindStringIndex(s); loc != nil {
				t.Errorf("%s holds a bare broadcast %q", r, s[loc[0]:min(loc[1]+3, len(s))])
			}
			checkCleanRunes(t, r, s, true)
			checkCut(t, r, s)
		}
	}
	if len(sent(w, "digest/#patch-digest/")) == 0 {
		t.Error("no channel digest was posted")
	}
	for _, want := range []string{"validation", "nag", "escalation", "digest"} {
		if kinds[want] == 0 {
			t.Errorf("no %s message was posted (kinds: %v): the test does not cover it", want, kinds)
		}
	}
	// The fake enforces Slack's limits (text, header, section, field,
	// block counts): no post or edit may have been refused.
	for _, method := range []string{"chat.postMessage", "chat.update"} {
		for _, c := range w.Slack.Calls(method) {
			if c.Error != "" || c.Status != 200 {
				t.Errorf("%s refused: %d %s", method, c.Status, c.Error)
			}
		}
	}
	if n := w.Slack.CallCount("chat.postMessage"); n == 0 {
		t.Error("nothing was posted")
	}
}

// checkCleanRunes fails on control characters (newlines allowed where the
// target keeps lines) and on bidi controls.
func checkCleanRunes(t *testing.T, where, s string, newlines bool) {
	t.Helper()
	for _, r := range s {
		if newlines && r == '\n' {
			continue
		}
		if unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c {
			t.Errorf("%s holds control or bidi character %U", where, r)
			return
		}
	}
}

// checkCut fails when the 100 kB text came through uncut: a run of it
// longer than one inline (1,000 characters), or a piece of it without the
// ellipsis that says it was cut.
func checkCut(t *testing.T, where, s string) {
	t.Helper()
	if !strings.Contains(s, "lorem ipsum lorem ipsum") {
		return
	}
	if strings.Contains(s, strings.Repeat("lorem ipsum ", 1000/12+1)) {
		t.Errorf("%s holds more than 1,000 characters of one field (%d bytes in all)", where, len(s))
	}
	if !strings.Contains(s, "…") {
		t.Errorf("%s cut the long text without an ellipsis", where)
	}
}

// adfAllowed are the nodes the renderer may write.
var adfAllowed = []string{"doc", "heading", "paragraph", "bulletList", "listItem", "rule", "text", "hardBreak", "mention"}

func checkCommentsInert(t *testing.T, w *World, flavor jiratest.Flavor) {
	t.Helper()
	browse := w.Jira.URL + "/browse/"
	n := 0
	for i := 0; i < 4; i++ {
		key := w.Keys[fmt.Sprint(i)]
		is, _ := w.Jira.Issue(key)
		for _, c := range is.Comments {
			if c.Author.DisplayName != w.Jira.Bot().DisplayName {
				continue
			}
			n++
			where := key + " comment " + c.ID
			if flavor == jiratest.Cloud {
				if len(c.ADF) == 0 {
					t.Errorf("%s: a Cloud comment without an ADF body", where)
					continue
				}
				var doc any
				if err := json.Unmarshal(c.ADF, &doc); err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				size, mentioned := 0, false
				walkADF(doc, func(node map[string]any) {
					typ, _ := node["type"].(string)
					if !slices.Contains(adfAllowed, typ) {
						t.Errorf("%s: ADF node %q", where, typ)
					}
					attrs, _ := node["attrs"].(map[string]any)
					if typ == "mention" {
						mentioned = true
						if attrs["id"] != hostileOwner.jira.AccountID {
							t.Errorf("%s mentions %v, not the owner", where, attrs["id"])
						}
					}
					marks, _ := node["marks"].([]any)
					for _, mk := range marks {
						mm, _ := mk.(map[string]any)
						if mm["type"] == "link" {
							ma, _ := mm["attrs"].(map[string]any)
							if href, _ := ma["href"].(string); !strings.HasPrefix(href, browse) {
								t.Errorf("%s links to %q", where, href)
							}
						}
					}
					if s, ok := node["text"].(string); ok {
						size += len([]rune(s))
						checkCleanRunes(t, where, s, false)
						checkCut(t, where, s)
					}
				})
				if !mentioned {
					t.Errorf("%s does not mention the owner", where)
				}
				if size > 32767 {
					t.Errorf("%s: %d characters, over Jira's comment limit", where, size)
				}
				continue
			}
			if len(c.ADF) != 0 {
				t.Errorf("%s: a Data Center comment in ADF", where)
			}
			for _, bad := range liveWiki(c.Body, "[~"+hostileOwner.jira.Name+"]", browse) {
				t.Errorf("%s: live wiki markup %q", where, bad)
			}
			if len([]rune(c.Body)) > 32767 {
				t.Errorf("%s: %d characters, over Jira's comment limit", where, len([]rune(c.Body)))
			}
			if !strings.Contains(c.Body, "[~"+hostileOwner.jira.Name+"]") {
				t.Errorf("%s does not mention the owner", where)
			}
			checkCleanRunes(t, where, c.Body, true)
			checkCut(t, where, c.Body)
		}
	}
	if n < 4 {
		t.Errorf("%d bot comments on the 4 incomplete tickets, want at least 4", n)
	}
}

// checkQuoted proves the hostile text did reach the outputs — shown as
// text, not dropped — so the checks above are not passing on nothing.
func checkQuoted(t *testing.T, w *World, flavor jiratest.Flavor) {
	t.Helper()
	var slackText, jiraText strings.Builder
	for _, m := range w.Slack.All() {
		slackText.WriteString(strings.Join(m.Texts(), "\n"))
	}
	for i := 0; i < 4; i++ {
		is, _ := w.Jira.Issue(w.Keys[fmt.Sprint(i)])
		for _, c := range is.Comments {
			jiraText.WriteString(c.Body) // on Cloud, the text of the ADF body
		}
	}
	want := map[string][]string{
		"Slack": {"&lt;!channel&gt;", "&lt;@\u200dU07ANA0RT1Z&gt;", "@\u200dhere", "{noformat}", "[~admin]", "🔥", "שלום"},
	}
	if flavor == jiratest.Cloud {
		want["Jira"] = []string{"<!channel>", "{noformat}rm -rf /{noformat}", "[~admin]", "!image.png!", "🔥"}
	} else {
		want["Jira"] = []string{`\{noformat\}rm \-rf /\{noformat\}`, `\[\~admin\]`, `\!image.png\!`, `\[click\|https://evil.example/y\]`, `\{color:red\}`, "🔥"}
	}
	for where, subs := range want {
		text := slackText.String()
		if where == "Jira" {
			text = jiraText.String()
		}
		for _, sub := range subs {
			if !strings.Contains(text, sub) {
				t.Errorf("%s never shows %q: the hostile text did not come through as text", where, sub)
			}
		}
	}
}

func walkADF(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		if c, ok := v["content"].([]any); ok {
			for _, x := range c {
				walkADF(x, fn)
			}
		}
	case []any:
		for _, x := range v {
			walkADF(x, fn)
		}
	}
}

// liveWiki lists the markup in a wiki body that Jira would act on and
// that is not the bot's own: every [ { } ! | ~ ^ + ? # @ must be escaped
// with a backslash, except in the owner's mention and links to tickets;
// {{code}} spans and *strong* / _em_ are the bot's.
var entity = regexp.MustCompile(`^&#[0-9]+;`)

func liveWiki(body, ownerMention, browse string) []string {
	var bad []string
	rs := []rune(body)
	// A character is escaped by an odd run of backslashes before it ("\\"
	// is a forced line break).
	escaped := func(i int) bool {
		n := 0
		for j := i - 1; j >= 0 && rs[j] == '\\'; j-- {
			n++
		}
		return n%2 == 1
	}
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '[':
			if escaped(i) {
				continue
			}
			end := strings.IndexRune(string(rs[i:]), ']')
			if end < 0 {
				bad = append(bad, string(rs[i:min(i+40, len(rs))]))
				continue
			}
			tok := string(rs[i:])[:end+1]
			inner := tok[1 : len(tok)-1]
			label, url, isLink := strings.Cut(inner, "|")
			switch {
			case tok == ownerMention:
			case isLink && strings.HasPrefix(url, browse) && strings.HasSuffix(url, "/"+strings.ReplaceAll(label, "\\", "")):
			case !isLink && strings.HasPrefix(inner, browse):
			default:
				bad = append(bad, tok)
			}
			i += len([]rune(tok)) - 1
		case '{':
			if escaped(i) {
				continue
			}
			if i+1 < len(rs) && rs[i+1] == '{' { // {{code}}
				i++
				continue
			}
			bad = append(bad, string(rs[i:min(i+20, len(rs))]))
		case '}':
			if !escaped(i) && !(i+1 < len(rs) && rs[i+1] == '}') && !(i > 0 && rs[i-1] == '}') {
				bad = append(bad, string(rs[max(i-20, 0):i+1]))
			}
		case '!', '|', '~', '^', '+', '?', '#', '@':
			if rs[i] == '#' && i > 0 && rs[i-1] == '&' && entity.MatchString(string(rs[i-1:min(i+8, len(rs))])) {
				continue // &#92; is how a backslash is written
			}
			if !escaped(i) {
				bad = append(bad, string(rs[max(i-20, 0):min(i+20, len(rs))]))
			}
		}
	}
	return bad
}

// TestLiveWikiFindsMarkup checks the checker: live markup is reported,
// escaped markup and the bot's own mention and ticket link are not.
func TestLiveWikiFindsMarkup(t *testing.T) {
	t.Parallel()
	const browse = "https://jira.example/browse/"
	for _, tc := range []struct {
		body string
		live bool
	}{
		{`[~admin]`, true},
		{`[~accountid:5b10ac8d]`, true},
		{`{noformat}x`, true},
		{`{color:red}x`, true},
		{`!image.png!`, true},
		{`[click|https://evil.example]`, true},
		{`[https://evil.example]`, true},
		{`[SEC-2|https://jira.example/browse/SEC-1]`, true},
		{`x\\{noformat}`, true}, // "\\" is a forced line break in wiki markup, not an escape
		{`\[\~admin\] \{noformat\} \!image.png\! \[click\|https://evil.example\] \{color:red\}x\{color\}`, false},
		{`[~olga] [SEC-1|https://jira.example/browse/SEC-1] {{code}} *bold* _em_`, false},
	} {
		if got := liveWiki(tc.body, "[~olga]", browse); (len(got) > 0) != tc.live {
			t.Errorf("liveWiki(%q) = %q, want live %v", tc.body, got, tc.live)
		}
	}
}
