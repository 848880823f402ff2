package budget

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// TransitionKind says what changed.
type TransitionKind uint8

const (
	// AlertFired: an alert rule started firing.
	AlertFired TransitionKind = iota + 1
	// AlertResolved: a firing alert rule stopped.
	AlertResolved
	// PolicyChanged: the error-budget policy state changed.
	PolicyChanged
)

var transitionNames = []string{AlertFired: "alert_fired", AlertResolved: "alert_resolved", PolicyChanged: "policy_changed"}

// String returns "alert_fired", "alert_resolved" or "policy_changed".
func (k TransitionKind) String() string {
	return enumString(transitionNames, uint8(k), "TransitionKind")
}

// Transition is a change of alert or policy state, seen when the status was
// computed at Time.
type Transition struct {
	Kind      TransitionKind
	Time      time.Time
	Objective string
	Group     string
	// Alert is the alert's state, for AlertFired and AlertResolved.
	Alert Alert
	// From and To are the policy states, for PolicyChanged.
	From, To PolicyState
}

// String describes the transition for people.
func (tr Transition) String() string {
	name := tr.Objective
	if tr.Group != "" {
		name += "[" + tr.Group + "]"
	}
	switch tr.Kind {
	case AlertFired, AlertResolved:
		return fmt.Sprintf("%s %s %s (%s): burn %s over %v, %s over %v, threshold %.3g", name, tr.Alert.Rule.Name, tr.Kind,
			tr.Alert.Rule.Severity, fmtFloat(tr.Alert.LongBurn), tr.Alert.Rule.LongWindow, fmtFloat(tr.Alert.ShortBurn), tr.Alert.Rule.ShortWindow, tr.Alert.Threshold)
	case PolicyChanged:
		return fmt.Sprintf("%s policy %s → %s", name, tr.From, tr.To)
	}
	return name + " " + tr.Kind.String()
}

func fmtFloat(f Float) string {
	if !f.Valid {
		return "n/a"
	}
	return fmt.Sprintf("%.3g", f.Value)
}

// numbered is a transition with its number in the order of detection.
type numbered struct {
	seq uint64
	tr  Transition
	inc *IncidentEvent // an incident's change instead of a transition
}

// deliver logs the transitions and calls the handlers, outside any lock, in
// the order they were detected.
//
// Transitions are numbered under the series' mutex as they are detected,
// so the numbers order each series' transitions as they happened. Two
// statuses computed at once (Run, the endpoint, an OpenTelemetry
// collection) may reach deliver in the other order: one that detected a
// transition may still be computing other series while a later one delivers
// the next. So transitions wait in the queue until every earlier number has
// arrived, and whoever delivers (one goroutine at a time) delivers each run
// of consecutive numbers. A status therefore returns before its transitions
// are delivered when an earlier one is still on its way; the goroutine that
// brings the earlier one delivers both.
func (t *Tracker) deliver(trs []numbered) {
	t.evalMu.Lock()
	if len(trs) > 0 {
		t.queue = append(t.queue, trs...)
		slices.SortFunc(t.queue, func(a, b numbered) int { return cmp.Compare(a.seq, b.seq) })
	}
	// With none of its own, a status still delivers what a panicking handler left.
	if t.delivering || len(t.queue) == 0 { // another goroutine (or this one, below a handler) delivers them
		t.evalMu.Unlock()
		return
	}
	t.delivering = true
	locked := true
	var rest []numbered // the batch not yet delivered
	defer func() {
		// Also when a handler panics: the next status delivers the rest.
		if !locked {
			t.evalMu.Lock()
			if len(rest) > 0 { // a handler panicked on rest[0]
				t.queue = append(rest[1:len(rest):len(rest)], t.queue...)
				t.next -= uint64(len(rest) - 1)
			}
		}
		t.delivering = false
		t.evalMu.Unlock()
	}()
	for {
		n := 0
		for n < len(t.queue) && t.queue[n].seq == t.next+uint64(n) {
			n++
		}
		if n == 0 {
			return
		}
		batch := slices.Clone(t.queue[:n])
		t.queue = slices.Delete(t.queue, 0, n)
		t.next += uint64(n)
		t.evalMu.Unlock()
		locked = false
		for rest = batch; len(rest) > 0; rest = rest[1:] {
			x := rest[0]
			if x.inc != nil {
				t.deliverIncident(x.inc)
				continue
			}
			if t.logger != nil {
				t.log(x.tr)
			}
			for _, h := range t.handlers {
				h(x.tr)
			}
		}
		t.evalMu.Lock()
		locked = true
	}
}

func (t *Tracker) log(tr Transition) {
	level := slog.LevelInfo
	attrs := []slog.Attr{
		slog.String("slo", tr.Objective),
		slog.String("transition", tr.Kind.String()),
	}
	if tr.Group != "" {
		attrs = append(attrs, slog.String("group", tr.Group))
	}
	switch tr.Kind {
	case AlertFired, AlertResolved:
		if tr.Kind == AlertFired {
			level = slog.LevelWarn
		}
		attrs = append(attrs,
			slog.String("alert", tr.Alert.Rule.Name),
			slog.String("severity", tr.Alert.Rule.Severity.String()),
			slog.Float64("long_burn", tr.Alert.LongBurn.Value),
			slog.Float64("short_burn", tr.Alert.ShortBurn.Value),
			slog.Float64("threshold", tr.Alert.Threshold))
	case PolicyChanged:
		if tr.To > tr.From {
			level = slog.LevelWarn
		}
		attrs = append(attrs, slog.String("from", tr.From.String()), slog.String("to", tr.To.String()))
	}
	t.logger.LogAttrs(context.Background(), level, "errbudget: "+tr.String(), attrs...)
}
