package budget

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Correction excludes a period from the budget of one objective, or of all:
// planned maintenance, a known incident upstream the team is not answerable
// for. Events that complete inside it count as excluded: they spend no
// budget, move no burn rate and fire no alert.
//
// # Exactness
//
// A correction declared before its events complete excludes them exactly, to
// the nanosecond: the recording path checks each event's time against the
// declared corrections (one atomic load while none is declared).
//
// A correction declared afterwards, for a period already counted, takes the
// counts of that period out of the window ring. The ring keeps counts per
// bucket, so the span removed is rounded out to whole buckets of the finest
// tier that still holds it: 10 seconds for the last 6.4 hours, 5 minutes for
// the last 76 hours, 15 minutes beyond (see BucketWidths). Each tier loses
// exactly the counts the finest tier removed, so every window agrees. An
// event that is being recorded at the very instant a correction for its own
// time is declared may escape it. Counts once removed stay removed, even if
// the correction is removed later. The lifetime totals (Series.Lifetime, the
// slo.events counter) never go down; removed events add to Status.Excluded.
// The latency percentiles of the last hour (Status.Latency) keep them.
//
// # Recurrence
//
// A correction with a Recurrence repeats [Start, End) by an iCalendar rule
// (see the subset below, under "Recurring corrections" in the source):
// "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2" with Start at 02:00 and End at 04:00 is
// a two-hour window every Sunday at 2 a.m. in TimeZone.
//
// Corrections are kept with the tracker's state (WithStore) and restored
// with it.
type Correction struct {
	// ID names the correction for RemoveCorrection. AddCorrection assigns
	// "c1", "c2"… when it is empty.
	ID string
	// Objective is the objective it applies to; empty means all.
	Objective string
	// Start and End bound the period [Start, End); for a recurring
	// correction, its first occurrence.
	Start, End time.Time
	// Reason is free text for people.
	Reason string
	// Recurrence, when set, repeats the period by an RFC 5545 RRULE subset:
	// FREQ=DAILY|WEEKLY, INTERVAL, BYDAY, BYHOUR, BYMINUTE, COUNT, UNTIL,
	// WKST.
	Recurrence string
	// TimeZone is the IANA zone in which the Recurrence's days and hours are
	// read. Empty means Start's zone when it is a named zone, else UTC.
	TimeZone string
}

// Recurring reports whether the correction repeats.
func (c Correction) Recurring() bool { return c.Recurrence != "" }

// same reports whether c and d declare the same thing, whatever their IDs.
func (c Correction) same(d Correction) bool {
	return c.Objective == d.Objective && c.Start.Equal(d.Start) && c.End.Equal(d.End) &&
		c.Reason == d.Reason && c.Recurrence == d.Recurrence && c.TimeZone == d.TimeZone
}

// compiled is a validated correction ready for matching.
type compiled struct {
	Correction
	rec *recurrence // nil for a one-off correction
}

// compile checks c against the declared objectives and parses its rule,
// reporting every problem at once. It fills in TimeZone for a recurring
// correction.
func (t *Tracker) compile(c Correction) (compiled, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("budget: correction %q: "+format, append([]any{c.Reason}, args...)...))
	}
	if !c.End.After(c.Start) {
		bad("end %v is not after start %v", c.End, c.Start)
	}
	if c.Start.Before(minNanoTime) || c.End.After(maxNanoTime) {
		// Corrections are matched and saved in Unix nanoseconds: an End in
		// 9999 would wrap round to the past and exclude nothing.
		bad("start %v and end %v must lie between %v and %v", c.Start, c.End, minNanoTime.UTC(), maxNanoTime.UTC())
	}
	if c.Objective != "" && t.byName[c.Objective] == nil {
		bad("no objective named %q", c.Objective)
	}
	out := compiled{Correction: c}
	switch {
	case c.Recurring():
		if c.TimeZone == "" {
			c.TimeZone = c.Start.Location().String()
			if c.TimeZone == "Local" {
				c.TimeZone = "UTC"
			}
		}
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			bad("time zone %q (set TimeZone to an IANA zone): %v", c.TimeZone, err)
			break
		}
		out.Correction = c
		if len(errs) == 0 {
			r, err := parseRecurrence(c.Recurrence, c.Start, c.End, loc)
			if err != nil {
				bad("recurrence %q: %v", c.Recurrence, err)
			}
			out.rec = r
		}
	case c.TimeZone != "":
		bad("a time zone applies only to a recurring correction")
	}
	return out, errors.Join(errs...)
}

// correctionSet is the immutable list the recording path consults: nil
// until the first correction, so it costs one atomic load until then.
type correctionSet struct {
	// spans are the one-off corrections and the occurrences of recurring
	// ones that overlap [from, until), sorted by start.
	spans       []correctionSpan
	from, until int64
	// rules are the recurring corrections, for events outside
	// [from, until).
	rules []correctionRule
}

type correctionSpan struct {
	objective  string
	start, end int64
}

type correctionRule struct {
	objective string
	rec       *recurrence
}

// The recording path finds recurring occurrences in the spans of a horizon
// around the instant the set was built; the set is rebuilt when the
// tracker's clock nears either end (on status, snapshots and declarations).
const (
	horizonAhead = 35 * day
	horizonSlack = 14 * day
)

func (c *correctionSet) covers(objective string, ns int64) bool {
	for i := range c.spans {
		sp := &c.spans[i]
		if sp.start > ns {
			break
		}
		if ns < sp.end && (sp.objective == "" || sp.objective == objective) {
			return true
		}
	}
	if ns < c.from || ns >= c.until {
		for i := range c.rules {
			r := &c.rules[i]
			if (r.objective == "" || r.objective == objective) && r.rec.covers(ns) {
				return true
			}
		}
	}
	return false
}

// stale reports whether the set should be rebuilt for the instant now.
func (c *correctionSet) stale(now int64) bool {
	return len(c.rules) > 0 && (now > c.until-int64(horizonSlack) || now < c.from+int64(horizonSlack))
}

// longestWindow is the longest period any objective can look back over.
func (t *Tracker) longestWindow() time.Duration {
	var d time.Duration
	for _, s := range t.slos {
		d = max(d, s.decl.Window.MaxLength())
	}
	return d
}

// rebuildLocked publishes the set for t.corrList around now. t.corrMu is
// held.
func (t *Tracker) rebuildLocked(now time.Time) {
	if len(t.corrList) == 0 {
		t.corrections.Store(nil)
		return
	}
	set := &correctionSet{from: now.Add(-t.longestWindow() - horizonSlack).UnixNano(), until: now.Add(horizonAhead).UnixNano()}
	for _, c := range t.compiledLocked() {
		if c.rec == nil {
			set.spans = append(set.spans, correctionSpan{c.Objective, c.Start.UnixNano(), c.End.UnixNano()})
			continue
		}
		set.rules = append(set.rules, correctionRule{c.Objective, c.rec})
		c.rec.each(set.from, set.until, func(s int64) bool {
			set.spans = append(set.spans, correctionSpan{c.Objective, s, s + c.rec.dur})
			return true
		})
	}
	slices.SortFunc(set.spans, func(a, b correctionSpan) int { return cmpInt64(a.start, b.start) })
	t.corrections.Store(set)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compiledLocked returns the declared corrections, compiled. The list only
// ever holds corrections that compiled when they were added.
func (t *Tracker) compiledLocked() []compiled {
	if len(t.corrComp) != len(t.corrList) {
		t.corrComp = t.corrComp[:0]
		for _, c := range t.corrList {
			x, _ := t.compile(c)
			t.corrComp = append(t.corrComp, x)
		}
	}
	return t.corrComp
}

// refreshCorrections rebuilds the recording path's set when now nears the
// edge of its horizon.
func (t *Tracker) refreshCorrections(now time.Time) {
	if c := t.corrections.Load(); c == nil || !c.stale(now.UnixNano()) {
		return
	}
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	if c := t.corrections.Load(); c != nil && c.stale(now.UnixNano()) {
		t.rebuildLocked(now)
	}
}

// AddCorrection declares a correction, for the past, the present or the
// future. Events that complete inside it and are recorded afterwards are
// excluded exactly; counts already recorded inside it are taken out of the
// windows to one bucket width (see Correction). Declaring a correction that
// is already declared (same fields, whatever the ID) does nothing, so an
// application may declare its maintenance windows at every start even
// though they are also restored with its state. An ID already used by a
// different correction is an error.
func (t *Tracker) AddCorrection(c Correction) error {
	x, err := t.compile(c)
	if err != nil {
		return err
	}
	now := t.now()
	t.corrMu.Lock()
	for _, d := range t.corrList {
		if d.same(x.Correction) && (c.ID == "" || c.ID == d.ID) {
			t.corrMu.Unlock()
			return nil
		}
		if c.ID != "" && d.ID == c.ID {
			t.corrMu.Unlock()
			return fmt.Errorf("budget: correction %q: ID %q is already declared for another correction", c.Reason, c.ID)
		}
	}
	if x.ID == "" {
		x.ID = t.freeIDLocked()
	}
	t.corrList = append(t.corrList, x.Correction)
	t.corrComp = append(t.corrComp, x)
	t.rebuildLocked(now)
	t.corrMu.Unlock()

	// Take out what was counted before the declaration. The set is
	// published first, so an event racing with this can only be counted
	// before the flush below (and removed) or be excluded when recorded.
	t.removeCounted(x, now)
	return nil
}

func (t *Tracker) freeIDLocked() string {
	for n := len(t.corrList) + 1; ; n++ {
		id := "c" + strconv.Itoa(n)
		if !slices.ContainsFunc(t.corrList, func(c Correction) bool { return c.ID == id }) {
			return id
		}
	}
}

// removeCounted takes the counts of the correction's past occurrences out of
// every series it applies to.
func (t *Tracker) removeCounted(x compiled, now time.Time) {
	end := now.Add(maxAhead).UnixNano()
	var spans [][2]int64
	if x.rec == nil {
		if x.Start.UnixNano() < end {
			spans = append(spans, [2]int64{x.Start.UnixNano(), x.End.UnixNano()})
		}
	} else {
		x.rec.each(now.Add(-t.longestWindow()).UnixNano(), end, func(s int64) bool {
			spans = append(spans, [2]int64{s, s + x.rec.dur})
			return true
		})
	}
	if len(spans) == 0 {
		return
	}
	for _, slo := range t.slos {
		if x.Objective != "" && slo.decl.Name != x.Objective {
			continue
		}
		for _, s := range slo.AllSeries() {
			s.mu.Lock()
			s.flushLocked()
			for _, sp := range spans {
				s.excAll += s.ring.remove(sp[0], sp[1]).total()
			}
			s.mu.Unlock()
		}
	}
}

// RemoveCorrection withdraws the correction with the given ID: events
// recorded afterwards count again. Counts it already took out of the windows
// stay out.
func (t *Tracker) RemoveCorrection(id string) error {
	now := t.now() // never under the lock: the clock is the application's
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	i := slices.IndexFunc(t.corrList, func(c Correction) bool { return c.ID == id })
	if i < 0 {
		return fmt.Errorf("budget: no correction with ID %q", id)
	}
	t.compiledLocked()
	t.corrList = slices.Delete(t.corrList, i, i+1)
	t.corrComp = slices.Delete(t.corrComp, i, i+1)
	t.rebuildLocked(now)
	return nil
}

// Corrections returns the corrections declared, in order.
func (t *Tracker) Corrections() []Correction {
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	return slices.Clone(t.corrList)
}

// correctionsFor returns the corrections for objective that overlap
// [start, end], and the next one to come after end: one entry per
// occurrence of a recurring correction, with that occurrence's Start and
// End, sorted by Start.
func (t *Tracker) correctionsFor(objective string, start, end time.Time) []Correction {
	if t.corrections.Load() == nil {
		return []Correction{}
	}
	t.refreshCorrections(t.now())
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	out := []Correction{}
	from, to := start.UnixNano(), end.UnixNano()
	for _, c := range t.compiledLocked() {
		if c.Objective != "" && c.Objective != objective {
			continue
		}
		if c.rec == nil {
			if (c.Start.UnixNano() <= to && c.End.UnixNano() > from) || c.Start.After(end) {
				out = append(out, c.Correction)
			}
			continue
		}
		// Rules that recur less than monthly show no next occurrence.
		next := false
		c.rec.each(from, satAdd(to, int64(horizonAhead)), func(s int64) bool {
			o := c.Correction
			o.Start, o.End = time.Unix(0, s).In(c.rec.loc), time.Unix(0, s+c.rec.dur).In(c.rec.loc)
			if s > to {
				next = true
			}
			out = append(out, o)
			return !next
		})
	}
	slices.SortStableFunc(out, func(a, b Correction) int { return a.Start.Compare(b.Start) })
	return out
}

// oldest returns the number of the oldest bucket the tier can still hold,
// given its newest; maxInt64 when it is empty. Older slots may still carry
// stale buckets that no window reads.
func (t *tier) oldest() int64 {
	newest := t.newestHeld()
	if newest < 0 {
		return maxInt64
	}
	return newest - int64(len(t.epoch)) + 1
}

// newestHeld returns the number of the newest bucket a slot holds; -1 when
// the tier is empty.
func (t *tier) newestHeld() int64 {
	newest := int64(-1) // empty slots hold -1
	for _, e := range t.epoch {
		newest = max(newest, e)
	}
	return newest
}

// remove takes the counts of [start, end) (nanoseconds) out of the ring and
// returns them. Each part of the span is cleared in the finest tier that
// still holds it, whole buckets at a time, and the coarser tiers lose exactly
// what it held, so that every window stays the sum of what the finer tiers
// say.
func (r *ring) remove(start, end int64) counts {
	var removed counts
	var oldest [3]int64 // each tier's oldest bucket still in reach
	hi := end
	for i := range r.tiers {
		t := &r.tiers[i]
		oldest[i] = t.oldest()
		if oldest[i] == maxInt64 {
			continue
		}
		lo := max(start, oldest[i]*t.width)
		if lo >= hi {
			continue
		}
		// No bucket past the newest holds anything: a span that ends
		// years ahead costs no more than one that ends now.
		last := min(floorDiv(hi-1, t.width), t.newestHeld())
		for b := floorDiv(lo, t.width); b <= last; b++ {
			k := t.slot(b)
			if t.epoch[k] != b {
				continue
			}
			c := counts{t.good[k], t.bad[k]}
			if i > 0 {
				// What the finer tier still holds of this bucket was
				// dealt with there (or lies outside the span).
				// Slots beyond its reach may still hold stale buckets:
				// they are not part of this bucket's count.
				f := &r.tiers[i-1]
				per := t.width / f.width
				g, bd := f.sum(max(b*per, oldest[i-1]), b*per+per-1)
				c.good -= g
				c.bad -= bd
			}
			c.good, c.bad = max(c.good, 0), max(c.bad, 0)
			if c.good == 0 && c.bad == 0 {
				continue
			}
			removed.good += c.good
			removed.bad += c.bad
			for j := i; j < len(r.tiers); j++ {
				u := &r.tiers[j]
				ub := floorDiv(b*t.width, u.width)
				if m := u.slot(ub); u.epoch[m] == ub {
					u.good[m] -= c.good
					u.bad[m] -= c.bad
				}
			}
		}
		hi = lo
	}
	return removed
}
