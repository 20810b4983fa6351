package demo

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/scheduler"
)

// These tests drive the real slack-go socketmode client (the daemon's
// adapter) against the fake Slack's Socket Mode, with the real engine,
// ledger and Jira connector against the fake Jira: a click is delivered
// as Slack delivers it, and what it does is read back from the fakes.

// answersWorld is a world whose daemon listens over Socket Mode, after a
// first full sync and the morning nag (so messages carry buttons).
func answersWorld(t *testing.T) *World {
	t.Helper()
	w := newWorld(t)
	ctx := context.Background()
	stop, err := w.EnableAnswers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	if _, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
		t.Fatal(err)
	}
	return w
}

// about reports whether a nag's report says anything about a ticket.
func about(rep *scheduler.Report, key string) bool {
	for _, a := range rep.Actions {
		if strings.Contains(plain.Render(a.Doc), key) {
			return true
		}
	}
	return false
}

// hostileReason is what a person might type into a modal.
const hostileReason = "<!channel> vendor says *soon* <https://evil.example|click> [~admin] {color:red}x{color} @here <@U07ANA0RT1Z> & done"

// Snooze end to end: the owner clicks Snooze… on their reminder, picks a
// day and types a hostile reason; the ledger and the ticket (its trail and
// a comment saying who, until when and why) get it; the text stays text in
// Jira and Slack; the next nag says nothing about the ticket, even after
// the ledger lost the snooze and the daemon restarted (the trail keeps
// it); check and the digest show it; and submitting it again changes
// nothing.
func TestAnswerSnoozeEndToEnd(t *testing.T) {
	t.Parallel()
	w := answersWorld(t)
	ctx := context.Background()
	key := w.Keys["Printer firmware advisory — monitor, review date passed"]
	ana := people["ana"].slackID
	btn, ok := w.FindButton(w.Slack.DMChannel(ana), key, ports.ButtonSnooze)
	if !ok {
		t.Fatalf("no Snooze button for %s in Ana's reminder:\n%s", key, w.Slack.Transcript())
	}
	modal, err := w.OpenModal(ctx, ana, btn)
	if err != nil {
		t.Fatal(err)
	}
	until := w.Clock.Now().AddDate(0, 0, 5)
	day := until.Format(time.DateOnly)

	// Past the lane's bound: refused in the modal, nothing written.
	writes := w.Jira.Writes()
	errs, err := w.SubmitModal(ctx, ana, modal, map[string]string{"until": w.Clock.Now().AddDate(0, 0, 40).Format(time.DateOnly), "reason": "x"})
	if err != nil || !strings.Contains(errs["until"], "at most 14 days") {
		t.Fatalf("a 40-day snooze: errors %v, %v", errs, err)
	}
	if w.Jira.Writes() != writes {
		t.Fatal("a refused snooze wrote to Jira")
	}

	if errs, err := w.SubmitModal(ctx, ana, modal, map[string]string{"until": day, "reason": hostileReason}); err != nil || errs != nil {
		t.Fatalf("snooze: %v %v", errs, err)
	}
	answer := w.Slack.ResponsePosts(ana)
	reply := answer[len(answer)-1].Message
	if !strings.Contains(plainBlocks(reply), "snoozed until") || len(reply.Mentions()) != 0 {
		t.Errorf("private answer %q, mentions %v", plainBlocks(reply), reply.Mentions())
	}
	if strings.Contains(string(reply.Blocks), "<!channel>") || strings.Contains(string(reply.Blocks), "<https://evil") {
		t.Errorf("the reason is markup in Slack: %s", reply.Blocks)
	}

	// The ledger.
	at, err := w.App.Store.SnoozedUntil(ctx, key)
	if err != nil || at.IsZero() || at.In(w.App.Engine.Location()).Format(time.DateOnly) != day {
		t.Errorf("ledger snooze = %v, %v; want %s", at, err, day)
	}
	acts, err := w.App.Store.Actions(ctx, key)
	if err != nil || len(acts) != 1 || acts[0].Kind != "snooze" || acts[0].Actor != ana || acts[0].Note != hostileReason {
		t.Errorf("audit = %+v, %v", acts, err)
	}
	// The ticket: the trail and a comment, the reason as text.
	is, _ := w.Jira.Issue(key)
	var trail struct {
		Snooze struct {
			By, Reason string
		} `json:"snooze"`
	}
	if err := json.Unmarshal(is.Properties["patchbot"], &trail); err != nil || trail.Snooze.By != ana || trail.Snooze.Reason != hostileReason {
		t.Errorf("trail = %s (%v)", is.Properties["patchbot"], err)
	}
	c := is.Comments[len(is.Comments)-1]
	if c.Author.AccountID != w.Jira.Bot().AccountID || !strings.Contains(adf.Text(c.ADF), hostileReason) {
		t.Errorf("the snooze comment does not quote the reason as text: %s", adf.Text(c.ADF))
	}
	for _, bad := range []string{`"href":"https://evil`, `"type":"mention"`, `"type":"inlineCard"`} {
		if strings.Contains(string(c.ADF), bad) {
			t.Errorf("the reason became markup in Jira (%s): %s", bad, c.ADF)
		}
	}
	if got := botComments(t, w, key); got < 1 {
		t.Errorf("%d bot comments", got)
	}

	// The same submission again (a retry): nothing new.
	writes, audit := w.Jira.Writes(), len(acts)
	if _, err := w.App.Engine.Answers().Snooze(ctx, ports.SnoozeRequest{Key: key, Until: time.Date(until.Year(), until.Month(), until.Day(), 0, 0, 0, 0, time.UTC),
		Reason: hostileReason, By: ports.Actor{UserID: ana, Name: "ana"}}); err != nil {
		t.Fatal(err)
	}
	if acts, _ := w.App.Store.Actions(ctx, key); w.Jira.Writes() != writes || len(acts) != audit {
		t.Errorf("a repeated snooze wrote %d Jira writes, %d audit rows", w.Jira.Writes()-writes, len(acts)-audit)
	}

	// The next nag says nothing about it.
	w.Clock.Advance(24 * time.Hour)
	rep, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if about(rep, key) {
		t.Errorf("the nag after the snooze is about %s", key)
	}
	// Nor after the ledger lost it and the daemon restarted: the trail
	// keeps it.
	must(t, w.App.Store.Unsnooze(ctx, key))
	stop, err := w.EnableAnswers(ctx) // rebuilds the daemon
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	w.Clock.Advance(24 * time.Hour)
	if rep, err = w.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
		t.Fatal(err)
	}
	if about(rep, key) {
		t.Errorf("with the ledger's snooze lost, the nag is about %s", key)
	}

	// check shows it, and so does the digest.
	chk, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Keys: []string{key}, DryRun: true, Keep: true})
	if err != nil || len(chk.Results) != 1 {
		t.Fatalf("check: %v", err)
	}
	line := scheduler.SnoozeLine(chk.Results[0].Trail, w.Clock.Now(), w.App.Engine.Location())
	if !strings.Contains(line, "snoozed until") || !strings.Contains(line, "by ana") || !strings.Contains(line, "vendor says") {
		t.Errorf("check's snooze line = %q", line)
	}
	dg, err := w.App.Engine.Digest(ctx, scheduler.DigestOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	var shown bool
	for _, a := range dg.Actions {
		for _, l := range strings.Split(plain.Render(a.Doc), "\n") {
			if a.Send == "digest" && strings.Contains(l, key) && strings.Contains(l, "snoozed until") && strings.Contains(l, "by ana") {
				shown = true
			}
		}
	}
	if !shown {
		t.Error("the digest does not show the snooze")
	}

	// Once it ends, reminders come again.
	w.Clock.Advance(5 * 24 * time.Hour)
	if rep, err = w.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
		t.Fatal(err)
	}
	if !about(rep, key) {
		t.Errorf("after the snooze ended, the nag is not about %s", key)
	}
}

// Recheck on a validation request: the ticket is read again and synced
// (the living comment edited), the message is replaced in place, and the
// clicker is told privately what is still missing. Someone who is neither
// the owner, their manager nor configured is told it is not theirs, and
// nothing happens; the owner's manager may.
func TestAnswerRecheckAndAuthorisation(t *testing.T) {
	t.Parallel()
	w := answersWorld(t)
	ctx := context.Background()
	key := w.Keys["Citrix NetScaler memory leak — vendor fix pending"]
	bo, mia, chidi := people["bo"].slackID, people["mia"].slackID, people["chidi"].slackID
	w.Clock.Advance(time.Hour)
	must(t, w.Jira.SetField(key, "SOC Monitoring", "SOC watches the ADC logs"))
	w.Clock.Advance(time.Minute)
	if _, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	btn, ok := w.FindButtonAnywhere(key, ports.ButtonRecheck)
	if !ok || strings.HasPrefix(btn.Message.Channel, "D") {
		t.Fatalf("no Recheck button on %s's validation request", key)
	}

	writes := w.Jira.Writes()
	must(t, w.Press(ctx, chidi, btn))
	if got := w.LastAnswer(chidi); !strings.Contains(got, "is not yours") {
		t.Errorf("chidi was told %q", got)
	}
	if m, _ := w.Slack.Message(btn.Message.Channel, btn.Message.TS); m.Edits != 0 || w.Jira.Writes() != writes {
		t.Errorf("a refused recheck changed something: %d edits, %d Jira writes", m.Edits, w.Jira.Writes()-writes)
	}

	must(t, w.Press(ctx, mia, btn)) // Bo's manager
	if got := w.LastAnswer(mia); !strings.Contains(got, "1 still missing") || !strings.Contains(got, "ask") {
		t.Errorf("mia was told %q", got)
	}

	w.Clock.Advance(time.Minute)
	must(t, w.Jira.SetField(key, "Vendor Ask", "Asked Citrix for the fixed build's date"))
	w.Clock.Advance(time.Minute)
	must(t, w.Press(ctx, bo, btn))
	if got := w.LastAnswer(bo); !strings.Contains(got, "nothing required is missing") {
		t.Errorf("bo was told %q", got)
	}
	m, _ := w.Slack.Message(btn.Message.Channel, btn.Message.TS)
	if m.Edits != 2 || !strings.Contains(plainBlocks(m), "owner-ready") || strings.Contains(string(m.Blocks), "patchbot_recheck") {
		t.Errorf("the message was not replaced by the complete note without buttons (%d edits): %s", m.Edits, plainBlocks(m))
	}
	is, _ := w.Jira.Issue(key)
	if body := adf.Text(is.Comments[len(is.Comments)-1].ADF); !strings.Contains(body, "owner-ready") {
		t.Errorf("the living comment was not edited to complete:\n%s", body)
	}
	acts, _ := w.App.Store.Actions(ctx, key)
	if len(acts) != 2 {
		t.Errorf("%d rechecks audited, want 2 (mia's and bo's; chidi's was refused)", len(acts))
	}
}

// Not my ticket: the owner names who owns it; the ticket gets a comment
// (who, whom they suggest, the note as text, the owner map entry), the
// escalation channel is told, the answer suggests the owner map entry,
// and saying it again says nothing new.
func TestAnswerDisown(t *testing.T) {
	t.Parallel()
	w := answersWorld(t)
	ctx := context.Background()
	key := w.Keys["Printer firmware advisory — monitor, review date passed"]
	ana, dana := people["ana"].slackID, people["dana"].slackID
	btn, ok := w.FindButton(w.Slack.DMChannel(ana), key, ports.ButtonDisown)
	if !ok {
		t.Fatal("no Not my ticket button")
	}
	modal, err := w.OpenModal(ctx, ana, btn)
	if err != nil {
		t.Fatal(err)
	}
	esc := len(w.Slack.Messages("#patch-escalations"))
	if errs, err := w.SubmitModal(ctx, ana, modal, map[string]string{"owner": dana, "note": hostileReason}); err != nil || errs != nil {
		t.Fatalf("disown: %v %v", errs, err)
	}
	if got := w.LastAnswer(ana); !strings.Contains(got, "slack.owner_map") || !strings.Contains(got, dana) || !strings.Contains(got, "#patch-escalations") {
		t.Errorf("ana was told %q", got)
	}
	msgs := w.Slack.Messages("#patch-escalations")
	if len(msgs) != esc+1 || !strings.Contains(plainBlocks(msgs[len(msgs)-1]), key) {
		t.Fatalf("the escalation channel was not told: %d new messages", len(msgs)-esc)
	}
	if mm := msgs[len(msgs)-1].Mentions(); strings.Contains(strings.Join(mm, " "), "channel") || strings.Contains(strings.Join(mm, " "), "here") {
		t.Errorf("the note pinged the channel: %v", mm)
	}
	is, _ := w.Jira.Issue(key)
	body := adf.Text(is.Comments[len(is.Comments)-1].ADF)
	if !strings.Contains(body, "is not theirs") || !strings.Contains(body, hostileReason) || !strings.Contains(body, "owner_map") {
		t.Errorf("the ticket's comment:\n%s", body)
	}
	comments := len(is.Comments)
	if _, err := w.App.Engine.Answers().Disown(ctx, ports.DisownRequest{Key: key, Item: btn.itemRef(t), Suggested: dana, Note: hostileReason,
		By: ports.Actor{UserID: ana, Name: "ana"}}); err != nil {
		t.Fatal(err)
	}
	is, _ = w.Jira.Issue(key)
	if len(is.Comments) != comments || len(w.Slack.Messages("#patch-escalations")) != esc+1 {
		t.Error("saying it again wrote again")
	}
}

// itemRef is the item reference a button carries.
func (b Button) itemRef(t *testing.T) string {
	t.Helper()
	var v struct {
		Item string `json:"item"`
	}
	if err := json.Unmarshal([]byte(b.Click.Value), &v); err != nil {
		t.Fatal(err)
	}
	return v.Item
}

// Acknowledge on a heads-up stops that heads-up, not the overdue reminder
// that follows when the date passes.
func TestAnswerAcknowledgeHeadsUp(t *testing.T) {
	t.Parallel()
	w := answersWorld(t)
	ctx := context.Background()
	var owner, key string
	var btn Button
	for _, p := range people {
		if p.slackID == "" {
			continue
		}
		for _, m := range w.Slack.DMs(p.slackID) {
			if k, c, ok := firstButton(m.Blocks, ports.ButtonAcknowledge); ok && owner == "" {
				c.Channel, c.MessageTS = m.Channel, m.TS
				owner, key, btn = p.slackID, k, Button{Message: m, Click: c}
			}
		}
	}
	if owner == "" {
		t.Fatal("no heads-up with an Acknowledge button")
	}
	item := btn.itemRef(t)
	must(t, w.Press(ctx, owner, btn))
	if got := w.LastAnswer(owner); !strings.Contains(got, "Acknowledged") {
		t.Errorf("told %q", got)
	}
	if ok, err := w.App.Store.Acknowledged(ctx, item); err != nil || !ok {
		t.Fatalf("Acknowledged(%s) = %v, %v", item, ok, err)
	}
	_, kind, _ := strings.Cut(item, "/")
	kind, date, _ := strings.Cut(kind, "/")
	if kind != string(handoff.DueSoon) {
		t.Fatalf("the Acknowledge button is on %s", item)
	}
	on, _ := time.ParseInLocation(time.DateOnly, date, w.App.Engine.Location())
	// The day after the date: the overdue reminder still comes.
	for w.Clock.Now().Before(on.AddDate(0, 0, 1)) {
		w.Clock.Advance(24 * time.Hour)
	}
	w.Clock.Advance(24 * time.Hour)
	rep, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !about(rep, key) {
		t.Errorf("after the date passed, no reminder about %s", key)
	}
}

// The slash command and the App Home tab answer privately from the
// engine: mine lists the person's items, status one ticket, snooze
// snoozes within the policy, anything else gets the usage; the Home tab
// is published when opened and after a nag, with the same buttons.
func TestSlashCommandAndHome(t *testing.T) {
	t.Parallel()
	w := answersWorld(t)
	ctx := context.Background()
	ana := people["ana"].slackID
	key := w.Keys["Printer firmware advisory — monitor, review date passed"]
	command := func(text string) string {
		t.Helper()
		n := len(w.Slack.ResponsePosts(ana))
		w.Slack.Command(slacktest.Command{User: ana, Channel: w.channelID("#patching"), Text: text})
		must(t, w.waitAnswer(ctx, ana, n))
		return w.LastAnswer(ana)
	}
	if got := command("mine"); !strings.Contains(got, key) || !strings.Contains(got, "Overdue") {
		t.Errorf("mine: %q", got)
	}
	if got := command("status " + key); !strings.Contains(got, key) {
		t.Errorf("status: %q", got)
	}
	if got := command("snooze " + key + " " + w.Clock.Now().AddDate(0, 0, 2).Format(time.DateOnly) + " change freeze"); !strings.Contains(got, "snoozed until") {
		t.Errorf("snooze: %q", got)
	}
	if at, _ := w.App.Store.SnoozedUntil(ctx, key); at.IsZero() {
		t.Error("the slash command's snooze is not in the ledger")
	}
	if got := command("frobnicate " + hostileReason); !strings.Contains(got, "mine") || strings.Contains(got, "error") {
		t.Errorf("unknown input: %q", got)
	}

	w.Slack.AppHomeOpened(ana)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	must(t, w.Slack.WaitFor(wctx, func() bool { _, ok := w.Slack.Home(ana); return ok }))
	home, _ := w.Slack.Home(ana)
	if got := strings.Join(home.BlockTexts(), "\n"); !strings.Contains(got, "Your patch handoffs") || !strings.Contains(string(home.JSON), "patchbot_snooze") {
		t.Errorf("home: %s", got)
	}
	updates := home.Updates
	// A nag that changes what Ana sees republishes her tab.
	w.Clock.Advance(3 * 24 * time.Hour)
	if _, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
		t.Fatal(err)
	}
	must(t, w.App.Engine.RefreshHomes(ctx))
	if home, _ = w.Slack.Home(ana); home.Updates <= updates {
		t.Errorf("the home tab was not republished (%d updates)", home.Updates)
	}
}

// Without an app-level token the daemon runs as before: no adapter, no
// button on any message, and the engine answers nothing.
func TestNoAppTokenNoButtons(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if ix, err := w.App.Interact(appDeps(w)); ix != nil || err != nil {
		t.Fatalf("an adapter without an app-level token: %v, %v", ix, err)
	}
	if stop, err := w.App.ServeInteract(ctx, appDeps(w)); err != nil {
		t.Fatal(err)
	} else {
		stop()
	}
	if _, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.App.Engine.Digest(ctx, scheduler.DigestOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, m := range w.Slack.All() {
		if strings.Contains(string(m.Blocks), `"actions"`) || strings.Contains(string(m.Blocks), "patchbot_") {
			t.Fatalf("a message carries buttons without an app-level token: %s", m.Blocks)
		}
	}
	if w.Slack.Connections() != 0 {
		t.Errorf("%d Socket Mode connections", w.Slack.Connections())
	}
	key := w.Keys["Printer firmware advisory — monitor, review date passed"]
	if _, err := w.App.Engine.Answers().Recheck(ctx, ports.RecheckRequest{Key: key, By: ports.Actor{UserID: people["ana"].slackID}}); err == nil {
		t.Error("the engine answered without an app-level token")
	}
}

func appDeps(w *World) app.InteractDeps {
	return app.InteractDeps{ResponseURLPrefix: w.Slack.ResponseURLPrefix(), Now: w.Clock.Now}
}
