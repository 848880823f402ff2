package endpoint

import (
	"bytes"
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
)

// The incidents: GET incidents (JSON, newest first), incidents/{id} (JSON)
// and incidents/{id}.md (a postmortem draft in the layout of the SRE book's
// example postmortem). See docs/contract.md.

type incidentsReport struct {
	GeneratedAt time.Time        `json:"generated_at"`
	Incidents   []incidentReport `json:"incidents"`
}

type incidentReport struct {
	ID              int64               `json:"id"`
	State           string              `json:"state"`
	Onset           time.Time           `json:"onset"`
	OnsetResolution string              `json:"onset_resolution"`
	Detection       detectionJSON       `json:"detection"`
	TimeToDetect    ttdJSON             `json:"time_to_detect_seconds"`
	PeakBurn5m      budget.Float        `json:"peak_burn_rate_5m"`
	PeakAt          *time.Time          `json:"peak_at"`
	Mitigated       *time.Time          `json:"mitigated"`
	Resolved        *time.Time          `json:"resolved"`
	Closed          *time.Time          `json:"closed"`
	Events          eventsJSON          `json:"events"`
	Series          []incidentSeriesRep `json:"series"`
	Candidates      []changeJSON        `json:"candidate_triggers"`
	Policy          []policyChangeJSON  `json:"policy_changes"`
	Restarts        []restartJSON       `json:"restarts"`
	Corrections     []correction        `json:"corrections"`
}

type policyChangeJSON struct {
	Time      time.Time `json:"time"`
	Objective string    `json:"objective"`
	Group     string    `json:"group,omitempty"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Advisory  bool      `json:"advisory"`
}

type restartJSON struct {
	Saved   time.Time `json:"saved"`
	Started time.Time `json:"started"`
}

// changeJSON is a change (budget.Change): in an incident, one that took
// effect in the hour before the onset, a candidate trigger, never a cause.
// Until and Budget say what was spent while it was the latest.
type changeJSON struct {
	Time        time.Time          `json:"time"`
	Kind        string             `json:"kind"`
	Version     string             `json:"version"`
	Description string             `json:"description"`
	Until       *time.Time         `json:"until"`
	Budget      []changeBudgetJSON `json:"budget"`
}

type changeBudgetJSON struct {
	Objective      string       `json:"objective"`
	Group          string       `json:"group,omitempty"`
	Events         eventsJSON   `json:"events"`
	PeriodEvents   int64        `json:"period_events"`
	BudgetConsumed budget.Float `json:"budget_consumed"`
	NotHeld        bool         `json:"not_held,omitempty"`
}

type changesReport struct {
	GeneratedAt time.Time    `json:"generated_at"`
	Changes     []changeJSON `json:"changes"`
}

func newChangeJSON(c budget.Change) changeJSON {
	r := changeJSON{Time: c.Time.UTC(), Kind: c.Kind, Version: c.Version, Description: c.Description,
		Until: timePtr(c.Until.UTC()), Budget: []changeBudgetJSON{}}
	for _, b := range c.Budget {
		r.Budget = append(r.Budget, changeBudgetJSON{Objective: b.Objective, Group: b.Group,
			Events: eventsJSON{Good: b.Good, Bad: b.Bad, Total: b.Good + b.Bad}, PeriodEvents: b.PeriodEvents,
			BudgetConsumed: b.Consumed, NotHeld: b.NotHeld})
	}
	return r
}

// serveChanges serves changes: the changes kept, newest first, each with
// what every series spent while it was the latest.
func (h *handler) serveChanges(w http.ResponseWriter, r *http.Request, s *snapshot) {
	chs := h.tr.Changes()
	rep := changesReport{GeneratedAt: s.now.UTC(), Changes: make([]changeJSON, 0, len(chs))}
	for i := len(chs) - 1; i >= 0; i-- {
		rep.Changes = append(rep.Changes, newChangeJSON(chs[i]))
	}
	code, body, err := encodeJSON(http.StatusOK, rep)
	writeOrFail(w, r, code, "application/json", body, err)
}

type ttdJSON struct {
	Metric float64 `json:"metric"`
	Clock  float64 `json:"clock"`
}

type detectionJSON struct {
	Objective     string       `json:"objective"`
	Group         string       `json:"group,omitempty"`
	Alert         string       `json:"alert"`
	Severity      string       `json:"severity"`
	LongWindow    string       `json:"long_window"`
	ShortWindow   string       `json:"short_window"`
	Threshold     float64      `json:"threshold"`
	LongBurnRate  budget.Float `json:"long_burn_rate"`
	ShortBurnRate budget.Float `json:"short_burn_rate"`
	MetricTime    time.Time    `json:"metric_time"`
	ClockTime     time.Time    `json:"clock_time"`
}

type incidentSeriesRep struct {
	Objective        string        `json:"objective"`
	Group            string        `json:"group,omitempty"`
	Onset            time.Time     `json:"onset"`
	Detection        detectionJSON `json:"detection"`
	Alerts           []string      `json:"alerts"`
	Firing           []string      `json:"firing"`
	Events           eventsJSON    `json:"events"`
	PeakBurn5m       budget.Float  `json:"peak_burn_rate_5m"`
	PeriodEvents     int64         `json:"period_events"`
	BudgetConsumed   budget.Float  `json:"budget_consumed"`
	RemainingAtOnset budget.Float  `json:"remaining_at_onset"`
	RemainingAtClose budget.Float  `json:"remaining_at_close"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func newDetectionJSON(d budget.Detection) detectionJSON {
	return detectionJSON{
		Objective: d.Objective, Group: d.Group, Alert: d.Rule.Name, Severity: d.Rule.Severity.String(),
		LongWindow: d.Rule.LongWindow.String(), ShortWindow: d.Rule.ShortWindow.String(), Threshold: d.Threshold,
		LongBurnRate: d.LongBurn, ShortBurnRate: d.ShortBurn, MetricTime: d.MetricTime.UTC(), ClockTime: d.ClockTime.UTC(),
	}
}

func newIncidentReport(in budget.Incident) incidentReport {
	m, c := in.TimeToDetect()
	good, bad := in.Events()
	r := incidentReport{
		ID: in.ID, State: in.State.String(), Onset: in.Onset.UTC(), OnsetResolution: in.OnsetResolution.String(),
		Detection: newDetectionJSON(in.Detection), TimeToDetect: ttdJSON{m.Seconds(), c.Seconds()},
		PeakBurn5m: in.PeakBurn5m, PeakAt: timePtr(in.PeakAt.UTC()), Mitigated: timePtr(in.Mitigated.UTC()),
		Resolved: timePtr(in.Resolved.UTC()), Closed: timePtr(in.Closed.UTC()),
		Events: eventsJSON{Good: good, Bad: bad, Total: good + bad},
		Series: []incidentSeriesRep{}, Candidates: []changeJSON{},
		Policy: []policyChangeJSON{}, Restarts: []restartJSON{}, Corrections: []correction{},
	}
	for _, c := range in.Corrections {
		r.Corrections = append(r.Corrections, correction{ID: c.ID, Objective: c.Objective, Start: c.Start.UTC(), End: c.End.UTC(),
			Reason: c.Reason, Recurrence: c.Recurrence, TimeZone: c.TimeZone})
	}
	for _, c := range in.Policy {
		r.Policy = append(r.Policy, policyChangeJSON{Time: c.Time.UTC(), Objective: c.Objective, Group: c.Group, From: c.From.String(), To: c.To.String(), Advisory: c.Advisory})
	}
	for _, x := range in.Restarts {
		r.Restarts = append(r.Restarts, restartJSON{Saved: x.Saved.UTC(), Started: x.Started.UTC()})
	}
	for _, c := range in.Candidates {
		r.Candidates = append(r.Candidates, newChangeJSON(c))
	}
	for _, s := range in.Series {
		r.Series = append(r.Series, incidentSeriesRep{
			Objective: s.Objective, Group: s.Group, Onset: s.Onset.UTC(), Detection: newDetectionJSON(s.Detection),
			Alerts: nonNil(s.Alerts), Firing: nonNil(s.Firing), Events: eventsJSON{Good: s.Good, Bad: s.Bad, Total: s.Good + s.Bad},
			PeakBurn5m: s.PeakBurn5m, PeriodEvents: s.PeriodEvents, BudgetConsumed: s.Consumed,
			RemainingAtOnset: s.RemainingAtOnset, RemainingAtClose: s.RemainingAtClose,
		})
	}
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// serveIncidents serves incidents, incidents/{id} and incidents/{id}.md;
// rest is the path after "/incidents".
func (h *handler) serveIncidents(w http.ResponseWriter, r *http.Request, s *snapshot, rest string) {
	if rest == "" || rest == "/" {
		ins := h.tr.Incidents()
		rep := incidentsReport{GeneratedAt: s.now.UTC(), Incidents: make([]incidentReport, 0, len(ins))}
		for _, in := range ins {
			rep.Incidents = append(rep.Incidents, newIncidentReport(in))
		}
		code, body, err := encodeJSON(http.StatusOK, rep)
		writeOrFail(w, r, code, "application/json", body, err)
		return
	}
	id, md := strings.TrimPrefix(rest, "/"), false
	if strings.HasSuffix(id, ".md") {
		id, md = strings.TrimSuffix(id, ".md"), true
	}
	n, err := strconv.ParseInt(id, 10, 64)
	in, ok := h.tr.Incident(n)
	if err != nil || !ok {
		http.NotFound(w, r)
		return
	}
	if md {
		writeBody(w, r, http.StatusOK, "text/markdown; charset=utf-8", postmortem(h.tr.Service(), in, h.zone(in)))
		return
	}
	code, body, err := encodeJSON(http.StatusOK, newIncidentReport(in))
	writeOrFail(w, r, code, "application/json", body, err)
}

func writeOrFail(w http.ResponseWriter, r *http.Request, code int, contentType string, body []byte, err error) {
	if err != nil {
		http.Error(w, "errbudget: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeBody(w, r, code, contentType, body)
}

// zone is the time zone the draft shows times in: the calendar time zone
// of the detecting objective, else UTC.
func (h *handler) zone(in budget.Incident) *time.Location {
	if slo := h.tr.SLO(in.Detection.Objective); slo != nil {
		if o := slo.Objective(); o.Window.IsCalendar() {
			if loc, err := o.Window.Location(); err == nil && loc != nil {
				return loc
			}
		}
	}
	return time.UTC
}

// mdEscape escapes what Markdown would read as markup, and angle brackets
// (a draft pasted into a page that renders HTML must not run any).
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func mdSeries(objective, group string) string {
	if group == "" {
		return mdEscape(objective)
	}
	return mdEscape(objective) + " \\[" + mdEscape(group) + "\\]"
}

func fmtF(f budget.Float, format string) string {
	if !f.Valid {
		return "n/a"
	}
	return fmt.Sprintf(format, f.Value)
}

func fmtPct(f budget.Float) string {
	if !f.Valid {
		return "n/a"
	}
	return strconv.FormatFloat(f.Value*100, 'f', 2, 64) + "%"
}

// postmortem renders the draft: every number errbudget knows, the human
// sections as prompts. It records what the system did, never who did what.
func postmortem(service string, in budget.Incident, loc *time.Location) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...); b.WriteByte('\n') }
	tm := func(t time.Time) string {
		if t.IsZero() {
			return "not yet"
		}
		return t.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	good, bad := in.Events()
	mt, ct := in.TimeToDetect()
	det := in.Detection

	p("# Incident %d: %s, %s", in.ID, mdSeries(det.Objective, det.Group), mdEscape(service))
	p("")
	p("Draft written by errbudget from its counts and alerts. The numbers are exact; the sections in")
	p("*italics* are prompts for the people who review the incident. Blameless: describe what the")
	p("system and the process did, not who did what.")
	p("")
	p("**Date:** %s", in.Onset.In(loc).Format("2006-01-02"))
	p("")
	p("**Authors:** *who reviewed this draft*")
	p("")
	p("**Status:** %s", in.State)
	p("")
	p("## Summary")
	p("")
	p("*One or two sentences: what users experienced and for how long.* errbudget saw a burn rate above 1")
	p("from %s; %s (%s) fired at %s.", tm(in.Onset), mdEscape(det.Rule.Name), det.Rule.Severity, tm(det.ClockTime))
	p("")
	p("## Impact")
	p("")
	ratio := budget.Float{}
	if good+bad > 0 {
		ratio = budget.Float{Value: float64(bad) / float64(good+bad), Valid: true}
	}
	p("%d of %d requests failed (%s) between onset and resolution.", bad, good+bad, fmtPct(ratio))
	p("")
	p("| objective | bad events | total events | budget consumed (of the period's) | remaining at onset | remaining at close | peak 5m burn rate |")
	p("|---|---:|---:|---:|---:|---:|---:|")
	for _, s := range in.Series {
		p("| %s | %d | %d | %s | %s | %s | %s at %s |", mdSeries(s.Objective, s.Group), s.Bad, s.Good+s.Bad,
			fmtPct(s.Consumed), fmtPct(s.RemainingAtOnset), fmtPct(s.RemainingAtClose), fmtF(s.PeakBurn5m, "%.4g"), tm(s.PeakAt))
	}
	p("")
	p("Budget consumed is the incident's bad events ÷ ((1 − target) × the period's events at the close).")
	p("")
	p("## Root causes")
	p("")
	p("*What conditions made this possible? Look for contributing factors in the system and the process,")
	p("not for a person to blame.*")
	p("")
	p("## Trigger")
	p("")
	p("*What change or event set it off?* Changes recorded in the %v before the onset or in its %v bucket", budget.CandidateWindow, in.OnsetResolution)
	p("(candidates only: errbudget does not know whether any of them caused it):")
	p("")
	if len(in.Candidates) == 0 {
		p("- none recorded")
	}
	for _, c := range in.Candidates {
		ver := ""
		if c.Version != "" && c.Kind != budget.ChangeVersion {
			ver = " (running " + mdEscape(c.Version) + ")"
		}
		when := fmt.Sprintf("%v before the onset", in.Onset.Sub(c.Time).Round(time.Second))
		if c.Time.After(in.Onset) {
			when = fmt.Sprintf("%v into the onset's bucket", c.Time.Sub(in.Onset).Round(time.Second))
		}
		p("- %s %s: %s%s, %s", tm(c.Time), c.Kind, mdEscape(c.Description), ver, when)
		until := "still the latest change"
		if !c.Until.IsZero() {
			until = "to the next change, " + tm(c.Until)
		}
		if len(c.Budget) == 0 {
			p("  - while it was the latest (%s): no events", until)
		}
		for _, b := range c.Budget {
			if b.NotHeld {
				p("  - while it was the latest: %s, no longer held in the counts", mdSeries(b.Objective, b.Group))
				continue
			}
			p("  - while it was the latest (%s): %s %d bad of %d events, %s of the period's budget", until,
				mdSeries(b.Objective, b.Group), b.Bad, b.Good+b.Bad, fmtPct(b.Consumed))
		}
	}
	p("")
	p("## Resolution")
	p("")
	p("*What was done to mitigate and to fix it?* The 5m burn rate was back at or below 1 at %s; every", tm(in.Mitigated))
	p("alert had resolved at %s.", tm(in.Resolved))
	p("")
	p("## Detection")
	p("")
	p("Detected by the %s alert %s of %s: burn rate %s over %v and %s over %v, threshold %.4g.",
		det.Rule.Severity, mdEscape(det.Rule.Name), mdSeries(det.Objective, det.Group),
		fmtF(det.LongBurn, "%.4g"), det.Rule.LongWindow, fmtF(det.ShortBurn, "%.4g"), det.Rule.ShortWindow, det.Threshold)
	p("Time to detect: %v by metric time (the data crossed at %s, at 10-second resolution), %v by clock",
		mt, tm(det.MetricTime), ct)
	p("time (the evaluation that saw it at %s; this depends on how often the status is evaluated).", tm(det.ClockTime))
	p("Onset is found at %v resolution.", in.OnsetResolution)
	p("")
	p("*How could detection be faster?*")
	p("")
	p("## Action items")
	p("")
	p("| action item | type | owner | bug |")
	p("|---|---|---|---|")
	p("| *what would prevent a recurrence or shorten the next one* | *mitigate / prevent / process / other* | | |")
	p("")
	p("## Lessons learned")
	p("")
	p("### What went well")
	p("")
	p("*…*")
	p("")
	p("### What went wrong")
	p("")
	p("*…*")
	p("")
	p("### Where we got lucky")
	p("")
	p("*…*")
	p("")
	p("## Timeline")
	p("")
	p("Times in %s.", mdEscape(loc.String()))
	p("")
	type entry struct {
		at   time.Time
		text string
	}
	var tl []entry
	ev := func(at time.Time, format string, args ...any) {
		tl = append(tl, entry{at, fmt.Sprintf(format, args...)})
	}
	for _, c := range in.Candidates {
		ev(c.Time, "change (%s): %s", c.Kind, mdEscape(c.Description))
	}
	ev(in.Onset, "**OUTAGE BEGINS**: burn rate above 1 (onset, %v buckets)", in.OnsetResolution)
	ev(det.MetricTime, "data crossed the %s thresholds (metric time)", mdEscape(det.Rule.Name))
	ev(det.ClockTime, "**INCIDENT BEGINS**: %s fired for %s", mdEscape(det.Rule.Name), mdSeries(det.Objective, det.Group))
	for _, s := range in.Series[min(1, len(in.Series)):] {
		ev(s.Detection.ClockTime, "%s joined: %s fired", mdSeries(s.Objective, s.Group), mdEscape(s.Detection.Rule.Name))
	}
	if !in.PeakAt.IsZero() {
		ev(in.PeakAt, "peak 5m burn rate %s", fmtF(in.PeakBurn5m, "%.4g"))
	}
	for _, c := range in.Policy {
		gate := ""
		switch {
		case c.Advisory:
		case c.To == budget.Exhausted:
			gate = "; releases frozen"
		case c.From == budget.Exhausted:
			gate = "; releases allowed again"
		}
		ev(c.Time, "policy of %s: %s → %s%s", mdSeries(c.Objective, c.Group), c.From, c.To, gate)
	}
	for _, c := range in.Corrections {
		ev(c.Start, "correction %s begins: %s (its events spend no budget, until %s)", mdEscape(c.ID), mdEscape(c.Reason), tm(c.End))
	}
	for _, x := range in.Restarts {
		ev(x.Started, "restarted; state saved at %s restored (nothing was counted in between)", tm(x.Saved))
	}
	ev(in.Mitigated, "**OUTAGE MITIGATED**: every 5m burn rate at or below 1")
	ev(in.Resolved, "**OUTAGE ENDS**: every alert resolved")
	ev(in.Closed, "**INCIDENT ENDS**: quiet period passed")
	slices.SortStableFunc(tl, func(a, b entry) int {
		if a.at.IsZero() || b.at.IsZero() {
			return cmp.Compare(boolInt(a.at.IsZero()), boolInt(b.at.IsZero())) // not yet: last
		}
		return a.at.Compare(b.at)
	})
	for _, e := range tl {
		p("- %s %s", tm(e.at), e.text)
	}
	p("")
	p("## Supporting information")
	p("")
	p("- The dashboard: `ui` beside this endpoint; this incident as JSON: `incidents/%d`.", in.ID)
	return b.Bytes()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
