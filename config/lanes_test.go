package config

import (
	"strings"
	"testing"
)

// TestLaneNamesWithInvisibleCharacters writes lane names as they arrive
// when copied from a mail or a wiki page (a direction mark, a no-break or
// zero-width space, a byte order mark): they name the lane, and a name
// that becomes another once cleaned is reported.
func TestLaneNamesWithInvisibleCharacters(t *testing.T) {
	t.Parallel()
	doc := strings.Replace(base, "  fallback_channel: \"#patches\"\n", `  fallback_channel: "#patches"
  routing:
    lanes:
      "patch_now\u200e": "#urgent"
      "\ufeffmonitor": "#watch"
    projects:
      SEC:
        lanes:
          "exception\u00a0": "#risk"
`, 1) + `policy:
  lanes:
    "\u200bplanned_window": {require: [rollback]}
`
	c, err := parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	for lane, want := range map[string]string{"patch_now": "#urgent", "monitor": "#watch"} {
		if got := c.Slack.Routing.Lanes[lane]; got != want {
			t.Errorf("routing lane %s = %q, want %q (lanes %q)", lane, got, want, c.Slack.Routing.Lanes)
		}
	}
	if got := c.Slack.Routing.Projects["SEC"].Lanes["exception"]; got != "#risk" {
		t.Errorf("SEC exception lane = %q, want #risk", got)
	}
	if _, ok := c.GlobalPolicy.Lanes["planned_window"]; !ok {
		t.Errorf("policy lanes = %v, want planned_window", c.GlobalPolicy.Lanes)
	}

	dup := strings.Replace(base, "  fallback_channel: \"#patches\"\n", `  fallback_channel: "#patches"
  routing:
    lanes:
      patch_now: "#urgent"
      "patch_now\u200b": "#other"
`, 1)
	_, err = parse(dup)
	if err == nil || !strings.Contains(err.Error(), `slack.routing.lanes["patch_now\u200b"]: "patch_now\u200b" is "patch_now" again once its invisible characters are removed`) {
		t.Errorf("err = %v, want the second patch_now reported", err)
	}
}
