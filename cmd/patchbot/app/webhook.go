package app

import (
	"context"
	"fmt"

	"github.com/patchbot/patchbot/connectors/jirahook"
	"github.com/patchbot/patchbot/connectors/store"
	"github.com/patchbot/patchbot/scheduler"
)

// Webhook builds the Jira webhook receiver from the config (nil when
// webhook.listen is not set): it asks the engine for a targeted sync of
// each ticket Jira says changed. The bot's own Jira account (from
// /myself) and label tell its own edits' echoes apart. wrap, when set,
// wraps what the receiver calls (tests and benchmarks watch it).
func (a *App) Webhook(wrap func(jirahook.Rechecker) jirahook.Rechecker) (*jirahook.Handler, error) {
	w := a.Config.Webhook
	if !w.Enabled() {
		return nil, nil
	}
	me := a.Jira.Me()
	var rc jirahook.Rechecker = rechecker{a.Engine}
	if wrap != nil {
		rc = wrap(rc)
	}
	h, err := jirahook.New(jirahook.Options{
		Secret:     []byte(w.Secret.Value()),
		Token:      w.Token.Value(),
		Self:       jirahook.Identity{AccountID: me.AccountID, Name: me.Name, Key: me.Key},
		Label:      a.Config.Jira.Label,
		Projects:   w.Projects,
		MaxBody:    int64(w.MaxBody),
		Window:     w.Window,
		Logger:     a.Logger.With("service", "webhook"),
		Registerer: a.Registry,
	}, rc)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return h, nil
}

// rechecker is the engine as the receiver sees it.
type rechecker struct{ e *scheduler.Engine }

func (r rechecker) Recheck(ctx context.Context, key, cause string) error {
	return r.e.SyncTicket(ctx, key, cause)
}

// inboxFor is the ledger's inbox as the engine sees it, when webhooks are
// on (a standby leaves what it receives there for the leader); nil
// otherwise, so the leader polls nothing.
func inboxFor(on bool, l *store.Ledger) scheduler.Inbox {
	if !on {
		return nil
	}
	return inbox{l}
}

type inbox struct{ l *store.Ledger }

func (b inbox) Enqueue(ctx context.Context, kind, key string, payload []byte) error {
	return b.l.Enqueue(ctx, kind, key, payload)
}

func (b inbox) Claim(ctx context.Context, n int) ([]scheduler.InboxItem, error) {
	items, err := b.l.Claim(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]scheduler.InboxItem, len(items))
	for i, it := range items {
		out[i] = scheduler.InboxItem{ID: it.ID, Kind: it.Kind, Key: it.Key, Payload: it.Payload, Enqueued: it.Enqueued}
	}
	return out, nil
}

func (b inbox) Ack(ctx context.Context, ids ...int64) error { return b.l.Ack(ctx, ids...) }
