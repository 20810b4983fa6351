// Package jirahook receives Jira webhooks and turns them into targeted
// rechecks: "look at ticket SEC-12 again now", asked of the engine through
// the Rechecker interface this package declares. It lets the daemon react
// to a change within seconds instead of at the next scheduled sync.
//
// # What it owns
//
// The HTTP endpoint POST /webhooks/jira (Handler, mounted by Register):
//
//   - Authenticity. Jira Cloud admin webhooks (and Data Center versions
//     that have a secret) sign the raw body: X-Hub-Signature:
//     sha256=<hex HMAC-SHA256>, checked with hmac.Equal. Data Center
//     webhooks without a secret carry a long random token in the URL
//     (?token=… or /webhooks/jira/…), compared in constant time. A
//     missing, malformed, truncated or wrong signature or token is
//     answered 401 and the body is not even parsed. There is no
//     unauthenticated mode.
//   - Limits. A body over 1 MiB (Options.MaxBody) is answered 413, a body
//     that is not a JSON webhook 400, an event it does not use 204.
//   - The answer comes first: 202 once the ticket is queued. The Recheck
//     runs later, from the goroutines Run starts, so Jira never waits on
//     the engine (Jira retries on timeouts and 5xx).
//   - Deliveries once. Jira retries a delivery with the same
//     X-Atlassian-Webhook-Identifier (and X-Atlassian-Webhook-Retry: n);
//     identifiers are remembered 10 minutes, 20,000 at most. Without the
//     header, the event, issue, changelog id, comment id and timestamp
//     stand in for it.
//   - Coalescing. Events for one ticket within a window (2 s) become one
//     Recheck. The queue holds one entry per ticket, so it grows with the
//     number of distinct tickets, not of events, and no ticket is dropped:
//     while the engine is busy, tickets wait as dirty.
//   - No echo. The bot's own edits fire webhooks too. An event whose user
//     is the bot (Options.Self: accountId on Cloud, name or key on Data
//     Center), a comment event on the bot's own comment, or an update that
//     only adds or removes the bot's label (Options.Label) asks for no
//     Recheck. Entity property changes arrive as issue_property_set and
//     issue_property_deleted, which are not used. So a Recheck that makes
//     the bot edit a ticket does not come back as another Recheck.
//   - Scope, cheaply. Options.Projects drops tickets of other projects. It
//     knows no JQL: the engine checks `key = X AND (<scope JQL>)` before it
//     does anything, so a ticket outside the scope costs one search.
//
// Events used: jira:issue_created, jira:issue_updated (field changes,
// comments, moves: a moved ticket's old key is rechecked with CauseMoved),
// jira:issue_deleted (CauseDeleted), comment_created, comment_updated and
// comment_deleted. Unknown fields are ignored; the issue key or id is
// required.
//
// Metrics: patchbot_webhook_received_total,
// patchbot_webhook_rejected_total{reason},
// patchbot_webhook_events_total{outcome=accepted|duplicate|self|unwatched|unused},
// patchbot_webhook_coalesced_total, patchbot_webhook_rechecks_total{result}
// and the gauge patchbot_webhook_pending_tickets. Logs never hold the
// secret, the token, the request URL or the body.
//
// # What it never does
//
// It never writes a ticket, a comment or the ledger, never decides what
// to say, and never runs JQL. It passes a key and a cause on; the engine
// decides and acts. A lost webhook (Jira gave up, the daemon was down, a
// Recheck failed, tickets were still queued at shutdown) costs only
// latency: the scheduled sync sees every ticket anyway.
//
// In the daemon (cmd/patchbot, keys webhook.* in the config) the
// Rechecker is the engine's SyncTicket: the targeted sync on the leader,
// a note in the ledger's inbox for the leader on a standby.
//
// # Registering the webhook in Jira Cloud
//
// As a Jira administrator: Settings (cog) → System → WebHooks → Create a
// WebHook.
//
//   - URL: https://patchbot.example.com/webhooks/jira
//   - Secret: generate one and give the same value to patchbot (it is the
//     HMAC key; keep it in the environment, never in the config file).
//   - Events, with a JQL filter narrowing them to the bot's scope (for
//     example `project in (SEC, OPS)`; webhook JQL supports only a subset
//     of JQL, so keep it to projects, issue types and statuses): Issue
//     created, updated, deleted; Comment created, updated, deleted.
//   - Leave "Exclude body" unticked: the receiver needs the payload.
//
// # Registering it in Jira Data Center
//
// Administration → System → WebHooks → Create a WebHook. Versions with a
// Secret field: set it as on Cloud. Older versions: put the token in the
// URL, https://patchbot.example.com/webhooks/jira/<token> (or
// ?token=<token>), with a random token of at least 24 characters (e.g.
// `openssl rand -hex 32`). Proxies and access logs may record URLs, so
// prefer a secret where the version has one, and serve the endpoint over
// TLS only. Same events and JQL filter as on Cloud.
package jirahook
