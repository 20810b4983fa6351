// Package faulttest holds patchbot's fault and crash evidence: the real
// daemon code (connectors, ledger, engine) and the real patchbot binary
// driven against the fake Jira and Slack while those misbehave, are killed
// mid-cycle, or lose the ledger file. The tests assert exact outcomes
// against a dry-run plan; RELIABILITY.md at the repository root reports
// what they prove and how to run them.
//
// The package has no code of its own besides this comment: everything is
// in its tests.
package faulttest
