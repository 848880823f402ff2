package endpoint

import (
	"cmp"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/internal/sharedstatus"
	"github.com/errbudget/errbudget/sli"
)

// The JSON documents of the endpoint contract (docs/contract.md). They are kept
// apart from budget.Status so that the wire format is written down in one
// place and changes only on purpose.

// report is GET /.
type report struct {
	Service        string            `json:"service"`
	GeneratedAt    time.Time         `json:"generated_at"`
	ReleaseAllowed bool              `json:"release_allowed"`
	Unjudged       []gateUnjudged    `json:"unjudged"`
	Objectives     []objectiveReport `json:"objectives"`
	OTelOverflow   *otelOverflowJSON `json:"otel_overflow,omitempty"`
}

// otelOverflowJSON is what the tracker's open OpenTelemetry export
// (budgetotel) lost to the SDK's cardinality limit at its latest
// collection (budgetotel.Registration.Overflow).
type otelOverflowJSON struct {
	CardinalityLimit int            `json:"cardinality_limit"`
	StreamsLost      int            `json:"streams_lost"`
	ByInstrument     map[string]int `json:"by_instrument"`
}

func newOTelOverflow(ex *sharedstatus.ExportReport) *otelOverflowJSON {
	if ex == nil {
		return nil
	}
	limit, streams := ex.Overflow()
	o := &otelOverflowJSON{CardinalityLimit: limit, ByInstrument: map[string]int{}}
	for name, n := range streams {
		o.ByInstrument[name] = n
		o.StreamsLost += n
	}
	return o
}

type objectiveReport struct {
	Name             string            `json:"name"`
	Description      string            `json:"description"`
	Kind             string            `json:"kind"`
	Target           float64           `json:"target"`
	ThresholdSeconds *float64          `json:"threshold_seconds,omitempty"`
	*sliceDeclJSON                     // time-slice objectives only (slices.go)
	Group            *groupJSON        `json:"group,omitempty"`
	Window           windowJSON        `json:"window"`
	Events           eventsJSON        `json:"events"`
	SLI              budget.Float      `json:"sli"`
	ErrorBudget      errorBudget       `json:"error_budget"`
	BurnRates        burnRates         `json:"burn_rates"`
	NotHeld          map[string]string `json:"not_held,omitempty"`
	Alerts           []alertJSON       `json:"alerts"`
	Policy           policyJSON        `json:"policy"`
	ExhaustionETA    *time.Time        `json:"exhaustion_eta"`
	LatencySeconds   *latencyJSON      `json:"latency_seconds"`
	Corrections      []correction      `json:"corrections"`
	Advisory         bool              `json:"advisory"`
	Period           periodJSON        `json:"period"`
	Overflow         *overflowJSON     `json:"overflow,omitempty"`
}

// overflowJSON is what a grouped objective counted in its _OTHER group
// (budget.Status.Overflow) and the cap that sends values there.
type overflowJSON struct {
	MaxGroups int   `json:"max_groups"`
	Events    int64 `json:"events"`
}

type groupJSON struct {
	Label   string `json:"label"`
	Value   string `json:"value"`
	Overall bool   `json:"overall,omitempty"` // a grouped time-slice objective's overall entry
}

// windowJSON is {"type": "rolling", "duration": "720h"} or {"type":
// "calendar", "unit": "month", "time_zone": …, "start": …, "end": …}.
type windowJSON struct {
	Type     string     `json:"type"`
	Duration string     `json:"duration,omitempty"`
	Unit     string     `json:"unit,omitempty"`
	TimeZone string     `json:"time_zone,omitempty"`
	Start    *time.Time `json:"start,omitempty"`
	End      *time.Time `json:"end,omitempty"`
}

// periodJSON bounds the period the figures cover, for either window type.
type periodJSON struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type eventsJSON struct {
	Good     int64 `json:"good"`
	Bad      int64 `json:"bad"`
	Total    int64 `json:"total"`
	Excluded int64 `json:"excluded"`
}

type errorBudget struct {
	Consumed         budget.Float `json:"consumed"`
	Remaining        budget.Float `json:"remaining"`
	*sliceBudgetJSON              // time-slice objectives only (slices.go)
}

type burnRates struct {
	M5     budget.Float `json:"5m"`
	M30    budget.Float `json:"30m"`
	H1     budget.Float `json:"1h"`
	H2     budget.Float `json:"2h"`
	H6     budget.Float `json:"6h"`
	D1     budget.Float `json:"1d"`
	D3     budget.Float `json:"3d"`
	Period budget.Float `json:"period"`
}

type alertJSON struct {
	Name              string       `json:"name"`
	Severity          string       `json:"severity"`
	LongWindow        string       `json:"long_window"`
	ShortWindow       string       `json:"short_window"`
	BurnRateThreshold float64      `json:"burn_rate_threshold"`
	Firing            bool         `json:"firing"`
	Since             *time.Time   `json:"since"`
	LongBurnRate      budget.Float `json:"long_burn_rate"`
	ShortBurnRate     budget.Float `json:"short_burn_rate"`
}

type policyJSON struct {
	State          string `json:"state"`
	ReleaseAllowed bool   `json:"release_allowed"`
	Reason         string `json:"reason"`
	MinEvents      int64  `json:"min_events"`
}

type latencyJSON struct {
	P50   budget.Float `json:"p50"`
	P90   budget.Float `json:"p90"`
	P99   budget.Float `json:"p99"`
	Max   budget.Float `json:"max"`
	Count int64        `json:"count"`
}

type correction struct {
	ID         string    `json:"id"`
	Objective  string    `json:"objective,omitempty"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Reason     string    `json:"reason"`
	Recurrence string    `json:"recurrence,omitempty"`
	TimeZone   string    `json:"time_zone,omitempty"`
}

// gateReport is GET /gate.
type gateReport struct {
	ReleaseAllowed bool           `json:"release_allowed"`
	Reasons        []gateReason   `json:"reasons"`
	Unjudged       []gateUnjudged `json:"unjudged"`
	GeneratedAt    time.Time      `json:"generated_at"`
}

type gateReason struct {
	Objective string       `json:"objective"`
	Group     string       `json:"group"`
	State     string       `json:"state"`
	Remaining budget.Float `json:"remaining"`
}

// gateUnjudged is an objective the policy cannot judge yet (too few
// events): it lets releases through without a verdict.
type gateUnjudged struct {
	Objective    string `json:"objective"`
	Group        string `json:"group"`
	Events       int64  `json:"events"`
	EventsNeeded int64  `json:"events_needed"`
	Unit         string `json:"unit,omitempty"` // "slices" for a time-slice objective
}

func newUnjudged(g budget.Gate) []gateUnjudged {
	out := make([]gateUnjudged, len(g.Unjudged))
	for i, u := range g.Unjudged {
		out[i] = gateUnjudged{Objective: u.Objective, Group: u.Group, Events: u.Events, EventsNeeded: u.EventsNeeded}
		if u.Slices {
			out[i].Unit = "slices"
		}
	}
	return out
}

func newReport(service string, now time.Time, sts []budget.Status) report {
	g := budget.GateOf(sts)
	r := report{Service: service, GeneratedAt: now.UTC(), ReleaseAllowed: g.Allowed, Unjudged: newUnjudged(g), Objectives: make([]objectiveReport, len(sts))}
	for i := range sts {
		r.Objectives[i] = newObjectiveReport(&sts[i])
	}
	return r
}

func newObjectiveReport(st *budget.Status) objectiveReport {
	o := &st.Objective
	or := objectiveReport{
		Name:        o.Name,
		Description: o.Description,
		Kind:        o.Kind.String(),
		Target:      o.Target,
		Window:      newWindow(o.Window, st),
		Events:      eventsJSON{Good: st.Good, Bad: st.Bad, Total: st.Total(), Excluded: st.LifetimeExcluded},
		SLI:         st.SLI,
		ErrorBudget: errorBudget{Consumed: st.Consumed, Remaining: st.Remaining},
		Alerts:      make([]alertJSON, len(st.Alerts)),
		Policy:      policyJSON{State: st.PolicyState.String(), ReleaseAllowed: st.ReleaseAllowed, Reason: st.PolicyReason.String(), MinEvents: st.PolicyMinEvents},
		Corrections: make([]correction, len(st.Corrections)),
		Advisory:    o.Advisory,
		Period:      periodJSON{Start: st.PeriodStart.UTC(), End: st.PeriodEnd.UTC()},
	}
	if o.Kind.HasThreshold() {
		s := o.Threshold.Seconds()
		or.ThresholdSeconds = &s
		l := st.Latency
		or.LatencySeconds = &latencyJSON{P50: l.P50, P90: l.P90, P99: l.P99, Max: l.Max, Count: l.Count}
	}
	addSlices(&or, st) // slices.go
	if o.GroupBy != "" {
		or.Group = &groupJSON{Label: o.GroupBy, Value: st.Group, Overall: st.Overall}
		or.Overflow = &overflowJSON{MaxGroups: cmp.Or(o.MaxGroups, sli.DefaultMaxGroups), Events: st.Overflow}
	}
	for _, b := range st.BurnRates {
		if p := or.BurnRates.field(b.Window); p != nil {
			*p = b.Rate
		}
		if b.NotHeld != "" { // a status of an instant the ring no longer holds
			if or.NotHeld == nil {
				or.NotHeld = map[string]string{}
			}
			or.NotHeld[b.Window] = b.NotHeld
		}
	}
	for i, a := range st.Alerts {
		aj := alertJSON{
			Name:              a.Rule.Name,
			Severity:          a.Rule.Severity.String(),
			LongWindow:        formatDuration(a.Rule.LongWindow),
			ShortWindow:       formatDuration(a.Rule.ShortWindow),
			BurnRateThreshold: a.Threshold,
			Firing:            a.Firing,
			LongBurnRate:      a.LongBurn,
			ShortBurnRate:     a.ShortBurn,
		}
		if a.Firing && !a.Since.IsZero() {
			s := a.Since.UTC()
			aj.Since = &s
		}
		or.Alerts[i] = aj
	}
	if !st.ExhaustionETA.IsZero() {
		eta := st.ExhaustionETA.UTC()
		or.ExhaustionETA = &eta
	}
	for i, c := range st.Corrections {
		or.Corrections[i] = correction{ID: c.ID, Objective: c.Objective, Start: c.Start.UTC(), End: c.End.UTC(),
			Reason: c.Reason, Recurrence: c.Recurrence, TimeZone: c.TimeZone}
	}
	return or
}

func (b *burnRates) field(window string) *budget.Float {
	switch window {
	case "5m":
		return &b.M5
	case "30m":
		return &b.M30
	case "1h":
		return &b.H1
	case "2h":
		return &b.H2
	case "6h":
		return &b.H6
	case "1d":
		return &b.D1
	case "3d":
		return &b.D3
	case "period":
		return &b.Period
	}
	return nil
}

func newWindow(w sli.Window, st *budget.Status) windowJSON {
	if !w.IsCalendar() {
		d := w.Rolling
		if d == 0 {
			d = sli.DefaultWindow
		}
		return windowJSON{Type: "rolling", Duration: formatDuration(d)}
	}
	tz := w.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	// The bounds in the window's own zone: local midnight reads as such.
	start, end := st.PeriodStart, st.PeriodEnd
	return windowJSON{Type: "calendar", Unit: string(w.Calendar), TimeZone: tz, Start: &start, End: &end}
}

func newGateReport(now time.Time, sts []budget.Status) gateReport {
	g := budget.GateOf(sts)
	r := gateReport{ReleaseAllowed: g.Allowed, Reasons: make([]gateReason, len(g.Reasons)), Unjudged: newUnjudged(g), GeneratedAt: now.UTC()}
	for i, x := range g.Reasons {
		r.Reasons[i] = gateReason{Objective: x.Objective, Group: x.Group, State: x.State.String(), Remaining: x.Remaining}
	}
	return r
}

// formatDuration writes d as Go does, without the zero units Go appends:
// "720h", "5m", "1h30m".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
