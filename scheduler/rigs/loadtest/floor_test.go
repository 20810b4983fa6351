package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gojira "github.com/andygrunwald/go-jira"
	slackgo "github.com/slack-go/slack"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/scheduler"
)

// The floor: what the full sync's mandated writes cost on their own.
//
// At N tickets the full sync makes one Jira issue edit (comment + label +
// trail property) and one Slack chat.postMessage per flagged ticket,
// through go-jira and slack-go. TestLoadFloor makes exactly those
// requests — the same count, the same bodies, the same fakes, the same
// libraries and options — from a process that does nothing else: no
// ticket read or decoded, no evaluation, no rendering per ticket, no
// ledger. Its CPU is what any client of those libraries pays for that
// I/O here, and so a floor under patchbot's full sync (TestLoadProcess):
// if the floor is itself near the target, the target cannot be met with
// the mandated libraries on this machine.
//
// How the payloads are made. The flagged tickets are the generator's
// planted set (incomplete, or an open exception whose expiry passed), as
// planted() counts them and TestGeneratedMix checks ticket by ticket
// against patchbot's own evaluation. They are put in classes — project,
// lane, blocked or resolved, incomplete or expired — whose checklists
// have the same shape and about the same size. For one ticket of each
// class, patchbot itself (app.Build on the config TestLoadProcess writes,
// a sync narrowed to those keys, in this process) makes the issue edit
// and the post, and the fakes' logs give them back byte for byte: the
// edit's path and body (handoff.ValidationRequest rendered by
// handoff.RenderADF, the label, the trail property, as the connector
// encodes them), the post's channel, text, blocks (handoff.RenderSlack's)
// and metadata. Taken from the wire rather than rebuilt here, they stay
// exact whatever the connectors' encoders become. They are written to
// files in the floor directory, with the list of flagged tickets (key,
// class, channel id): every ticket of a class is sent its sample's
// payloads.
//
// How it is measured. The test binary runs itself as the child, through
// the spawner (see run): with PATCHBOT_LOAD_FLOOR set, TestMain hands it
// to floorMain, which reads the files, builds a go-jira client (basic
// auth with the fake's credentials, the configured timeout, as the
// connector does) and a slack-go client (bot token, the fake's API URL,
// answers drained), and for each flagged ticket in the full sync's order
// (SEC then OPS, by key) sends its class's issue edit
// (NewRawRequestWithContext + Do, the answer read to its end and closed)
// and then its post (PostMessageContext with text, blocks, link and
// media unfurling off, metadata: the connector's msgOptions).
// Sequentially, one keep-alive connection per service, no pacing, no
// retries. The fakes are seeded as for TestLoadProcess: the fake Slack
// enforces no per-channel rate (EnforcePostRate is off), the fake Jira
// none at all, so every request must be accepted at once; any 4xx (429
// included) or Slack error fails the test. The rusage is the child's
// alone; its CPU includes the test binary's start-up (a few ms) and
// reading the files (a few KiB per class, a line per ticket).
//
// It runs twice: "floor", slack-go as it comes; "floor-trim", with the
// message Slack echoes cut from the answers before slack-go decodes them,
// as the connector does (see floorTrimEnv). The second is the floor for
// patchbot as it is.
//
//	PATCHBOT_LOAD=100000 go test ./scheduler/rigs/loadtest -run 'TestLoadFloor$' -v -timeout 30m
//
// PATCHBOT_LOAD_PROFILE_DIR=dir makes each child write its CPU profile to
// dir/floor.cpu.prof and dir/floor-trim.cpu.prof.

// floorEnv makes the test binary the floor's client (floorMain): its
// value is the directory holding the plan, the payloads and the tickets.
const floorEnv = "PATCHBOT_LOAD_FLOOR"

// floorProfileEnv, when set, is where the floor's child writes its CPU
// profile.
const floorProfileEnv = "PATCHBOT_LOAD_FLOOR_CPUPROFILE"

// floorTrimEnv, when set, has the floor's child hand slack-go Slack's
// answers to chat.postMessage without the message they echo, as the
// connector's client does (connectors/slack/trim.go): slack-go decodes
// every block of that echo by reflection, about a third of the plain
// floor's CPU, and patchbot skips it. The cut here decodes the answer's
// ok, channel and ts with encoding/json and encodes them again: a stand-in
// for the connector's own scanner, likely no cheaper.
const floorTrimEnv = "PATCHBOT_LOAD_FLOOR_TRIM"

// TestLoadFloor measures the floor at PATCHBOT_LOAD (or -load) tickets;
// it skips without them, as TestLoadProcess does.
func TestLoadFloor(t *testing.T) {
	runFloor(t, loadSize(t), true)
}

// TestLoadFloorSmoke is the floor at 200 tickets, every count asserted,
// so that its code (the sampling, the files, the child) stays tested in
// the default run.
func TestLoadFloorSmoke(t *testing.T) {
	runFloor(t, 200, testing.Verbose())
}

// floorPlan is the floor child's input, plan.json in the floor directory.
type floorPlan struct {
	JiraURL  string        `json:"jira_url"`
	SlackURL string        `json:"slack_url"`
	Classes  []floorSample `json:"classes"`
	// Tickets names the file of flagged tickets: one "key\tclass\tchannel"
	// line each, in the order the full sync makes them.
	Tickets string `json:"tickets"`
}

// floorSample is one class's payloads, as patchbot sent them for one of
// its tickets.
type floorSample struct {
	Class string `json:"class"`
	// Key is the ticket they were taken from.
	Key string `json:"key"`
	// JiraPath is the issue edit's path without the key
	// ("rest/api/3/issue/"), JiraQuery its query ("" or
	// "notifyUsers=false"); JiraBody names the file holding its body.
	JiraPath  string `json:"jira_path"`
	JiraQuery string `json:"jira_query,omitempty"`
	JiraBody  string `json:"jira_body"`
	// Slack names the file holding the post (floorPost).
	Slack string `json:"slack"`
}

// floorPost is one chat.postMessage as patchbot sent it: the parameters
// its options set, blocks and metadata as the JSON on the wire.
type floorPost struct {
	Channel     string          `json:"channel"`
	Text        string          `json:"text"`
	Blocks      json.RawMessage `json:"blocks,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	UnfurlLinks string          `json:"unfurl_links,omitempty"`
	UnfurlMedia string          `json:"unfurl_media,omitempty"`
}

// floorResult is what the child prints on its stdout.
type floorResult struct {
	Edits, Posts int
	// JiraBytes and SlackBytes are the request bodies sent (the issue
	// edits' JSON; the posts' blocks, text and metadata before form
	// encoding).
	JiraBytes, SlackBytes int64
	// Setup is the time from the child's start to its first request:
	// reading the files and building the clients.
	Setup int64 // ns
}

// flaggedTicket is a ticket the full sync writes to.
type flaggedTicket struct {
	key, class string
	project    int // the config's project order: SEC, then OPS
	num        int
}

// floorClass is a flagged ticket's class: its checklist's shape.
func floorClass(tk Ticket) string {
	state := string(tk.Lane)
	switch {
	case tk.Resolved:
		state = "resolved"
	case tk.Blocked:
		state += "-blocked"
	}
	if !tk.Incomplete {
		state += "-expired"
	}
	return tk.Project + "-" + state
}

// flaggedTickets are the tickets the full sync flags, as the generator
// planted them (see planted), in the order the sync writes to them: by
// project in the config's order (SEC, then OPS), then by key.
func (w *world) flaggedTickets() []flaggedTicket {
	var out []flaggedTicket
	for key, i := range w.index {
		tk := w.site.Tickets[i]
		expired := tk.Due == DueOverdue && !tk.Resolved && !tk.Blocked && tk.Lane == "exception"
		if !tk.Incomplete && !expired {
			continue
		}
		p, num, _ := strings.Cut(key, "-")
		f := flaggedTicket{key: key, class: floorClass(tk), project: 1}
		if p == ProjectFields {
			f.project = 0
		}
		f.num, _ = strconv.Atoi(num)
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b flaggedTicket) int {
		if a.project != b.project {
			return a.project - b.project
		}
		return a.num - b.num
	})
	return out
}

func runFloor(t *testing.T, n int, verbose bool) {
	dir := t.TempDir()
	floorDir := filepath.Join(dir, "floor")
	if err := os.Mkdir(floorDir, 0o700); err != nil {
		t.Fatal(err)
	}

	// The fakes on the wall clock, seeded exactly as runLoadProcess seeds
	// them.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	seedStart := time.Now()
	w := &world{perProject: map[string]int{}}
	w.seed(t, n, today, nil, nil)
	seedWall := time.Since(seedStart)
	want := planted(w.site)
	flagged := w.flaggedTickets()
	if len(flagged) != want.flagged {
		t.Fatalf("%d flagged tickets listed, planted() counts %d", len(flagged), want.flagged)
	}

	// One ticket per class, in the sync's order; patchbot writes to them.
	first := map[string]string{}
	var sample []string
	for _, f := range flagged {
		if _, ok := first[f.class]; !ok {
			first[f.class] = f.key
			sample = append(sample, f.key)
		}
	}
	samples := w.floorSamples(t, dir, floorDir, sample)

	// The list of flagged tickets, each with its class's channel.
	channelOf := map[string]string{}
	var plan floorPlan
	plan.JiraURL, plan.SlackURL, plan.Tickets = w.jira.URL, w.slack.URL(), "tickets.tsv"
	for _, s := range samples {
		plan.Classes = append(plan.Classes, s.sample)
		channelOf[s.sample.Class] = s.post.Channel
	}
	var tsv bytes.Buffer
	for _, f := range flagged {
		fmt.Fprintf(&tsv, "%s\t%s\t%s\n", f.key, f.class, channelOf[f.class])
	}
	writeFloorFile(t, floorDir, plan.Tickets, tsv.Bytes())
	b, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFloorFile(t, floorDir, "plan.json", b)

	// The floor itself, in its own process: slack-go as it is, then with
	// the echoed message trimmed from its answers (see floorTrimEnv).
	nf := len(flagged)
	var runs []floorRun
	for _, trim := range []bool{false, true} {
		p := w.runFloorChild(t, dir, floorDir, trim)
		runs = append(runs, p)
		w.checkFloor(t, p, nf)
	}

	if !verbose {
		return
	}
	res := runs[0].res
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nN = %d tickets (%d SEC fields, %d OPS template); seeding %v\n",
		n, w.perProject[ProjectFields], w.perProject[ProjectTemplate], seedWall.Round(time.Millisecond))
	fmt.Fprintf(&sb, "flagged (planted: %d incomplete + expired exceptions): %d, in %d classes; payloads taken from patchbot's own writes to %s\n",
		want.incomplete, nf, len(samples), strings.Join(sample, ", "))
	fmt.Fprintf(&sb, "sent per run: issue edits %d KiB (%d B each on average), posts %d KiB of text + blocks + metadata (%d B each)\n",
		res.JiraBytes/1024, res.JiraBytes/int64(max(nf, 1)), res.SlackBytes/1024, res.SlackBytes/int64(max(nf, 1)))
	sb.WriteString("\n| run | what | wall | CPU (user + sys) | peak RSS | Jira requests | Slack requests |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, p := range runs {
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s | %s |\n", p.name, p.what, secs(p.wall), secs(p.cpu), mib(p.maxRSS), routes(p.jira), routes(p.slack))
	}
	sb.WriteString("\n")
	for _, p := range runs {
		per := p.cpu / time.Duration(max(nf, 1))
		fmt.Fprintf(&sb, "  %-14s CPU per flagged ticket (one edit + one post) %v, set-up before the first request %v; at 100k's 30,772 flagged: %s if linear\n",
			p.name, per.Round(time.Microsecond), time.Duration(p.res.Setup).Round(time.Millisecond), secs(per*30772))
	}
	t.Log(sb.String())
}

// checkFloor asserts that exactly the sync's writes reached the fakes in
// the floor run p, and that every one was accepted: 204 for the edits,
// ok for the posts. It leaves the fakes' logs empty.
func (w *world) checkFloor(t *testing.T, p floorRun, nf int) {
	t.Helper()
	if p.res.Edits != nf || p.res.Posts != nf {
		t.Errorf("%s: the child reports %d issue edits and %d posts, want %d each", p.name, p.res.Edits, p.res.Posts, nf)
	}
	if p.jira[routeEdit] != nf || total(p.jira) != nf {
		t.Errorf("%s: Jira received %v, want %d issue edits and nothing else", p.name, p.jira, nf)
	}
	if p.slack["chat.postMessage"] != nf || total(p.slack) != nf {
		t.Errorf("%s: Slack received %v, want %d chat.postMessage and nothing else", p.name, p.slack, nf)
	}
	var badJira, badSlack int
	for _, r := range w.jira.Requests() {
		if r.Status != http.StatusNoContent {
			if badJira == 0 {
				t.Errorf("%s: Jira answered %s %s with %d", p.name, r.Method, r.Path, r.Status)
			}
			badJira++
		}
	}
	for _, c := range w.slack.Calls("") {
		if c.Status != http.StatusOK || c.Error != "" || c.Dropped {
			if badSlack == 0 {
				t.Errorf("%s: Slack answered %s with HTTP %d, error %q (dropped %v)", p.name, c.Method, c.Status, c.Error, c.Dropped)
			}
			badSlack++
		}
	}
	if badJira > 0 || badSlack > 0 {
		t.Errorf("%s: %d Jira and %d Slack requests refused", p.name, badJira, badSlack)
	}
	w.jira.ResetRequests() // the request log holds every body: memory only
	w.slack.ResetCalls()
}

// floorSampled is one class's sample: its plan entry and its post.
type floorSampled struct {
	sample floorSample
	post   floorPost
}

// floorSamples has patchbot make the full sync's writes for the sample
// tickets (one per class, flagged, never written to): app.Build on the
// config TestLoadProcess writes, a sync narrowed to their keys, in this
// process. It takes each ticket's issue edit and post from the fakes'
// logs, writes them to floorDir, and leaves the logs empty.
func (w *world) floorSamples(t *testing.T, dir, floorDir string, keys []string) []floorSampled {
	t.Helper()
	ctx := context.Background()
	sampleDir := filepath.Join(dir, "sample")
	if err := os.Mkdir(sampleDir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := w.writeConfig(t, sampleDir)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envJiraToken: jiraToken, envSlackToken: slackBot}
	cfg, err := config.Parse(path, data, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Build(ctx, cfg, app.Deps{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Close() }()
	w.jira.ResetRequests()
	w.slack.ResetCalls()
	rep, err := a.Engine.Sync(ctx, scheduler.SyncOptions{Keys: keys, CountsOnly: true})
	if err != nil {
		t.Fatalf("sample sync: %v", err)
	}
	if rep.Tickets != len(keys) || rep.Flagged != len(keys) || rep.Deferred != 0 {
		t.Fatalf("sample sync over %d planted flagged tickets: %d read, %d flagged, %d deferred", len(keys), rep.Tickets, rep.Flagged, rep.Deferred)
	}

	edits := map[string]int{} // key -> index in the request log
	reqs := w.jira.Requests()
	for i, r := range reqs {
		if r.Method == http.MethodPut && issuePath.MatchString(r.Path) {
			k := r.Path[strings.LastIndexByte(r.Path, '/')+1:]
			if _, dup := edits[k]; dup {
				t.Fatalf("sample sync: two issue edits of %s", k)
			}
			edits[k] = i
		}
	}
	w.slackCalls() // until the last post is recorded
	posts := map[string]floorPost{}
	for _, c := range w.slack.Calls("chat.postMessage") {
		var md struct {
			Payload struct {
				Ref   string `json:"ref"`
				Parts int    `json:"parts"`
			} `json:"event_payload"`
		}
		if err := json.Unmarshal([]byte(c.Params.Get("metadata")), &md); err != nil {
			t.Fatalf("sample sync: a post's metadata: %v", err)
		}
		// "validation/KEY/fingerprint/episode"
		parts := strings.Split(md.Payload.Ref, "/")
		if len(parts) < 2 || parts[0] != "validation" || md.Payload.Parts != 1 || c.Params.Get("thread_ts") != "" {
			t.Fatalf("sample sync: a post with ref %q, %d parts, thread %q; want one unthreaded validation request per ticket",
				md.Payload.Ref, md.Payload.Parts, c.Params.Get("thread_ts"))
		}
		if _, dup := posts[parts[1]]; dup {
			t.Fatalf("sample sync: two posts for %s", parts[1])
		}
		p := floorPost{Channel: c.Params.Get("channel"), Text: c.Params.Get("text"),
			UnfurlLinks: c.Params.Get("unfurl_links"), UnfurlMedia: c.Params.Get("unfurl_media")}
		if b := c.Params.Get("blocks"); b != "" {
			p.Blocks = json.RawMessage(b)
		}
		p.Metadata = json.RawMessage(c.Params.Get("metadata"))
		posts[parts[1]] = p
	}

	var out []floorSampled
	for _, key := range keys {
		i, ok := edits[key]
		p, posted := posts[key]
		if !ok || !posted {
			t.Fatalf("sample sync: %s: issue edit %v, post %v; want both", key, ok, posted)
		}
		r := reqs[i]
		class := floorClass(w.site.Tickets[w.index[key]])
		s := floorSample{Class: class, Key: key,
			JiraPath:  strings.TrimPrefix(strings.TrimSuffix(r.Path, key), "/"),
			JiraQuery: r.Query, JiraBody: "jira-" + class + ".json", Slack: "slack-" + class + ".json"}
		writeFloorFile(t, floorDir, s.JiraBody, r.Body)
		// Not indented: MarshalIndent would indent the blocks too, and
		// slack-go would compact them again on every post.
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		writeFloorFile(t, floorDir, s.Slack, b)
		out = append(out, floorSampled{sample: s, post: p})
	}
	w.jira.ResetRequests()
	w.slack.ResetCalls()
	return out
}

func writeFloorFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// floorRun is the floor child's run, measured from outside as run
// measures patchbot's.
type floorRun struct {
	name, what string
	wall, cpu  time.Duration
	maxRSS     int64 // KiB
	jira       map[string]int
	slack      map[string]int
	res        floorResult
}

// runFloorChild runs the floor in a child: the test binary through the
// spawner (so the rusage is the child's own, see run), with floorEnv
// set, so that TestMain runs floorMain; with trim, floorTrimEnv too.
func (w *world) runFloorChild(t *testing.T, dir, floorDir string, trim bool) floorRun {
	t.Helper()
	w.jira.ResetRequests()
	w.slack.ResetCalls()
	name, what := "floor", "go-jira issue edit + slack-go chat.postMessage per flagged ticket, nothing else"
	if trim {
		name, what = "floor-trim", "the same, the echoed message cut from Slack's answers before slack-go decodes them"
	}
	env := []string{floorEnv + "=" + floorDir}
	if trim {
		env = append(env, floorTrimEnv+"=1")
	}
	if pd := os.Getenv("PATCHBOT_LOAD_PROFILE_DIR"); pd != "" {
		env = append(env, floorProfileEnv+"="+filepath.Join(pd, name+".cpu.prof"))
	}
	ru, outPath := spawnChild(t, dir, name, name, env, os.Args[0])
	p := floorRun{name: name, what: what, wall: time.Duration(ru.Wall), cpu: time.Duration(ru.CPU), maxRSS: ru.MaxRSS,
		jira: w.jira.Counts(), slack: w.slackCalls()}
	out, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &p.res); err != nil {
		t.Fatalf("%s: its output: %v\n%s", name, err, tail(outPath))
	}
	return p
}

// floorMain is the floor child (floorEnv set): it makes the flagged
// tickets' issue edits and posts and prints a floorResult.
func floorMain() int {
	if path := os.Getenv(floorProfileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	res, err := floor(context.Background(), os.Getenv(floorEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	return 0
}

// floorClassPayload is a class's payloads as the child sends them.
type floorClassPayload struct {
	path, query string
	body        []byte
	channel     string
	text        string
	blocks      []slackgo.Block
	metadata    slackgo.SlackMetadata
	unfurlOff   bool
	// size is the post's text, blocks and metadata, in bytes.
	size int64
}

// floor reads the plan in dir and makes the requests.
func floor(ctx context.Context, dir string) (floorResult, error) {
	start := time.Now()
	var res floorResult
	var plan floorPlan
	if err := readJSON(filepath.Join(dir, "plan.json"), &plan); err != nil {
		return res, err
	}
	classes := map[string]*floorClassPayload{}
	for _, s := range plan.Classes {
		body, err := os.ReadFile(filepath.Join(dir, s.JiraBody))
		if err != nil {
			return res, err
		}
		var post floorPost
		if err := readJSON(filepath.Join(dir, s.Slack), &post); err != nil {
			return res, err
		}
		c := &floorClassPayload{path: s.JiraPath, query: s.JiraQuery, body: body, channel: post.Channel, text: post.Text,
			unfurlOff: post.UnfurlLinks == "false" && post.UnfurlMedia == "false"}
		if c.blocks, err = floorBlocks(post.Blocks); err != nil {
			return res, fmt.Errorf("%s: %w", s.Slack, err)
		}
		if len(post.Metadata) > 0 {
			if err := json.Unmarshal(post.Metadata, &c.metadata); err != nil {
				return res, fmt.Errorf("%s: metadata: %w", s.Slack, err)
			}
		}
		c.size = int64(len(post.Text) + len(post.Metadata))
		for _, b := range c.blocks {
			c.size += int64(len(b.(floorBlock).raw))
		}
		classes[s.Class] = c
	}
	type ticket struct {
		key, channel string
		c            *floorClassPayload
	}
	var tickets []ticket
	f, err := os.Open(filepath.Join(dir, plan.Tickets))
	if err != nil {
		return res, err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 3 || classes[parts[1]] == nil {
			_ = f.Close()
			return res, fmt.Errorf("%s: bad line %q", plan.Tickets, sc.Text())
		}
		tickets = append(tickets, ticket{key: parts[0], channel: parts[2], c: classes[parts[1]]})
	}
	_ = f.Close()
	if err := sc.Err(); err != nil {
		return res, err
	}

	// go-jira as the connector builds it: basic auth (email + API token)
	// over the transport, the configured timeout.
	jc, err := gojira.NewClient(&http.Client{Timeout: config.Default().Jira.Timeout,
		Transport: &gojira.BasicAuthTransport{Username: jiraEmail, Password: jiraToken, Transport: http.DefaultTransport}}, plan.JiraURL)
	if err != nil {
		return res, err
	}
	// slack-go as the connector builds it: the bot token, the fake's API
	// URL, a client that reads each answer to its end before closing it
	// (slack-go's decoder stops at the end of the JSON value; net/http
	// keeps the connection only for a body read to its end).
	api := slackgo.New(slackBot, slackgo.OptionHTTPClient(floorDrain{c: &http.Client{Timeout: 30 * time.Second}, trim: os.Getenv(floorTrimEnv) != ""}),
		slackgo.OptionAPIURL(plan.SlackURL))
	res.Setup = int64(time.Since(start))

	for _, tk := range tickets {
		c := tk.c
		// The issue edit: comment, label and trail in one PUT.
		path := c.path + url.PathEscape(tk.key)
		if c.query != "" {
			path += "?" + c.query
		}
		req, err := jc.NewRawRequestWithContext(ctx, http.MethodPut, path, bytes.NewReader(c.body))
		if err != nil {
			return res, err
		}
		resp, err := jc.Do(req, nil)
		if resp != nil && resp.Body != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		if err != nil {
			return res, fmt.Errorf("%s: issue edit: %w", tk.key, err)
		}
		res.Edits++
		res.JiraBytes += int64(len(c.body))

		// The validation request: the connector's msgOptions for a post.
		opts := []slackgo.MsgOption{slackgo.MsgOptionText(c.text, false)}
		if len(c.blocks) > 0 {
			opts = append(opts, slackgo.MsgOptionBlocks(c.blocks...))
		}
		if c.unfurlOff {
			opts = append(opts, slackgo.MsgOptionDisableLinkUnfurl(), slackgo.MsgOptionDisableMediaUnfurl())
		}
		if c.metadata.EventType != "" {
			opts = append(opts, slackgo.MsgOptionMetadata(c.metadata))
		}
		if _, _, err := api.PostMessageContext(ctx, tk.channel, opts...); err != nil {
			return res, fmt.Errorf("%s: chat.postMessage: %w", tk.key, err)
		}
		res.Posts++
		res.SlackBytes += c.size
	}
	return res, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// floorBlocks splits a post's blocks JSON into blocks slack-go sends as
// they are, as the connector's rawBlock does.
func floorBlocks(raw json.RawMessage) ([]slackgo.Block, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(raw, &raws); err != nil {
		return nil, fmt.Errorf("blocks: %w", err)
	}
	blocks := make([]slackgo.Block, 0, len(raws))
	for _, r := range raws {
		var head struct {
			Type    string `json:"type"`
			BlockID string `json:"block_id"`
		}
		if err := json.Unmarshal(r, &head); err != nil || head.Type == "" {
			return nil, errors.New("blocks: a block without a type")
		}
		blocks = append(blocks, floorBlock{typ: head.Type, id: head.BlockID, raw: r})
	}
	return blocks, nil
}

// floorBlock is a block already rendered to JSON, marshalled as it is
// (the connector's rawBlock).
type floorBlock struct {
	typ, id string
	raw     json.RawMessage
}

func (b floorBlock) BlockType() slackgo.MessageBlockType { return slackgo.MessageBlockType(b.typ) }
func (b floorBlock) ID() string                          { return b.id }
func (b floorBlock) MarshalJSON() ([]byte, error)        { return b.raw, nil }

// floorDrain is the client slack-go calls: closing an answer's body reads
// its rest first, so the connection is kept. With trim, a successful
// chat.postMessage answer reaches slack-go as {"ok", "channel", "ts"}
// only (see floorTrimEnv).
type floorDrain struct {
	c    *http.Client
	trim bool
}

func (d floorDrain) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	if !d.trim || resp.StatusCode != http.StatusOK || !strings.HasSuffix(req.URL.Path, "/chat.postMessage") {
		resp.Body = floorDrainBody{resp.Body}
		return resp, nil
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var head struct {
		OK      bool   `json:"ok"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	}
	if json.Unmarshal(b, &head) == nil && head.OK {
		b, _ = json.Marshal(head)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return resp, nil
}

type floorDrainBody struct{ io.ReadCloser }

func (b floorDrainBody) Close() error {
	_, _ = io.Copy(io.Discard, b.ReadCloser)
	return b.ReadCloser.Close()
}
