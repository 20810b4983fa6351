package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/scheduler"
)

// TestConfigValidateOnlineSaysWhatTheBotMayDo: on a site whose edit
// screen has no Labels and whose done step takes no edits, validate
// --online prints, per project, the paths the writes take and each
// missing capability with its cost and the change that enables it.
func TestConfigValidateOnlineSaysWhatTheBotMayDo(t *testing.T) {
	c := newCLI(t, nil)
	c.w.Jira.SetSite(jiratest.Site{NoLabelsOnScreen: true, ResolvedNotEditable: true})
	code, out, errOut := c.run("config", "validate", "--online")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"project SEC (Jira SEC): what the bot may do",
		"project OPS (Jira OPS): what the bot may do",
		"open tickets (sample SEC-",
		"one issue edit (comment and trail together; no label)",
		"resolved tickets (sample SEC-",
		"comment endpoint, the trail on the bot's comment, no label",
		"- set the label on open tickets (Labels on the edit screen) [open_label]",
		"to enable: add the Labels field to the edit screen",
		"- edit resolved tickets (their workflow step takes edits) [resolved_editable]",
		"to enable: remove jira.issue.editable=false",
		": ok (2 projects)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate --online does not say %q:\n%s", want, out)
		}
	}
	// The resolved step's label, comment field and property follow from
	// the step: they are in the table, not listed again as missing.
	if strings.Contains(out, "[resolved_label]") {
		t.Errorf("a capability implied by another is listed as missing:\n%s", out)
	}
}

// TestReadyzSaysWhatRunsDegraded: /readyz stays ready and lists, per
// project, the capabilities the bot lacks.
func TestReadyzSaysWhatRunsDegraded(t *testing.T) {
	now := time.Now()
	srv := &server{status: func() scheduler.Status { return scheduler.Status{LastSync: now} }, now: func() time.Time { return now },
		maxSyncAge: time.Hour, reg: prometheus.NewRegistry(),
		degraded: func() map[string][]string { return map[string][]string{"SEC": {"open_label", "resolved_editable"}} }}
	rec := httptest.NewRecorder()
	srv.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body struct {
		Ready    bool                `json:"ready"`
		Degraded map[string][]string `json:"degraded"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("readyz %d %s: %v", rec.Code, rec.Body, err)
	}
	if !body.Ready || strings.Join(body.Degraded["SEC"], ",") != "open_label,resolved_editable" {
		t.Fatalf("readyz said %s", rec.Body)
	}
}
