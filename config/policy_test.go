package config

import (
	"slices"
	"testing"

	"github.com/patchbot/patchbot/handoff"
)

func TestPolicyLayers(t *testing.T) {
	t.Parallel()
	doc := base + `    policy:
      lanes:
        patch_now:
          require: [change_ticket]
          drop: [test_plan]
policy:
  lanes:
    patch_now:
      require: [communication]
nag:
  heads_up_days: 5
`
	c, err := parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.Policy("SEC")
	if err != nil {
		t.Fatal(err)
	}
	req := pol.Require[handoff.LanePatchNow]
	for _, id := range []handoff.FieldID{handoff.FieldChangeTicket, handoff.FieldCommunication, handoff.FieldRollback} {
		if !slices.Contains(req, id) {
			t.Errorf("patch_now lacks %s: %v", id, req)
		}
	}
	if slices.Contains(req, handoff.FieldTestPlan) {
		t.Errorf("test_plan not dropped: %v", req)
	}
	if pol.HeadsUpDays != 5 {
		t.Errorf("HeadsUpDays = %d", pol.HeadsUpDays)
	}
	if _, err := c.Policy("NOPE"); err == nil {
		t.Error("no error for an unknown project")
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	s := Slack{
		FallbackChannel: "#fallback",
		Routing: Routing{
			Default: "#default",
			Lanes:   map[string]string{"patch_now": "#now", "exception": "#exceptions"},
			Projects: map[string]ProjectRoute{
				"INFRA": {Channel: "#infra", Lanes: map[string]string{"patch_now": "#infra-now"}},
			},
		},
	}
	for _, tc := range []struct {
		name, project, lane, want string
	}{
		{"project lane", "INFRA", "patch_now", "#infra-now"},
		{"project channel over lane", "INFRA", "exception", "#infra"},
		{"lane", "APPSEC", "exception", "#exceptions"},
		{"default", "APPSEC", "monitor", "#default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.Channel(tc.project, tc.lane); got != tc.want {
				t.Errorf("Channel(%s, %s) = %s, want %s", tc.project, tc.lane, got, tc.want)
			}
		})
	}
	s.Routing = Routing{}
	if got := s.Channel("X", "monitor"); got != "#fallback" {
		t.Errorf("no routing: %s", got)
	}
}

func TestEscalation(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Slack.FallbackChannel = "#fallback"
	c.Projects = []Project{
		{Name: "A", EscalateTo: "#a-leads", Managers: map[string]string{"acc-1": "U0MANAGER1"}},
		{Name: "B"},
	}
	for _, tc := range []struct {
		name, project string
		keys          []string
		escalation    string
		want          string
	}{
		{"manager", "A", []string{"", "acc-1"}, "", "U0MANAGER1"},
		{"project target", "A", []string{"acc-2"}, "#esc", "#a-leads"},
		{"escalation channel", "B", []string{"acc-1"}, "#esc", "#esc"},
		{"fallback", "B", nil, "", "#fallback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := *c
			c.Slack.EscalationChannel = tc.escalation
			if got := c.Escalation(tc.project, tc.keys...); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDigestChannelDefaults(t *testing.T) {
	t.Parallel()
	c, err := parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if c.Slack.DigestChannel != "#patches" {
		t.Errorf("digest channel = %q, want the fallback", c.Slack.DigestChannel)
	}
}
