package budget

import (
	"bytes"
	"iter"
	"log/slog"
	"slices"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/state"
)

// capture copies the tracker's state into dst, reusing its slices: one
// series at a time under its mutex (flushing the stripes first, so that
// every event whose Record returned before is in it), so recording into
// other series never waits. It notes in ch (when not nil) how the state
// differs from what dst held before, for a store that writes only that.
func (t *Tracker) capture(dst *state.State, ch *state.Changes) {
	if ch == nil {
		ch = new(state.Changes)
	}
	now := t.now()
	t.refreshCorrections(now)
	dst.Taken = now
	dst.BucketWidths = append(dst.BucketWidths[:0], bucketWidths[:]...)
	dst.DroppedPast, dst.DroppedFuture = t.droppedPast.Load(), t.droppedFuture.Load()
	cs := t.Corrections()
	ch.Corrections = len(cs) != len(dst.Corrections)
	dst.Corrections = reuse(dst.Corrections, len(cs))
	for i, c := range cs {
		ch.Corrections = ch.Corrections || dst.Corrections[i] != state.Correction(c)
		dst.Corrections[i] = state.Correction(c)
	}
	dst.Objectives = reuse(dst.Objectives, len(t.slos))
	ch.Series = reuse(ch.Series, len(t.slos))
	for i, slo := range t.slos {
		o, series := &dst.Objectives[i], slo.AllSeries()
		had := len(o.Series)
		d := &slo.decl
		*o = state.Objective{Name: d.Name, Kind: d.Kind, Target: d.Target, Threshold: d.Threshold,
			Window: d.Window.String(), GroupBy: d.GroupBy, Series: reuse(o.Series, len(series))}
		ch.Series[i] = reuse(ch.Series[i], len(series))
		for j, s := range series {
			s.mu.Lock()
			s.captureLocked(&o.Series[j], &ch.Series[i][j], j >= had, &t.persist.slots)
			s.mu.Unlock()
		}
	}
	sections := t.sections()
	ch.Sections = !slices.EqualFunc(sections, dst.Sections, func(a, b state.Section) bool {
		return a.Name == b.Name && bytes.Equal(a.Data, b.Data)
	})
	dst.Sections = sections
}

// reuse returns s with length n, keeping the slices its elements hold.
func reuse[T any](s []T, n int) []T { return slices.Grow(s[:0], n)[:n] }

// captureLocked copies the series' state into dst, reusing its slices, and
// notes in c how it differs from what dst held (another series' state when
// isNew). slots is scratch for the latency slots. s.mu is held.
func (s *Series) captureLocked(dst *state.Series, c *state.SeriesChange, isNew bool, slots *[]state.LatencySlot) {
	s.flushLocked()
	isNew = isNew || dst.Group != s.group || len(dst.Tiers) != len(bucketWidths)
	*c = state.SeriesChange{New: isNew, Tiers: reuse(c.Tiers, len(bucketWidths))}
	c.Changed = isNew || dst.Good != s.life.good || dst.Bad != s.life.bad || dst.Excluded != s.excAll ||
		dst.Policy != uint8(s.policy) || !dst.EvaluatedAt.Equal(s.evalAt)
	dst.Group = s.group
	dst.Good, dst.Bad, dst.Excluded = s.life.good, s.life.bad, s.excAll
	dst.Policy = uint8(s.policy)
	dst.EvaluatedAt = s.evalAt
	c.Alerts = len(dst.Alerts) != len(s.alerts)
	dst.Alerts = reuse(dst.Alerts, len(s.alerts))
	for i, a := range s.alerts {
		x := state.Alert{Rule: s.tr.rules[i].Name, Firing: a.firing, Since: a.since}
		c.Alerts = c.Alerts || dst.Alerts[i] != x
		dst.Alerts[i] = x
	}
	dst.Tiers = reuse(dst.Tiers, len(bucketWidths))
	for i := range dst.Tiers {
		var changed bool
		dst.Tiers[i], c.Tiers[i], changed = updateTier(dst.Tiers[i], s.ring.Buckets(i), int(s.ring.Tier(i).Len()))
		c.Changed = c.Changed || changed
	}
	*slots = (*slots)[:0]
	if r := s.latRng; r != nil {
		*slots = r.AppendSlots(*slots)
	}
	var changed bool
	c.Latency, changed = spliceSlots(dst.Latency, *slots)
	dst.Latency, *slots = *slots, dst.Latency
	c.Changed = c.Changed || changed || c.Alerts
}

// updateTier replaces old, the buckets of a tier last captured, with those
// seq yields (at most size), in place, and says how they differ (state.Splice). While the
// two agree, each bucket written goes where one already compared was; once
// they differ, the rest of old is no longer read.
func updateTier(old []state.Bucket, seq iter.Seq[state.Bucket], size int) ([]state.Bucket, state.Splice, bool) {
	if cap(old) < size {
		old = slices.Grow(old, size-len(old)) // at most the ring's size: no growth while copying
	}
	out := old[:0]
	q, drop, keep := 0, 0, -1 // keep: the buckets kept, once they differ
	for x := range seq {
		if keep < 0 {
			for q < len(old) && old[q].N < x.N && keep < 0 {
				if len(out) > 0 {
					keep = len(out) // a bucket went
				} else {
					q, drop = q+1, drop+1 // aged out, or went
				}
			}
			if keep < 0 {
				if q < len(old) && old[q] == x {
					q++
				} else {
					keep = len(out)
				}
			}
		}
		out = append(out, x)
	}
	if keep < 0 {
		keep = len(out)
	}
	return out, state.Splice{Drop: drop, Keep: keep}, drop > 0 || keep < len(out) || drop+keep < len(old)
}

// spliceSlots says how the latency slots cur differ from old.
func spliceSlots(old, cur []state.LatencySlot) (state.Splice, bool) {
	drop := 0
	if len(cur) > 0 {
		for drop < len(old) && old[drop].N < cur[0].N {
			drop++
		}
	}
	keep := 0
	for keep < len(cur) && drop+keep < len(old) && sameSlot(&old[drop+keep], &cur[keep]) {
		keep++
	}
	return state.Splice{Drop: drop, Keep: keep}, drop > 0 || keep < len(cur) || drop+keep < len(old)
}

func sameSlot(a, b *state.LatencySlot) bool {
	return a.N == b.N && a.Max == b.Max && slices.Equal(a.Counts, b.Counts)
}

// applyState puts a saved state into a new tracker, adapting it to
// the declarations in force: see WithStore. It runs in New, before the
// tracker is shared.
func (t *Tracker) applyState(st *state.State, now time.Time, log *slog.Logger) {
	log.Info("errbudget: restoring saved state", "taken", st.Taken, "age", now.Sub(st.Taken).Round(time.Second).String(), "objectives", len(st.Objectives))
	if len(st.BucketWidths) != len(bucketWidths) {
		log.Error("errbudget: saved state has another number of tiers; starting fresh", "widths", st.BucketWidths, "want", bucketWidths)
		return
	}
	if !slices.Equal(st.BucketWidths, bucketWidths[:]) {
		log.Warn("errbudget: saved with other bucket widths; counts restored into this build's buckets by time", "from", st.BucketWidths, "to", bucketWidths)
	}
	t.droppedPast.Add(st.DroppedPast)
	t.droppedFuture.Add(st.DroppedFuture)

	saved := map[string]bool{}
	restored := map[*Series]bool{}
	for i := range st.Objectives {
		so := &st.Objectives[i]
		saved[so.Name] = true
		slo := t.byName[so.Name]
		if slo == nil {
			var c counts
			for _, ss := range so.Series {
				c.good += ss.Good
				c.bad += ss.Bad
			}
			log.Warn("errbudget: objective no longer declared; its saved state is dropped", "slo", so.Name, "series", len(so.Series), "lifetime_good", c.good, "lifetime_bad", c.bad)
			continue
		}
		o := &slo.decl
		if o.Target != so.Target {
			log.Info("errbudget: target changed; counts kept, budget recomputed", "slo", o.Name, "from", so.Target, "to", o.Target)
		}
		if o.Kind != so.Kind || o.Threshold != so.Threshold {
			log.Warn("errbudget: classification changed; restored counts were classified under the old declaration", "slo", o.Name,
				"kind_from", so.Kind.String(), "kind_to", o.Kind.String(), "threshold_from", so.Threshold.String(), "threshold_to", o.Threshold.String())
		}
		if o.GroupBy != so.GroupBy {
			log.Warn("errbudget: grouping changed", "slo", o.Name, "from", so.GroupBy, "to", o.GroupBy)
		}
		var outside int64
		for j := range so.Series {
			ss := &so.Series[j]
			var s *Series
			switch {
			case o.GroupBy == "":
				s = slo.single // groups, if there were, merge into one
			case so.GroupBy == "":
				log.Warn("errbudget: objective is now grouped; its ungrouped counts cannot be attributed to a group and are dropped", "slo", o.Name, "lifetime_good", ss.Good, "lifetime_bad", ss.Bad)
				continue
			default:
				s = slo.Series(ss.Group)
				if s.group != ss.Group {
					log.Warn("errbudget: group beyond the objective's MaxGroups; its counts join the overflow group", "slo", o.Name, "group", ss.Group, "overflow", s.group)
				}
			}
			exact := s.group == ss.Group && !restored[s] && o.Kind == so.Kind
			restored[s] = true
			s.mu.Lock()
			outside += s.restoreLocked(ss, st.BucketWidths, now, exact)
			s.mu.Unlock()
		}
		if o.Window.String() != so.Window {
			log.Info("errbudget: window changed; counts outside the new window dropped", "slo", o.Name, "from", so.Window, "to", o.Window.String(), "dropped_events", outside)
		} else if outside > 0 {
			log.Info("errbudget: saved counts outside the window dropped (clock moved)", "slo", o.Name, "dropped_events", outside)
		}
	}
	for _, slo := range t.slos {
		if !saved[slo.decl.Name] {
			log.Info("errbudget: objective has no saved state; it starts empty", "slo", slo.decl.Name)
		}
	}

	t.applySections(st.Sections, st.Taken, now, log)

	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	for _, c := range st.Corrections {
		x, err := t.compile(Correction(c))
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

// restoreLocked adds saved counts to the series, each saved bucket (of the
// saved widths) to the bucket holding its start. Buckets before the series'
// horizon at now are left out; the number of events they held (in the
// coarse tier) is returned. Buckets after the clock's reading (a state
// saved by a process whose clock ran ahead) count in the bucket holding it,
// as after a step back of the clock (followClockLocked). With exact, the
// saved series is this series: its alert and policy state and its latency
// distribution come back too.
func (s *Series) restoreLocked(ss *state.Series, widths []time.Duration, now time.Time, exact bool) (outside int64) {
	lo := now.Add(-s.slo.horizon).UnixNano()
	hi := now.UnixNano()
	for i, bs := range ss.Tiers[:min(len(ss.Tiers), len(widths))] {
		w, own := int64(widths[i]), int64(bucketWidths[i])
		if w == own {
			if out := s.ring.RestoreTier(i, bs, lo, hi); i == len(ss.Tiers)-1 {
				outside += out
			}
			continue
		}
		for _, x := range bs {
			if w != own { // saved with other widths: the bucket holding its start
				x.N = window.FloorDiv(x.N*w, own)
			}
			if !s.ring.Restore(i, x, lo, hi) && i == len(ss.Tiers)-1 {
				outside += x.Good + x.Bad
			}
		}
	}
	s.life.good += ss.Good
	s.life.bad += ss.Bad
	s.stored.good += ss.Good
	s.stored.bad += ss.Bad
	s.excAll += ss.Excluded
	if !exact {
		return outside
	}
	s.policy = PolicyState(ss.Policy)
	s.evalAt = ss.EvaluatedAt
	for _, a := range ss.Alerts {
		for i, r := range s.tr.rules {
			if r.Name == a.Rule {
				s.alerts[i] = alertState{firing: a.Firing, since: a.Since}
			}
		}
	}
	if r := s.latRng; r != nil {
		for _, l := range ss.Latency {
			if !slices.ContainsFunc(l.Counts, func(c state.HistogramCount) bool { return c.Index < 0 || c.Index >= window.HistLen }) {
				r.Restore(l, hi)
			}
		}
	}
	return outside
}
