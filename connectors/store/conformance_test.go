package store_test

import (
	"testing"

	"github.com/patchbot/patchbot/connectors/store/storetest"
)

// TestSQLite and TestPostgres hold both drivers to one suite.
func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.SQLite)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.PostgresBase(t)
	storetest.Run(t, storetest.Postgres)
}
