package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestStatusKeys: the page is off and on loopback by default; basic auth
// needs a user and a bcrypt hash, given in the file or in a file of its
// own; a page reachable from other machines without auth draws a warning;
// a port of http.listen is shared only by writing http.listen exactly.
func TestStatusKeys(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hashFile := filepath.Join(dir, "status-hash")
	if err := os.WriteFile(hashFile, append(hash, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		status   string
		want     string // an error's text; "" for none
		warn     string // a warning's text; "" for none
		hash     bool   // Hash() is the hash
		listen   string
		sharesHT bool
	}{
		{name: "default", listen: DefaultStatusListen},
		{name: "on, loopback, no auth", status: "status:\n  enabled: true\n", listen: DefaultStatusListen},
		{name: "basic auth in the file", status: "status:\n  enabled: true\n  listen: 0.0.0.0:8081\n  user: ops\n  password_hash: '" + string(hash) + "'\n",
			hash: true, listen: "0.0.0.0:8081"},
		{name: "basic auth from a hash file", status: "status:\n  enabled: true\n  user: ops\n  password_hash_file: " + hashFile + "\n",
			hash: true, listen: DefaultStatusListen},
		{name: "on http's listener", status: "http:\n  listen: 127.0.0.1:9090\nstatus:\n  enabled: true\n  listen: 127.0.0.1:9090\n",
			listen: "127.0.0.1:9090", sharesHT: true},
		{name: "open to the network", status: "status:\n  enabled: true\n  listen: :8081\n", warn: "reachable from other machines", listen: ":8081"},
		{name: "user without a hash", status: "status:\n  user: ops\n", want: "status.password_hash: required with status.user"},
		{name: "hash without a user", status: "status:\n  password_hash: '" + string(hash) + "'\n", want: "status.user: required with a password hash"},
		{name: "not a bcrypt hash", status: "status:\n  user: ops\n  password_hash: hunter2\n", want: "status.password_hash: is not a bcrypt hash"},
		{name: "both hash keys", status: "status:\n  user: ops\n  password_hash: '" + string(hash) + "'\n  password_hash_file: " + hashFile + "\n",
			want: "status.password_hash_file: set password_hash or password_hash_file, not both"},
		{name: "a missing hash file", status: "status:\n  user: ops\n  password_hash_file: " + filepath.Join(dir, "nope") + "\n",
			want: "status.password_hash_file: cannot read the hash"},
		{name: "a bad address", status: "status:\n  listen: localhost\n", want: "status.listen: expected host:port"},
		{name: "http's port on another address", status: "status:\n  listen: 127.0.0.1:8080\n", want: "status.listen: uses http.listen's port 8080"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(base + tc.status)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want %q", err, tc.want)
				}
				if strings.Contains(err.Error(), string(hash)) {
					t.Error("the error repeats the hash")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Status.Listen != tc.listen || c.StatusSharesHTTPListener() != tc.sharesHT {
				t.Errorf("listen %q (shared %v)", c.Status.Listen, c.StatusSharesHTTPListener())
			}
			if got := c.Status.Hash() == string(hash); got != tc.hash {
				t.Errorf("Hash() = %q", c.Status.Hash())
			}
			warned := strings.Join(c.Warnings(), "\n")
			if tc.warn == "" && strings.Contains(warned, "status") || tc.warn != "" && !strings.Contains(warned, tc.warn) {
				t.Errorf("warnings %q, want %q", warned, tc.warn)
			}
		})
	}
	if Default().Status.Enabled {
		t.Error("the status page is on by default")
	}
}
