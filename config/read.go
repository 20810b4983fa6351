package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Size limits of what Load reads. A config with a 100,000-entry owner_map
// of long emails ("firstname.lastname000001@corp.example.com") is 9.3 MB and
// `config validate` reads it in 0.8 s with 117 MB resident; the limit leaves
// room for more and bounds the parser's memory near 200 MB. A secret is a
// token of a few hundred bytes.
const (
	maxConfigSize = 16 << 20
	maxSecretSize = 64 << 10
)

// errTooLarge is wrapped by readRegular's error for an oversized file.
var errTooLarge = errors.New("file too large")

// readRegular reads a regular file of at most max bytes. Anything else is
// refused before a byte is read: /dev/zero would fill memory, a FIFO or a
// terminal would block the command for good (and a blocked read does not
// end on SIGTERM). The file is opened with O_NONBLOCK, which makes opening
// a FIFO return at once and changes nothing for a regular file, and the
// opened file is checked with fstat, so what was checked is what is read.
func readRegular(name string, max int64) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("not a regular file (%s)", kindOf(st.Mode()))}
	}
	if st.Size() > max {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: %d bytes, the limit is %d", errTooLarge, st.Size(), max)}
	}
	// The size may change between fstat and the read: read one byte past
	// the limit to notice.
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: over %d bytes", errTooLarge, max)}
	}
	return data, nil
}

// kindOf names a file type for the "not a regular file" error.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// readSecretFile is the default reader of *_file secrets.
func readSecretFile(name string) ([]byte, error) { return readRegular(name, maxSecretSize) }
