package config

import (
	"os"
	"testing"
)

// FuzzParse feeds arbitrary files to Parse: it must never panic, and a
// config it accepts must validate again and give its schedules.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../deploy/patchbot.example.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(base))
	for _, s := range []string{
		base + "schedules:\n  digest: CRON_TZ=Europe/Berlin\n",
		base + "schedules:\n  nag: \"TZ=\"\n",
		base + "log: &a {level: info}\nhttp: *a\n",
		"a: &a [*a, *a]\n",
		"x: &x {<<: *x}\n",
		base + "    fields: {<<: [{rollback: R}, {deadline: D}]}\n",
		"jira: {token: '${'}\n",
		"slack: {token_file: '${X}'}\n",
		"projects: [{name: a, policy: {lanes: {patch_now: {require: [x], prompts: {y: ''}}}}}]\n",
		"? [a]\n: b\n",
		"safety: {since: 2026-13-45}\n",
	} {
		f.Add([]byte(s))
	}
	env := func(k string) (string, bool) {
		if k == "UNSET" {
			return "", false
		}
		return "v-" + k, true
	}
	read := func(name string) ([]byte, error) {
		if name == "" || len(name) > 100 {
			return nil, os.ErrNotExist
		}
		return []byte("file\n"), nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, env, read)
		if err != nil {
			if err.Error() == "" {
				t.Error("empty error text")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Errorf("accepted config fails Validate: %v", err)
		}
		if _, err := c.Schedules.Parse(); err != nil {
			t.Errorf("accepted config has bad schedules: %v", err)
		}
		for _, p := range c.Projects {
			if _, err := c.Policy(p.Name); err != nil {
				t.Errorf("policy %s: %v", p.Name, err)
			}
		}
	})
}
