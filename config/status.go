package config

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// DefaultStatusListen is where the status page listens unless configured:
// loopback only, so that it is reachable from the machine (or a sidecar
// proxy) and nowhere else.
const DefaultStatusListen = "127.0.0.1:8081"

// Status is the read-only status page (GET /status): where the handoffs
// stand, per project and owner, with a twelve-week trend. It is off by
// default.
type Status struct {
	// Enabled turns the page on.
	Enabled bool `yaml:"enabled"`
	// Listen is its address (default 127.0.0.1:8081, loopback only). The
	// same value as http.listen serves the page on the daemon's health and
	// metrics listener instead of a listener of its own.
	Listen string `yaml:"listen"`
	// User and PasswordHash ask every request for HTTP basic auth: the
	// password as a bcrypt hash ("$2y$…", from htpasswd -nbB user pass),
	// which may stand in the file since it is a hash; or PasswordHashFile,
	// a file holding it. Without them the page is open to whoever reaches
	// the listener.
	User             string `yaml:"user"`
	PasswordHash     string `yaml:"password_hash"`
	PasswordHashFile string `yaml:"password_hash_file"`

	// hash is the hash in use, from password_hash or its file (validate).
	hash string
}

// Hash is the bcrypt hash basic auth checks, from password_hash or the
// file password_hash_file names; "" without auth. It is set by validation.
func (s Status) Hash() string { return s.hash }

// StatusSharesHTTPListener reports whether the page is served on http.listen's
// listener rather than one of its own.
func (c *Config) StatusSharesHTTPListener() bool { return c.Status.Listen == c.HTTP.Listen }

func (v *validator) status() {
	s := &v.c.Status
	s.hash = ""
	if strings.TrimSpace(s.Listen) == "" {
		s.Listen = DefaultStatusListen
	}
	host, port, err := net.SplitHostPort(s.Listen)
	n, perr := strconv.Atoi(port)
	switch {
	case err != nil:
		v.errorf("status.listen", "expected host:port such as %s, got %s", DefaultStatusListen, quote(s.Listen))
		return
	case perr != nil || n < 0 || n > 65535:
		v.errorf("status.listen", "bad port %s", quote(port))
		return
	}
	if s.Listen != v.c.HTTP.Listen {
		if _, hport, err := net.SplitHostPort(v.c.HTTP.Listen); err == nil && hport == port && n != 0 {
			v.errorf("status.listen", "uses http.listen's port %s on another address: write exactly %s to serve the page on that listener, or pick another port", port, quote(v.c.HTTP.Listen))
		}
	}

	hash := s.PasswordHash
	switch {
	case s.PasswordHash != "" && s.PasswordHashFile != "":
		v.errorf("status.password_hash_file", "set password_hash or password_hash_file, not both")
		return
	case s.PasswordHashFile != "":
		name := s.PasswordHashFile
		if !filepath.IsAbs(name) && v.c.file != "" {
			name = filepath.Join(filepath.Dir(v.c.file), name)
		}
		b, err := readSecretFile(name)
		if err != nil {
			v.errorf("status.password_hash_file", "cannot read the hash: %v", err)
			return
		}
		hash = strings.TrimSpace(string(b))
	}
	switch {
	case s.User != "" && hash == "":
		v.errorf("status.password_hash", "required with status.user: a bcrypt hash, e.g. from htpasswd -nbB %s 'the password' (the part after the colon)", s.User)
		return
	case s.User == "" && hash != "":
		v.errorf("status.user", "required with a password hash: the user name the browser asks for")
		return
	case hash != "":
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			path := "status.password_hash"
			if s.PasswordHashFile != "" {
				path += "_file"
			}
			v.errorf(path, "is not a bcrypt hash (\"$2y$10$…\", from htpasswd -nbB user pass or bcrypt): %v", err)
			return
		}
	}
	s.hash = hash
	if s.Enabled && hash == "" && !isLoopback(host) {
		v.warnings = append(v.warnings, fmt.Sprintf("status.listen %s is reachable from other machines and status.user is not set: anyone who reaches it reads ticket summaries and owners; set status.user and status.password_hash, or keep the page on 127.0.0.1 behind an authenticating proxy", s.Listen))
	}
}
