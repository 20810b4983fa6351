package config

import (
	"os"
	"testing"
)

// exampleEnv is the environment the example config expects.
func exampleEnv(name string) (string, bool) {
	switch name {
	case "JIRA_API_TOKEN":
		return "jira-token-for-tests", true
	case "SLACK_BOT_TOKEN":
		return "slack-token-for-tests", true
	}
	return "", false
}

// TestExampleConfigValidates holds deploy/patchbot.example.yaml to the
// rules: it must load with the two documented variables set and no error.
func TestExampleConfigValidates(t *testing.T) {
	t.Parallel()
	const path = "../deploy/patchbot.example.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(path, data, exampleEnv, func(string) ([]byte, error) {
		t.Fatal("the example reads no secret file")
		return nil, nil
	})
	if err != nil {
		t.Fatalf("example config does not validate:\n%v", err)
	}
	if got := c.Jira.Token.Value(); got != "jira-token-for-tests" {
		t.Errorf("jira token = %q", got)
	}
	if len(c.Projects) != 2 || c.Projects[0].Fields["rollback"] != "Rollback Plan" || !c.Projects[1].UseDescription {
		t.Errorf("projects not as documented: %+v", c.Projects)
	}
	for _, p := range c.Projects {
		if _, err := c.Policy(p.Name); err != nil {
			t.Errorf("policy for %s: %v", p.Name, err)
		}
	}
	crons, err := c.Schedules.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if crons.Location.String() != "Europe/Berlin" || crons.Digest.Location.String() != "Europe/Berlin" {
		t.Errorf("locations: %v, digest %v", crons.Location, crons.Digest.Location)
	}
	if _, err := c.Wording.Merged(); err != nil {
		t.Errorf("wording: %v", err)
	}
}
