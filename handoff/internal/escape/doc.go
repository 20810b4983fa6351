// Package escape holds the text safety the renderers and texts share:
// cleaning and cutting quoted ticket text, escaping it for wiki markup and
// Slack mrkdwn, vetting URLs and ids.
package escape
