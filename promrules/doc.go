// Package promrules generates Prometheus recording and alerting rules from
// objectives, so that Prometheus (or anything that runs its rule language:
// Thanos, Mimir, VictoriaMetrics) computes a fleet's error budget from the
// slo_events_total counter every replica exports (package budgetotel), with
// the tracker's own arithmetic. One process sees one replica; the rules see
// the fleet.
//
//	f, err := promrules.Generate(objectives, promrules.Config{Service: "checkout"})
//	if err != nil {
//		return err // every problem at once
//	}
//	f.WriteTo(os.Stdout)
//
// Generate takes the objectives and alert rules budget.New takes; the
// command errbudget rules (cmd/errbudget) does the same from an
// OpenSLO file or a running service.
//
// # Names: Sloth's
//
// The rules record what Sloth v0.16 records, under its names and labels, so
// that Sloth's Grafana dashboards (14348, 14643) and its UI work unchanged:
// slo:sli_error:ratio_rate<window> for Sloth's windows (5m 30m 1h 2h 6h 1d
// 3d), every alert rule's windows and the period; slo:objective:ratio,
// slo:error_budget:ratio, slo:time_period:days, slo:current_burn_rate:ratio,
// slo:period_burn_rate:ratio, slo:period_error_budget_remaining:ratio and
// sloth_slo_info; labels sloth_id (service-objective), sloth_service,
// sloth_slo, sloth_window; rule groups sloth-slo-sli-recordings-<id>,
// sloth-slo-meta-recordings-<id> and sloth-slo-alerts-<id>. errbudget adds
// errbudget:slo_events:increase<window>, the events in each window, which
// the low-traffic guards and the fleet's gate (errbudget gate) read.
//
// # Arithmetic: the tracker's
//
//   - Every ratio is increase(bad) / increase(good + bad) over the window,
//     summed across replicas first: weighted by traffic, where Sloth's
//     period rule averages 5-minute ratios (sloth#332).
//   - Excluded events are never in a denominator.
//   - A window without events has no ratio (no sample), never NaN.
//   - The alerts are the tracker's rules (Config.AlertRules, else
//     budget.DefaultAlertRules) with its thresholds for the period and its
//     low-traffic guards; each carries slo_alert_name ("page-1h"), as
//     slo_alert_firing_ratio does, and sloth_severity (page or ticket).
//   - Grouped objectives keep one series per group (slo_group), and the
//     alerts fire per group.
//
// # Calendar months
//
// Prometheus has no calendar windows. A calendar-month objective's rules
// use the rolling CalendarEquivalent (30 days) and carry the label
// errbudget_rolling_equivalent_of="month <zone>": where the tracker's budget
// starts afresh at local midnight on the first and covers the month so far,
// the rules always look back 30 days, with a 30-day period's thresholds (the
// tracker scales them to the month: 14.4 becomes 13.44 in February).
//
// # Time slices: refused
//
// Objectives that budget time slices (sli.Timeslices, sli.RatioTimeslices)
// get no rules: Generate refuses them, saying why, unless
// Config.SkipTimeslices leaves them out (named in the file's header and in
// RuleFile.Skipped) and writes the occurrence objectives' rules as if they
// were alone. The default is the error because a rule file that silently
// lacks an objective's alerts looks complete.
//
// Why not rules: the tracker judges each slice (1 or 5 minutes, aligned to
// the clock) on exactly the events recorded in it, and fixes the budget in
// slices of the whole period. Prometheus sees the counter only at scrapes:
// increase() over one slice extrapolates from the few samples inside it, so
// events near a slice's edge land in either slice, and a minute with 5 bad
// of 100 at a slice target of 0.95 can flip; with a scrape interval as long
// as the slice, Prometheus 3's left-open ranges hold one sample and give no
// value, so every slice would look empty, that is good, and a total outage
// would spend nothing. Subqueries aligned to the slice ([30d:1m]) fix the
// alignment but not the estimate, read the whole period at each
// evaluation, and close their ranges differently in Prometheus 2 and 3;
// recorded per-slice series lose the slices of missed evaluations. Rules
// whose slice verdicts differ from the process's would page on a different
// budget than the service's own. Read a time-slice objective's budget from
// the service (/slo, its OpenTelemetry export), which counts each slice
// exactly.
//
// # Where the fleet's figures differ from the process's
//
// increase() extrapolates to the window's edges; what a replica counted
// after its last scrape dies with it; corrections (maintenance windows)
// exist only in the process; and the rule groups evaluate independently,
// so an alert reads the previous evaluation's recordings. docs/fleet.md
// says what each costs.
//
// # Cost
//
// The period rules read every sample of the period at each evaluation: for
// 30 days at a 15 s scrape, about 173,000 samples per series. Keep
// Prometheus's retention (--storage.tsdb.retention.time; Debian's default
// is 15 days) above the period, or the period's figures cover less.
package promrules
