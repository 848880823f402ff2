// Package promrules generates Prometheus recording and alerting rules from
// objectives, so that Prometheus (or Thanos, Mimir, VictoriaMetrics: anything
// that runs its rule language) computes a fleet's error budget from the
// slo_events_total counter every replica exports (package budgetotel), with
// the tracker's own arithmetic.
//
// One process sees one replica; the rules see the fleet. Generate takes the
// same objectives and alert rules as budget.New, and RuleFile.WriteTo writes
// the rule file:
//
//	f, err := promrules.Generate(objectives, promrules.Config{Service: "checkout"})
//	if err != nil {
//		return err // every problem at once
//	}
//	f.WriteTo(os.Stdout)
//
// The command errbudget rules (module cmd/errbudget) does the same from an
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
// sloth-slo-meta-recordings-<id> and sloth-slo-alerts-<id>. One series more
// per window is errbudget's: errbudget:slo_events:increase<window>, the
// events in the window, which the low-traffic guards and the release gate
// (errbudget gate) read.
//
// # Arithmetic: the tracker's
//
// Where Sloth approximates, the rules keep to the tracker:
//
//   - Every ratio is increase(bad) / increase(good + bad) over the window,
//     summed across replicas first: traffic-weighted. Sloth's optimized
//     period rule averages 5-minute ratios instead (sloth#332), so that a
//     quiet night weighs as much as a busy day.
//   - Excluded events are never in a denominator (the counter carries good
//     and bad only; the selector keeps any other outcome out all the same).
//   - A window without events has no ratio (no sample), never NaN.
//   - The alerts are the tracker's rules (budget.DefaultAlertRules unless
//     Config.AlertRules says otherwise), one alert rule each, with the
//     tracker's thresholds for the period (AlertRule.Threshold) and its
//     low-traffic guards (at least 100 events in the long window and 10 in
//     the short one by default). Every alert carries slo_alert_name, the
//     rule's name ("page-1h"), as slo_alert_firing_ratio does, and
//     sloth_severity (page or ticket).
//   - Grouped objectives keep one series per group (slo_group); the alerts
//     fire per group.
//
// # Calendar months
//
// Prometheus has no calendar windows: a range selector has a fixed length.
// A calendar-month objective's period becomes the rolling
// CalendarEquivalent (30 days), and every rule of it carries the label
// errbudget_rolling_equivalent_of="month <zone>". The two differ: the
// tracker's budget starts afresh at local midnight on the first and covers
// the month so far (28 to 31 days at the end of a month), while the rules
// always look back 30 days; thresholds are those of a 30-day period (the
// tracker scales them to the month's actual length, 14.4 becoming 13.44 in
// February and 14.88 in a 31-day month).
//
// # Where the fleet's figures differ from the process's
//
// increase() extrapolates to the window's edges from the samples inside it,
// scrapes miss whatever a replica counted after its last scrape before it
// died, and corrections (maintenance windows) exist only in the process: the
// rules cannot see them. The rule groups evaluate independently, so an alert
// reads the recordings of the previous evaluation. docs/fleet.md says what
// each costs.
//
// # Cost
//
// The period rules read every sample of the period (increase over 30 days),
// at each evaluation: for a 30-day period and a 15 s scrape, about 173,000
// samples per series. Keep Prometheus's retention above the period
// (--storage.tsdb.retention.time; Debian's default is 15 days), or the
// period's figures cover less than the period.
package promrules
