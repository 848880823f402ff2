package budget

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// Series holds the counts of one objective, or of one group of a grouped
// objective, and records events into them. Obtain one from a Tracker (Series
// or SLO.Series) when wiring, then call Record for each completed call.
//
// A Series comes from its Tracker; its zero value is not usable, but a nil
// *Series records nothing, so wiring that found no objective fails quietly
// only where the caller chose to ignore the error. A Series is safe for
// concurrent use. Record takes no lock, allocates
// nothing and never fails; the read side (the tracker's status) takes the
// series' mutex briefly.
//
// # How recording stays exact
//
// Record adds 1 to a cumulative striped counter (internal/window) when the event
// falls in the bucket now being accumulated, the current bucket. The first
// event of a new 10-second bucket within the same 5-minute slot moves the
// current bucket on without the lock, leaving the stripes' sums at the end of
// the bucket it leaves (Stripes.Rotate); the first of a new 5-minute slot, a
// read, a state capture fold what the stripes gathered into the ring, bucket
// by bucket, under the mutex (foldLocked). An event that races with a
// rotation or a fold (it saw the old bucket, and added after the sums were
// read) is counted in the next bucket: a count is never lost, and lands at
// most one bucket late. An event older than the current bucket (its call
// ended just before another's, which rotated first) is added under the mutex
// straight into its own bucket.
type Series struct {
	tr    *Tracker
	slo   *SLO
	obj   *sli.Objective
	group string

	stripes window.Stripes // with the current fine bucket (bucket)

	mu     sync.Mutex
	ring   window.Ring
	latRng *window.LatencyRing // nil for kinds without a latency
	alerts []alertState
	policy PolicyState
	evalAt time.Time // the latest instant alerts were evaluated at
	excAll int64     // events excluded by classification, lifetime
	life   counts    // lifetime good and bad, including restored state
	stored counts    // the part of life restored from the state file

	slc *sliceState // time-slice verdicts; nil for occurrences (slice_decide.go)
}

type alertState struct {
	firing bool
	since  time.Time
}

func newSeries(tr *Tracker, slo *SLO, group string) *Series {
	lat := slo.decl.Kind.HasThreshold()
	s := &Series{
		tr:     tr,
		slo:    slo,
		obj:    &slo.decl,
		group:  group,
		ring:   window.NewRing(slo.horizon),
		alerts: make([]alertState, len(tr.rules)),
	}
	s.stripes.Init(tr.stripes, lat)
	if lat {
		s.latRng = window.NewLatencyRing()
	}
	s.initSlices()
	return s
}

// Objective returns the objective the series counts for.
func (s *Series) Objective() sli.Objective { return *s.obj }

// Group returns the series' group value; empty for an ungrouped objective.
func (s *Series) Group() string { return s.group }

// Record classifies e for the series' objective and counts it in the bucket
// of e.Time. It never blocks on other recorders, never allocates and never
// panics; an event too far in the past or future is dropped and counted
// (Tracker.Dropped). A nil Series records nothing.
func (s *Series) Record(e sli.Event) {
	if s != nil {
		s.record(&e, 1)
	}
}

// RecordN records n identical events at once, as n calls of Record would:
// for backfilling counts kept elsewhere, and for scripted traffic in tests.
// It records nothing when n ≤ 0. Counts saturate at MaxCount: a total never
// wraps around to a negative number.
func (s *Series) RecordN(e sli.Event, n int64) {
	if s != nil && n > 0 {
		s.record(&e, min(n, MaxCount))
	}
}

// MaxCount is where every count of a series saturates (about 4.6 × 10^18):
// the sum of two such counts still fits an int64, and none ever wraps
// around to a negative number.
const MaxCount = window.MaxCount

// bucketWidths are the widths of the fine, medium and coarse tiers. A window
// edge is off by less than the width of the tier that serves it.
var bucketWidths = [3]time.Duration{time.Duration(window.FineWidth), time.Duration(window.MediumWidth), time.Duration(window.CoarseWidth)}

// counts are exact good/bad counts over some span.
type counts struct{ good, bad int64 }

func (c counts) total() int64 { return c.good + c.bad }

func countsOf(c window.Counts) counts { return counts{c.Good, c.Bad} }

// maxStripeAdd is the largest batch RecordN adds to the stripes; larger
// ones take the mutex and add to the ring with saturation. The stripes'
// cumulative counters may wrap around (the fold takes differences, which
// stay exact), but the events between two folds must stay below 2^63:
// with batches this small that takes 2^47 batches within one bucket.
const maxStripeAdd = window.MaxLatencyAdd

func (s *Series) record(e *sli.Event, n int64) {
	v, us := classify(s.obj, e, s.tr)
	ns := e.Time.UnixNano()
	if c := s.slo.corr.Load(); c != nil && v != sli.Excluded && c.covers(ns) {
		v = sli.Excluded
	}
	if s.latRng == nil || v == sli.Excluded {
		us = -1
	}
	if b := window.FloorDiv(ns, window.FineWidth); b != s.stripes.Bucket() || n > maxStripeAdd {
		s.slow(e, v, us, b, n)
		return
	}
	if !s.stripes.Add(s.stripes.Index(), v, us, n) {
		s.recordLatency(us, n)
	}
}

// recordLatency takes a latency the stripes did not (Stripes.AddLatency).
func (s *Series) recordLatency(us, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latRng.Record(&s.stripes, s.stripes.Index(), us, n, s.bucket()*window.FineWidth)
}

// bucket returns the fine bucket the stripes accumulate.
func (s *Series) bucket() int64 { return s.stripes.Bucket() }

// classify returns o.Verdict(*e) and the latency o.Measure(*e) reports, in
// µs (negative when it reports none). For the kinds nearly every call counts
// toward, availability and latency without an Include filter, it reads the
// event in place: Verdict and Measure take the 104-byte Event by value, and
// copying a struct just copied stalls store forwarding (the overlapping
// 16-byte moves of the first copy cannot feed the loads of the second), a
// third of BenchmarkRecord's time. TestClassifyMatchesVerdict holds the two
// equal.
func classify(o *sli.Objective, e *sli.Event, tr *Tracker) (sli.Outcome, int64) {
	if o.Include == nil {
		switch o.Kind {
		case sli.Availability:
			return e.Outcome, -1
		case sli.Latency:
			us := int64(-1)
			if e.Duration >= 0 {
				us = int64(e.Duration / time.Microsecond)
			}
			switch {
			case e.Outcome != sli.Good:
				if e.Outcome == sli.Bad && o.IncludeFailures {
					return sli.Bad, us
				}
				return sli.Excluded, -1
			case us < 0:
				return sli.Excluded, -1
			case e.Duration <= o.Threshold:
				return sli.Good, us
			}
			return sli.Bad, us
		}
	}
	if o.Include != nil || o.Classify != nil {
		return classifyUser(o, e, tr)
	}
	v := o.Verdict(*e)
	if d, ok := o.Measure(*e); ok {
		return v, int64(d / time.Microsecond)
	}
	return v, -1
}

// classifyUser is classify for objectives with user code (Include,
// Classify): recording never panics, so a panic there excludes the event
// and is counted (recoveredPanic; tr may be nil in tests). The deferred
// recover costs a few nanoseconds, and only these objectives pay it.
func classifyUser(o *sli.Objective, e *sli.Event, tr *Tracker) (v sli.Outcome, us int64) {
	defer func() {
		if r := recover(); r != nil {
			if tr != nil {
				tr.recoveredPanic(fmt.Sprintf("objective %q: Include or Classify", o.Name), r)
			}
			v, us = sli.Excluded, -1
		}
	}()
	v = o.Verdict(*e)
	if d, ok := o.Measure(*e); ok {
		return v, int64(d / time.Microsecond)
	}
	return v, -1
}

// maxAhead is how far past the tracker's clock an event may claim to have
// completed before it is dropped as a wall-clock jump.
const maxAhead = time.Minute

// slow handles an event outside the current bucket. An event of a later
// bucket in the same 5-minute slot moves the current bucket on without the
// lock when the clock agrees with it (rotate). Otherwise, under the mutex so
// that no fold runs meanwhile: an event of a newer bucket folds, moves the
// current bucket on and is counted in the stripes; a late event is placed in
// its own bucket of every tier that still holds it, its latency in the
// current distribution. The clock is the application's function: it is read
// before the lock, so that a clock that blocks or calls back into the
// tracker holds up nobody.
func (s *Series) slow(e *sli.Event, v sli.Outcome, us, b, n int64) {
	now := s.tr.now()
	if n <= maxStripeAdd && s.rotate(e, b, now) {
		if !s.stripes.Add(s.stripes.Index(), v, us, n) {
			s.recordLatency(us, n)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aheadOf(now) {
		var fresh bool
		if now, fresh = s.recheckClockLocked(); fresh && s.aheadOf(now) {
			s.followClockLocked(now)
		}
	}
	if now.Sub(e.Time) > s.slo.horizon {
		s.tr.droppedPast.Add(n)
		return
	}
	cur := s.bucket()
	if b > cur {
		if e.Time.Sub(now) > maxAhead {
			s.tr.droppedFuture.Add(n)
			return
		}
		s.tr.refreshCorrections(now) // keeps recurring corrections listed (correction.go)
		// Latencies fold when their 5-minute slot changes, or at a read.
		s.foldLocked(b, false, false)
		cur = s.bucket() // b, or later when rotations passed it meanwhile
	}
	if b < cur || n > maxStripeAdd {
		switch v {
		case sli.Good:
			s.addLocked(b, n, 0)
		case sli.Bad:
			s.addLocked(b, 0, n)
		default:
			s.excAll = window.AddCount(s.excAll, n)
			return
		}
		if n > maxStripeAdd {
			if us >= 0 {
				s.latRng.Add(cur*window.FineWidth, us, n)
			}
			return
		}
		if !s.stripes.AddLatency(s.stripes.Index(), us, n) {
			s.latRng.Record(&s.stripes, s.stripes.Index(), us, n, cur*window.FineWidth)
		}
		return
	}
	if !s.stripes.Add(s.stripes.Index(), v, us, n) {
		s.latRng.Record(&s.stripes, s.stripes.Index(), us, n, cur*window.FineWidth)
	}
}

func (s *Series) addLocked(b, good, bad int64) {
	if s.ring.Add(b, good, bad) {
		s.sliceAddedLocked(b) // slice_decide.go
		s.life.good = window.AddCount(s.life.good, good)
		s.life.bad = window.AddCount(s.life.bad, bad)
	} else {
		s.tr.droppedPast.Add(good + bad)
	}
}

// flushLocked moves what the stripes counted since the last fold into the
// ring, each bucket's counts into that bucket, and the latencies into the
// current slot.
func (s *Series) flushLocked() { s.foldLocked(math.MinInt64, false, true) }

// foldLocked moves what the stripes counted since the last fold into the
// ring, bucket by bucket (Stripes.Fold), then makes to the current bucket
// when it is later than the current one, or with force. The latencies fold
// into the current slot with latency, or when to is in another slot: the
// stripes then hold only latencies of the slot they leave. Rotations
// without the lock stay within a slot, so the current slot cannot change
// under the mutex.
func (s *Series) foldLocked(to int64, force, latency bool) {
	cur := s.bucket()
	if s.latRng != nil && (latency || window.FloorDiv(to*window.FineWidth, window.LatencySlotWidth) != window.FloorDiv(cur*window.FineWidth, window.LatencySlotWidth)) {
		s.latRng.Flush(&s.stripes, cur*window.FineWidth)
	}
	var buf [window.MaxFold]window.Bucket
	got, excl := s.stripes.Fold(buf[:0], to, force)
	s.excAll = window.AddCount(s.excAll, excl)
	took, lost := s.ring.AddRun(got)
	if len(got) > 0 {
		s.slicesFoldedLocked(got[0].N, got[len(got)-1].N) // slice_decide.go
	}
	s.life.good = window.AddCount(s.life.good, took.Good)
	s.life.bad = window.AddCount(s.life.bad, took.Bad)
	if n := lost.Total(); n != 0 {
		s.tr.droppedPast.Add(n)
	}
}

// advanceLocked folds and moves the current bucket up to the bucket of now,
// so that events that complete before now but are recorded after are placed
// exactly. clock is the tracker's clock reading, taken before the lock.
func (s *Series) advanceLocked(now, clock time.Time) {
	if now.After(clock) {
		now = clock // a status asked ahead of the clock must not move the bucket there
	}
	s.foldLocked(window.FloorDiv(now.UnixNano(), window.FineWidth), false, true)
}

// rotate moves the current bucket to b without the lock, when b is later
// than it within the same 5-minute slot and the clock's reading now agrees
// with the event: no step back, the event neither too old nor too far
// ahead (slow checks those under the mutex). It reports whether b is the
// current bucket.
func (s *Series) rotate(e *sli.Event, b int64, now time.Time) bool {
	at, clock := e.Time.UnixNano(), now.UnixNano()
	if s.aheadOf(now) || clock-at > int64(s.slo.horizon) || at-clock > int64(maxAhead) {
		return false
	}
	s.tr.refreshCorrections(now) // as slow does before it moves the bucket on
	return s.stripes.Rotate(b)
}

// aheadOf reports whether the bucket being accumulated is more than one
// ahead of the clock's reading: the clock stepped back (an event can be at
// most a minute ahead of the clock, and moves cur there only until the next
// one at the clock), or the reading is stale (recheckClockLocked).
func (s *Series) aheadOf(clock time.Time) bool {
	return s.bucket() > window.FloorDiv(clock.UnixNano(), window.FineWidth)+1
}

// recheckClockLocked reads the clock again for a caller holding s.mu whose
// reading, taken before the lock, suggests a step back: a recorder or a
// status may have acted on a later reading between the two. It unlocks,
// reads and relocks; fresh reports whether cur and evalAt are unchanged, so
// that the new reading is at least as late as any they were set from.
func (s *Series) recheckClockLocked() (clock time.Time, fresh bool) {
	cur, eval := s.bucket(), s.evalAt
	s.mu.Unlock()
	clock = s.tr.now()
	s.mu.Lock()
	return clock, s.bucket() == cur && s.evalAt.Equal(eval)
}

// followClockLocked brings the series back to the clock, whose fresh
// reading it is behind (aheadOf). Whatever was recorded after the clock's
// reading moves to the bucket holding it, in every tier and in the latency
// distribution (see the package documentation, "Time"): it happened before
// the step back, and cur then follows the clock, so that recording takes
// the lock-free path again.
func (s *Series) followClockLocked(clock time.Time) {
	at := clock.UnixNano()
	cb := window.FloorDiv(at, window.FineWidth)
	s.foldLocked(cb, true, true)
	s.ring.Rewind(at)
	if s.latRng != nil {
		s.latRng.Rewind(at)
	}
}

// Lifetime returns the good and bad events the series has counted since it
// was created, restored state included: the totals behind the slo.events
// counter. Events dropped as too old or too new are not in it.
func (s *Series) Lifetime() (good, bad int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
	return s.life.good, s.life.bad
}

// Counted returns the good and bad events this process has counted into the
// series: Lifetime without what was restored from the state file. It starts
// at zero with the process, as a Prometheus counter must: exported after a
// crash, restored totals (as of the last snapshot) would read as a reset
// and be added again to every increase().
func (s *Series) Counted() (good, bad int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
	return s.life.good - s.stored.good, s.life.bad - s.stored.bad
}
