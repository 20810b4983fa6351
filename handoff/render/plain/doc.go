// Package plain renders a richtext.Doc as plain text, for logs and the CLI.
package plain
