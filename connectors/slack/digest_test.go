package slack

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/texts"
)

// checkDigest checks that a digest of n items was posted as rc.Parts
// messages, the first top-level and the rest in its thread, within Slack's
// limits, with every item exactly once and in order.
func checkDigest(t *testing.T, e *env, rc ports.Receipt, n int) []slacktest.Message {
	t.Helper()
	top := e.srv.Messages(rc.Channel)
	if len(top) != 1 || top[0].TS != rc.TS {
		t.Fatalf("%d top-level messages, want only the first part %s", len(top), rc.TS)
	}
	all := append(top, e.srv.Replies(rc.Channel, rc.TS)...)
	if len(all) != rc.Parts {
		t.Fatalf("%d messages posted, receipt says %d parts", len(all), rc.Parts)
	}
	var text strings.Builder
	for i, m := range all {
		var blocks []any
		if err := jsonUnmarshal(m.Blocks, &blocks); err != nil || len(blocks) > 50 {
			t.Errorf("part %d: %d blocks (err %v), limit 50", i+1, len(blocks), err)
		}
		if m.Metadata == nil || m.Metadata.EventPayload["part"] != float64(i+1) {
			t.Errorf("part %d: metadata %+v", i+1, m.Metadata)
		}
		text.WriteString(strings.Join(m.BlockTexts(), "\n"))
		text.WriteString("\n")
	}
	s := text.String()
	last := -1
	for i := 1; i <= n; i++ {
		item := fmt.Sprintf("SEC-%d review", i)
		if c := strings.Count(s, item); c != 1 {
			t.Errorf("%q appears %d times", item, c)
			continue
		}
		at := strings.Index(s, item)
		if at < last {
			t.Errorf("%q is out of order", item)
		}
		last = at
	}
	return all
}

// The connector's own backstop: a rendering of 122 blocks in one message
// is posted as 50 + 50 + 22, threaded under the first. The fake rejects any
// message over the limits, so a successful Send proves they were kept.
func TestDigest120ItemsSplitByConnector(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	rc, err := e.c.Send(context.Background(), ports.Message{
		To: ports.Recipient{Channel: e.sec}, Ref: "digest/2026-W48", Doc: digestDoc(120),
	})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Parts != 3 {
		t.Errorf("parts = %d, want 3", rc.Parts)
	}
	checkDigest(t, e, rc, 120)
}

// The same digest through the core's real renderer.
func TestDigest120ItemsRealRenderer(t *testing.T) {
	t.Parallel()
	doc := digestDoc(120)
	msgs := blockkit.Render(doc)
	if len(msgs) == 0 {
		t.Skip("handoff.RenderSlack is still a stub")
	}
	e := mustEnv(t, nil)
	e.c.render = blockkit.Render
	rc, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "digest/real", Doc: doc})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if rc.Parts < len(msgs) {
		t.Errorf("parts = %d, the renderer gave %d", rc.Parts, len(msgs))
	}
	checkDigest(t, e, rc, 120)
	t.Logf("120-item digest, real renderer: %d message(s)", rc.Parts)
}

// The weekly digest end to end: 120 overdue items from 40 owners through
// handoff.Digest and handoff.RenderSlack, posted within the limits, every
// ticket present and no one pinged.
func TestDigestEndToEnd(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	kinds := []handoff.DueKind{handoff.DueReviewPassed, handoff.DueDeadlinePassed, handoff.DueExceptionExpired, handoff.DueBlockedReview}
	var items []handoff.Due
	for i := range 120 {
		key := fmt.Sprintf("SEC-%d", 1001+i)
		owner := fmt.Sprintf("Owner %02d", i%40)
		items = append(items, handoff.Due{
			Kind: kinds[i%len(kinds)], Key: key, Lane: handoff.Lanes()[i%len(handoff.Lanes())],
			Field: handoff.FieldReviewDate, On: now.AddDate(0, 0, -1-i), Days: 1 + i,
			Owner: handoff.Person{Value: handoff.Value{Text: owner}, User: handoff.User{DisplayName: owner}},
			Handoff: handoff.Handoff{Ticket: handoff.Ticket{
				Key: key, Summary: "Patch " + hostile, URL: "https://jira.example.com/browse/" + key,
			}},
		})
	}
	briefs := make([]handoff.DueBrief, len(items))
	for i, d := range items {
		briefs[i] = d.Brief()
	}
	doc := texts.DigestBriefs(briefs, texts.Options{Now: now, Loc: time.UTC})
	if len(doc.Blocks) == 0 || len(blockkit.Render(doc)) == 0 {
		t.Skip("handoff.Digest or handoff.RenderSlack is still a stub")
	}
	e := mustEnv(t, nil)
	e.c.render = blockkit.Render
	rc, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "digest/2026-W48", Doc: doc})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	all := append(e.srv.Messages(e.sec), e.srv.Replies(e.sec, rc.TS)...)
	if len(all) != rc.Parts {
		t.Fatalf("%d messages, receipt says %d", len(all), rc.Parts)
	}
	var text strings.Builder
	for _, m := range all {
		text.WriteString(strings.Join(m.Texts(), "\n"))
		if got := m.Mentions(); len(got) > 0 {
			t.Errorf("the digest pings %v", got)
		}
	}
	for _, d := range items {
		if !strings.Contains(text.String(), d.Key) {
			t.Errorf("%s is missing from the digest", d.Key)
		}
	}
	t.Logf("120-item digest via handoff.Digest: %d message(s)", rc.Parts)
}

// Updating a multi-part digest edits each part in place; a shorter digest
// empties the surplus part instead of leaving stale items.
func TestUpdateMultiPart(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	m := ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "digest/u", Doc: digestDoc(120)}
	rc, err := e.c.Send(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	m.Doc = digestDoc(60) // 62 blocks: two parts
	if err := e.c.Update(ctx, rc, m); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.CallCount("chat.postMessage"); n != 3 {
		t.Errorf("%d posts, want the original 3", n)
	}
	rs := e.srv.Replies(e.sec, rc.TS)
	if len(rs) != 2 || rs[0].Edits != 1 || rs[1].Edits != 1 || len(rs[1].Blocks) > 2 {
		t.Fatalf("replies after update: %d (edits %v)", len(rs), rs)
	}
	if !strings.Contains(rs[1].Text, "no longer needed") {
		t.Errorf("surplus part says %q", rs[1].Text)
	}
	m.Doc = digestDoc(160) // 162 blocks: a fourth part is posted
	if err := e.c.Update(ctx, rc, m); err != nil {
		t.Fatal(err)
	}
	if rs := e.srv.Replies(e.sec, rc.TS); len(rs) != 3 {
		t.Errorf("%d replies, want 3 after growing to four parts", len(rs))
	}
}
