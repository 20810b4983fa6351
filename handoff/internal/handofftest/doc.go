// Package handofftest holds test fixtures for the handoff packages: seed
// templates, generated tickets, handoffs, due items and hostile text.
package handofftest
