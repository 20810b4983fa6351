// Package statuspage serves patchbot's read-only status page: GET /status,
// one HTML page with no script, for people who want to see where the
// handoffs stand without reading every ticket.
//
// # What it owns
//
// The HTTP handler (New, Register) for Path ("/status") and its stylesheet
// under /status/static/, both embedded in the binary. The page shows, for
// all tickets or one project (?project=SEC) or one owner (?owner=alice):
//
//   - counts by project × lane × verdict;
//   - the overdue tickets, oldest first, with their owner, what is overdue
//     and by how many days, and a KEV mark where the feed knows one;
//   - incomplete handoffs with the fields they miss;
//   - snoozed reminders: what, by whom, until when and why;
//   - the bot's health: each job's last success, each feed's age,
//     degraded capabilities;
//   - a trend chart of open, incomplete and overdue counts per day over
//     the last twelve weeks (ChartDays points per series), drawn on the
//     server as inline SVG with a title, a description, a summary
//     sentence and the data as a table.
//
// The lists are paged (DefaultPageSize rows; ?page=N for the overdue list,
// ?incomplete_page=N and ?snoozed_page=N for the others). A page that is
// not a positive number is the first, one past the end the last.
//
// The package aggregates: it counts, filters, sorts and pages what the
// engine hands it. The engine provides a Source whose StatusView returns a
// View: the tickets in scope (key, project, summary, URL, lane, verdict,
// owner, missing fields, overdue items with kind and days, KEV flag,
// snoozes), the daily Snapshots the ledger keeps (per project: the chart
// adds up the projects shown, so ?project= filters the trend too), Health,
// and a Notice when the numbers are partial. Lanes, verdicts and due kinds
// travel as the core's string values, so this package depends on neither
// the engine nor the core (scheduler.Engine is the daemon's Source). For
// 100,000 tickets a page takes well under 200 ms (BenchmarkRender100k, and
// scheduler's BenchmarkStatusPage100k through the engine).
//
// # Safety
//
// Every text from a ticket goes through html/template's contextual
// escaping, so a summary holding markup is shown as text; ticket links are
// followed only when they are http(s). Every answer carries
// ContentSecurityPolicy (no script at all, styles only from the page's own
// origin, no framing), X-Content-Type-Options: nosniff and
// Referrer-Policy: no-referrer. Only GET and HEAD are answered; any other
// method is 405. A failing Source is logged and answered 503 without its
// error.
//
// Options.Auth asks for HTTP basic auth against one user and a bcrypt hash
// of the password (htpasswd -nbB ops 'pass' prints one). The user name is
// compared in constant time and the hash is checked whatever the name, so
// timing tells nothing. Without the right credentials a client gets a 401
// with WWW-Authenticate and a body without any data, for the stylesheet
// too. Basic auth sends the password with every request: use it over TLS.
//
// # Where it listens
//
// The listener is config's (status.listen): 127.0.0.1:8081 by default, a
// listener of its own rather than the one /metrics and the probes use, so
// the page is reachable only from the machine until an operator chooses
// otherwise.
// To share it, either set basic auth and terminate TLS in front, or put an
// authenticating proxy before it and keep the bind on loopback, for
// example oauth2-proxy with your single sign-on:
//
//	oauth2-proxy \
//	  --http-address=0.0.0.0:4180 \
//	  --upstream=http://127.0.0.1:8081/status/ \
//	  --provider=oidc --oidc-issuer-url=https://sso.example.com/realms/main \
//	  --client-id=patchbot-status --client-secret-file=/run/secrets/oidc \
//	  --cookie-secret-file=/run/secrets/cookie --email-domain=example.com
//
// oauth2-proxy routes by the upstream's path, so only /status/ and what is
// under it (the stylesheet) are proxied, and the daemon's other endpoints
// (metrics, webhooks) stay off the proxy; people open https://host/status/.
// The page's links are relative or under /status/, so it works at /status
// and /status/ alike. Basic auth and a proxy can be used together.
//
// # What it never does
//
// It never writes a ticket, a message or the ledger, never calls Jira or
// Slack, and never computes a finding: it shows what the engine reports.
// It serves no JavaScript and loads nothing from another origin.
package statuspage
