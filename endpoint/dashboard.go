package endpoint

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// The dashboard is one page rendered on the server by html/template, which
// escapes everything it inserts according to its context (text, attribute,
// CSS, SVG). It loads nothing: styles are inline, the chart is inline SVG,
// and it reloads itself with a meta refresh, so it works offline, without
// JavaScript, and under a Content-Security-Policy that forbids everything
// else.

//go:embed dashboard.html
var dashboardHTML string

var dashboardTmpl = template.Must(template.New("dashboard").Parse(dashboardHTML))

// contentSecurityPolicy allows the page nothing but its own inline styles
// and inline SVG.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *handler) serveDashboard(w http.ResponseWriter, r *http.Request, s *snapshot) {
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Referrer-Policy", "no-referrer")
	v, ok := dashboardView(r)
	if !ok || !v.exists(s) {
		http.NotFound(w, r)
		return
	}
	prefix := linkPrefix(r.URL.Path) // ui/: links one level up
	out := s.page(v, prefix != "")
	code, body, err := out.get(func() (int, []byte, error) {
		s.extras.Do(func() { s.incidents, s.changes = h.tr.Incidents(), h.tr.Changes() })
		pg, ok := newPage(h.tr, &h.cfg, s, v)
		if !ok {
			return http.StatusNotFound, nil, nil
		}
		pg.LinkPrefix = prefix
		if pg.View != nil {
			pg.View.Back = prefix + "ui"
		}
		var buf bytes.Buffer
		buf.Grow(64 << 10)
		if err := dashboardTmpl.Execute(&buf, pg); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, buf.Bytes(), nil
	})
	switch {
	case err != nil:
		http.Error(w, "errbudget: "+err.Error(), http.StatusInternalServerError)
	case code == http.StatusNotFound:
		http.NotFound(w, r)
	default:
		writeBody(w, r, code, "text/html; charset=utf-8", body)
	}
}

// view is what a dashboard page shows: every objective, grouped ones
// folded (objective ""), or one objective's groups, a page of them.
type view struct {
	objective string
	page      int // from 1
}

// dashboardView reads ?objective=NAME&page=N; false for a page number
// that is not one.
func dashboardView(r *http.Request) (view, bool) {
	if r.URL.RawQuery == "" {
		return view{}, true
	}
	q := r.URL.Query()
	v := view{objective: q.Get("objective"), page: 1}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || v.objective == "" {
			return view{}, false
		}
		v.page = n
	}
	if v.objective == "" {
		return view{}, true
	}
	return v, true
}

// exists reports whether v is a page s can draw: an objective of the
// tracker, a page up to its last. Only those are rendered and kept.
func (v view) exists(s *snapshot) bool {
	if v.objective == "" {
		return true
	}
	n, found := 0, false
	for i := range s.statuses {
		if s.statuses[i].Objective.Name == v.objective {
			found = true
			if !s.statuses[i].Overall {
				n++
			}
		}
	}
	return found && v.page <= max(1, (n+objectivePageSize-1)/objectivePageSize)
}

// page is what the template renders: every figure already formatted, every
// class already chosen, so that the template holds layout only.
type page struct {
	Title          string
	Generated      string
	Refresh        int // seconds; 0 means no reload
	ReleaseAllowed bool
	Frozen         []string
	Unjudged       []unjudgedView // objectives the gate lets through without a verdict
	Overflows      []overflowView // grouped objectives with events in _OTHER
	Firing         int
	Objectives     int
	// Each objective (and group) in one policy state: an exhausted one is
	// not also counted at risk.
	Healthy, AtRisk, Exhausted int
	Cards                      []card
	// View heads an objective's own page (?objective=NAME); nil on the
	// dashboard.
	View *objectiveView
	// The incidents and changes kept (dashboard_incidents.go), newest
	// first; links to the drafts start with LinkPrefix.
	Incidents  []incidentRow
	Changes    []changeRow
	LinkPrefix string
}

type overflowView struct {
	Name, Label, Events, Cap string
}

type unjudgedView struct {
	Name, Events, Needed, Unit string
}

type card struct {
	ID          string
	Name        string
	GroupLabel  string
	GroupValue  string
	Kind        string
	Description string
	Window      string
	Advisory    bool

	Target    string
	SLI       string
	SLIClass  string
	Remaining string
	RemClass  string
	Consumed  string
	Good      string
	Bad       string
	Total     string
	Excluded  string
	Policy    string
	PolNote   string // why the badge says what it does, when it would surprise
	PolClass  string
	ETA       string
	Release   bool
	NoData    bool

	Chart       chart
	Burns       []burnCell
	Alerts      []alertRow
	Latency     *latencyView
	Slices      *sliceView // time-slice objectives (dashboard_slices.go)
	Overall     string     // a grouped time-slice objective's overall entry: "all routes"
	Corrections []correctionRow

	// A grouped objective's worst cards sit in a fold
	// (dashboard_groups.go): the first carries its summary, the last
	// closes it with the link to the objective's page.
	Fold, FoldEnd *groupFold
}

type burnCell struct {
	Window, Value, Class string
}

type alertRow struct {
	Name, Severity, Windows, Threshold, Long, Short, LongClass, ShortClass, Since string
	Firing                                                                        bool
}

type latencyView struct {
	Threshold string
	Cells     []burnCell
	Count     string
}

type correctionRow struct {
	Span, Reason string
}

// newPage lays out the dashboard's view v of s: false when v names an
// objective the tracker does not have, or a page past its last.
func newPage(tr *budget.Tracker, cfg *config, s *snapshot, v view) (page, bool) {
	p := page{
		Title:      cfg.title,
		Generated:  s.now.UTC().Format("2006-01-02 15:04:05 UTC"),
		Objectives: len(s.statuses),
	}
	if cfg.refresh > 0 {
		p.Refresh = max(1, int(cfg.refresh/time.Second))
	}
	g := budget.GateOf(s.statuses)
	p.ReleaseAllowed = g.Allowed
	for _, r := range g.Reasons {
		p.Frozen = append(p.Frozen, seriesName(r.Objective, r.Group))
	}
	for _, u := range g.Unjudged {
		p.Unjudged = append(p.Unjudged, unjudgedView{Name: seriesName(u.Objective, u.Group), Events: formatCount(u.Events), Needed: formatCount(u.EventsNeeded), Unit: unjudgedUnit(u)})
	}
	for i := range s.statuses {
		st := &s.statuses[i]
		for _, a := range st.Alerts {
			if a.Firing {
				p.Firing++
			}
		}
		switch st.PolicyState {
		case budget.Healthy:
			p.Healthy++
		case budget.AtRisk:
			p.AtRisk++
		default:
			p.Exhausted++
		}
		if st.Group == sli.OverflowGroup && st.Overflow > 0 {
			o := &st.Objective
			p.Overflows = append(p.Overflows, overflowView{Name: o.Name, Label: o.GroupBy, Events: formatCount(st.Overflow), Cap: formatCount(int64(cmp.Or(o.MaxGroups, sli.DefaultMaxGroups)))})
		}
	}
	// Only the cards drawn get a burn-down, drawn now (unless the status
	// came with one, budget.WithBurnDown).
	draw := func(i int) card {
		st := &s.statuses[i]
		bd := st.BurnDown
		if len(bd.Points) == 0 && tr != nil {
			bd, _ = tr.BurnDownOf(st, cfg.points)
		}
		c := newCard(i, st, &bd)
		c.Chart.Spans, c.Chart.Marks = chartOverlays(&bd, st.Objective.Name, st.Group, s.incidents, s.changes, s.now)
		return c
	}
	found := false
	runs(s.statuses, func(i, j int) {
		grouped := s.statuses[i].Objective.GroupBy != ""
		g := i // the first group: after a time-slice objective's overall entry, which stays first
		if s.statuses[i].Overall {
			g++
		}
		switch {
		case v.objective != "":
			if s.statuses[i].Objective.Name != v.objective {
				return
			}
			found = true
			order := worstFirst(s.statuses, g, j)
			pages := max(1, (len(order)+objectivePageSize-1)/objectivePageSize)
			if v.page > pages {
				return
			}
			from := (v.page - 1) * objectivePageSize
			to := min(from+objectivePageSize, len(order))
			ov := &objectiveView{Name: v.objective, Groups: formatCount(int64(len(order))),
				From: formatCount(int64(from + 1)), To: formatCount(int64(to)), Page: v.page, Pages: pages}
			if grouped {
				ov.Label = s.statuses[i].Objective.GroupBy
			}
			if v.page > 1 {
				ov.Prev = objectiveLink(v.objective, v.page-1)
			}
			if v.page < pages {
				ov.Next = objectiveLink(v.objective, v.page+1)
			}
			p.View = ov
			if v.page == 1 && g > i {
				p.Cards = append(p.Cards, draw(i))
			}
			for _, k := range order[from:to] {
				p.Cards = append(p.Cards, draw(k))
			}
		case !grouped || j-i < 2:
			for k := i; k < j; k++ {
				p.Cards = append(p.Cards, draw(k))
			}
		default:
			order := worstFirst(s.statuses, g, j)
			f := newFold(s.statuses, order)
			start := len(p.Cards)
			if g > i {
				p.Cards = append(p.Cards, draw(i))
				f.Overall, f.Class = overallRow(&p.Cards[start]), p.Cards[start].RemClass // dashboard_slices.go
			}
			for _, k := range order[:min(foldShown, len(order))] {
				p.Cards = append(p.Cards, draw(k))
			}
			p.Cards[start].Fold = f
			p.Cards[len(p.Cards)-1].FoldEnd = f
		}
	})
	if v.objective != "" {
		if p.View == nil || !found {
			return page{}, false
		}
		return p, true // the lists stay on the dashboard; the charts keep their spans
	}
	p.Incidents = incidentRows(s.incidents, s.now)
	p.Changes = changeRows(s.changes)
	return p, true
}

func seriesName(objective, group string) string {
	if group == "" {
		return objective
	}
	return objective + " [" + group + "]"
}

func newCard(i int, st *budget.Status, bd *budget.BurnDown) card {
	o := &st.Objective
	c := card{
		ID:          "slo-" + strconv.Itoa(i),
		Name:        o.Name,
		Kind:        o.Kind.String(),
		Description: o.Description,
		Window:      windowText(o.Window),
		Advisory:    o.Advisory,
		Target:      formatTarget(o.Target),
		SLI:         formatSLI(st.SLI),
		Remaining:   formatPercent(st.Remaining),
		Consumed:    formatPercent(st.Consumed),
		Good:        formatCount(st.Good),
		Bad:         formatCount(st.Bad),
		Total:       formatCount(st.Total()),
		Excluded:    formatCount(st.LifetimeExcluded),
		Policy:      policyText(st.PolicyState),
		PolNote:     policyNote(st),
		Release:     st.ReleaseAllowed,
		NoData:      !st.SLI.Valid,
		Slices:      newSliceView(st),
	}
	if o.Kind.HasThreshold() {
		c.Kind += " ≤ " + formatSeconds(o.Threshold.Seconds())
	}
	if o.GroupBy != "" {
		c.GroupLabel, c.GroupValue = o.GroupBy, st.Group
		c.Overall = overallBadge(st) // dashboard_slices.go
	}
	switch {
	case !st.SLI.Valid:
		c.SLIClass = "none"
	case st.SLI.Value+1e-12 < o.Target:
		c.SLIClass = "bad"
	default:
		c.SLIClass = "ok"
	}
	c.RemClass = remainingClass(st)
	c.PolClass = map[budget.PolicyState]string{budget.Healthy: "ok", budget.AtRisk: "warn", budget.Exhausted: "bad"}[st.PolicyState]
	if !st.ExhaustionETA.IsZero() {
		c.ETA = "in " + formatSpan(st.ExhaustionETA.Sub(st.Time)) + " · " + st.ExhaustionETA.UTC().Format("Jan 2 15:04 UTC")
	}

	hot := math.Inf(1) // the lowest page threshold: a burn above it pages
	for _, a := range st.Alerts {
		if a.Rule.Severity == budget.Page {
			hot = min(hot, a.Threshold)
		}
	}
	for _, b := range st.BurnRates {
		c.Burns = append(c.Burns, burnCell{Window: b.Window, Value: formatRate(b.Rate), Class: burnClass(b.Rate, hot)})
	}
	for _, a := range st.Alerts {
		row := alertRow{
			Name:       a.Rule.Name,
			Severity:   a.Rule.Severity.String(),
			Windows:    formatDuration(a.Rule.LongWindow) + " / " + formatDuration(a.Rule.ShortWindow),
			Threshold:  formatRate(budget.Float{Value: a.Threshold, Valid: true}),
			Long:       formatRate(a.LongBurn),
			Short:      formatRate(a.ShortBurn),
			LongClass:  burnClass(a.LongBurn, a.Threshold),
			ShortClass: burnClass(a.ShortBurn, a.Threshold),
			Firing:     a.Firing,
		}
		if a.Firing && !a.Since.IsZero() {
			row.Since = "since " + a.Since.UTC().Format("Jan 2 15:04")
		}
		c.Alerts = append(c.Alerts, row)
	}
	if o.Kind.HasThreshold() {
		l := st.Latency
		th := o.Threshold.Seconds()
		lv := &latencyView{Threshold: formatSeconds(th), Count: formatCount(l.Count)}
		for _, x := range []struct {
			name string
			v    budget.Float
		}{{"p50", l.P50}, {"p90", l.P90}, {"p99", l.P99}, {"max", l.Max}} {
			cls := "none"
			if x.v.Valid {
				cls = "ok"
				if x.v.Value > th {
					cls = "bad"
				}
			}
			val := "—"
			if x.v.Valid {
				val = formatSeconds(x.v.Value)
			}
			lv.Cells = append(lv.Cells, burnCell{Window: x.name, Value: val, Class: cls})
		}
		c.Latency = lv
	}
	for _, x := range st.Corrections {
		c.Corrections = append(c.Corrections, correctionRow{
			Span:   x.Start.UTC().Format("Jan 2 15:04") + " – " + x.End.UTC().Format("Jan 2 15:04 UTC"),
			Reason: x.Reason,
		})
	}
	// Label a calendar month's chart in its own zone, where it starts at
	// midnight; rolling windows in UTC like the rest of the page.
	loc := time.UTC
	if o.Window.IsCalendar() && !bd.Start.IsZero() {
		loc = bd.Start.Location()
	}
	c.Chart = newChart(bd, c.RemClass, loc)
	return c
}

func policyText(ps budget.PolicyState) string {
	return strings.ReplaceAll(ps.String(), "_", " ")
}

func remainingClass(st *budget.Status) string {
	switch {
	case !st.Remaining.Valid:
		return "none"
	case st.Remaining.Value <= 0 || st.PolicyState == budget.Exhausted:
		return "bad"
	case st.PolicyState == budget.AtRisk || st.Remaining.Value <= budget.DefaultAtRiskBelow:
		return "warn"
	}
	return "ok"
}

func burnClass(f budget.Float, hot float64) string {
	switch {
	case !f.Valid:
		return "none"
	case f.Value > hot:
		return "bad"
	case f.Value > 1:
		return "warn"
	}
	return "ok"
}

func windowText(w sli.Window) string {
	if w.IsCalendar() {
		tz := w.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		return "calendar " + string(w.Calendar) + " · " + tz
	}
	d := w.Rolling
	if d == 0 {
		d = sli.DefaultWindow
	}
	return formatSpan(d) + " rolling"
}

// Number formats. A figure that does not exist is an em dash, never NaN.

const noValue = "—"

func formatTarget(t float64) string {
	return strconv.FormatFloat(math.Round(t*1e6)/1e4, 'f', -1, 64) + "%"
}

// formatSLI truncates rather than rounds, so that 99.9996% never reads as
// 100%.
func formatSLI(f budget.Float) string {
	if !f.Valid {
		return noValue
	}
	d := 1
	switch {
	case f.Value >= 0.99:
		d = 3
	case f.Value >= 0.9:
		d = 2
	}
	p := math.Pow(10, float64(d))
	return strconv.FormatFloat(math.Floor(f.Value*100*p)/p, 'f', d, 64) + "%"
}

func formatPercent(f budget.Float) string {
	if !f.Valid {
		return noValue
	}
	v := f.Value * 100
	d := 1
	if math.Abs(v) >= 1000 {
		d = 0
	}
	s := strconv.FormatFloat(v, 'f', d, 64)
	if s == "-0.0" || s == "-0" {
		s = s[1:]
	}
	return strings.Replace(s, "-", "−", 1) + "%"
}

func formatRate(f budget.Float) string {
	if !f.Valid {
		return noValue
	}
	v := f.Value
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return formatCount(int64(math.Round(v)))
}

func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

func formatSeconds(s float64) string {
	switch {
	case s < 0.001:
		return strconv.FormatFloat(s*1e6, 'f', 0, 64) + " µs"
	case s < 1:
		return strconv.FormatFloat(s*1e3, 'f', 0, 64) + " ms"
	case s < 10:
		return strconv.FormatFloat(s, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(s, 'f', 1, 64) + " s"
}

// formatSpan writes a duration in the largest units that matter: "30d",
// "2d 4h", "3h 12m", "45m", "20s".
func formatSpan(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	days, d := d/(24*time.Hour), d%(24*time.Hour)
	hours, d := d/time.Hour, d%time.Hour
	mins := d / time.Minute
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
	}
	if hours > 0 && len(parts) < 2 {
		parts = append(parts, fmt.Sprintf("%dh", hours))
	}
	if mins > 0 && days == 0 && len(parts) < 2 {
		parts = append(parts, fmt.Sprintf("%dm", mins))
	}
	return strings.Join(parts, " ")
}

// policyNote explains a badge that would otherwise surprise: an overspent
// budget still healthy because the period holds too few events to judge,
// or a budget at risk because a page alert fires.
func policyNote(st *budget.Status) string {
	switch st.PolicyReason {
	case budget.ReasonInsufficientEvents:
		if st.Slices != nil {
			return slicesToJudge(st) // dashboard_slices.go: the policy counts slices
		}
		if st.Total() > 0 {
			return "too few events to judge"
		}
	case budget.ReasonPageAlert:
		return "a page alert fires"
	}
	return ""
}
