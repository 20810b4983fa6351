package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// base is a minimal valid config; cases append to it (their lines start at
// 12) or edit it.
const base = `jira:
  url: https://acme.atlassian.net
  email: bot@acme.example
  token: ${JIRA_API_TOKEN}
slack:
  token: ${SLACK_BOT_TOKEN}
  fallback_channel: "#patches"
projects:
  - name: SEC
    jql: project = SEC
    use_description: true
`

// testEnv sets the two tokens and JIRA_SITE; everything else is unset.
func testEnv(name string) (string, bool) {
	switch name {
	case "JIRA_API_TOKEN":
		return "jira-s3cr3t-value", true
	case "SLACK_BOT_TOKEN":
		return "slack-s3cr3t-value", true
	case "JIRA_SITE":
		return "https://env.atlassian.net", true
	case "EMPTY":
		return "", true
	}
	return "", false
}

// testFiles holds the files *_file keys may name.
func testFiles(name string) ([]byte, error) {
	switch name {
	case "/run/secrets/jira":
		return []byte("file-s3cr3t-value\n"), nil
	case "/run/secrets/empty":
		return []byte("\n"), nil
	}
	return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
}

func parse(doc string) (*Config, error) {
	return Parse("config.yaml", []byte(doc), testEnv, testFiles)
}

// edit replaces old with new in base, failing loudly if old is missing.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base has no %q", old)
	}
	return strings.Replace(base, old, new, 1)
}

// want is one expected error: its line, key path and a part of its
// message.
type want struct {
	line int
	path string
	msg  string
}

func (w want) String() string { return fmt.Sprintf("%d %s: …%s…", w.line, w.path, w.msg) }

// checkErrors asserts that err lists exactly the wanted errors, in order.
func checkErrors(t *testing.T, err error, wants []want) {
	t.Helper()
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %v (%T) is not Errors; want %v", err, err, wants)
	}
	if len(es) != len(wants) {
		t.Fatalf("got %d errors, want %d:\n%v\nwant %v", len(es), len(wants), err, wants)
	}
	for i, w := range wants {
		e := es[i]
		if e.File != "config.yaml" || e.Line != w.line || e.Path != w.path || !strings.Contains(e.Message, w.msg) {
			t.Errorf("error %d = %q (line %d, path %q)\nwant %v", i, e.Error(), e.Line, e.Path, w)
		}
	}
}

func TestBaseIsValid(t *testing.T) {
	t.Parallel()
	c, err := parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if c.Jira.PageSize != 100 || c.Schedules.Nag != "0 9 * * 1-5" || c.Store.Path != "patchbot.db" || c.HTTP.Listen != ":8080" {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  Error
		want string
	}{
		{"full", Error{File: "config.yaml", Line: 42, Path: "projects[1].fields.rollback", Message: "bad"}, "config.yaml:42 projects[1].fields.rollback: bad"},
		{"no line", Error{File: "config.yaml", Path: "jira.url", Message: "bad"}, "config.yaml jira.url: bad"},
		{"no path", Error{File: "config.yaml", Line: 3, Message: "bad"}, "config.yaml:3: bad"},
		{"hand-built", Error{Path: "jira.url", Message: "bad"}, "jira.url: bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		parts  []any
		want   string
		parent string
	}{
		{"keys and index", []any{"projects", 1, "fields", "rollback"}, "projects[1].fields.rollback", "projects[1].fields"},
		{"index last", []any{"projects", 1}, "projects[1]", "projects"},
		{"quoted key", []any{"slack", "owner_map", "a@b.example"}, `slack.owner_map["a@b.example"]`, "slack.owner_map"},
		{"quoted key with quote and dot", []any{"m", `x"].y`, "k"}, `m["x\"].y"].k`, `m["x\"].y"]`},
		{"quoted key last with brackets", []any{"m", `a["b"]`}, `m["a[\"b\"]"]`, "m"},
		{"top", []any{"jira"}, "jira", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Path(tc.parts...)
			if got != tc.want {
				t.Errorf("Path = %s, want %s", got, tc.want)
			}
			if up, _ := parent(got); up != tc.parent {
				t.Errorf("parent(%s) = %s, want %s", got, up, tc.parent)
			}
		})
	}
}

// TestErrorfForOnlineChecks shows how a caller reports a problem found
// online (a Jira field that does not exist) at the key's line.
func TestErrorfForOnlineChecks(t *testing.T) {
	t.Parallel()
	doc := base + `  - name: OPS
    jql: project = OPS
    fields:
      rollback: Rollback plan
`
	c, err := parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := c.Errorf(Path("projects", 1, "fields", "rollback"), "Jira has no field %q (did you mean %q?)", "Rollback plan", "Rollback Plan")
	want := `config.yaml:15 projects[1].fields.rollback: Jira has no field "Rollback plan" (did you mean "Rollback Plan"?)`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e, want)
	}
	// A key that was not written is placed at its nearest written parent.
	if p := c.Pos("projects[1].fields.owner"); p.Line != 14 {
		t.Errorf("Pos of an unwritten key = %+v, want line 14 (fields:)", p)
	}
}

func TestDefaultNeedsFillingIn(t *testing.T) {
	t.Parallel()
	c := Default()
	err := c.Validate()
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("Default().Validate() = %v, want the missing keys", err)
	}
	var paths []string
	for _, e := range es {
		paths = append(paths, e.Path)
		if e.Line != 0 || e.File != "" {
			t.Errorf("hand-built config error has a position: %v", e)
		}
	}
	if got, want := strings.Join(paths, " "), "jira.token jira.url projects slack.fallback_channel slack.token"; got != want {
		t.Errorf("paths = %s, want %s", got, want)
	}

	c.Jira.URL = "http://127.0.0.1:9001"
	c.Jira.Token = NewSecret("demo")
	c.Slack.Token = NewSecret("demo")
	c.Slack.APIURL = "http://127.0.0.1:9002/api/"
	c.Slack.FallbackChannel = "#demo"
	c.Projects = []Project{{Name: "DEMO", JQL: "project = DEMO", UseDescription: true}}
	if err := c.Validate(); err != nil {
		t.Errorf("filled-in default: %v", err)
	}
}
