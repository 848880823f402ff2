// Package budgetotel exports a budget.Tracker's live error budget as
// OpenTelemetry metrics, observed by asynchronous instruments when a reader
// collects: nothing is recorded per request.
//
//	reg, err := budgetotel.New(tracker, budgetotel.WithMeterProvider(mp))
//	if err != nil {
//		return err
//	}
//	defer reg.Close()
//
// Without WithMeterProvider, New uses the global provider as it is when New
// runs: set it first.
//
// # Instruments
//
// SLO state has no OpenTelemetry semantic convention yet; errbudget uses
// the slo. namespace (docs/contract.md in the repository holds the names):
//
//	instrument                  kind                          unit     attributes
//	slo.events                  counter (async, process)      {event}  slo.name, slo.outcome = good | bad
//	slo.objective               gauge: the target             1        slo.name
//	slo.sli                     gauge: SLI over the period    1        slo.name
//	slo.error_budget.remaining  gauge                         1        slo.name
//	slo.burn_rate               gauge                         1        slo.name, slo.window = 5m 30m 1h 2h 6h 1d 3d period
//	slo.alert.firing            gauge (0/1)                   1        slo.name, slo.alert.name, slo.alert.severity
//	slo.error_budget.allowed    gauge, time-slice objectives  s        slo.name
//	slo.error_budget.spent      gauge, time-slice objectives  s        slo.name
//
// Grouped objectives add slo.group, the group's value. A figure that does
// not exist yet (no events in the period or window) is not observed, so no
// NaN reaches a backend; slo.objective, slo.events and slo.alert.firing
// always are. Through the Prometheus exporter they become
// slo_events_total, slo_objective_ratio, slo_sli_ratio,
// slo_error_budget_remaining_ratio, slo_burn_rate_ratio and
// slo_alert_firing_ratio; slo_events_total is the one that sums across a
// fleet's replicas (package promrules writes the rules).
//
// slo.events counts this process's events (Series.Counted) from zero, a
// counter reset Prometheus handles, while the budget and the gauges keep
// the totals restored from the state file: a restored counter would fall
// back to the last snapshot after a crash, and every increase() over the
// restart would add it again.
//
// # Cardinality limit
//
// The OpenTelemetry Go SDK keeps at most limit − 1 attribute sets an
// instrument each collection (2,000 by default) and folds the rest into
// one point with otel.metric.overflow = true. slo.burn_rate has 8 streams a
// series, so past 249 series its streams are lost at the default. Raise
// the limit on the MeterProvider and tell New (at least 8 × series + 1):
//
//	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(20_000))
//	reg, err := budgetotel.New(tracker, budgetotel.WithMeterProvider(mp), budgetotel.WithCardinalityLimit(20_000))
//
// errbudget assumes the default unless WithCardinalityLimit says
// otherwise; past what an instrument can carry it logs once (slog, Warn)
// and reports the streams lost at the latest collection in
// Registration.Overflow.
//
// # Cost
//
// One callback observes every instrument from one status computation,
// shared by every collection within an interval (WithInterval, 1 s on the
// tracker's clock), such as a Prometheus scrape and an OTLP export, and by
// the endpoint's requests (package endpoint): every reader of one tracker
// shares one status cache.
// Attribute sets are built once per series, with the option slices the
// Observer takes, and found by the series' position in the previous
// collection: beyond the status, a collection allocates nothing of its
// own. What remains is the SDK's aggregation of the 17 points a series
// (sdk/metric v1.47.0 stores every point of an asynchronous instrument
// anew at each collection, about 3.4 allocations a point): at 1,000
// series it costs several times a Prometheus Gather of as many
// histograms (bench/otel_scale_test.go). NewProducer gives a reader the
// same metrics without that aggregation (see Producer for what differs).
// Computing the status delivers the tracker's transitions
// (budget.OnTransition), in the collecting goroutine unless an earlier
// transition is still on its way from another (then that one delivers
// both).
//
// A Registration is safe for concurrent use.
package budgetotel
