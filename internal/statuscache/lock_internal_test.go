package statuscache

import (
	"testing"
	"time"
)

// The clock is the application's function (budget.WithClock): it may block,
// or read the tracker. Get reads it before taking the cache's lock, so such
// a clock holds up no other reader.
func TestClockNotReadUnderLock(t *testing.T) {
	var c *Cache[int]
	at := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	underLock := 0
	now := func() time.Time {
		if !c.mu.TryLock() {
			underLock++
		} else {
			c.mu.Unlock()
		}
		return at
	}
	c = New(now, time.Second, func(time.Time) int { return 1 })
	c.Get() // computes
	c.Get() // served from the cache
	at = at.Add(2 * time.Second)
	c.Get() // stale: computes again
	if underLock > 0 {
		t.Errorf("the clock was read %d times under the cache's lock", underLock)
	}
}

// A reader whose clock reading is a little older than the value (it read
// the clock, then waited for the lock while another computed) is served
// that value: a flood computes once per interval, readings in any order.
func TestOlderReadingServedFreshValue(t *testing.T) {
	at := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	calls := 0
	c := New(func() time.Time { return at }, time.Second, func(time.Time) int { calls++; return calls })
	c.Get()
	at = at.Add(-500 * time.Millisecond)
	if v, _ := c.Get(); v != 1 {
		t.Errorf("a reading 500 ms before the value's: computation %d, want 1", v)
	}
	at = at.Add(-time.Second)
	if v, _ := c.Get(); v != 2 {
		t.Errorf("a reading 1.5 s before the value's: computation %d, want 2 (the clock went back)", v)
	}
}
