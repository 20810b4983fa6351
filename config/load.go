package config

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes and validates the config file at path, taking
// ${VAR} references from the process environment and *_file secrets from
// disk (relative names are relative to the config file's directory).
// Both the config and the secret files must be regular files, of at most
// 16 MiB and 64 KiB.
func Load(path string) (*Config, error) {
	data, err := readRegular(path, maxConfigSize)
	if err != nil {
		msg := err.Error()
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			msg = "cannot read the config: " + pe.Err.Error() // the file is named once, in front
		}
		return nil, Errors{{File: path, Message: msg}}
	}
	return Parse(path, data, os.LookupEnv, readSecretFile)
}

// Parse decodes and validates a config file's content. name is the file
// name errors carry; env looks up environment variables and readFile reads
// *_file secrets (nil means os.LookupEnv and a reader of regular files of
// at most 64 KiB).
//
// The error, when not nil, is Errors listing every problem sorted by line.
// When the YAML itself could be read, Parse returns the Config as far as it
// was decoded together with the Errors, so that a caller can run its own
// checks (config validate --online) and report everything at once; a
// caller that only wants a usable config must check the error first.
func Parse(name string, data []byte, env func(string) (string, bool), readFile func(string) ([]byte, error)) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	if readFile == nil {
		readFile = readSecretFile
	}
	root, err := parseYAML(name, data)
	if err != nil {
		return nil, err
	}
	c := Default()
	c.file = name
	d := &decoder{
		file:     name,
		env:      env,
		readFile: readFile,
		baseDir:  filepath.Dir(name),
		pos:      map[string]Pos{"": posOf(root)},
		budget:   budgetFor(root),
	}
	if root.Kind != yaml.MappingNode {
		d.errorf("", posOf(root), "expected a mapping of sections (jira:, slack:, projects:, …), got %s", describe(root))
		return c, d.errs.err()
	}
	d.decode(root, "", posOf(root), reflectValue(c))
	c.pos, c.refs = d.pos, d.refs
	if d.spent {
		return c, redact(d.errs, c.refs, c.secretValues()).err()
	}
	d.checkSecretRefs()
	d.cleanLaneKeys(c)
	c.normalize()
	failed := map[string]bool{}
	for _, e := range d.errs {
		failed[e.Path] = true
		// A failed token_file leaves token unset: one error is enough.
		failed[strings.TrimSuffix(e.Path, "_file")] = true
	}
	errs := append(d.errs, c.validate(failed)...)
	c.derive()
	return c, redact(errs, c.refs, c.secretValues()).err()
}

// normalize tidies values after decoding.
func (c *Config) normalize() {
	if c.Slack.APIURL != "" && !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/"
	}
	c.Jira.URL = strings.TrimRight(c.Jira.URL, "/")
}

// derive fills values that default to other keys, after validation so
// that a bad key is reported once, where it was written.
func (c *Config) derive() {
	if c.Slack.DigestChannel == "" {
		c.Slack.DigestChannel = c.Slack.Routing.Default
	}
	if c.Slack.DigestChannel == "" {
		c.Slack.DigestChannel = c.Slack.FallbackChannel
	}
}

// yamlLine finds the line in yaml.v3's error messages ("yaml: line 3: …").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseYAML parses exactly one YAML document into a node tree.
func parseYAML(name string, data []byte) (*yaml.Node, error) {
	fail := func(err error) error {
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		return Errors{{File: name, Line: line, Message: "YAML syntax: " + msg}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: name, Message: "the config is empty"}}
		}
		return nil, fail(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fail(err)
		}
		return nil, Errors{{File: name, Line: extra.Line, Message: "more than one YAML document: keep the whole config in one"}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, Errors{{File: name, Message: "the config is empty"}}
	}
	return doc.Content[0], nil
}

// SlogLevel is the log level as a slog.Level.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
