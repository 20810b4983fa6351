package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStoreKeys: the driver picks what is required; the PostgreSQL DSN is
// a secret from the environment or a file, never a literal, and never
// printed.
func TestStoreKeys(t *testing.T) {
	t.Parallel()
	const dsn = "postgres://patchbot:pg-s3cr3t@db.internal:5432/patchbot"
	env := func(name string) (string, bool) {
		if name == "PATCHBOT_DSN" {
			return dsn, true
		}
		return testEnv(name)
	}
	files := func(name string) ([]byte, error) {
		if name == "/run/secrets/patchbot-dsn" {
			return []byte(dsn + "\n"), nil
		}
		return testFiles(name)
	}
	tests := []struct {
		name  string
		store string
		want  string // an error's text; "" for none
	}{
		{"sqlite default", "", ""},
		{"postgres from the environment", "store:\n  driver: postgres\n  dsn: ${PATCHBOT_DSN}\n  lease_ttl: 10s\n", ""},
		{"postgres from a file", "store:\n  driver: postgres\n  dsn_file: /run/secrets/patchbot-dsn\n", ""},
		{"postgres without a DSN", "store:\n  driver: postgres\n", "store.dsn: required with driver postgres"},
		{"a literal DSN", "store:\n  driver: postgres\n  dsn: " + dsn + "\n", "literal secret"},
		{"a DSN for sqlite", "store:\n  dsn: ${PATCHBOT_DSN}\n", "store.dsn: is for driver postgres"},
		{"a misspelt driver", "store:\n  driver: postgress\n", `did you mean "postgres"`},
		{"a lease too short", "store:\n  driver: postgres\n  dsn: ${PATCHBOT_DSN}\n  lease_ttl: 1s\n", "store.lease_ttl: must be between 3s and 5m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("config.yaml", []byte(base+tc.store), env, files)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Store.Driver == DriverPostgres && c.Store.Target() != dsn {
					t.Errorf("Target = %q, want the DSN", c.Store.Target())
				}
				if c.Store.Driver == DriverSQLite && c.Store.Target() != "patchbot.db" {
					t.Errorf("Target = %q, want the default path", c.Store.Target())
				}
				if s := fmt.Sprintf("%+v", c); strings.Contains(s, "pg-s3cr3t") {
					t.Error("the config prints the DSN's password")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "pg-s3cr3t") {
				t.Errorf("the error shows the DSN's password: %v", err)
			}
		})
	}
	c, err := Parse("config.yaml", []byte(base+"store:\n  driver: postgres\n  dsn: ${PATCHBOT_DSN}\n  lease_ttl: 10s\n"), env, files)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.LeaseTTL != 10*time.Second {
		t.Errorf("lease_ttl = %v", c.Store.LeaseTTL)
	}
}
