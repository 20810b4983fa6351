// Package texts builds every text the bot sends (validation request,
// reminders, digests, backlog) as a richtext.Doc, in the configurable
// wording.
package texts
