package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// envRef is a whole value that is one environment reference, the only form
// a secret key accepts.
var envRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// envName is a valid variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// tokenShape matches values that are plainly Slack or Atlassian credentials,
// so one pasted into an ordinary key is refused too.
var tokenShape = regexp.MustCompile(`\b(xox[abposre]-[0-9A-Za-z-]{8,}|xapp-[0-9A-Za-z-]{8,}|ATATT[0-9A-Za-z_=-]{16,})`)

// ref is a value written with ${VAR} references: what the file says and
// what it expanded to. Errors about the key show the reference, never the
// value, which may come from a variable that holds a credential.
type ref struct {
	raw, value string
	vars       []string
	pos        Pos
}

// expand substitutes ${VAR} references in a string value; "$$" stands for a
// literal "$". A problem is reported at path and expand returns false. A
// value with references is recorded in d.refs.
func (d *decoder) expand(s, path string, pos Pos) (string, bool) {
	if !strings.Contains(s, "$") {
		return s, true
	}
	var vars []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				d.errorf(path, pos, `unterminated "${": write ${NAME}, or "$$" for a literal "$"`)
				return "", false
			}
			name := s[i+2 : i+end]
			if !envName.MatchString(name) {
				d.errorf(path, pos, "%s is not a valid environment variable name", quote(name))
				return "", false
			}
			val, ok := d.env(name)
			if !ok {
				d.errorf(path, pos, "environment variable %s is not set", name)
				return "", false
			}
			b.WriteString(val)
			vars = append(vars, name)
			i += end
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	if len(vars) > 0 {
		if d.refs == nil {
			d.refs = map[string]ref{}
		}
		d.refs[path] = ref{raw: s, value: out, vars: vars, pos: pos}
	}
	return out, true
}

// secret reads a secret key's value: the whole value must be one ${VAR}
// reference. The value itself never reaches an error message.
func (d *decoder) secret(raw, path string, pos Pos) (Secret, bool) {
	m := envRef.FindStringSubmatch(strings.TrimSpace(raw))
	if m == nil {
		if raw == "" {
			return Secret{}, true
		}
		d.errorf(path, pos, "literal secret in the config file: reference an environment variable (%s: ${%s}) or a file (%s_file: /run/secrets/…)",
			lastKey(path), suggestEnvName(path), lastKey(path))
		return Secret{}, false
	}
	val, ok := d.env(m[1])
	if !ok {
		d.errorf(path, pos, "environment variable %s is not set", m[1])
		return Secret{}, false
	}
	if val == "" {
		d.errorf(path, pos, "environment variable %s is empty", m[1])
		return Secret{}, false
	}
	if d.secretVars == nil {
		d.secretVars = map[string]string{}
	}
	if _, seen := d.secretVars[m[1]]; !seen {
		d.secretVars[m[1]] = path
	}
	return Secret{value: val, source: "environment variable " + m[1]}, true
}

// checkSecretRefs refuses a variable that a secret key reads when a plain
// key uses it too: a plain value is printed in errors, logs and URLs, so
// the credential would be. It runs once every key is decoded, since the
// plain key may come before the secret one.
func (d *decoder) checkSecretRefs() {
	paths := make([]string, 0, len(d.refs))
	for p := range d.refs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	flagged := map[string]string{} // path -> the variable
	for _, p := range paths {
		for _, name := range d.refs[p].vars {
			if _, ok := d.secretVars[name]; ok {
				flagged[p] = name
				break
			}
		}
	}
	if len(flagged) == 0 {
		return
	}
	// This is the key's one problem: whatever else decoding said about
	// the value goes.
	d.errs = slices.DeleteFunc(d.errs, func(e *Error) bool { _, ok := flagged[e.Path]; return ok })
	for _, p := range paths {
		if name, ok := flagged[p]; ok {
			d.errorf(p, d.refs[p].pos, "${%s} is the secret %s reads: a secret may only be used by a secret key (token: or token_file:), where it never reaches an error, a log line or a URL",
				name, d.secretVars[name])
		}
	}
}

// secretFile reads a secret from the file a *_file key names, trimming the
// trailing newline editors and `echo` leave.
func (d *decoder) secretFile(raw, path string, pos Pos) (Secret, bool) {
	name, ok := d.expand(raw, path, pos)
	if !ok {
		return Secret{}, false
	}
	if name == "" {
		d.errorf(path, pos, "empty file name")
		return Secret{}, false
	}
	if tokenShape.MatchString(raw) || tokenShape.MatchString(name) {
		// Not echoed: it is the credential itself, pasted in the wrong key.
		d.errorf(path, pos, "holds what looks like a token, not a file name: put the token in a file, or use %s: ${%s}",
			strings.TrimSuffix(lastKey(path), "_file"), suggestEnvName(strings.TrimSuffix(path, "_file")))
		return Secret{}, false
	}
	if !filepath.IsAbs(name) && d.baseDir != "" {
		name = filepath.Join(d.baseDir, name)
	}
	// The file is named as written: a name built from ${VAR} shows the
	// reference, since the variable might hold anything.
	shown := name
	if _, ok := d.refs[path]; ok {
		shown = raw
	}
	data, err := d.readFile(name)
	if err == nil && len(data) > maxSecretSize {
		err = fmt.Errorf("%w: over %d bytes", errTooLarge, maxSecretSize)
	}
	if err != nil {
		// The reader's own words, without its copy of the path; never the
		// file's content.
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err
		}
		d.errorf(path, pos, "cannot read secret file %s: %v", shown, err)
		return Secret{}, false
	}
	val := strings.TrimRight(string(data), "\r\n")
	if val == "" {
		d.errorf(path, pos, "secret file %s is empty", shown)
		return Secret{}, false
	}
	return Secret{value: val, source: "file " + name}, true
}

// lastKey is the last plain key of a path ("token" for "jira.token").
func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// suggestEnvName proposes a variable name for a secret key's error.
func suggestEnvName(path string) string {
	switch path {
	case "jira.token":
		return "JIRA_API_TOKEN"
	case "slack.token":
		return "SLACK_BOT_TOKEN"
	}
	return strings.ToUpper(strings.NewReplacer(".", "_", "[", "_", "]", "").Replace(path))
}
