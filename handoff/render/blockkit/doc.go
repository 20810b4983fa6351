// Package blockkit renders a richtext.Doc as Slack Block Kit messages.
package blockkit
