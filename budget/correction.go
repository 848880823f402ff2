package budget

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/errbudget/errbudget/internal/rrule"
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
// declared corrections (one atomic load while none is declared, an atomic
// load and two comparisons in the common case however many are declared:
// see correction_set.go).
//
// A correction declared afterwards, for a period already counted, takes the
// counts of that period out of the window ring. The ring keeps counts per
// bucket, so the span removed is rounded out to whole buckets of the finest
// tier that still holds it: 10 seconds for the last 6.4 hours, 5 minutes for
// the last 76 hours, 15 minutes beyond. Each tier loses
// exactly the counts the finest tier removed, so every window agrees. An
// event that is being recorded at the very instant a correction for its own
// time is declared may escape it. Counts once removed stay removed, even if
// the correction is removed later. The lifetime totals (Series.Lifetime, the
// slo.events counter) never go down; removed events add to Status.LifetimeExcluded.
// The latency percentiles of the last hour (Status.Latency) keep them.
//
// # Recurrence
//
// A correction with a Recurrence repeats [Start, End) by an iCalendar rule
// (the subset is described in internal/rrule):
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

// compiled is a validated correction ready for matching.
type compiled struct {
	Correction
	rec *rrule.Rule // nil for a one-off correction
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
			r, err := rrule.Parse(c.Recurrence, c.Start, c.End, loc)
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

// AddCorrection declares a correction, for the past, the present or the
// future. Events that complete inside it and are recorded afterwards are
// excluded exactly; counts already recorded inside it are taken out of the
// windows to one bucket width (see Correction). Declaring a correction that
// is already declared (same fields, whatever the ID) does nothing, so an
// application may declare its maintenance windows at every start even
// though they are also restored with its state. An ID already used by a
// different correction is an error.
//
// A one-off correction whose End has left every window (the longest period
// or alert rule of any objective, before the tracker's clock) excludes
// nothing that can still be counted: it is dropped from Corrections (and
// the saved state) within the hour, and declaring one is accepted and keeps
// nothing. Recurring corrections are kept until removed.
func (t *Tracker) AddCorrection(c Correction) error {
	x, err := t.compile(c)
	if err != nil {
		return err
	}
	now := t.now()
	t.corrMu.Lock()
	k := keyOf(x.Correction)
	if c.ID == "" {
		if t.corrKeys[k] > 0 {
			t.corrMu.Unlock()
			return nil
		}
	} else if held, used := t.corrIDs[c.ID]; used {
		t.corrMu.Unlock()
		if held == k {
			return nil
		}
		return fmt.Errorf("budget: correction %q: ID %q is already declared for another correction", c.Reason, c.ID)
	}
	if x.rec == nil && x.End.UnixNano() <= now.Add(-t.retention()).UnixNano() {
		// It has left every window: nothing it could exclude is still
		// counted or can still be recorded. Kept, it would only be pruned.
		t.corrMu.Unlock()
		return nil
	}
	if x.ID == "" {
		x.ID = t.freeIDLocked()
	}
	t.appendCorrLocked(x)
	t.publishAddedLocked(x, now)
	t.corrMu.Unlock()

	// Take out what was counted before the declaration. The set is
	// published first, so an event racing with this can only be counted
	// before the flush below (and removed) or be excluded when recorded.
	t.removeCounted(x, now)
	return nil
}

// corrKey is what makes two corrections the same declaration (Correction.same)
// whatever their IDs.
type corrKey struct {
	objective, reason, recurrence, zone string
	start, end                          int64
}

func keyOf(c Correction) corrKey {
	return corrKey{c.Objective, c.Reason, c.Recurrence, c.TimeZone, c.Start.UnixNano(), c.End.UnixNano()}
}

// appendCorrLocked declares x, whose ID is free. t.corrMu is held.
func (t *Tracker) appendCorrLocked(x compiled) {
	if t.corrKeys == nil {
		t.corrKeys, t.corrIDs = map[corrKey]int{}, map[string]corrKey{}
	}
	t.compiledLocked()
	k := keyOf(x.Correction)
	t.corrList = append(t.corrList, x.Correction)
	t.corrComp = append(t.corrComp, x)
	t.corrKeys[k]++
	t.corrIDs[x.ID] = k
}

// deleteCorrLocked withdraws the corrections for which drop reports true.
// t.corrMu is held.
func (t *Tracker) deleteCorrLocked(drop func(compiled) bool) {
	comp := t.compiledLocked()
	keep := 0
	for i, x := range comp {
		if !drop(x) {
			t.corrList[keep], t.corrComp[keep] = t.corrList[i], x
			keep++
			continue
		}
		k := keyOf(x.Correction)
		if t.corrKeys[k]--; t.corrKeys[k] <= 0 {
			delete(t.corrKeys, k)
		}
		delete(t.corrIDs, x.ID)
	}
	clear(t.corrList[keep:])
	clear(t.corrComp[keep:])
	t.corrList, t.corrComp = t.corrList[:keep], t.corrComp[:keep]
}

func (t *Tracker) freeIDLocked() string {
	for n := len(t.corrList) + 1; ; n++ {
		id := "c" + strconv.Itoa(n)
		if _, used := t.corrIDs[id]; !used {
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
		x.rec.Each(now.Add(-t.retention()).UnixNano(), end, func(s int64) bool {
			spans = append(spans, [2]int64{s, s + x.rec.Duration()})
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
				s.excAll += s.ring.Remove(sp[0], sp[1]).Total()
				s.touchSlicesLocked(sp[0], sp[1])
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
	if _, ok := t.corrIDs[id]; !ok {
		return fmt.Errorf("budget: no correction with ID %q", id)
	}
	t.deleteCorrLocked(func(x compiled) bool { return x.ID == id })
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
// [start, end], and the next one to come after end, sorted by Start. A
// recurring correction appears as occurrences, each with its own Start and
// End: the last few that overlap [start, end] (recentOccurrences, the
// current one among them) and the next, so that a rule every minute lists
// four entries, not forty thousand.
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
		out = appendOccurrences(out, c, from, to)
	}
	slices.SortStableFunc(out, func(a, b Correction) int { return a.Start.Compare(b.Start) })
	return out
}

// recentOccurrences is how many occurrences of a recurring correction
// within the period a status lists, besides the next one.
const recentOccurrences = 3

// nextLookahead is how far past the period's end a status looks for a
// recurring correction's next occurrence: rules that recur less than
// monthly show none.
const nextLookahead = 35 * 24 * time.Hour

// appendOccurrences appends the last recentOccurrences occurrences of c
// overlapping [from, to], and the next one starting after to.
func appendOccurrences(out []Correction, c compiled, from, to int64) []Correction {
	occurrence := func(s int64) Correction {
		o := c.Correction
		o.Start, o.End = time.Unix(0, s).In(c.rec.Location()), time.Unix(0, s+c.rec.Duration()).In(c.rec.Location())
		return o
	}
	// Look back from to over a span that doubles until it holds enough
	// occurrences or reaches from: the work follows what is listed, not the
	// length of the period.
	var last []int64
	for span := int64(time.Hour); ; span *= 2 {
		lo := from
		if to-from > span {
			lo = to - span
		}
		last = last[:0]
		c.rec.Each(lo, satAdd(to, 1), func(s int64) bool {
			if len(last) == recentOccurrences {
				last = append(last[:0], last[1:]...)
			}
			last = append(last, s)
			return true
		})
		if len(last) == recentOccurrences || lo == from {
			break
		}
	}
	for _, s := range last {
		out = append(out, occurrence(s))
	}
	c.rec.Each(satAdd(to, 1), satAdd(to, int64(nextLookahead)), func(s int64) bool {
		if s <= to {
			return true // the current one, listed above
		}
		out = append(out, occurrence(s))
		return false
	})
	return out
}

// minNanoTime and maxNanoTime bound the instants Unix nanoseconds can hold
// (1677 to 2262).
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// satAdd adds without overflowing past math.MaxInt64.
func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
