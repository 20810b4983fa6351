package app

import "errors"

// ErrSlack marks a Build that failed connecting to Slack (a wrong token,
// missing scopes, Slack not reachable), with everything before it in
// place: a command that posts nothing (check) may build again offline.
var ErrSlack = errors.New("slack")
