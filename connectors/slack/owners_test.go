package slack

import (
	"context"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

func person(text string, u handoff.User) handoff.Person {
	return handoff.Person{Value: handoff.Value{Text: text, From: handoff.SourceField}, User: u}
}

func TestOwnerResolution(t *testing.T) {
	t.Parallel()
	ownerMap := map[string]string{
		"acc-alice":        alice,               // Cloud account id -> Slack id
		"jdoe":             "dave@example.com",  // Data Center user name -> email
		"ACC-BOB":          bob,                 // keys are case-insensitive
		"acc-ghost":        "U0GHOST01",         // an id Slack does not know
		"Ops Team Pager":   "alice@example.com", // free text -> email
		"acc-carol-mapped": carol,               // deactivated
	}
	tests := []struct {
		name      string
		owner     handoff.Person
		want      ports.Recipient
		lookups   int // users.lookupByEmail calls
		infoCalls int // users.info calls
	}{
		{
			name:      "map by account id to a user id",
			owner:     person("Alice Admin", handoff.User{AccountID: "acc-alice", DisplayName: "Alice Admin"}),
			want:      ports.Recipient{UserID: alice, Reachable: true, Name: "Alice Admin"},
			infoCalls: 1,
		},
		{
			name:    "map by user name to an email",
			owner:   person("", handoff.User{Name: "jdoe", DisplayName: "J. Doe"}),
			want:    ports.Recipient{UserID: dave, Reachable: true, Name: "J. Doe"},
			lookups: 1,
		},
		{
			name:      "map wins over a hidden email (Jira Cloud)",
			owner:     person("Bob Builder", handoff.User{AccountID: "acc-bob", DisplayName: "Bob Builder"}),
			want:      ports.Recipient{UserID: bob, Reachable: true, Name: "Bob Builder"},
			infoCalls: 1,
		},
		{
			name:    "map by free text",
			owner:   person("Ops Team Pager", handoff.User{}),
			want:    ports.Recipient{UserID: alice, Reachable: true, Name: "Ops Team Pager"},
			lookups: 1,
		},
		{
			name:    "email lookup hit",
			owner:   person("", handoff.User{AccountID: "acc-x", Email: "Alice@Example.com", DisplayName: "Alice A."}),
			want:    ports.Recipient{UserID: alice, Reachable: true, Name: "Alice A."},
			lookups: 1,
		},
		{
			name:    "email in the field text",
			owner:   person("dave@example.com", handoff.User{}),
			want:    ports.Recipient{UserID: dave, Reachable: true, Name: "dave@example.com"},
			lookups: 1,
		},
		{
			name:    "email lookup miss goes to the fallback channel",
			owner:   person("", handoff.User{AccountID: "acc-y", Email: "nobody@example.com", DisplayName: "No Body"}),
			want:    ports.Recipient{Channel: "FALLBACK", Reachable: false, Name: "No Body"},
			lookups: 1,
		},
		{
			name:  "hidden email and no map entry: fallback, no lookup",
			owner: person("Hidden Person", handoff.User{AccountID: "acc-hidden", DisplayName: "Hidden Person"}),
			want:  ports.Recipient{Channel: "FALLBACK", Reachable: false, Name: "Hidden Person"},
		},
		{
			name:  "a team name, not a user",
			owner: person("Platform Team", handoff.User{}),
			want:  ports.Recipient{Channel: "FALLBACK", Reachable: false, Name: "Platform Team"},
		},
		{
			name:    "deactivated user",
			owner:   person("", handoff.User{Email: "carol@example.com", DisplayName: "Carol"}),
			want:    ports.Recipient{Channel: "FALLBACK", Reachable: false, Name: "Carol"},
			lookups: 1,
		},
		{
			name:      "mapped id unknown to Slack",
			owner:     person("Ghost", handoff.User{AccountID: "acc-ghost"}),
			want:      ports.Recipient{Channel: "FALLBACK", Reachable: false, Name: "Ghost"},
			infoCalls: 1,
		},
		{
			name:      "mapped id deactivated",
			owner:     person("Carol", handoff.User{AccountID: "acc-carol-mapped"}),
			want:      ports.Recipient{Channel: "FALLBACK", Reachable: false, Name: "Carol"},
			infoCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := mustEnv(t, func(o *Options) { o.OwnerMap = ownerMap })
			want := tt.want
			if want.Channel == "FALLBACK" {
				want.Channel = e.fallback
			}
			got, err := e.c.Owner(context.Background(), tt.owner)
			if err != nil {
				t.Fatalf("Owner: %v", err)
			}
			if got != want {
				t.Errorf("Owner = %+v, want %+v", got, want)
			}
			if n := e.srv.CallCount("users.lookupByEmail"); n != tt.lookups {
				t.Errorf("users.lookupByEmail calls = %d, want %d", n, tt.lookups)
			}
			if n := e.srv.CallCount("users.info"); n != tt.infoCalls {
				t.Errorf("users.info calls = %d, want %d", n, tt.infoCalls)
			}
		})
	}
}

func TestOwnerLookupCache(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, func(o *Options) { o.LookupTTL = time.Hour })
	ctx := context.Background()
	hit := person("", handoff.User{Email: "alice@example.com"})
	miss := person("", handoff.User{Email: "nobody@example.com"})
	for range 3 {
		if r, err := e.c.Owner(ctx, hit); err != nil || !r.Reachable {
			t.Fatalf("hit: %+v %v", r, err)
		}
		if r, err := e.c.Owner(ctx, miss); err != nil || r.Reachable {
			t.Fatalf("miss: %+v %v", r, err)
		}
	}
	if n := e.srv.CallCount("users.lookupByEmail"); n != 2 {
		t.Errorf("lookups = %d, want 2 (hits and misses cached)", n)
	}
	e.clk.Advance(time.Hour)
	if _, err := e.c.Owner(ctx, miss); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.CallCount("users.lookupByEmail"); n != 3 {
		t.Errorf("lookups after the TTL = %d, want 3", n)
	}
}

func TestOwnerLookupRateLimited(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.srv.RateLimit("users.lookupByEmail", 2, 20)
	r, err := e.c.Owner(context.Background(), person("", handoff.User{Email: "alice@example.com"}))
	if err != nil || r.UserID != alice {
		t.Fatalf("Owner = %+v, %v", r, err)
	}
	if total, _ := e.clk.Slept(); total != 40*time.Second {
		t.Errorf("waited %v, want 40s (2 × Retry-After 20)", total)
	}
}

func TestOwnerLookupErrorIsNotAMiss(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.srv.FailWith("users.lookupByEmail", "internal_error")
	if _, err := e.c.Owner(context.Background(), person("", handoff.User{Email: "alice@example.com"})); err == nil {
		t.Fatal("a Slack error was taken for a miss")
	}
	// Not cached: the next call looks again and finds her.
	if r, err := e.c.Owner(context.Background(), person("", handoff.User{Email: "alice@example.com"})); err != nil || r.UserID != alice {
		t.Fatalf("Owner = %+v, %v", r, err)
	}
}

func TestResolveDestinations(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		ref  string
		want ports.Recipient
	}{
		{"#sec-patching", ports.Recipient{Channel: e.sec, Reachable: true, Name: "#sec-patching"}},
		{e.escalation, ports.Recipient{Channel: e.escalation, Reachable: true, Name: e.escalation}},
		{dave, ports.Recipient{UserID: dave, Reachable: true, Name: dave}},
		{"alice@example.com", ports.Recipient{UserID: alice, Reachable: true, Name: "alice@example.com"}},
		{"boss@example.com", ports.Recipient{Channel: e.fallback, Reachable: false, Name: "boss@example.com"}},
	} {
		got, err := e.c.Resolve(ctx, tc.ref)
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%q) = %+v, %v; want %+v", tc.ref, got, err, tc.want)
		}
	}
	if _, err := e.c.Resolve(ctx, "#nowhere"); err == nil {
		t.Error("Resolve(#nowhere) succeeded")
	}
}
