package budgettest

import (
	"sync"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// Clock is a fake clock that moves only when told. Its zero value reads as
// the zero time; NewClock sets a start. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time. Pass the method value to budget.WithClock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t, forward or back (a wall-clock jump).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Traffic is a steady stream of calls: Rate per second, of which the fraction
// ErrorRatio fail. Failures are spread evenly (every 1/ErrorRatio-th call, by
// a running remainder) so that every window holds the exact ratio, to the
// event. The zero value sends nothing.
type Traffic struct {
	// Rate is the number of calls per second; fractions are allowed (1/60
	// is one a minute).
	Rate float64
	// ErrorRatio is the fraction of calls that fail, in [0, 1].
	ErrorRatio float64
	// Latency is every successful call's duration.
	Latency time.Duration
	// Event, when set, builds each event instead (its Time is then set by
	// Run); bad reports whether the call is one of the failing fraction.
	Event func(bad bool) sli.Event
}

// batchRecorder is implemented by budget.Series: it records n identical
// events at once.
type batchRecorder interface {
	RecordN(e sli.Event, n int64)
}

// Run records d worth of traffic into rec, advancing clk as it goes: each
// call at its own instant, the clock set to it before recording. It returns
// the number of good and bad calls sent.
//
// When rec can record in batches (a budget.Series) and Event is nil, runs of
// identical calls within one 10-second bucket are recorded at once, at the
// time of the run's last call: the counts of every bucket, and so of every
// window, are the same as one by one, and a month of traffic at 10 calls per
// second takes a fraction of a second.
func (tr Traffic) Run(clk *Clock, rec sli.Recorder, d time.Duration) (good, bad int64) {
	if tr.Rate <= 0 || d <= 0 {
		clk.Advance(d)
		return 0, 0
	}
	start := clk.Now()
	step := time.Duration(float64(time.Second) / tr.Rate)
	n := int64(float64(d) / float64(step))
	batch, _ := rec.(batchRecorder)
	if tr.Event != nil {
		batch = nil
	}
	var (
		acc     float64
		run     int64
		runBad  bool
		runAt   time.Time
		runSlot int64
	)
	flush := func() {
		if run == 0 {
			return
		}
		clk.Set(runAt)
		batch.RecordN(tr.event(runBad, runAt), run)
		run = 0
	}
	if batch != nil && tr.ErrorRatio == 0 {
		// Clean traffic: count the calls of each 10-second slot directly.
		const slotNS = int64(10 * time.Second)
		for i := int64(1); i <= n; {
			at := start.Add(time.Duration(i) * step)
			slotEnd := (at.UnixNano()/slotNS + 1) * slotNS
			// The last call index whose time is still before slotEnd.
			j := min(n, (slotEnd-start.UnixNano()-1)/int64(step))
			if j < i {
				j = i
			}
			last := start.Add(time.Duration(j) * step)
			clk.Set(last)
			batch.RecordN(tr.event(false, last), j-i+1)
			good += j - i + 1
			i = j + 1
		}
		clk.Set(start.Add(d))
		return good, 0
	}
	for i := int64(1); i <= n; i++ {
		at := start.Add(time.Duration(i) * step)
		acc += tr.ErrorRatio
		failed := acc >= 1-1e-9
		if failed {
			acc--
			bad++
		} else {
			good++
		}
		if batch == nil {
			clk.Set(at)
			rec.Record(tr.event(failed, at))
			continue
		}
		slot := at.UnixNano() / int64(10*time.Second)
		if run > 0 && (failed != runBad || slot != runSlot) {
			flush()
		}
		run++
		runBad, runAt, runSlot = failed, at, slot
	}
	if batch != nil {
		flush()
	}
	clk.Set(start.Add(d))
	return good, bad
}

func (tr Traffic) event(failed bool, at time.Time) sli.Event {
	var e sli.Event
	if tr.Event != nil {
		e = tr.Event(failed)
	} else {
		e = sli.Event{Outcome: sli.Good, Duration: tr.Latency}
		if failed {
			e.Outcome = sli.Bad
			e.ErrorType = "error"
		}
	}
	e.Time = at
	return e
}
