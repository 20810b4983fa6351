// Package clock holds the connectors' one real wait.
package clock

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends (its error, then). A d of zero or less
// returns at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
