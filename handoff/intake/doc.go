// Package intake reads a Jira patch ticket (description and mapped fields)
// into a handoff.Handoff: the seeds' copy templates in any paste style,
// placeholders dropped, dates and owners parsed.
package intake
