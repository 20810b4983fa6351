//go:build !unix

package jirahook

import "time"

// cpuTime is not measured here; the cpu-ns metrics read 0.
func cpuTime() time.Duration { return 0 }
