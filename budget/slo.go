package budget

import (
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// SLO is the live state of one declared objective: one Series, or one per
// group value of a grouped objective.
type SLO struct {
	tr     *Tracker
	decl   sli.Objective
	loc    *time.Location
	single *Series // ungrouped

	groups   cow[string, *Series]   // its mu serialises group creation (resolver.go)
	full     atomic.Pointer[Series] // the overflow series, once the cap is reached
	logged   atomic.Bool            // the first overflow was logged (overflowed)
	order    []*Series              // in creation order, under groups.mu
	overflow *Series
	max      int
	horizon  time.Duration // how far back its windows and rules reach (horizon)

	corr atomic.Pointer[corrEdges] // nil while no correction applies (correction_set.go)

	overall overallSlices // a grouped time-slice objective's overall verdicts (slice_group.go)
}

// horizon is how far back any window of an objective of window w reaches:
// its period, the standard windows every status reports and the alert
// rules' windows. An event is kept, and the ring sized to hold it, while
// one of them still covers it, though the period may be shorter (a
// Rolling(4h) objective still reports, and alerts on, its 3d window).
func horizon(w sli.Window, rules []AlertRule) time.Duration {
	d := w.MaxLength()
	for _, sw := range standardWindows {
		d = max(d, sw.Duration)
	}
	for _, r := range rules {
		d = max(d, r.LongWindow, r.ShortWindow)
	}
	return d
}

// Objective returns the declaration.
func (s *SLO) Objective() sli.Objective { return s.decl }

// Series returns the series for a group value, creating it while the rule
// Resolver documents allows; for an ungrouped objective the one series
// whatever the value. A known value takes no lock and allocates nothing.
func (s *SLO) Series(group string) *Series {
	if s.single != nil {
		return s.single
	}
	if len(group) > sli.MaxGroupLen {
		s.overflowed(group, "max_value_len", sli.MaxGroupLen)
		group = sli.OverflowGroup
	}
	if x, ok := s.groups.get(group); ok {
		return x
	}
	// Once the cap is reached, values from the outside cost no lock.
	if o := s.full.Load(); o != nil {
		return o
	}
	return s.create(group)
}

func (s *SLO) create(group string) *Series {
	s.groups.mu.Lock()
	defer s.groups.mu.Unlock()
	if x, ok := s.groups.get(group); ok {
		return x
	}
	full := len(s.groups.load()) >= s.max
	if group == sli.OverflowGroup || full {
		if s.overflow == nil {
			s.overflow = newSeries(s.tr, s, sli.OverflowGroup)
			s.order = append(s.order, s.overflow)
		}
		if full {
			s.overflowed(group, "max_groups", s.max)
			s.full.Store(s.overflow)
		}
		return s.overflow
	}
	x := newSeries(s.tr, s, group)
	s.groups.putLocked(group, x)
	s.order = append(s.order, x)
	return x
}

// AllSeries returns the objective's series in creation order (the overflow
// series among them once used).
func (s *SLO) AllSeries() []*Series {
	s.groups.mu.Lock()
	defer s.groups.mu.Unlock()
	return append([]*Series(nil), s.order...)
}

// Set is the series one call counts toward, recorded together. A nil or
// empty Set records nothing.
type Set []*Series

// Record records e into every series of the set.
func (set Set) Record(e sli.Event) {
	if len(set) == 0 {
		return
	}
	for _, s := range set {
		if s != nil {
			s.record(&e, 1)
		}
	}
}
