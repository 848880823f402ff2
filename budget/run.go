package budget

import (
	"context"
	"time"
)

// Run evaluates the status every interval until ctx is done, so that
// transitions are logged and delivered even when nobody asks; an interval
// of zero (or less) means every 10 seconds. With a store (WithStore) it
// also takes a snapshot every snapshot interval; it takes no final one:
// call Close after Run returns. It returns ctx's error.
func (t *Tracker) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 10 * time.Second
	}
	tk := time.NewTicker(interval)
	defer tk.Stop()
	var snap <-chan time.Time
	if t.persist.store != nil {
		st := time.NewTicker(t.persist.every)
		defer st.Stop()
		snap = st.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tk.C:
			t.Status()
		case <-snap:
			t.Snapshot() // failures are logged
		}
	}
}
