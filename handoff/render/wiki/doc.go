// Package wiki renders a richtext.Doc as Jira wiki markup (Jira Data
// Center).
package wiki
