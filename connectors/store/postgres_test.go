package store_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/store"
	"github.com/patchbot/patchbot/connectors/store/storetest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// proxy forwards TCP connections to a server until cut: then it drops
// every connection it carries and refuses new ones, as a network
// partition would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	cut    bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.Cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.cut {
				p.mu.Unlock()
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

// Cut drops every connection and refuses new ones.
func (p *proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Heal accepts connections again.
func (p *proxy) Heal() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// viaProxy is dsn (a URL) with its host replaced by a proxy to it.
func viaProxy(t *testing.T, dsn string) (string, *proxy) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Skipf("the proxy test needs %s in URL form", storetest.DSNEnv)
	}
	host := u.Host
	if !strings.Contains(host, ":") {
		host += ":5432"
	}
	p := newProxy(t, host)
	u.Host = p.ln.Addr().String()
	return u.String(), p
}

// TestLeaderCutOffStopsAndIsReplaced: a leader whose database connection
// is cut ends its term within the stop bound of its last renewal (it
// must stop sending by then); a standby leads within the takeover bound;
// and once the old leader reaches the database again, every write it
// tries is fenced.
func TestLeaderCutOffStopsAndIsReplaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	cutDSN, p := viaProxy(t, dsn)
	o := store.LeaseOptions{TTL: 2 * time.Second}
	b := store.LeaseBounds(o.TTL)

	old := storetest.Postgres.Reopen(t, cutDSN)
	standby := storetest.Postgres.Reopen(t, dsn)
	term, err := old.Campaign(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := old.Intend(ctx, storetest.Reminder("r/1", "SEC-1/review"))
	if err != nil {
		t.Fatal(err)
	}

	cut := time.Now()
	p.Cut()
	won := make(chan *store.Leadership, 1)
	go func() {
		nt, err := standby.Campaign(ctx, o)
		if err != nil {
			t.Error(err)
		}
		won <- nt
	}()
	select {
	case <-term.Done():
	case <-time.After(b.Stop + time.Second):
		t.Fatalf("the cut-off leader still leads %s after the cut; the bound is %s after its last renewal", time.Since(cut), b.Stop)
	}
	lost := time.Since(cut)
	if !strings.Contains(term.Err().Error(), "not renewed") {
		t.Errorf("term ended with %v, want the lease not renewed", term.Err())
	}
	var nt *store.Leadership
	select {
	case nt = <-won:
	case <-time.After(b.Takeover + time.Second):
		t.Fatalf("no standby led %s after the cut; the bound is %s", time.Since(cut), b.Takeover)
	}
	took := time.Since(cut)
	t.Logf("TTL %s: the old leader stopped %s after the cut (bound %s), the standby led after %s (bound %s)", o.TTL, lost.Round(time.Millisecond), b.Stop, took.Round(time.Millisecond), b.Takeover)
	if took < lost {
		t.Errorf("the standby led (%s) before the old leader stopped (%s)", took, lost)
	}
	defer nt.Release(ctx)

	p.Heal()
	if err := old.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: "1"}, storetest.T0, ""); !errors.Is(err, store.ErrFenced) {
		t.Errorf("Done by the old leader after the takeover = %v, want ErrFenced", err)
	}
	if _, _, err := old.Intend(ctx, storetest.Reminder("r/2")); !errors.Is(err, store.ErrFenced) {
		t.Errorf("Intend by the old leader after the takeover = %v, want ErrFenced", err)
	}
	if open, err := standby.Open(ctx); err != nil || len(open) != 1 || open[0].Ref != "r/1" {
		t.Errorf("open intents = %+v, %v; want r/1 for the new leader to recover", open, err)
	}
}

// TestLeaseRenewedWhileHealthy: a leader that reaches the database keeps
// its term across several lease lengths, and a standby waits.
func TestLeaseRenewedWhileHealthy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, dsn := storetest.Postgres.Open(t)
	b := storetest.Postgres.Reopen(t, dsn)
	o := store.LeaseOptions{TTL: time.Second}
	term, err := a.Campaign(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Release(ctx)
	wait, cancel := context.WithTimeout(ctx, 3*o.TTL)
	defer cancel()
	if _, err := b.Campaign(wait, o); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a standby campaign = %v, want to wait while the leader renews", err)
	}
	select {
	case <-term.Done():
		t.Fatalf("the healthy leader's term ended: %v", term.Err())
	default:
	}
}

// TestOpenPostgresErrorsNameTheFix: a server that is not there and a
// database that does not exist are named with their fix.
func TestOpenPostgresErrorsNameTheFix(t *testing.T) {
	t.Parallel()
	base := storetest.PostgresBase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().String()
	ln.Close()
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Skipf("needs %s in URL form", storetest.DSNEnv)
	}
	nobody := *u
	nobody.Host = free
	nodb := *u
	nodb.Path = "/no_such_patchbot_db"
	for _, tc := range []struct {
		name, dsn string
		want      []string
	}{
		{"no server", nobody.String(), []string{"nothing listens at " + free, "start PostgreSQL"}},
		{"no database", nodb.String(), []string{`database "no_such_patchbot_db" does not exist`, "createdb no_such_patchbot_db"}},
		{"bad DSN", "postgres://a b@/x?sslmode=nonsense", []string{"does not parse", "store.dsn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := store.OpenPostgres(context.Background(), tc.dsn)
			if err == nil {
				l.Close()
				t.Fatal("OpenPostgres succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
