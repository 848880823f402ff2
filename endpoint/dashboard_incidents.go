package endpoint

import (
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
)

// The dashboard's incidents and changes: shaded spans and change markers on
// each burn-down chart, and the lists below the cards with links to the
// postmortem drafts. Every text in them (descriptions, versions, group
// values) comes from outside and goes through html/template.

// chartSpan is an incident's span on one chart, in percent of the plot's
// width (clipped to it).
type chartSpan struct {
	Left, Width float64
	Label       string // "#3"
	Title       string // the tooltip: id, state, onset, what fired
	Open        bool   // still open: the span runs to now
	LabelEnd    bool   // near the right edge: the label inside its right end
}

// chartMark is a change on one chart, in percent of the plot's width.
type chartMark struct {
	Left  float64
	Kind  string // version or marked
	Title string
}

// incidentRow is one line of the dashboard's incident list.
type incidentRow struct {
	ID        int64
	State     string
	Open      bool
	Onset     string
	Duration  string
	Detection string
	Series    []string // "api [route=/x]: 6,000 bad · 543% of the budget"
	Triggers  []string
}

// changeRow is one line of the dashboard's change list; Spent says what
// each series spent while it was the latest.
type changeRow struct {
	Time, Kind, Version, Description string
	Spent                            []string
}

func timeUTC(t time.Time) string { return t.UTC().Format("Jan 2 15:04:05 UTC") }

// incidentRows lists the incidents, newest first, as the list shows them.
func incidentRows(ins []budget.Incident, now time.Time) []incidentRow {
	var out []incidentRow
	for _, in := range ins {
		end := in.Resolved
		if end.IsZero() {
			end = now
		}
		r := incidentRow{
			ID: in.ID, State: in.State.String(), Open: in.State != budget.IncidentClosed,
			Onset:     timeUTC(in.Onset),
			Duration:  formatSpan(end.Sub(in.Onset)),
			Detection: in.Detection.Rule.Name + " (" + in.Detection.Rule.Severity.String() + ") at " + timeUTC(in.Detection.ClockTime),
		}
		if in.Resolved.IsZero() {
			r.Duration += " so far"
		}
		for _, s := range in.Series {
			r.Series = append(r.Series, seriesName(s.Objective, s.Group)+": "+formatCount(s.Bad)+" bad of "+formatCount(s.Good+s.Bad)+
				" · "+formatPercent(s.Consumed)+" of the budget")
		}
		for _, c := range in.Candidates {
			when := formatSpan(in.Onset.Sub(c.Time)) + " before the onset"
			if c.Time.After(in.Onset) {
				when = formatSpan(c.Time.Sub(in.Onset)) + " into the onset's bucket"
			}
			r.Triggers = append(r.Triggers, changeText(c)+", "+when)
		}
		out = append(out, r)
	}
	return out
}

func changeText(c budget.Change) string {
	return c.Kind + ": " + c.Description
}

// changeRows lists the changes, newest first.
func changeRows(chs []budget.Change) []changeRow {
	out := make([]changeRow, 0, len(chs))
	for i := len(chs) - 1; i >= 0; i-- {
		c := chs[i]
		r := changeRow{Time: timeUTC(c.Time), Kind: c.Kind, Version: c.Version, Description: c.Description}
		for _, b := range c.Budget {
			if b.NotHeld {
				r.Spent = append(r.Spent, seriesName(b.Objective, b.Group)+": no longer held")
				continue
			}
			r.Spent = append(r.Spent, seriesName(b.Objective, b.Group)+": "+formatCount(b.Bad)+" bad of "+formatCount(b.Good+b.Bad)+
				" · "+formatPercent(b.Consumed)+" of the budget")
		}
		out = append(out, r)
	}
	return out
}

// chartOverlays places the incidents of the series (objective, group) and
// the changes on a chart drawn from bd.Start to bd.End.
func chartOverlays(bd *budget.BurnDown, objective, group string, ins []budget.Incident, chs []budget.Change, now time.Time) ([]chartSpan, []chartMark) {
	span := bd.End.Sub(bd.Start)
	if span <= 0 {
		return nil, nil
	}
	pos := func(t time.Time) float64 {
		return min(100, max(0, float64(t.Sub(bd.Start))/float64(span)*100))
	}
	var spans []chartSpan
	for i := len(ins) - 1; i >= 0; i-- { // oldest first: later spans drawn over earlier ones
		in := &ins[i]
		for _, s := range in.Series {
			if s.Objective != objective || s.Group != group {
				continue
			}
			end := in.Resolved
			if end.IsZero() {
				end = now
			}
			if end.Before(bd.Start) || s.Onset.After(bd.End) {
				continue
			}
			l, r := pos(s.Onset), pos(end)
			title := "Incident " + strconv.FormatInt(in.ID, 10) + " (" + in.State.String() + "): from " + timeUTC(s.Onset) +
				", " + s.Detection.Rule.Name + " fired at " + timeUTC(s.Detection.ClockTime) + ", " + formatCount(s.Bad) + " bad events"
			spans = append(spans, chartSpan{Left: round2(l), Width: round2(r - l), Label: "#" + strconv.FormatInt(in.ID, 10),
				Title: title, Open: in.Resolved.IsZero(), LabelEnd: l > 90})
		}
	}
	var marks []chartMark
	for _, c := range chs {
		if c.Time.Before(bd.Start) || c.Time.After(bd.End) {
			continue
		}
		title := "Change (" + c.Kind + ") at " + timeUTC(c.Time) + ": " + c.Description
		if c.Version != "" && c.Kind != budget.ChangeVersion {
			title += " · running " + c.Version
		}
		marks = append(marks, chartMark{Left: round2(pos(c.Time)), Kind: c.Kind, Title: title})
	}
	return spans, marks
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// linkPrefix is what the dashboard's links to the drafts start with: they
// are relative to the page, so that they work wherever the handler is
// mounted; from ui/ (with its slash) one level up.
func linkPrefix(path string) string {
	if strings.HasSuffix(path, "/") {
		return "../"
	}
	return ""
}
