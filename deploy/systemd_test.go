package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const unitFile = "systemd/patchbot.service"

// unit is a systemd unit file: section → key → values in order (a key may
// repeat, and an empty assignment resets the list, as systemd does).
type unit map[string]map[string][]string

// parseUnit reads a unit file as INI lines with systemd's comment and
// continuation rules.
func parseUnit(t *testing.T, data []byte) unit {
	t.Helper()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	var pending string
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if pending == "" && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if body, ok := strings.CutSuffix(line, `\`); ok {
			pending += body + " "
			continue
		}
		line, pending = pending+line, ""
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				t.Errorf("%s:%d: bad section header %q", unitFile, n, line)
			}
			section = strings.Trim(line, "[]")
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Errorf("%s:%d: %q is not key=value inside a section", unitFile, n, line)
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if v == "" {
			u[section][k] = []string{""}
			continue
		}
		u[section][k] = append(u[section][k], v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// one is the single value of a key, "" when absent.
func (u unit) one(t *testing.T, section, key string) string {
	t.Helper()
	vs := u[section][key]
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	t.Errorf("[%s] %s is set %d times: %v", section, key, len(vs), vs)
	return vs[len(vs)-1]
}

// systemdBool reads a systemd boolean.
func systemdBool(s string) bool {
	switch strings.ToLower(s) {
	case "1", "yes", "true", "on":
		return true
	}
	return false
}

// TestSystemdUnit checks that the unit validates the config before start,
// runs the daemon with the shared config path, gets its tokens from the
// environment file, keeps the ledger in its state directory, restarts on
// failure, waits for a graceful stop, and is sandboxed.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	u := parseUnit(t, readFile(t, unitFile))
	for _, s := range []string{"Unit", "Service", "Install"} {
		if u[s] == nil {
			t.Fatalf("%s has no [%s] section", unitFile, s)
		}
	}
	get := func(key string) string { return u.one(t, "Service", key) }

	start := strings.Fields(get("ExecStart"))
	if len(start) == 0 {
		t.Fatal("no ExecStart")
	}
	bin := start[0]
	if !path.IsAbs(bin) || path.Base(bin) != "patchbot" {
		t.Errorf("ExecStart binary %q, want an absolute path to patchbot", bin)
	}
	if file, ok := configArg(start[1:]); len(start) < 2 || start[1] != "run" || !ok || file != configPath {
		t.Errorf("ExecStart %v, want %s run --config %s", start, bin, configPath)
	}
	pre := strings.Fields(get("ExecStartPre"))
	if file, ok := configArg(pre); len(pre) < 3 || pre[0] != bin || pre[1] != "config" || pre[2] != "validate" || !ok || file != configPath {
		t.Errorf("ExecStartPre %v, want %s config validate --config %s", pre, bin, configPath)
	}

	// No "-" prefix: a missing token file must stop the start, not let
	// the daemon fail later with an unset variable.
	if got := get("EnvironmentFile"); got != "/etc/patchbot/patchbot.env" {
		t.Errorf("EnvironmentFile %q, want /etc/patchbot/patchbot.env (required)", got)
	}
	if got := get("StateDirectory"); "/var/lib/"+got != stateDir {
		t.Errorf("StateDirectory %q, want %s (where store.path lives)", got, path.Base(stateDir))
	}
	if !systemdBool(get("DynamicUser")) {
		if user := get("User"); user == "" || user == "root" || user == "0" {
			t.Errorf("neither DynamicUser=yes nor a non-root User=")
		}
	}
	if got := get("Restart"); got != "on-failure" {
		t.Errorf("Restart=%q, want on-failure", got)
	}
	if sig := get("KillSignal"); sig != "" && sig != "SIGTERM" {
		t.Errorf("KillSignal=%s: patchbot stops gracefully on SIGTERM", sig)
	}
	stop := get("TimeoutStopSec")
	if !strings.ContainsAny(stop, "smh") {
		stop += "s"
	}
	if d, err := time.ParseDuration(stop); err != nil || d <= 30*time.Second {
		t.Errorf("TimeoutStopSec=%q: must exceed patchbot's 30s shutdown", get("TimeoutStopSec"))
	}

	for key, want := range map[string]string{
		"NoNewPrivileges":        "yes",
		"ProtectSystem":          "strict",
		"ProtectHome":            "yes",
		"PrivateTmp":             "yes",
		"PrivateDevices":         "yes",
		"CapabilityBoundingSet":  "",
		"RestrictSUIDSGID":       "yes",
		"MemoryDenyWriteExecute": "yes",
	} {
		vs, ok := u["Service"][key]
		if !ok || vs[len(vs)-1] != want {
			t.Errorf("[Service] %s=%v, want %q", key, vs, want)
		}
	}
	for _, af := range []string{"AF_INET", "AF_INET6"} {
		if !strings.Contains(get("RestrictAddressFamilies"), af) {
			t.Errorf("RestrictAddressFamilies lacks %s: patchbot needs it for Jira and Slack", af)
		}
	}
	if !strings.Contains(u.one(t, "Unit", "After"), "network-online.target") ||
		!strings.Contains(u.one(t, "Unit", "Wants"), "network-online.target") {
		t.Errorf("[Unit] should want and come after network-online.target")
	}
	if got := u.one(t, "Install", "WantedBy"); got != "multi-user.target" {
		t.Errorf("WantedBy=%q, want multi-user.target", got)
	}
}

// TestSystemdAnalyzeVerify runs `systemd-analyze verify` on the unit when
// it is installed; it reports unknown keys and bad values that the checks
// above cannot. The binary path is pointed at an existing executable,
// since patchbot is not installed here.
func TestSystemdAnalyzeVerify(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	data := readFile(t, unitFile)
	bin := strings.Fields(parseUnit(t, data).one(t, "Service", "ExecStart"))[0]
	file := filepath.Join(t.TempDir(), "patchbot.service")
	if err := os.WriteFile(file, bytes.ReplaceAll(data, []byte(bin), []byte(self)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, analyze, "verify", file).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify %s: %v\n%s", unitFile, err, out)
	}
}
