package budget

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// The "incidents" section of the state file (see snapshot.go): the last
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

func (e *encoder) float(f Float) {
	if !f.Valid {
		e.buf = append(e.buf, 0)
		return
	}
	e.buf = append(e.buf, 1)
	e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(f.Value))
}

func (d *decoder) float() Float {
	if d.byte() == 0 {
		return Float{}
	}
	if len(d.b) < 8 {
		d.fail("truncated")
		return Float{}
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return some(v)
}

func (e *encoder) detection(x *Detection) {
	e.str(x.Objective)
	e.str(x.Group)
	e.str(x.Rule.Name)
	e.str(string(x.Rule.Severity))
	e.varint(int64(x.Rule.LongWindow))
	e.varint(int64(x.Rule.ShortWindow))
	e.float(some(x.Threshold))
	e.float(x.LongBurn)
	e.float(x.ShortBurn)
	e.time(x.MetricTime)
	e.time(x.ClockTime)
}

func (d *decoder) detection() Detection {
	x := Detection{Objective: d.str(), Group: d.str()}
	x.Rule.Name, x.Rule.Severity = d.str(), Severity(d.str())
	x.Rule.LongWindow, x.Rule.ShortWindow = time.Duration(d.varint()), time.Duration(d.varint())
	x.Threshold = d.float().Value
	x.LongBurn, x.ShortBurn = d.float(), d.float()
	x.MetricTime, x.ClockTime = d.time(), d.time()
	return x
}

func (e *encoder) names(ns []string) {
	e.uvarint(uint64(len(ns)))
	for _, n := range ns {
		e.str(n)
	}
}

func (d *decoder) names() []string {
	var out []string
	for range d.length(1) {
		out = append(out, d.str())
	}
	return out
}

// incident writes one incident as a length-prefixed record, so that a
// later build may append fields that this one skips.
func (e *encoder) incident(in *Incident) {
	var r encoder
	r.incidentFields(in)
	e.uvarint(uint64(len(r.buf)))
	e.buf = append(e.buf, r.buf...)
}

func (e *encoder) incidentFields(in *Incident) {
	e.uvarint(uint64(in.ID))
	e.uvarint(uint64(in.State))
	e.time(in.Onset)
	e.varint(int64(in.OnsetResolution))
	e.detection(&in.Detection)
	e.float(in.PeakBurn5m)
	e.time(in.PeakAt)
	e.time(in.Mitigated)
	e.time(in.Resolved)
	e.time(in.Closed)
	e.uvarint(uint64(len(in.Series)))
	for i := range in.Series {
		s := &in.Series[i]
		e.str(s.Objective)
		e.str(s.Group)
		e.time(s.Onset)
		e.varint(int64(s.OnsetResolution))
		e.detection(&s.Detection)
		e.names(s.Alerts)
		e.names(s.Firing)
		e.count(s.Good)
		e.count(s.Bad)
		e.float(s.PeakBurn5m)
		e.time(s.PeakAt)
		e.count(s.PeriodEvents)
		e.float(s.Consumed)
		e.float(s.RemainingAtOnset)
		e.float(s.RemainingAtClose)
	}
	e.uvarint(uint64(len(in.Policy)))
	for _, c := range in.Policy {
		e.time(c.Time)
		e.str(c.Objective)
		e.str(c.Group)
		e.uvarint(uint64(c.From))
		e.uvarint(uint64(c.To))
		e.buf = append(e.buf, boolByte(c.Advisory))
	}
	e.uvarint(uint64(len(in.Restarts)))
	for _, r := range in.Restarts {
		e.time(r.Saved)
		e.time(r.Started)
	}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// incident reads one record; the fields after those this build knows are
// skipped.
func (d *decoder) incident() Incident {
	n := d.length(1)
	if d.err != nil {
		return Incident{}
	}
	r := &decoder{b: d.b[:n]}
	d.b = d.b[n:]
	in := r.incidentFields()
	if r.err != nil {
		d.fail("incident: %v", r.err)
	}
	return in
}

func (d *decoder) incidentFields() Incident {
	in := Incident{ID: int64(d.uvarint())}
	if st := d.uvarint(); st >= uint64(IncidentOpen) && st <= uint64(IncidentClosed) {
		in.State = IncidentState(st)
	} else {
		d.fail("incident %d: unknown state %d", in.ID, st)
	}
	in.Onset, in.OnsetResolution = d.time(), time.Duration(d.varint())
	in.Detection = d.detection()
	in.PeakBurn5m, in.PeakAt = d.float(), d.time()
	in.Mitigated, in.Resolved, in.Closed = d.time(), d.time(), d.time()
	for range d.length(20) {
		s := IncidentSeries{Objective: d.str(), Group: d.str(), Onset: d.time(), OnsetResolution: time.Duration(d.varint())}
		s.Detection = d.detection()
		s.Alerts, s.Firing = d.names(), d.names()
		s.Good, s.Bad = d.count(), d.count()
		s.PeakBurn5m, s.PeakAt = d.float(), d.time()
		s.PeriodEvents = d.count()
		s.Consumed, s.RemainingAtOnset, s.RemainingAtClose = d.float(), d.float(), d.float()
		in.Series = append(in.Series, s)
	}
	for range d.length(5) {
		c := PolicyChange{Time: d.time(), Objective: d.str(), Group: d.str()}
		from, to := d.uvarint(), d.uvarint()
		if from > uint64(Exhausted) || to > uint64(Exhausted) {
			d.fail("incident %d: unknown policy state", in.ID)
		}
		c.From, c.To, c.Advisory = PolicyState(from), PolicyState(to), d.byte() == 1
		in.Policy = append(in.Policy, c)
	}
	for range d.length(2) {
		in.Restarts = append(in.Restarts, Restart{Saved: d.time(), Started: d.time()})
	}
	return in
}

// sections returns the state file's sections: the changes and the
// incidents, when there are any (a file without is what readers before
// sections read).
func (t *Tracker) sections() []section {
	var out []section
	if c := t.changeSectionData(); c != nil {
		out = append(out, section{name: changeSection, data: c})
	}
	if x := t.incidentSectionData(); x != nil {
		out = append(out, section{name: incidentSection, data: x})
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
	var e encoder
	e.uvarint(uint64(b.lastID))
	e.uvarint(uint64(len(b.done)))
	for i := range b.done {
		e.incident(&b.done[i])
	}
	if b.open == nil {
		e.buf = append(e.buf, 0)
	} else {
		e.buf = append(e.buf, 1)
		e.incident(&b.open.Incident)
		ms := make([]*member, len(b.open.Series))
		for _, m := range b.open.members {
			ms[m.i] = m
		}
		for _, m := range ms {
			e.varint(m.next)
			e.float(m.burn5m)
		}
	}
	return e.buf
}

// applySections restores the sections this build knows and skips the
// others. It runs in New, before the tracker is shared.
func (t *Tracker) applySections(ss []section, taken, now time.Time, log *slog.Logger) {
	for _, x := range ss {
		var err error
		switch x.name {
		case incidentSection:
			err = t.restoreIncidents(x.data, taken, now)
		case changeSection:
			err = t.restoreChanges(x.data)
		default:
			log.Info("errbudget: state file section unknown to this build skipped", "section", x.name, "bytes", len(x.data))
		}
		if err != nil {
			log.Warn("errbudget: saved state section dropped", "section", x.name, "err", err)
		}
	}
}

func (t *Tracker) restoreIncidents(data []byte, taken, now time.Time) error {
	d := &decoder{b: data}
	b := &t.inc
	lastID := int64(d.uvarint())
	var done []Incident
	for range d.length(30) {
		done = append(done, d.incident())
	}
	var open *openIncident
	if d.byte() == 1 {
		open = &openIncident{Incident: d.incident(), members: map[*Series]*member{}}
		open.Restarts = append(open.Restarts, Restart{Saved: taken, Started: now})
		for i := range open.Series {
			is := &open.Series[i]
			m := &member{i: i, next: d.varint(), burn5m: d.float(), firing: map[string]bool{}}
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
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%d bytes after the incidents", len(d.b))
	}
	if k := b.keep(); len(done) > k {
		done = done[len(done)-k:]
	}
	b.lastID, b.done, b.open = lastID, done, open
	return nil
}
