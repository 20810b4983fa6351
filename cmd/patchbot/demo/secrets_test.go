package demo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/scheduler"
)

// TestTokensNeverLeak runs whole cycles on Jira Cloud (the demo's seed and
// story) and Data Center (the hostile seed) with faults that make the
// error paths run — Jira answering 401 as after a token rotation, Slack
// answering invalid_auth — while every log record at debug level is
// captured as JSON and as text. Nothing the daemon wrote or sent may hold
// a token, raw or in the base64 forms basic auth uses: not a log line, an
// error, a request body or query the fakes received, a Slack message, a
// Jira comment or property, the transcript, the ledger file, the metrics,
// or the config printed.
func TestTokensNeverLeak(t *testing.T) {
	t.Parallel()
	for _, flavor := range []jiratest.Flavor{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var jsonLogs, textLogs syncBuffer
			opts := &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}
			logger := slog.New(slog.NewMultiHandler(slog.NewJSONHandler(&jsonLogs, opts), slog.NewTextHandler(&textLogs, opts)))

			var w *World
			if flavor == jiratest.Cloud {
				var err error
				if w, err = NewWorld(ctx, Options{Now: tuesday, Dir: t.TempDir(), Logger: logger}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(w.Close)
			} else {
				w = newHostileWorld(t, flavor, logger)
			}
			e := w.App.Engine
			var errs []string
			note := func(rep *scheduler.Report, err error) {
				if err != nil {
					errs = append(errs, err.Error(), fmt.Sprintf("%+v %#v", err, err))
				}
				if rep != nil {
					for _, e := range rep.Errors {
						errs = append(errs, e.Error(), fmt.Sprintf("%+v %#v", e, e))
					}
				}
			}

			// The token was rotated under the daemon: Jira answers 401.
			w.Jira.Inject(jiratest.Fault{Status: 401})
			rep, err := e.Sync(ctx, scheduler.SyncOptions{Full: true})
			if err == nil && len(rep.Errors) == 0 {
				t.Fatal("a sync answered 401 reported no error")
			}
			note(rep, err)
			note(e.Sync(ctx, scheduler.SyncOptions{Full: true}))

			// Slack revoked the bot token mid-run.
			w.Slack.Inject(slacktest.Fault{Method: "chat.postMessage", Error: "invalid_auth"})
			rep, err = e.Nag(ctx, scheduler.NagOptions{})
			if err == nil && len(rep.Errors) == 0 {
				t.Fatal("a nag answered invalid_auth reported no error")
			}
			note(rep, err)
			w.Slack.ClearFaults()
			note(e.Nag(ctx, scheduler.NagOptions{}))
			note(e.Digest(ctx, scheduler.DigestOptions{}))

			var transcript bytes.Buffer
			if flavor == jiratest.Cloud {
				// The demo's story: fixes, days of reminders, escalations.
				if err := w.Play(ctx, &transcript); err != nil {
					note(nil, err)
				}
			} else {
				runCycle(t, w)
			}
			if len(errs) < 2 {
				t.Fatalf("only %d errors captured; the error paths did not run", len(errs))
			}

			// Everything the daemon said or sent, to search.
			places := map[string]string{
				"JSON logs":  jsonLogs.String(),
				"text logs":  textLogs.String(),
				"errors":     strings.Join(errs, "\n"),
				"transcript": transcript.String(),
				"config":     fmt.Sprintf("%v %+v %#v", w.Config, *w.Config, w.Config.Jira),
			}
			if b, err := json.Marshal(w.Config); err == nil {
				places["config as JSON"] = string(b)
			}
			var jiraReqs strings.Builder
			for _, r := range w.Jira.Requests() {
				fmt.Fprintf(&jiraReqs, "%s %s?%s %s\n", r.Method, r.Path, r.Query, r.Body)
			}
			places["Jira requests"] = jiraReqs.String()
			var slackCalls, slackTexts strings.Builder
			for _, c := range w.Slack.Calls("") {
				fmt.Fprintf(&slackCalls, "%s %v %s\n", c.Method, c.Params, c.Error)
			}
			for _, m := range w.Slack.All() {
				fmt.Fprintf(&slackTexts, "%s %s %v\n", strings.Join(m.Texts(), "\n"), m.Params, m.Metadata)
			}
			places["Slack calls"], places["Slack messages"] = slackCalls.String(), slackTexts.String()
			var jiraStored strings.Builder
			var keys []string
			for i := 1; i <= w.Jira.Len(); i++ {
				keys = append(keys, fmt.Sprintf("SEC-%d", i), fmt.Sprintf("OPS-%d", i))
			}
			for _, key := range keys {
				is, _ := w.Jira.Issue(key)
				for _, c := range is.Comments {
					fmt.Fprintf(&jiraStored, "%s %s\n", c.Body, c.ADF)
				}
				for k, v := range is.Properties {
					fmt.Fprintf(&jiraStored, "%s=%s\n", k, v)
				}
			}
			places["Jira comments and properties"] = jiraStored.String()
			if mfs, err := w.App.Registry.Gather(); err == nil {
				places["metrics"] = fmt.Sprint(mfs)
			}
			ledger, _ := filepath.Glob(filepath.Join(w.dir, "patchbot.db*"))
			for _, f := range ledger {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				places["ledger "+filepath.Base(f)] = string(b)
			}

			if len(places["JSON logs"]) == 0 || !strings.Contains(places["text logs"], "level=DEBUG") {
				t.Fatalf("the debug logs were not captured (%d bytes)", len(places["JSON logs"]))
			}
			if !strings.Contains(places["text logs"], "level=ERROR") && !strings.Contains(places["text logs"], "level=WARN") {
				t.Errorf("no warning or error was logged: the error paths did not log")
			}
			for where, text := range places {
				for _, secret := range secretForms() {
					if strings.Contains(text, secret) {
						t.Errorf("%s holds a token (%q)", where, secret)
					}
				}
			}
		})
	}
}

// secretForms are the demo's tokens as they could leak: raw, and base64
// as in an Authorization header (basic auth on Cloud) in every alphabet.
func secretForms() []string {
	forms := []string{jiraToken, slackBot}
	for _, raw := range []string{jiraToken, slackBot, jiraEmail + ":" + jiraToken} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			s := enc.EncodeToString([]byte(raw))
			forms = append(forms, strings.TrimRight(s, "="))
		}
	}
	return forms
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
