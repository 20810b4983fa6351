package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadRefusesWhatIsNotARegularFile loads configs and secret files
// that are devices, FIFOs, directories or too large: each is refused at
// once with a message naming the problem, instead of filling memory
// (/dev/zero) or blocking for good (a FIFO without a writer).
func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	t.Setenv("JIRA_API_TOKEN", "jira-s3cr3t-value")
	t.Setenv("SLACK_BOT_TOKEN", "slack-s3cr3t-value")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	big := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err == nil {
			err = f.Truncate(size) // sparse: no disk used
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withTokenFile := func(name, file string) string {
		return write(name, strings.Replace(base, "token: ${JIRA_API_TOKEN}", "token_file: "+file, 1))
	}
	for _, tc := range []struct {
		name, path, msg string
	}{
		{"config /dev/zero", "/dev/zero", "not a regular file (a character device)"},
		{"config FIFO", fifo, "not a regular file (a named pipe)"},
		{"config directory", dir, "not a regular file (a directory)"},
		{"config too large", big("big.yaml", maxConfigSize+1), "file too large"},
		{"token_file /dev/zero", withTokenFile("zero.yaml", "/dev/zero"), "jira.token_file: cannot read secret file /dev/zero: not a regular file (a character device)"},
		{"token_file FIFO", withTokenFile("fifo.yaml", fifo), "jira.token_file: cannot read secret file " + fifo + ": not a regular file (a named pipe)"},
		{"token_file too large", withTokenFile("bigtoken.yaml", big("token", maxSecretSize+1)), "jira.token_file: cannot read secret file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := Load(tc.path)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second): // a guard against hanging forever, not a timing assertion
				t.Fatalf("Load(%s) blocked", tc.path)
			}
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %q", err, tc.msg)
			}
		})
	}
}

// TestLoadLargeOwnerMap loads a config whose owner_map has 100,000 entries
// (9 MB): a legal file is not mistaken for an alias bomb.
func TestLoadLargeOwnerMap(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and parses 9 MB (8 s under -race)")
	}
	const n = 100_000
	var m strings.Builder
	m.WriteString("slack:\n  owner_map:\n")
	for k := range n {
		fmt.Fprintf(&m, "    \"firstname.lastname%06d@corp.example.com\": \"firstname.lastname%06d@corp.example.com\"\n", k, k)
	}
	doc := strings.Replace(base, "slack:\n", m.String(), 1)
	if len(doc) > maxConfigSize {
		t.Fatalf("%d bytes: over the size limit", len(doc))
	}
	c, err := parse(doc)
	if err != nil {
		t.Fatalf("%.300v", err)
	}
	if len(c.Slack.OwnerMap) != n {
		t.Errorf("owner_map has %d entries, want %d", len(c.Slack.OwnerMap), n)
	}
}

// TestAliasBudget still stops an alias blow-up in a part of the schema
// that descends into it (300 projects, each an alias of one whose managers
// are an alias of 1,000 entries), saying that aliases are the cause.
func TestAliasBudget(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(base, "projects:\n  - name: SEC\n    jql: project = SEC\n    use_description: true\n"))
	b.WriteString("managers: &m {")
	for i := range 1000 {
		fmt.Fprintf(&b, "o%d: U0123456789, ", i)
	}
	b.WriteString("}\nproject: &p {name: P, jql: x, use_description: true, managers: *m}\nprojects: [")
	b.WriteString(strings.Repeat("*p, ", 300))
	b.WriteString("]\n")
	_, err := parse(b.String())
	if err == nil || !strings.Contains(err.Error(), "document too large: aliases expand it by more than") {
		t.Fatalf("err = %.500v, want the alias budget spent", err)
	}
	if n := len(err.(Errors)); n > 10 {
		t.Errorf("%d errors: one note about the blow-up is enough", n)
	}
}
