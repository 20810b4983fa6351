package feeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The cache directory's files. See the package documentation.
const (
	kevFile     = "kev.json"
	epssFile    = "epss.csv"
	epssAPIFile = "epss-api.json"
	tempPrefix  = ".tmp-"
)

// cacheMeta is what the cache records beside a feed's copy: where it came
// from and what the source said about it, so a restart can ask "changed
// since?" and report the copy's age without the network.
type cacheMeta struct {
	Source       string    `json:"source"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"lastModified,omitempty"`
	FileModTime  time.Time `json:"fileModTime,omitzero"` // local sources: the file's mtime when read
	FileSize     int64     `json:"fileSize,omitempty"`
	FetchedAt    time.Time `json:"fetchedAt"`  // when this copy was downloaded or read
	VerifiedAt   time.Time `json:"verifiedAt"` // when the source last said it is current
}

// metaName is the record's file name beside a data file: kev.json's is
// kev.meta.json.
func metaName(name string) string {
	return strings.TrimSuffix(name, filepath.Ext(name)) + ".meta.json"
}

func readMeta(dir, name string) (cacheMeta, error) {
	var m cacheMeta
	b, err := os.ReadFile(filepath.Join(dir, metaName(name)))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return cacheMeta{}, fmt.Errorf("%s: %w", metaName(name), err)
	}
	return m, nil
}

func writeMeta(dir, name string, m cacheMeta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(dir, metaName(name), b)
}

// writeFileAtomic replaces dir/name with data: a temporary file beside it,
// synced, then renamed over it, so a crash leaves the old file or the new
// one and never half of either.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, tempPrefix+name+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	return commitTemp(tmp, filepath.Join(dir, name))
}

// commitTemp syncs and closes tmp and renames it to path; on any failure it
// removes tmp.
func commitTemp(tmp *os.File, path string) error {
	err := tmp.Sync()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename in dir durable. Some systems cannot sync a
// directory; the rename is still atomic there, only perhaps not yet on disk.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}

// spool copies r into a new temporary file in dir, refusing more than limit
// bytes. The caller commits the file with commitTemp or removes it.
func spool(dir, name string, r io.Reader, limit int64) (*os.File, error) {
	tmp, err := os.CreateTemp(dir, tempPrefix+name+"-*")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(tmp, newCapReader(r, limit, "download")); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return tmp, nil
}

// staleTemp is how old a temporary file must be before New takes it for a
// crash's leftover: younger ones may be another process's write in
// progress (a one-shot command beside the daemon).
const staleTemp = time.Hour

// removeTemps deletes temporary files in dir last written before cutoff.
func removeTemps(dir string, cutoff time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err != nil || fi.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
