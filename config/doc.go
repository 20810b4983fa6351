// Package config owns patchbot's configuration: one YAML file decoded into
// typed structs with defaults, secrets taken from the environment or from
// files, and every problem in the file reported at once with its file, line
// and key path, e.g.
//
//	config.yaml:42 projects[1].fields.rollback: unknown handoff field "rollback_plan" (did you mean "rollback"?)
//
// Load and Parse decode and validate a file; Default gives the defaults a
// demo or a test fills in by hand, and Validate checks a hand-built Config
// with the same rules. Checks that need the network (do the Jira fields and
// Slack scopes exist) belong to the caller: Config.Errorf builds an Error at
// a key's position so those checks report in the same shape.
//
// Secrets never appear in the file: a secret key holds a ${ENV_VAR}
// reference, or its *_file twin names a file holding the value. A Secret
// prints as <secret> through fmt, encoding/json, yaml and log/slog, and no
// error this package returns contains a secret's value.
//
// The package must not touch the network, start anything or log: it reads
// the file and the environment it is given and returns values.
package config
