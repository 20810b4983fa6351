package config

import (
	"strconv"
	"strings"
)

// minScrubbed is the shortest secret value scrub looks for: a shorter one
// would match ordinary words of a message. Real tokens are far longer.
const minScrubbed = 6

// redact rewrites the messages of es so that they carry no secret and no
// value that came from the environment:
//
//   - an error at a key written with ${VAR} shows the reference where the
//     message quotes the expanded value (a variable may hold anything);
//   - any secret value left in any message becomes <secret>.
//
// The checks themselves quote values freely; this is the one place that
// keeps what they print safe, for the checks of today and of tomorrow.
func redact(es Errors, refs map[string]ref, secrets []string) Errors {
	for _, e := range es {
		if r, ok := refs[e.Path]; ok && r.value != "" {
			e.Message = showRef(e.Message, r.value, r.raw)
		}
		for _, s := range secrets {
			e.Message = scrub(e.Message, s)
		}
	}
	return es
}

// showRef replaces value where msg quotes it (whole, or shortened by
// quote) with the quoted reference. Bare copies are left alone: a short
// value such as "e" also occurs inside the message's own words.
func showRef(msg, value, ref string) string {
	for _, q := range []string{strconv.Quote(value), quote(value)} {
		msg = strings.ReplaceAll(msg, q, quote(ref))
	}
	return msg
}

// scrub replaces every copy of a secret value in msg, quoted, escaped,
// shortened by quote or bare, with <secret>.
func scrub(msg, value string) string {
	if len(value) < minScrubbed {
		return msg
	}
	for _, q := range []string{strconv.Quote(value), quote(value)} {
		msg = strings.ReplaceAll(msg, q, strconv.Quote(redacted))
	}
	for _, f := range []string{value, quoteInner(value), shortInner(value)} {
		if len(f) >= minScrubbed {
			msg = strings.ReplaceAll(msg, f, redacted)
		}
	}
	return msg
}

// quoteInner is value as strconv.Quote escapes it, without the quotes.
func quoteInner(value string) string {
	q := strconv.Quote(value)
	return q[1 : len(q)-1]
}

// shortInner is what quote keeps of a long value, without the quotes and
// the ellipsis.
func shortInner(value string) string {
	q := quote(value)
	return strings.TrimSuffix(q[1:len(q)-1], "…")
}

// secretValues lists the config's secret values, for redact.
func (c *Config) secretValues() []string {
	var out []string
	for _, s := range []Secret{c.Jira.Token, c.Slack.Token, c.Slack.AppToken, c.Store.DSN, c.Webhook.Secret, c.Webhook.Token} {
		if s.IsSet() {
			out = append(out, s.Value())
		}
	}
	return out
}
