package demo

import "encoding/json"

// ADFText is an Atlassian Document Format body as Jira shows it, in plain
// lines: the transcript reads the fake's stored comments this way, and the
// CLI's check prints a Cloud comment this way, from the very ADF the
// connector posts, so the two can be compared byte for byte.
func ADFText(raw json.RawMessage) string { return adfText(raw) }
