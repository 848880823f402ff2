// Package budgetotel exports the live error budget of a budget.Tracker as
// OpenTelemetry metrics, read by asynchronous instruments when a reader
// collects: nothing is recorded per request.
//
// # Instruments
//
// SLO state has no OpenTelemetry semantic convention yet; errbudget uses the
// slo. namespace. The contract, docs/contract.md in the repository, holds
// these names, units and attributes:
//
//	instrument                  kind                          unit     attributes
//	slo.events                  counter (async, process)      {event}  slo.name, slo.outcome = good | bad
//	slo.objective               gauge: the target             1        slo.name
//	slo.sli                     gauge: SLI over the period    1        slo.name
//	slo.error_budget.remaining  gauge                         1        slo.name
//	slo.burn_rate               gauge                         1        slo.name, slo.window = 5m 30m 1h 2h 6h 1d 3d period
//	slo.alert.firing            gauge (0/1)                   1        slo.name, slo.alert.name, slo.alert.severity
//
// Grouped objectives add slo.group, the group's value. A figure that does
// not exist yet (no events in the period or window) is not observed at all,
// so no NaN ever reaches a backend; slo.objective, slo.events and
// slo.alert.firing are always observed.
//
// Through the OpenTelemetry Prometheus exporter (go.opentelemetry.io/otel/
// exporters/prometheus) these become slo_events_total, slo_objective_ratio,
// slo_sli_ratio, slo_error_budget_remaining_ratio, slo_burn_rate_ratio and
// slo_alert_firing_ratio. A fleet of replicas is aggregated from
// slo_events_total, the one figure that sums across processes (package
// promrules writes the rules).
//
// slo.events counts the events of this process (Series.Counted): it starts
// at zero when the process starts, which Prometheus reads as a counter reset
// and handles, while the budget and every other instrument keep the totals
// restored from the state file. A counter restored from the file would fall
// back to the last snapshot's value after a crash, and every increase() over
// the restart would add that whole value again.
//
// # Usage
//
//	reg, err := budgetotel.New(tracker, budgetotel.WithMeterProvider(mp))
//	if err != nil {
//		return err
//	}
//	defer reg.Close()
//
// Without WithMeterProvider the global provider (otel.GetMeterProvider) is
// used, as it is when New runs: set the global provider first.
//
// # Cost
//
// One callback observes every instrument from one status computation, which
// serves all the collections within one interval (WithInterval, 1 s by
// default, on the tracker's clock): a Prometheus scrape and an OTLP export
// in the same second share it. Attribute sets are built once per series and
// reused. Computing the status also delivers the tracker's transitions
// (budget.OnTransition), in the collecting goroutine unless an earlier
// transition is still on its way from another (then that one delivers both).
//
// New's Registration is safe for concurrent use.
package budgetotel
