package budget

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/internal/wire"
)

// Changes: what was released or switched, on the incidents' timeline.
//
// Most incidents follow a change. The tracker records the first start of
// each build version (WithVersion, else the module version and VCS
// revision of the binary) and the changes the application marks
// (MarkChange: a config push, a feature flag, a new model behind the same
// binary). Each incident lists the changes of the hour before its onset as
// candidate triggers: candidates, never a cause.

// Change is one marked change.
type Change struct {
	// Time is when it took effect.
	Time time.Time
	// Kind is ChangeVersion (a new build version's first start) or
	// ChangeMarked (MarkChange).
	Kind string
	// Version is the build version running (for ChangeVersion, the new
	// one).
	Version string
	// Description is MarkChange's text; for ChangeVersion, "first start of
	// <version>".
	Description string
	// Until is when the next change took effect: the change was the latest
	// from Time to Until (to now when Until is zero).
	Until time.Time
	// Budget is what each series (objective, or group of one) spent while
	// the change was the latest, for the series with events then: the raw
	// material of a change-failure rate. Tracker.Changes fills Until and
	// Budget when it is read, as do an incident's Candidates.
	Budget []ChangeBudget
}

// ChangeBudget is one series' events while a change was the latest, and
// the share of its budget they spent.
//
// The counts cover [Change.Time, Change.Until) (to now for the latest),
// each part read from the finest bucket tier that still holds it (10-second
// buckets for the last 6.4 hours, 5-minute ones for 76 hours, 15-minute
// ones for the period): a bucket that holds a change's start counts for
// that change, whole. So the counts are exact when the changes fall on
// those buckets' edges, and consecutive changes never count a bucket twice.
type ChangeBudget struct {
	Objective, Group string
	Good, Bad        int64
	// PeriodEvents counts the events of the series' SLO period at the
	// read; Consumed is Bad ÷ ((1 − target) × PeriodEvents), the share of
	// the period's budget spent while the change was the latest (as an
	// incident's Consumed), invalid when the period holds fewer events
	// than Bad (a change older than the period).
	PeriodEvents int64
	Consumed     Float
	// NotHeld says the buckets no longer reach back to the change: the
	// counts are zero, not the change's.
	NotHeld bool
}

// The kinds of Change.
const (
	ChangeVersion = "version"
	ChangeMarked  = "marked"
)

// DefaultChangeKeep is how many changes a tracker keeps (and stores).
const DefaultChangeKeep = 100

// CandidateWindow is how long before an incident's onset a change is
// listed as a candidate trigger. The changes inside the onset's bucket are
// listed too: the onset is that bucket's start, so a change seconds before
// the first failure may fall after it.
const CandidateWindow = time.Hour

// WithVersion sets the build version the tracker records a change for at
// its first start (with a store, the first start of each version is
// recorded once). The default is the binary's module version and VCS
// revision (runtime/debug.ReadBuildInfo); "" when neither is known, which
// records nothing.
func WithVersion(v string) Option {
	return optionFunc(func(t *Tracker) { t.version, t.versionSet = v, true })
}

// buildVersion is the binary's module version and VCS revision.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := bi.Main.Version
	if v == "(devel)" {
		v = ""
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && s.Value != "" {
			rev := s.Value
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if v != "" {
				v += " "
			}
			v += rev
		}
	}
	return v
}

// changes is the tracker's change log; its mutex is taken alone.
type changes struct {
	mu   sync.Mutex
	list []Change // oldest first, at most DefaultChangeKeep
	seen string   // the version of the latest ChangeVersion
}

// MarkChange records a change that took effect now: a config push, a
// feature flag, a new model version behind the same binary. It appears as
// a candidate trigger of an incident whose onset follows within
// CandidateWindow.
func (t *Tracker) MarkChange(description string) error {
	return t.MarkChangeAt(t.now(), description)
}

// MarkChangeAt records a change that took effect at at.
func (t *Tracker) MarkChangeAt(at time.Time, description string) error {
	if description == "" {
		return errors.New("budget: MarkChange: the description is empty")
	}
	t.chg.add(Change{Time: at, Kind: ChangeMarked, Version: t.version, Description: description})
	return nil
}

func (c *changes) add(ch Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, _ := slices.BinarySearchFunc(c.list, ch.Time, func(x Change, t time.Time) int { return x.Time.Compare(t) })
	for i < len(c.list) && !c.list[i].Time.After(ch.Time) {
		i++ // after those at the same instant: in the order marked
	}
	c.list = slices.Insert(c.list, i, ch)
	if len(c.list) > DefaultChangeKeep {
		c.list = slices.Delete(c.list, 0, len(c.list)-DefaultChangeKeep)
	}
	if ch.Kind == ChangeVersion {
		c.seen = ch.Version
	}
}

// Changes returns the changes kept, oldest first, each with the budget
// each series spent while it was the latest (Change.Budget), counted at the
// clock's reading. It evaluates no status: it takes each series' mutex for
// a read of its buckets per change, never the recording path.
func (t *Tracker) Changes() []Change {
	t.chg.mu.Lock()
	list := slices.Clone(t.chg.list)
	t.chg.mu.Unlock()
	t.spentDuring(list)
	return list
}

// candidates returns the changes in [onset − CandidateWindow, onset + res),
// res the onset's resolution (its bucket's width), with what was spent
// while each was the latest.
func (t *Tracker) candidates(onset time.Time, res time.Duration) []Change {
	t.chg.mu.Lock()
	var out []Change
	for i, c := range t.chg.list {
		if !c.Time.Before(onset.Add(-CandidateWindow)) && (!c.Time.After(onset) || c.Time.Before(onset.Add(res))) {
			if i+1 < len(t.chg.list) {
				c.Until = t.chg.list[i+1].Time
			}
			out = append(out, c)
		}
	}
	t.chg.mu.Unlock()
	t.spentDuring(out)
	return out
}

// spentDuring fills the Budget of consecutive changes (and their Until,
// from the next one); the last one's Until is kept (zero: it is the
// latest). It reads each series under its mutex, taken alone.
func (t *Tracker) spentDuring(list []Change) {
	for i := range list {
		if i+1 < len(list) {
			list[i].Until = list[i+1].Time
		}
		list[i].Budget = nil
	}
	if len(list) == 0 {
		return
	}
	for _, slo := range t.slos {
		for _, s := range slo.AllSeries() {
			clock := t.now()
			s.mu.Lock()
			s.advanceLocked(clock, clock)
			end := clock.UnixNano()
			o := s.obj
			pstart, pend := o.Window.Bounds(clock, s.slo.loc)
			if !o.Window.IsCalendar() {
				pstart = clock.Add(-pend.Sub(pstart))
			}
			pc, _ := s.ring.Span(pstart.UnixNano(), end, false)
			for i := range list {
				c := &list[i]
				from, to, past := c.Time.UnixNano(), end, false
				if !c.Until.IsZero() {
					to, past = c.Until.UnixNano()-1, true
				}
				if from > to {
					continue
				}
				n, held := s.ring.Span(from, to, past)
				if n.Total() == 0 && held {
					continue
				}
				b := ChangeBudget{Objective: o.Name, Group: s.group, Good: n.Good, Bad: n.Bad, PeriodEvents: pc.Total(), NotHeld: !held}
				if held && pc.Total() >= n.Bad {
					b.Consumed = BurnRate(pc.Total()-n.Bad, n.Bad, o.Target)
				}
				c.Budget = append(c.Budget, b)
			}
			s.mu.Unlock()
		}
	}
}

// started records the version's first start, after the state (and the
// changes it holds) was restored.
func (t *Tracker) started(now time.Time) {
	if !t.versionSet {
		t.version = buildVersion()
	}
	if t.version == "" || t.chg.seen == t.version {
		return
	}
	t.chg.add(Change{Time: now, Kind: ChangeVersion, Version: t.version, Description: "first start of " + t.version})
}

// The "changes" section: uvarint n, n × (time, kind, version, description),
// then the latest started version.
const changeSection = "changes"

func (t *Tracker) changeSectionData() []byte {
	t.chg.mu.Lock()
	defer t.chg.mu.Unlock()
	if len(t.chg.list) == 0 && t.chg.seen == "" {
		return nil
	}
	var e wire.Encoder
	e.Uvarint(uint64(len(t.chg.list)))
	for _, c := range t.chg.list {
		e.Time(c.Time)
		e.Str(c.Kind)
		e.Str(c.Version)
		e.Str(c.Description)
	}
	e.Str(t.chg.seen)
	return e.Buf
}

func (t *Tracker) restoreChanges(data []byte) error {
	d := &wire.Decoder{B: data}
	var list []Change
	for range d.Length(4) {
		list = append(list, Change{Time: d.Time(), Kind: d.Str(), Version: d.Str(), Description: d.Str()})
	}
	seen := d.Str()
	if d.Err != nil {
		return d.Err
	}
	if len(d.B) != 0 {
		return fmt.Errorf("%d bytes after the changes", len(d.B))
	}
	if len(list) > DefaultChangeKeep {
		list = list[len(list)-DefaultChangeKeep:]
	}
	t.chg.list, t.chg.seen = list, seen
	return nil
}

// MarkFalsePositive declares incident id a false positive: a correction
// (AddCorrection) per objective of it over [its onset, the end of the
// bucket of its resolution) (the latest evaluation while it is open), with
// reason, takes its events out of the budget, visibly (Status.Corrections).
// A correction applies to a whole objective: for a grouped objective every
// group's events in that span are excluded, not only the affected
// groups'. Counted events are removed in whole buckets of the finest tier
// still holding them (see Correction), so the budget is restored by the
// incident's bad events exactly when its onset and end fall on those
// buckets' edges, and otherwise by those of the rounded-out span.
func (t *Tracker) MarkFalsePositive(id int64, reason string) error {
	in, ok := t.Incident(id)
	if !ok {
		return fmt.Errorf("budget: MarkFalsePositive: no incident %d", id)
	}
	end := in.Resolved
	if end.IsZero() {
		end = t.now()
	}
	end = time.Unix(0, (window.FloorDiv(end.UnixNano(), window.FineWidth)+1)*window.FineWidth).UTC()
	var errs []error
	done := map[string]bool{}
	for i, s := range in.Series {
		if done[s.Objective] || t.byName[s.Objective] == nil {
			continue
		}
		done[s.Objective] = true
		err := t.AddCorrection(Correction{
			ID:        fmt.Sprintf("incident-%d-%d", id, i+1),
			Objective: s.Objective, Start: s.Onset, End: end,
			Reason: fmt.Sprintf("incident %d marked a false positive: %s", id, reason),
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
