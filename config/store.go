package config

import (
	"strings"
	"time"
)

// The ledger's drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Store is the ledger's database: an SQLite file for one replica (the
// default), PostgreSQL for several, of which one leads.
type Store struct {
	// Driver is sqlite or postgres.
	Driver string `yaml:"driver"`
	// Path is the SQLite file.
	Path string `yaml:"path"`
	// DSN is the PostgreSQL connection string (postgres://user:pass@host/db
	// or key=value pairs), a secret: dsn: ${PATCHBOT_DSN} or dsn_file.
	DSN Secret `yaml:"dsn"`
	// LeaseTTL is how long a PostgreSQL leader's lease lasts unrenewed;
	// zero means the store's default (15s). A standby takes over within
	// 1.2×LeaseTTL of the leader's death.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
}

// Target is what the store's driver opens: the file or the DSN.
func (s Store) Target() string {
	if s.Driver == DriverPostgres {
		return s.DSN.Value()
	}
	return s.Path
}

func (v *validator) store() {
	s := v.c.Store
	switch s.Driver {
	case DriverSQLite:
		if strings.TrimSpace(s.Path) == "" {
			v.errorf("store.path", "required: the SQLite file, e.g. /var/lib/patchbot/patchbot.db")
		}
		if s.DSN.IsSet() {
			v.errorf("store.dsn", "is for driver postgres: set store.driver: postgres, or remove store.dsn")
		}
	case DriverPostgres:
		if !s.DSN.IsSet() {
			v.errorf("store.dsn", "required with driver postgres: dsn: ${PATCHBOT_DSN} or dsn_file: /run/secrets/patchbot-dsn")
		}
	default:
		drivers := []string{DriverSQLite, DriverPostgres}
		v.errorf("store.driver", "unsupported driver %s: sqlite or postgres%s", quote(s.Driver), didYouMean(s.Driver, drivers))
	}
	if s.LeaseTTL != 0 && (s.LeaseTTL < 3*time.Second || s.LeaseTTL > 5*time.Minute) {
		v.errorf("store.lease_ttl", "must be between 3s and 5m, got %s", s.LeaseTTL)
	}
}
