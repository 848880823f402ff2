package budget

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/errbudget/errbudget/internal/wire"
	"github.com/errbudget/errbudget/state"
)

// The "incidents" section of the state file (package state): the last
// IncidentOptions.Keep closed incidents and the open one, so that an
// incident open at a restart stays open and closes correctly after it.
//
//	incidents   uvarint last id, uvarint n, n × incident (oldest first),
//	            byte 1 and the open incident with its members, or byte 0
//	incident    uvarint length, then: id, state, onset, onset
//	            resolution, detection, peak, peak at, mitigated,
//	            resolved, closed, uvarint n, n × series, uvarint n, n ×
//	            policy change (time, objective, group, from, to,
//	            advisory byte), uvarint n, n × restart (saved, started);
//	            a reader skips the bytes after the fields it knows
//	series      objective, group, onset, onset resolution, detection,
//	            alerts, firing (uvarint n, n × name), good, bad, peak,
//	            peak at, period events, consumed, remaining at onset and
//	            at close
//	member      (open incident, per series) next bucket to count,
//	            5m burn
//	detection   objective, group, rule name, severity, long and short
//	            window, threshold, long and short burn, metric and clock
//	            time
//
// Floats are a byte (1 valid, 0 not) and, when valid, 8 bytes of IEEE 754
// bits.

const incidentSection = "incidents"

func putFloat(e *wire.Encoder, f Float) {
	e.Bool(f.Valid)
	if f.Valid {
		e.Float64(f.Value)
	}
}

func getFloat(d *wire.Decoder) Float {
	if d.Byte() == 1 {
		if v := d.Float64(); d.Err == nil {
			return some(v)
		}
	}
	return Float{}
}

func putDetection(e *wire.Encoder, x *Detection) {
	e.Str(x.Objective)
	e.Str(x.Group)
	e.Str(x.Rule.Name)
	e.Str(x.Rule.Severity.String())
	e.Varint(int64(x.Rule.LongWindow))
	e.Varint(int64(x.Rule.ShortWindow))
	putFloat(e, some(x.Threshold))
	putFloat(e, x.LongBurn)
	putFloat(e, x.ShortBurn)
	e.Time(x.MetricTime)
	e.Time(x.ClockTime)
}

func getDetection(d *wire.Decoder) Detection {
	x := Detection{Objective: d.Str(), Group: d.Str()}
	x.Rule.Name = d.Str()
	_ = x.Rule.Severity.UnmarshalText([]byte(d.Str())) // an unknown one stays zero
	x.Rule.LongWindow, x.Rule.ShortWindow = time.Duration(d.Varint()), time.Duration(d.Varint())
	x.Threshold = getFloat(d).Value
	x.LongBurn, x.ShortBurn = getFloat(d), getFloat(d)
	x.MetricTime, x.ClockTime = d.Time(), d.Time()
	return x
}

func putNames(e *wire.Encoder, ns []string) {
	e.Uvarint(uint64(len(ns)))
	for _, n := range ns {
		e.Str(n)
	}
}

func getNames(d *wire.Decoder) []string {
	var out []string
	for range d.Length(1) {
		out = append(out, d.Str())
	}
	return out
}

// incident writes one incident as a length-prefixed record, so that a
// later build may append fields that this one skips.
func putIncident(e *wire.Encoder, in *Incident) {
	var r wire.Encoder
	putIncidentFields(&r, in)
	e.Bytes(r.Buf)
}

func putIncidentFields(e *wire.Encoder, in *Incident) {
	e.Uvarint(uint64(in.ID))
	e.Uvarint(uint64(in.State))
	e.Time(in.Onset)
	e.Varint(int64(in.OnsetResolution))
	putDetection(e, &in.Detection)
	putFloat(e, in.PeakBurn5m)
	e.Time(in.PeakAt)
	e.Time(in.Mitigated)
	e.Time(in.Resolved)
	e.Time(in.Closed)
	e.Uvarint(uint64(len(in.Series)))
	for i := range in.Series {
		s := &in.Series[i]
		e.Str(s.Objective)
		e.Str(s.Group)
		e.Time(s.Onset)
		e.Varint(int64(s.OnsetResolution))
		putDetection(e, &s.Detection)
		putNames(e, s.Alerts)
		putNames(e, s.Firing)
		e.Count(s.Good)
		e.Count(s.Bad)
		putFloat(e, s.PeakBurn5m)
		e.Time(s.PeakAt)
		e.Count(s.PeriodEvents)
		putFloat(e, s.Consumed)
		putFloat(e, s.RemainingAtOnset)
		putFloat(e, s.RemainingAtClose)
	}
	e.Uvarint(uint64(len(in.Policy)))
	for _, c := range in.Policy {
		e.Time(c.Time)
		e.Str(c.Objective)
		e.Str(c.Group)
		e.Uvarint(uint64(c.From))
		e.Uvarint(uint64(c.To))
		e.Bool(c.Advisory)
	}
	e.Uvarint(uint64(len(in.Restarts)))
	for _, r := range in.Restarts {
		e.Time(r.Saved)
		e.Time(r.Started)
	}
}

// incident reads one record; the fields after those this build knows are
// skipped.
func getIncident(d *wire.Decoder) Incident {
	r := &wire.Decoder{B: d.Bytes(d.Length(1))}
	in := getIncidentFields(r)
	if r.Err != nil {
		d.Fail("incident: %v", r.Err)
	}
	return in
}

func getIncidentFields(d *wire.Decoder) Incident {
	in := Incident{ID: int64(d.Uvarint())}
	if st := d.Uvarint(); st >= uint64(IncidentOpen) && st <= uint64(IncidentClosed) {
		in.State = IncidentState(st)
	} else {
		d.Fail("incident %d: unknown state %d", in.ID, st)
	}
	in.Onset, in.OnsetResolution = d.Time(), time.Duration(d.Varint())
	in.Detection = getDetection(d)
	in.PeakBurn5m, in.PeakAt = getFloat(d), d.Time()
	in.Mitigated, in.Resolved, in.Closed = d.Time(), d.Time(), d.Time()
	for range d.Length(20) {
		s := IncidentSeries{Objective: d.Str(), Group: d.Str(), Onset: d.Time(), OnsetResolution: time.Duration(d.Varint())}
		s.Detection = getDetection(d)
		s.Alerts, s.Firing = getNames(d), getNames(d)
		s.Good, s.Bad = d.Count(), d.Count()
		s.PeakBurn5m, s.PeakAt = getFloat(d), d.Time()
		s.PeriodEvents = d.Count()
		s.Consumed, s.RemainingAtOnset, s.RemainingAtClose = getFloat(d), getFloat(d), getFloat(d)
		in.Series = append(in.Series, s)
	}
	for range d.Length(5) {
		c := PolicyChange{Time: d.Time(), Objective: d.Str(), Group: d.Str()}
		from, to := d.Uvarint(), d.Uvarint()
		if from > uint64(Exhausted) || to > uint64(Exhausted) {
			d.Fail("incident %d: unknown policy state", in.ID)
		}
		c.From, c.To, c.Advisory = PolicyState(from), PolicyState(to), d.Byte() == 1
		in.Policy = append(in.Policy, c)
	}
	for range d.Length(2) {
		in.Restarts = append(in.Restarts, Restart{Saved: d.Time(), Started: d.Time()})
	}
	return in
}

// sections returns the state file's sections: the changes and the
// incidents, when there are any (a file without is what readers before
// sections read).
func (t *Tracker) sections() []state.Section {
	var out []state.Section
	if c := t.changeSectionData(); c != nil {
		out = append(out, state.Section{Name: changeSection, Data: c})
	}
	if x := t.incidentSectionData(); x != nil {
		out = append(out, state.Section{Name: incidentSection, Data: x})
	}
	if x := t.sliceSectionData(); x != nil {
		out = append(out, state.Section{Name: sliceSection, Data: x}) // slice_state.go
	}
	return out
}

func (t *Tracker) incidentSectionData() []byte {
	b := &t.inc
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lastID == 0 {
		return nil
	}
	e := &wire.Encoder{}
	e.Uvarint(uint64(b.lastID))
	e.Uvarint(uint64(len(b.done)))
	for i := range b.done {
		putIncident(e, &b.done[i])
	}
	e.Bool(b.open != nil)
	if b.open != nil {
		putIncident(e, &b.open.Incident)
		ms := make([]*member, len(b.open.Series))
		for _, m := range b.open.members {
			ms[m.i] = m
		}
		for _, m := range ms {
			e.Varint(m.next)
			putFloat(e, m.burn5m)
		}
	}
	return e.Buf
}

// applySections restores the sections this build knows and skips the
// others. It runs in New, before the tracker is shared.
func (t *Tracker) applySections(ss []state.Section, taken, now time.Time, log *slog.Logger) {
	for _, x := range ss {
		var err error
		switch x.Name {
		case incidentSection:
			err = t.restoreIncidents(x.Data, taken, now)
		case changeSection:
			err = t.restoreChanges(x.Data)
		case sliceSection:
			err = t.restoreSlices(x.Data)
		default:
			log.Info("errbudget: state file section unknown to this build skipped", "section", x.Name, "bytes", len(x.Data))
		}
		if err != nil {
			log.Warn("errbudget: saved state section dropped", "section", x.Name, "err", err)
		}
	}
}

func (t *Tracker) restoreIncidents(data []byte, taken, now time.Time) error {
	d := &wire.Decoder{B: data}
	b := &t.inc
	lastID := int64(d.Uvarint())
	var done []Incident
	for range d.Length(30) {
		done = append(done, getIncident(d))
	}
	var open *openIncident
	if d.Byte() == 1 {
		open = &openIncident{Incident: getIncident(d), members: map[*Series]*member{}}
		open.Restarts = append(open.Restarts, Restart{Saved: taken, Started: now})
		for i := range open.Series {
			is := &open.Series[i]
			m := &member{i: i, next: d.Varint(), burn5m: getFloat(d), firing: map[string]bool{}}
			for _, n := range is.Firing {
				m.firing[n] = true
			}
			slo := t.byName[is.Objective]
			if slo == nil {
				continue // no longer declared: its share stays as saved
			}
			if s := slo.Series(is.Group); s.group == is.Group {
				open.members[s] = m
			}
		}
	}
	if d.Err != nil {
		return d.Err
	}
	if len(d.B) != 0 {
		return fmt.Errorf("%d bytes after the incidents", len(d.B))
	}
	if k := b.keep(); len(done) > k {
		done = done[len(done)-k:]
	}
	b.lastID, b.done, b.open = lastID, done, open
	return nil
}
