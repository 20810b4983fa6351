package config

import (
	"fmt"
	"log/slog"
)

// redacted is how a Secret shows everywhere.
const redacted = "<secret>"

// Secret is a credential read from the environment or a file. It prints as
// <secret> through every fmt verb, encoding/json, encoding (text), yaml and
// log/slog; only Value gives the credential itself, for the one place that
// sends it (an Authorization header).
//
// The value sits in an unexported field so reflection-based encoders see
// nothing to print either.
type Secret struct {
	value  string
	source string
}

// NewSecret wraps a credential given in code (tests, the demo's fakes).
func NewSecret(value string) Secret { return Secret{value: value, source: "code"} }

// Value returns the credential. Call it only where the credential is used.
func (s Secret) Value() string { return s.value }

// IsSet reports whether the secret holds a non-empty value.
func (s Secret) IsSet() bool { return s.value != "" }

// Source says where the value came from without revealing it, e.g.
// "environment variable JIRA_API_TOKEN" or "file /run/secrets/jira".
func (s Secret) Source() string { return s.source }

// String prints <secret>.
func (s Secret) String() string { return redacted }

// GoString prints <secret> for %#v.
func (s Secret) GoString() string { return redacted }

// Format prints <secret> for every verb, so %x, %d or %q of a Secret (or
// of a struct holding one) cannot print the value either.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", redacted)
		return
	}
	_, _ = f.Write([]byte(redacted))
}

// MarshalText encodes <secret> (encoding/xml, map keys, text encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON encodes "<secret>".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalYAML encodes <secret>.
func (s Secret) MarshalYAML() (any, error) { return redacted, nil }

// LogValue logs <secret>.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
