// Package statuscache computes a value from a tracker's state at most once
// per interval of the tracker's clock, however often and however
// concurrently it is asked. The endpoint and the OpenTelemetry view read the
// status through it, so that a flood of requests or of collections costs
// one status computation per interval.
package statuscache

import (
	"sync"
	"time"
)

// DefaultInterval is how long a computed value serves when no interval is
// given.
const DefaultInterval = time.Second

// Cache holds the latest value computed and when. Its methods are safe for
// concurrent use; callers that arrive while a computation runs wait for it
// and share its result.
type Cache[T any] struct {
	now      func() time.Time
	interval time.Duration
	compute  func(now time.Time) T

	mu   sync.Mutex
	at   time.Time
	val  T
	ok   bool
	wait chan struct{} // non-nil while a computation runs
}

// New returns a cache that calls compute with the time now returns, at most
// once per interval (DefaultInterval when interval ≤ 0). A clock that moves
// backwards by an interval or more invalidates the value.
func New[T any](now func() time.Time, interval time.Duration, compute func(now time.Time) T) *Cache[T] {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &Cache[T]{now: now, interval: interval, compute: compute}
}

// Get returns the value computed within the last interval, computing it if
// there is none, and the instant it was computed for.
func (c *Cache[T]) Get() (T, time.Time) { return c.GetWithin(c.interval, nil) }

// GetWithin is Get for a reader with an interval of its own (the cache's
// when interval ≤ 0), which also refuses a value that usable says it cannot
// use (nil: any): readers with different intervals and needs share one
// cache, and a value computed for one serves every other it suits.
func (c *Cache[T]) GetWithin(interval time.Duration, usable func(T) bool) (T, time.Time) {
	if interval <= 0 {
		interval = c.interval
	}
	// The clock is the application's (budget.WithClock): read it before the
	// lock, so that a clock that blocks holds up no other reader.
	now := c.now()
	c.mu.Lock()
	for {
		// A value computed for an instant a little after our reading is
		// fresh too: readers read the clock before the lock, so one that
		// read it first may get the lock after another computed.
		if c.ok && now.Sub(c.at) < interval && c.at.Sub(now) < interval && (usable == nil || usable(c.val)) {
			v, at := c.val, c.at
			c.mu.Unlock()
			return v, at
		}
		if c.wait == nil {
			break
		}
		// Someone is computing: share that result, fresh by definition,
		// if it suits us.
		w := c.wait
		c.mu.Unlock()
		<-w
		c.mu.Lock()
		if c.ok && (usable == nil || usable(c.val)) {
			v, at := c.val, c.at
			c.mu.Unlock()
			return v, at
		}
		// The computation panicked, or its value does not suit us; try
		// ourselves (unless another started meanwhile).
	}
	w := make(chan struct{})
	c.wait = w
	c.mu.Unlock()

	done := false
	defer func() {
		if !done {
			// compute panicked: release the waiters, keep the old value
			// stale, and let the panic go on.
			c.mu.Lock()
			c.ok = false
			c.wait = nil
			close(w)
			c.mu.Unlock()
		}
	}()
	v := c.compute(now)
	done = true

	c.mu.Lock()
	c.val, c.at, c.ok = v, now, true
	c.wait = nil
	close(w)
	c.mu.Unlock()
	return v, now
}
