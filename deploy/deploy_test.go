// Package deploy_test checks the deployment files in deploy/ against what can
// be checked without a cluster, a Docker engine or a running systemd: the
// Kubernetes manifests decode strictly into the real API types
// (k8s.io/api), which stand in for kubeconform's schemas that cannot be
// downloaded here; the ConfigMap's embedded config passes patchbot's own
// config validation with exactly the environment the Deployment provides;
// the systemd unit and the Dockerfile carry the settings the daemon needs
// and agree with the manifests on paths and ports.
package deploy_test

import (
	"net"
	"os"
	"path"
	"regexp"
	"strconv"
	"testing"

	"github.com/patchbot/patchbot/config"
)

// The paths every way of deploying shares: the config file, and the
// ledger's directory that store.path must lie in.
const (
	configPath = "/etc/patchbot/patchbot.yaml"
	stateDir   = "/var/lib/patchbot"
)

// envRef finds ${VAR} references in a config file.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// referencedEnv lists the environment variables a config file references,
// in order of first appearance.
func referencedEnv(data []byte) []string {
	var names []string
	seen := map[string]bool{}
	for _, m := range envRef.FindAllSubmatch(data, -1) {
		if n := string(m[1]); !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names
}

// listenPort is the TCP port of an http.listen address such as ":8080".
func listenPort(t *testing.T, listen string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatalf("http.listen %q: %v", listen, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("http.listen %q: port: %v", listen, err)
	}
	return int32(n)
}

// readFile reads a file of the repository relative to deploy/.
func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestExampleConfigFitsStateDirectory holds the example config, which the
// systemd install copies to /etc/patchbot/patchbot.yaml, to the one
// writable place the unit and the image give it.
func TestExampleConfigFitsStateDirectory(t *testing.T) {
	t.Parallel()
	const name = "patchbot.example.yaml"
	data := readFile(t, name)
	env := func(v string) (string, bool) { return "test-value-for-" + v, true }
	c, err := config.Parse(name, data, env, func(f string) ([]byte, error) {
		return []byte("test-secret-file"), nil
	})
	if err != nil {
		t.Fatalf("example config does not validate:\n%v", err)
	}
	if got := path.Dir(c.Store.Path); got != stateDir {
		t.Errorf("example store.path %q is not in %s, the systemd StateDirectory and the image's VOLUME", c.Store.Path, stateDir)
	}
}
