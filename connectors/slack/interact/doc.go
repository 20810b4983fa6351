// Package interact is patchbot's inbound Slack adapter: it listens over
// Socket Mode (slack-go's socketmode client) and turns what people do in
// Slack into requests to the engine, through the small interfaces it
// declares (Changes and Views, together Engine).
//
// What it owns:
//   - the buttons patchbot puts on its messages (Actions builds the block:
//     Snooze…, Recheck now, Not my ticket, Acknowledge) and what a click
//     does: open a modal, or ask the engine and show its answer;
//   - the two modals (Snooze…: a day and a reason; Not my ticket: who owns
//     it and a note) and their submissions, where the engine's refusal
//     shows as a validation error next to the input it concerns;
//   - the slash command (/patchbot mine | status KEY | snooze KEY DATE
//     REASON | help), answered privately; unknown input gets the usage;
//   - the App Home tab (PublishHome): a person's open items with the same
//     buttons, published when they open it and whenever the engine asks;
//   - Slack's delivery rules: every envelope is acked at once (within
//     Slack's three seconds; a modal submission waits up to SubmitBudget
//     for the engine so that a refusal can show in the modal), longer work
//     runs after the ack and reports by updating the message or answering
//     privately; re-deliveries, retries after a reconnect and double clicks
//     run once (remembered by envelope id, by click, and by button and
//     message for a few seconds, within a bound and a TTL).
//
// What it must not touch: it never writes Jira or the ledger, and decides
// nothing. Who may act (the owner, their manager, configured users or user
// groups) and what the policy allows (how long a lane may be snoozed,
// never past an exception's expiry or a patch-now deadline without a
// reason) are the engine's; the adapter passes the actor (Slack user and
// team) and what they typed, verbatim, and shows the answer: ErrNotAllowed
// as "not yours", privately; a *Refusal as its reason. Every text it shows
// goes through the core's Slack renderer (blockkit.Render), which
// escapes what it quotes, so text a person typed ("<!channel>",
// "<https://evil|x>") stays text.
//
// # The Slack app
//
// The app needs (manifest.yaml beside this file has it all; Manifest
// returns it):
//   - Socket Mode on, and an app-level token (xapp-…) with the
//     connections:write scope (Basic Information → App-Level Tokens);
//   - Interactivity on (no request URL in Socket Mode);
//   - the slash command /patchbot;
//   - the App Home tab enabled (home_tab_enabled), and the bot event
//     app_home_opened;
//   - bot scopes: commands, chat:write, im:write (RequiredScopes), plus
//     users:read (and users:read.email) for the Slack connector's owner
//     lookups, and usergroups:read when authorisation names user groups.
//
// Show the buttons only while the adapter runs: a click that nobody
// answers shows the person an error in Slack.
package interact
