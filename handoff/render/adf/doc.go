// Package adf renders a richtext.Doc as Atlassian Document Format (Jira
// Cloud).
package adf
