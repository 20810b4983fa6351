package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
)

// daemon is `patchbot run` in a goroutine, its JSON log read line by line.
type daemon struct {
	t      *testing.T
	cancel context.CancelFunc
	lines  chan map[string]any
	seen   []map[string]any // every line read so far
	done   chan int
	addr   string
}

// startDaemon runs `patchbot run args...` and waits for its HTTP
// address, read from its log.
func startDaemon(t *testing.T, args ...string) *daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	d := &daemon{t: t, cancel: cancel, lines: make(chan map[string]any, 10000), done: make(chan int, 1)}
	go func() {
		code := run(ctx, append([]string{"run"}, args...), io.Discard, pw)
		pw.Close()
		d.done <- code
	}()
	go func() {
		defer close(d.lines)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"msg": sc.Text()}
			}
			select {
			case d.lines <- m:
			default: // the test stopped reading; keep draining
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(d.stop)
	m := d.await("serving health and metrics", nil)
	d.addr, _ = m["addr"].(string)
	return d
}

// matches reports whether a log line has msg and the attributes in want.
func matches(m map[string]any, msg string, want map[string]any) bool {
	if m["msg"] != msg {
		return false
	}
	for k, v := range want {
		if m[k] != v {
			return false
		}
	}
	return true
}

// await returns the first log line, logged so far or to come, with msg
// and the attributes in want, failing the test if the daemon ends first.
func (d *daemon) await(msg string, want map[string]any) map[string]any {
	d.t.Helper()
	if m := d.logged(msg, want); m != nil {
		return m
	}
	for m := range d.lines {
		d.seen = append(d.seen, m)
		if matches(m, msg, want) {
			return m
		}
	}
	d.t.Fatalf("the daemon ended without logging %q %v", msg, want)
	return nil
}

// logged returns the first line logged so far with msg and want, or nil.
func (d *daemon) logged(msg string, want map[string]any) map[string]any {
	for _, m := range d.seen {
		if matches(m, msg, want) {
			return m
		}
	}
	return nil
}

func (d *daemon) stop() {
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	if code := <-d.done; code != exitOK {
		d.t.Errorf("run ended with exit %d", code)
	}
}

// readyz asks /readyz until it answers 200 (the daemon's first sync runs
// as it starts) and returns the body; it fails after the first sync when
// not ready.
func (d *daemon) readyz() (int, map[string]any) {
	d.t.Helper()
	resp, err := http.Get("http://" + d.addr + "/readyz")
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		d.t.Fatal(err)
	}
	return resp.StatusCode, m
}

// shippedConfig is deploy/kubernetes/configmap.yaml's patchbot.yaml.
func shippedConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kubernetes", "configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(data, &cm); err != nil {
		t.Fatal(err)
	}
	cfg := cm.Data["patchbot.yaml"]
	if cfg == "" {
		t.Fatal("the ConfigMap has no patchbot.yaml")
	}
	return cfg
}

// replace replaces the one match of re in s, failing when there is none:
// the shipped file changed and the test must follow.
func replace(t *testing.T, s, re, with string) string {
	t.Helper()
	r := regexp.MustCompile(re)
	if !r.MatchString(s) {
		t.Fatalf("the shipped config has no match for %s", re)
	}
	return r.ReplaceAllLiteralString(s, with)
}

// TestShippedConfigMapBecomesReady: the Kubernetes ConfigMap as shipped —
// dry_run: true — pointed at fake Jira and Slack, runs a daemon that
// becomes ready after its first sync, logs what it would post, and posts
// nothing.
func TestShippedConfigMapBecomesReady(t *testing.T) {
	jira := jiratest.New(jiratest.Options{Flavor: jiratest.Cloud, Email: "patchbot@acme.example", Token: "jira-token"})
	defer jira.Close()
	for name, shape := range map[string]jiratest.Shape{
		"CVE ID": jiratest.ShapeText, "Affected Product": jiratest.ShapeText, "Affected Versions": jiratest.ShapeText,
		"Action Lane": jiratest.ShapeSelect, "Fixed Version": jiratest.ShapeText, "Testing Scope": jiratest.ShapeParagraph,
		"Rollback Plan": jiratest.ShapeParagraph, "Review Date": jiratest.ShapeDate,
	} {
		jira.AddField(name, shape)
	}
	if _, err := jira.AddIssues(
		jiratest.IssueSpec{Project: "INFRA", Summary: "CVE-2026-1001 OpenSSL on the edge proxies",
			Fields: map[string]any{"CVE ID": "CVE-2026-1001", "Action Lane": jiratest.Option("Patch now")}},
		jiratest.IssueSpec{Project: "APPSEC", Summary: "CVE-2026-1002 in a web framework", Labels: []string{"patch-request"},
			Description: "Action lane: patch now\nAdvisory: CVE-2026-1002"},
	); err != nil {
		t.Fatal(err)
	}
	slack := slacktest.New()
	defer slack.Close()
	for _, ch := range []string{"patch-handoffs", "secops-escalations", "patch-now", "risk-exceptions", "infra-leads"} {
		slack.AddChannel(ch)
	}
	t.Setenv("JIRA_API_TOKEN", "jira-token")
	t.Setenv("SLACK_BOT_TOKEN", slacktest.DefaultToken)

	cfg := shippedConfig(t)
	cfg = replace(t, cfg, `url: https://acme\.atlassian\.net`, "url: "+jira.URL)
	cfg = replace(t, cfg, `(?m)^slack:\n`, "slack:\n  api_url: "+slack.URL()+"\n")
	cfg = replace(t, cfg, `path: /var/lib/patchbot/patchbot\.db`, "path: "+filepath.Join(t.TempDir(), "patchbot.db"))
	cfg = replace(t, cfg, `listen: ":8080"`, `listen: "127.0.0.1:0"`)
	// The fake's JQL knows no issue types; the rest of the scope stands.
	cfg = replace(t, cfg, ` AND issuetype = "Vulnerability"`, "")
	if !strings.Contains(cfg, "dry_run: true") {
		t.Fatal("the shipped config no longer starts in dry run; this test is about that start")
	}
	path := filepath.Join(t.TempDir(), "patchbot.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, "--config", path)
	// The start-up line and the sync's planned actions come before the
	// sync's summary.
	done := d.await("job done", map[string]any{"job": "sync"})
	if m := d.logged("patchbot started", nil); m == nil || m["dry_run"] != true {
		t.Errorf("start-up line %v, want dry_run=true", m)
	}
	for _, kind := range []string{"jira_comment", "slack"} {
		planned := d.logged("dry run: would post", map[string]any{"kind": kind})
		if planned == nil || planned["ticket"] == nil || planned["send"] != "validation" {
			t.Errorf("no planned %s line with its ticket: %v", kind, planned)
		}
		if kind == "slack" && (planned == nil || planned["channel"] == nil || planned["recipient"] == nil) {
			t.Errorf("planned Slack line %v lacks the channel or the recipient", planned)
		}
	}
	if done["dry_run"] != true || done["tickets"] != 2.0 || done["jira_comments"] != 2.0 {
		t.Errorf("sync summary %v, want 2 tickets and 2 comments planned in a dry run", done)
	}
	code, body := d.readyz()
	if code != http.StatusOK || body["ready"] != true || body["jira"] != "ok" || body["slack"] != "ok" {
		t.Fatalf("/readyz after the first dry-run sync: %d %v, want 200", code, body)
	}
	if n := jira.Writes(); n != 0 {
		t.Errorf("a dry run wrote %d times to Jira", n)
	}
	if n := len(slack.All()); n != 0 {
		t.Errorf("a dry run sent %d Slack messages", n)
	}
}

// TestRunDryRunFlag: `run --dry-run` over a config that says dry_run:
// false logs the value in effect at start and becomes ready.
func TestRunDryRunFlag(t *testing.T) {
	c := newCLI(t, func(y string) string {
		return y + "safety:\n  dry_run: false\nhttp:\n  listen: 127.0.0.1:0\nlog:\n  format: json\n"
	})
	d := startDaemon(t, "--dry-run", "--config", c.path)
	d.await("job done", map[string]any{"job": "sync"})
	if m := d.logged("patchbot started", nil); m == nil || m["dry_run"] != true {
		t.Errorf("start-up line %v, want dry_run=true under --dry-run", m)
	}
	if code, body := d.readyz(); code != http.StatusOK {
		t.Fatalf("/readyz after the first sync of run --dry-run: %d %v", code, body)
	}
	if n := c.w.Jira.Writes(); n != 0 {
		t.Errorf("run --dry-run wrote %d times to Jira", n)
	}
}

// TestTakenPortEndsAtOnce: with its HTTP address taken, run and demo
// --serve end at once with exit 1 and a message naming the address, before
// any job starts: nothing reaches Jira, the demo plays nothing.
func TestTakenPortEndsAtOnce(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	// Only a bound on a broken build: a run that does not notice goes on
	// until it is stopped.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	c := newCLI(t, func(y string) string { return y + "http:\n  listen: " + addr + "\n" })
	before := len(c.w.Jira.Requests())
	var out, errOut strings.Builder
	code := run(ctx, []string{"run", "--config", c.path}, &out, &errOut)
	if code != exitError || ctx.Err() != nil {
		t.Errorf("run on a taken port: exit %d (context: %v), want %d at once", code, ctx.Err(), exitError)
	}
	if want := "cannot listen on " + addr + " (http.listen)"; !strings.Contains(errOut.String(), want) {
		t.Errorf("run on a taken port said %q, want %q", errOut.String(), want)
	}
	if n := len(c.w.Jira.Requests()) - before; n != 0 {
		t.Errorf("run on a taken port made %d Jira requests before it ended", n)
	}

	out.Reset()
	errOut.Reset()
	code = run(ctx, []string{"demo", "--serve", "--listen", addr}, &out, &errOut)
	if code != exitError || ctx.Err() != nil {
		t.Errorf("demo --serve on a taken port: exit %d (context: %v), want %d at once", code, ctx.Err(), exitError)
	}
	if want := "cannot listen on " + addr + " (--listen)"; !strings.Contains(errOut.String(), want) {
		t.Errorf("demo --serve on a taken port said %q, want %q", errOut.String(), want)
	}
	if out.Len() != 0 {
		t.Errorf("demo --serve on a taken port played:\n%s", out.String())
	}
}
