package promrules

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// The names of the series the rules record, Sloth v0.16's, plus
// errbudget's event counts.
const (
	// SLIErrorPrefix + a window ("5m", "30d") is the error ratio over the
	// window: bad / (good + bad), absent without events.
	SLIErrorPrefix = "slo:sli_error:ratio_rate"
	// EventsPrefix + a window is the number of events (good + bad) in the
	// window, as increase() estimates it: what the low-traffic guards and
	// the policy's minimum compare. Not a Sloth name.
	EventsPrefix = "errbudget:slo_events:increase"

	Objective             = "slo:objective:ratio"
	ErrorBudget           = "slo:error_budget:ratio"
	TimePeriodDays        = "slo:time_period:days"
	CurrentBurnRate       = "slo:current_burn_rate:ratio"
	PeriodBurnRate        = "slo:period_burn_rate:ratio"
	PeriodBudgetRemaining = "slo:period_error_budget_remaining:ratio"
	Info                  = "sloth_slo_info"
)

// The labels the rules set.
const (
	// LabelID is "<service>-<objective>": what every query selects on.
	LabelID      = "sloth_id"
	LabelService = "sloth_service"
	LabelSLO     = "sloth_slo"
	LabelWindow  = "sloth_window"
	// LabelSeverity is "page" or "ticket" on alerts.
	LabelSeverity = "sloth_severity"
	// LabelAlertName is the tracker's rule name ("page-1h") on alerts, as
	// slo_alert_firing_ratio carries it.
	LabelAlertName = "slo_alert_name"
	// LabelGroup is the group's value of a grouped objective, as
	// slo_events_total carries it.
	LabelGroup = "slo_group"
	// LabelCalendar marks the rules of a calendar-month objective, which
	// Prometheus computes over the rolling CalendarEquivalent instead: its
	// value is the window the tracker keeps ("month Europe/Berlin").
	LabelCalendar = "errbudget_rolling_equivalent_of"
)

// Defaults of Config's zero fields.
const (
	DefaultMetric    = "slo_events_total"
	DefaultAlertName = "ErrorBudgetBurn"
)

// CalendarEquivalent is the rolling window that stands for a calendar month
// in the rules: Prometheus range selectors have fixed lengths, so a month
// (28 to 31 days, reset on the first) becomes the last 30 days.
const CalendarEquivalent = 30 * 24 * time.Hour

// sloth's standard windows: its dashboards list them, so they are recorded
// whatever the alert rules use.
var standardWindows = []time.Duration{
	5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour,
}

// Config says how rules are generated. Its zero fields mean defaults, except
// Service, which is required.
type Config struct {
	// Service is the sloth_service label and the first part of sloth_id.
	Service string
	// AlertRules are the tracker's alert rules; nil means
	// budget.DefaultAlertRules.
	AlertRules []budget.AlertRule
	// Metric is the counter of events by outcome (DefaultMetric), with the
	// labels slo_name, slo_outcome and, for grouped objectives, slo_group.
	Metric string
	// Matchers are extra label matchers for every selector of Metric, such
	// as `job="checkout"`, when several services export the same objective
	// names.
	Matchers string
	// Labels are copied to every rule.
	Labels map[string]string
	// AlertName is the name of every alert (DefaultAlertName); the labels
	// sloth_id, sloth_severity and slo_alert_name tell them apart.
	AlertName string
	// PageLabels and TicketLabels are added to the alerts of each severity
	// (for example severity: critical for Alertmanager's routes).
	PageLabels, TicketLabels map[string]string
	// SkipTimeslices generates the rules of the occurrence objectives and
	// leaves the time-slice ones out, each named in the file's Header and
	// in Skipped. Without it, a time-slice objective is an error: the
	// rules cannot compute its budget (see "Time slices" in the package
	// documentation), and a file that silently lacks an objective's
	// alerts would look complete.
	SkipTimeslices bool
}

// RuleFile is a Prometheus rule file. Write it with WriteTo.
type RuleFile struct {
	// Header is written as comment lines at the top.
	Header []string
	Groups []Group
	// Skipped names the time-slice objectives left out with
	// Config.SkipTimeslices, in the objectives' order.
	Skipped []string
}

// Group is one rule group.
type Group struct {
	Name  string
	Rules []Rule
}

// Rule is one recording (Record set) or alerting (Alert set) rule.
type Rule struct {
	Record, Alert string
	Expr          string
	Labels        map[string]string
	Annotations   map[string]string
}

// ID returns the sloth_id of an objective of a service.
func ID(service, objective string) string { return service + "-" + objective }

// Period returns the window the rules compute an objective's budget over:
// its rolling length, or CalendarEquivalent for a calendar month.
func Period(o sli.Objective) time.Duration {
	if o.Window.IsCalendar() {
		return CalendarEquivalent
	}
	return o.Window.MaxLength()
}

// Window writes d as a Prometheus duration in its largest whole unit: "5m",
// "1h", "30d", "90m".
func Window(d time.Duration) string {
	for _, u := range [...]struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
}

// Generate returns the rule file for objs: for each objective three groups,
// Sloth's SLI recordings, metadata recordings and alerts (none when
// cfg.AlertRules is empty but not nil: a tracker without alert rules). Every
// problem with the objectives, the alert rules or the configuration comes
// back at once.
func Generate(objs []sli.Objective, cfg Config) (*RuleFile, error) {
	var errs []error
	if cfg.Service == "" {
		errs = append(errs, errors.New("promrules: the service name is empty (it is the sloth_service label)"))
	}
	if cfg.AlertRules == nil {
		cfg.AlertRules = budget.DefaultAlertRules()
	}
	if cfg.Metric == "" {
		cfg.Metric = DefaultMetric
	}
	if cfg.AlertName == "" {
		cfg.AlertName = DefaultAlertName
	}
	if !validMetricName(cfg.Metric) {
		errs = append(errs, fmt.Errorf("promrules: metric %q is not a Prometheus metric name", cfg.Metric))
	}
	if !validLabelName(cfg.AlertName) {
		errs = append(errs, fmt.Errorf("promrules: alert name %q is not a Prometheus alert name", cfg.AlertName))
	}
	for _, m := range []map[string]string{cfg.Labels, cfg.PageLabels, cfg.TicketLabels} {
		for k := range m {
			if !validLabelName(k) || strings.HasPrefix(k, "__") {
				errs = append(errs, fmt.Errorf("promrules: label %q is not a Prometheus label name", k))
			}
			if isOwnLabel(k) {
				errs = append(errs, fmt.Errorf("promrules: label %q is set by the rules themselves", k))
			}
		}
	}
	if strings.ContainsAny(cfg.Matchers, "{}") {
		errs = append(errs, fmt.Errorf("promrules: matchers %q: write them without braces, like job=\"checkout\"", cfg.Matchers))
	}
	// Time-slice objectives get no rules (see the package documentation):
	// refused, or left out and named when the caller asks.
	var occ, skipped []sli.Objective
	for _, o := range objs {
		if !o.Budgeting.IsTimeslices() {
			occ = append(occ, o)
			continue
		}
		skipped = append(skipped, o)
		if !cfg.SkipTimeslices {
			errs = append(errs, fmt.Errorf("promrules: objective %q: %s", o.Name, timeslicesRefusal(o)))
		}
	}
	// The tracker validates the occurrence objectives and the alert rules
	// as it would run them (in memory, without a store); the time-slice
	// objectives validate as declarations, their names unique among all. A
	// custom objective needs no Classify here: the rules only count
	// outcomes.
	if len(occ) > 0 {
		if _, err := budget.New(withClassify(occ), budget.WithAlertRules(cfg.AlertRules)); err != nil {
			errs = append(errs, err)
		}
	}
	names := map[string]bool{}
	for _, o := range occ {
		names[o.Name] = true
	}
	for _, o := range withClassify(skipped) {
		if err := o.Validate(); err != nil {
			errs = append(errs, err)
		}
		if names[o.Name] {
			errs = append(errs, fmt.Errorf("promrules: objective %q: name is declared more than once", o.Name))
		}
		names[o.Name] = true
	}
	if len(occ) == 0 && len(skipped) > 0 && cfg.SkipTimeslices {
		errs = append(errs, errors.New("promrules: every objective budgets time slices: there are no rules to write"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	f := &RuleFile{Header: []string{
		fmt.Sprintf("Generated by errbudget (promrules) for service %q: %d objective(s).", cfg.Service, len(occ)),
		"Rule names and labels follow Sloth v0.16; the period ratio is traffic-weighted",
		"(increase of the counters) and the alerts are the tracker's own. DO NOT EDIT.",
	}}
	for _, o := range skipped {
		f.Skipped = append(f.Skipped, o.Name)
		f.Header = append(f.Header, fmt.Sprintf("Skipped: objective %q budgets %s slices of %v: no rules (errbudget rules cannot compute a time-slice budget; the service's own /slo judges it).", o.Name, o.Budgeting, o.Slice()))
	}
	for _, o := range occ {
		f.Groups = append(f.Groups, objectiveGroups(o, &cfg)...)
	}
	return f, nil
}

// withClassify returns objs with a placeholder Classify on custom
// objectives that lack one.
func withClassify(objs []sli.Objective) []sli.Objective {
	check := slices.Clone(objs)
	for i := range check {
		if check[i].Kind == sli.Custom && check[i].Classify == nil {
			check[i].Classify = func(sli.Event) sli.Outcome { return sli.Excluded }
		}
	}
	return check
}

// timeslicesRefusal says why a time-slice objective gets no rules, and what
// to do instead.
func timeslicesRefusal(o sli.Objective) string {
	return fmt.Sprintf("%s budgeting (slices of %v) has no Prometheus rules: a slice's verdict needs the slice's own events, "+
		"which increase() over one slice only estimates from the scrapes inside it (with a scrape interval as long as the slice it has no value, "+
		"and every slice would look empty, so good), and its budget counts every slice of the period, which rule evaluations do not keep; "+
		"leave it out with Config.SkipTimeslices (errbudget rules -skip-timeslices) and read its budget from the service's /slo", o.Budgeting, o.Slice())
}

// objectiveGroups returns the three groups of one objective.
func objectiveGroups(o sli.Objective, cfg *Config) []Group {
	id := ID(cfg.Service, o.Name)
	period := Period(o)
	base := map[string]string{}
	maps.Copy(base, cfg.Labels)
	base[LabelID] = id
	base[LabelService] = cfg.Service
	base[LabelSLO] = o.Name
	if o.Window.IsCalendar() {
		base[LabelCalendar] = o.Window.String()
	}
	with := func(extra ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	sel := fmt.Sprintf("%s=%s, %s=%s, %s=%s", LabelID, strconv.Quote(id), LabelService, strconv.Quote(cfg.Service), LabelSLO, strconv.Quote(o.Name))

	// Windows: Sloth's standard ones, the alert rules' and the period.
	windows := slices.Clone(standardWindows)
	for _, r := range cfg.AlertRules {
		windows = append(windows, r.LongWindow, r.ShortWindow)
	}
	windows = append(windows, period)
	slices.Sort(windows)
	windows = slices.Compact(windows)

	sum := "sum"
	if o.GroupBy != "" {
		sum = "sum by (" + LabelGroup + ")"
	}
	counter := func(outcome string) string {
		m := []string{"slo_name=" + strconv.Quote(o.Name), outcome}
		if cfg.Matchers != "" {
			m = append(m, cfg.Matchers)
		}
		return cfg.Metric + "{" + strings.Join(m, ",") + "}"
	}
	bad := counter(`slo_outcome="bad"`)
	// Excluded events are never exported; the matcher keeps any other
	// outcome out of the denominator all the same.
	all := counter(`slo_outcome=~"good|bad"`)

	sliRules := Group{Name: "sloth-slo-sli-recordings-" + id}
	for _, w := range windows {
		ws := Window(w)
		sliRules.Rules = append(sliRules.Rules,
			Rule{
				Record: SLIErrorPrefix + ws,
				Expr: fmt.Sprintf("%s (increase(%s[%s]))\n/\n(%s (increase(%s[%s])) > 0)",
					sum, bad, ws, sum, all, ws),
				Labels: with(LabelWindow, ws),
			},
			Rule{
				Record: EventsPrefix + ws,
				Expr:   fmt.Sprintf("%s (increase(%s[%s]))", sum, all, ws),
				Labels: with(LabelWindow, ws),
			})
	}

	budgetRatio := budgetOf(o.Target)
	on := fmt.Sprintf("/ on(%s, %s, %s) group_left\n", LabelID, LabelSLO, LabelService)
	meta := Group{Name: "sloth-slo-meta-recordings-" + id, Rules: []Rule{
		{Record: Objective, Expr: "vector(" + num(o.Target) + ")", Labels: with()},
		{Record: ErrorBudget, Expr: "vector(" + num(budgetRatio) + ")", Labels: with()},
		{Record: TimePeriodDays, Expr: "vector(" + num(period.Hours()/24) + ")", Labels: with()},
		{Record: CurrentBurnRate, Expr: SLIErrorPrefix + "5m{" + sel + "}\n" + on + ErrorBudget + "{" + sel + "}", Labels: with()},
		{Record: PeriodBurnRate, Expr: SLIErrorPrefix + Window(period) + "{" + sel + "}\n" + on + ErrorBudget + "{" + sel + "}", Labels: with()},
		{Record: PeriodBudgetRemaining, Expr: "1 - " + PeriodBurnRate + "{" + sel + "}", Labels: with()},
		{Record: Info, Expr: "vector(1)", Labels: with(
			"sloth_mode", "errbudget",
			"sloth_spec", "errbudget",
			"sloth_version", "errbudget",
			"sloth_objective", num(round12(o.Target*100)),
			"slo_kind", o.Kind.String(),
			"slo_window", o.Window.String(),
		)},
	}}

	alerts := Group{Name: "sloth-slo-alerts-" + id}
	for _, r := range cfg.AlertRules {
		long, short := Window(r.LongWindow), Window(r.ShortWindow)
		th := num(round12(r.Threshold(period)))
		minLong := minEvents(r.MinLongEvents, budget.DefaultMinLongEvents)
		minShort := minEvents(r.MinShortEvents, budget.DefaultMinShortEvents)
		cond := func(prefix, w, op, value string) string {
			return fmt.Sprintf("(max without (%s) (%s%s{%s}) %s %s)", LabelWindow, prefix, w, sel, op, value)
		}
		limit := "(" + th + " * " + num(budgetRatio) + ")"
		expr := strings.Join([]string{
			cond(SLIErrorPrefix, long, ">", limit),
			cond(SLIErrorPrefix, short, ">", limit),
			cond(EventsPrefix, long, ">=", strconv.FormatInt(minLong, 10)),
			cond(EventsPrefix, short, ">=", strconv.FormatInt(minShort, 10)),
		}, "\nand\n")
		// The objective's labels, already on the series, make each alert
		// rule unique in the file (promtool lints duplicates).
		labels := with(LabelSeverity, r.Severity.String(), LabelAlertName, r.Name)
		if r.Severity == budget.Ticket {
			maps.Copy(labels, cfg.TicketLabels)
		} else {
			maps.Copy(labels, cfg.PageLabels)
		}
		alerts.Rules = append(alerts.Rules, Rule{
			Alert:  cfg.AlertName,
			Expr:   expr,
			Labels: labels,
			Annotations: map[string]string{
				"summary": "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is over expected.",
				"title":   "(" + r.Severity.String() + ") {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.",
				"description": fmt.Sprintf("errbudget rule %s: the burn rate over %s and over %s is above %s (%s of the %s budget in %s), with at least %d and %d events.",
					r.Name, long, short, th, percent(r, period), Window(period), long, minLong, minShort),
			},
		})
	}
	if len(alerts.Rules) == 0 {
		return []Group{sliRules, meta} // a tracker without alert rules
	}
	return []Group{sliRules, meta, alerts}
}

// percent says what share of the period's budget burning at the threshold
// for the long window spends.
func percent(r budget.AlertRule, period time.Duration) string {
	share := r.Threshold(period) * float64(r.LongWindow) / float64(period)
	return num(round12(share*100)) + "%"
}

func minEvents(v, def int64) int64 {
	if v > 0 {
		return v
	}
	return def
}

// budgetOf returns 1 − target as the tracker counts it, in whole parts per
// billion, so 0.999 gives 0.001 rather than 0.0010000000000000009.
func budgetOf(target float64) float64 {
	return float64(1_000_000_000-int64(math.Round(target*1e9))) / 1e9
}

// round12 keeps 12 significant digits: 14.4 stays 14.4 where the float
// arithmetic of 0.02 × 720h / 1h gives 14.400000000000002. The tracker
// compares with a relative margin of 1e-9, far above the difference.
func round12(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return f
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func isOwnLabel(k string) bool {
	switch k {
	case LabelID, LabelService, LabelSLO, LabelWindow, LabelSeverity, LabelAlertName, LabelGroup, LabelCalendar:
		return true
	}
	return false
}

func validMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validLabelName(s string) bool { return validMetricName(s) && !strings.Contains(s, ":") }
