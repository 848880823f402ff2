package budget

import (
	"log/slog"
	"slices"
	"time"
)

// Capturing and restoring the state of series.
//
// A snapshot copies one series at a time under its mutex (flushing the
// stripes first, so that every event whose Record returned before the
// snapshot began is in it) and encodes the copy after unlocking: recording
// into other series never waits, and a series' own recording path takes the
// mutex only at bucket rotation, for no longer than the copy.

// captureLocked copies the series' state into dst, reusing its slices.
// s.mu is held.
func (s *Series) captureLocked(dst *seriesState) {
	s.flushLocked()
	dst.group = s.group
	dst.good, dst.bad, dst.excluded = s.life.good, s.life.bad, s.excAll
	dst.policy = s.policy
	dst.evalAt = unixNano(s.evalAt)
	dst.alerts = dst.alerts[:0]
	for i, a := range s.alerts {
		dst.alerts = append(dst.alerts, savedAlert{rule: s.tr.rules[i].Name, firing: a.firing, since: unixNano(a.since)})
	}
	for i := range dst.tiers {
		dst.tiers[i] = slices.AppendSeq(dst.tiers[i][:0], s.ring.Buckets(i))
	}
	dst.latency = dst.latency[:0]
	if r := s.latRng; r != nil {
		dst.latency = r.AppendSlots(dst.latency)
	}
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// applyState puts a decoded snapshot into a new tracker, adapting it to
// the declarations in force: see WithStore. It runs in New, before the
// tracker is shared.
func (t *Tracker) applyState(st *stateData, now time.Time, log *slog.Logger) {
	log.Info("errbudget: restoring saved state", "taken", fromUnixNano(st.taken).UTC(), "age", now.Sub(fromUnixNano(st.taken)).Round(time.Second).String(), "objectives", len(st.objectives))
	t.droppedPast.Add(st.droppedPast)
	t.droppedFuture.Add(st.droppedFuture)

	saved := map[string]bool{}
	restored := map[*Series]bool{}
	for i := range st.objectives {
		so := &st.objectives[i]
		saved[so.name] = true
		slo := t.byName[so.name]
		if slo == nil {
			var c counts
			for _, ss := range so.series {
				c.good += ss.good
				c.bad += ss.bad
			}
			log.Warn("errbudget: objective no longer declared; its saved state is dropped", "slo", so.name, "series", len(so.series), "lifetime_good", c.good, "lifetime_bad", c.bad)
			continue
		}
		o := &slo.decl
		if o.Target != so.target {
			log.Info("errbudget: target changed; counts kept, budget recomputed", "slo", o.Name, "from", so.target, "to", o.Target)
		}
		if o.Kind != so.kind || o.Threshold != time.Duration(so.threshold) {
			log.Warn("errbudget: classification changed; restored counts were classified under the old declaration", "slo", o.Name,
				"kind_from", so.kind.String(), "kind_to", o.Kind.String(), "threshold_from", so.threshold.String(), "threshold_to", o.Threshold.String())
		}
		if o.GroupBy != so.groupBy {
			log.Warn("errbudget: grouping changed", "slo", o.Name, "from", so.groupBy, "to", o.GroupBy)
		}
		var outside int64
		for j := range so.series {
			ss := &so.series[j]
			var s *Series
			switch {
			case o.GroupBy == "":
				s = slo.single // groups, if there were, merge into one
			case so.groupBy == "":
				log.Warn("errbudget: objective is now grouped; its ungrouped counts cannot be attributed to a group and are dropped", "slo", o.Name, "lifetime_good", ss.good, "lifetime_bad", ss.bad)
				continue
			default:
				s = slo.Series(ss.group)
				if s.group != ss.group {
					log.Warn("errbudget: group beyond the objective's MaxGroups; its counts join the overflow group", "slo", o.Name, "group", ss.group, "overflow", s.group)
				}
			}
			exact := s.group == ss.group && !restored[s] && o.Kind == so.kind
			restored[s] = true
			s.mu.Lock()
			outside += s.restoreLocked(ss, now, exact)
			s.mu.Unlock()
		}
		if o.Window.String() != so.window {
			log.Info("errbudget: window changed; counts outside the new window dropped", "slo", o.Name, "from", so.window, "to", o.Window.String(), "dropped_events", outside)
		} else if outside > 0 {
			log.Info("errbudget: saved counts outside the window dropped (clock moved)", "slo", o.Name, "dropped_events", outside)
		}
	}
	for _, slo := range t.slos {
		if !saved[slo.decl.Name] {
			log.Info("errbudget: objective has no saved state; it starts empty", "slo", slo.decl.Name)
		}
	}

	t.applySections(st.sections, fromUnixNano(st.taken).UTC(), now, log)

	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	for _, c := range st.corrections {
		x, err := t.compile(c)
		if err != nil {
			log.Warn("errbudget: saved correction dropped", "id", c.ID, "reason", c.Reason, "err", err)
			continue
		}
		if x.ID == "" {
			x.ID = t.freeIDLocked()
		}
		t.appendCorrLocked(x)
	}
	t.rebuildLocked(now)
}

// restoreLocked adds saved counts to the series. Buckets before the
// series' horizon at now are left out; the number of events they held (in
// the coarse tier) is returned. Buckets after the clock's reading (a state
// saved by a process whose clock ran ahead) count in the bucket holding it,
// as after a step back of the clock (followClockLocked). With exact, the
// saved series is this series: its alert and policy state and its latency
// distribution come back too.
func (s *Series) restoreLocked(ss *seriesState, now time.Time, exact bool) (outside int64) {
	lo := now.Add(-s.slo.horizon).UnixNano()
	hi := now.UnixNano()
	for i, bs := range ss.tiers {
		for _, x := range bs {
			if !s.ring.Restore(i, x, lo, hi) && i == len(ss.tiers)-1 {
				outside += x.Good + x.Bad
			}
		}
	}
	s.life.good += ss.good
	s.life.bad += ss.bad
	s.stored.good += ss.good
	s.stored.bad += ss.bad
	s.excAll += ss.excluded
	if !exact {
		return outside
	}
	s.policy = ss.policy
	s.evalAt = fromUnixNano(ss.evalAt)
	for _, a := range ss.alerts {
		for i, r := range s.tr.rules {
			if r.Name == a.rule {
				s.alerts[i] = alertState{firing: a.firing, since: fromUnixNano(a.since)}
			}
		}
	}
	if r := s.latRng; r != nil {
		for _, l := range ss.latency {
			r.Restore(l, hi)
		}
	}
	return outside
}
