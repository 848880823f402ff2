// Package errbudget measures a service's SLIs in-process and keeps its error
// budget live: a service imports it to know, at any moment, whether it is
// keeping its promises.
//
// This package holds only this guide; the code lives in its subpackages:
//
//	sli                     objectives and events: what is measured
//	budget                  windowed counts, budget, burn rates, alerts, policy
//	state                   the tracker's state across restarts: file, memory
//	budgettest              a fake clock and scripted traffic for your tests
//	middleware/httpslo      net/http server middleware
//	middleware/inferenceslo calls to models: time to first token, tokens, quality
//	middleware/grpcslo      gRPC servers (its own module)
//	endpoint                JSON status, HTML dashboard and release gate
//	openslo                 declarations as OpenSLO v1, written and read back
//	budgetotel              the state as OpenTelemetry metrics
//	genaiotel               OpenTelemetry GenAI client metrics of calls to models
//	promrules               Prometheus rules for a fleet's budget (Sloth's names)
//	cmd/errbudget           the command: rules, validate, the fleet's gate
//
// # Quick start
//
//	objectives := []sli.Objective{
//		{Name: "api-availability", Target: 0.999},
//		{Name: "api-latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second},
//	}
//	tr, err := budget.New(objectives, budget.WithLogger(slog.Default()))
//	if err != nil {
//		log.Fatal(err) // every problem with the declarations at once
//	}
//	mux := http.NewServeMux()
//	mux.HandleFunc("POST /v1/completions", completions)
//	mw, err := httpslo.New(tr)
//	if err != nil {
//		log.Fatal(err) // an objective the middleware cannot count, …
//	}
//	go http.ListenAndServe(":8080", mw.Handler(mux))
//	admin := http.NewServeMux()
//	slo := endpoint.New(tr)
//	admin.Handle("/slo", slo)
//	admin.Handle("/slo/", slo)
//	go http.ListenAndServe("127.0.0.1:9090", admin)
//
// examples/quickstart is the same as a program, with the state kept across
// restarts (budget.WithStore) and the metrics exported (budgetotel).
//
// # From SLI to policy
//
// An SLI (service level indicator) is the ratio of good events to all
// counted events: calls that succeeded, or answered within 2 seconds, or
// produced their first token within 800 ms. An objective (SLO) promises a
// target for that ratio, such as 99.9%, over a window, such as 30 days or the
// calendar month. The error budget is what the target allows to fail: 0.1%
// of the window's calls. The burn rate is how fast the budget goes: the
// error ratio over some recent window divided by 1 − target, so that 1
// spends exactly the budget over the period and 14.4 spends 2% of a 30-day
// budget in an hour. Multi-window multi-burn-rate alerts (the SRE Workbook's)
// fire when the burn over a long window and a short one both exceed a
// threshold: fast enough to page for a real outage, slow enough to ignore a
// blip. The error-budget policy turns what is left into a decision: healthy,
// at risk, or exhausted, when feature releases pause.
//
// # Objectives
//
// Declarations are plain sli.Objective values; see package sli for the kinds
// and how each classifies a call. A grouped objective (GroupBy
// sli.GroupByRoute, sli.GroupByModel, …) keeps one budget per label value,
// capped, with an "_OTHER" group for the rest.
//
// # Windows
//
// Counts are exact and traffic-weighted: windows are sums of 10-second,
// 5-minute and 15-minute buckets, never averages of ratios. See package
// budget for the bucket widths and how far a window edge can be off.
//
// # Burn-rate alerts
//
// The SRE Workbook's defaults (page at 14.4 over 1h/5m and 6 over 6h/30m,
// ticket at 3 over 1d/2h and 1 over 3d/6h for a 30-day period), scaled for
// other periods, with a minimum-events guard. Configurable with
// budget.WithAlertRules.
//
// # Policy
//
// Configurable with budget.WithPolicy; an objective marked Advisory never
// freezes releases.
//
// # State and corrections
//
// budget.WithStore with a state.FileStore keeps the counts in a file across
// restarts (nothing lost on a clean shutdown, at most one snapshot interval
// on a crash), and
// Tracker.AddCorrection excludes planned maintenance from the budget, once
// or recurring (an RFC 5545 RRULE subset such as FREQ=WEEKLY;BYDAY=SU).
//
// # Endpoint
//
// Package endpoint serves the state as JSON, an HTML dashboard and a
// release gate a deploy pipeline can ask (200, or 423 when releases are
// frozen). Mount it on an admin listener or behind your own auth.
//
// # Declarations that travel
//
// Package openslo writes the objectives, the service name
// (budget.WithService) and the alert rules as OpenSLO v1, and reads them
// back: a service can start from a file (budget.New with the decoded
// objectives), and the endpoint serves its own declarations at
// /slo/openslo, so that the fleet's rules come from the same declaration.
//
// # OpenTelemetry
//
// Package budgetotel exports the state through asynchronous instruments
// (slo.events, slo.sli, slo.error_budget.remaining, slo.burn_rate,
// slo.alert.firing), read when the collector asks; nothing is done per
// request. For a fleet of replicas, aggregate the exported slo.events
// counters in Prometheus with the same arithmetic: package promrules (and
// errbudget rules) generates the rules, errbudget gate answers the release
// gate for the fleet, and docs/fleet.md says where the fleet's figures and a
// process's differ.
//
// # Performance
//
// Recording an event (budget.Series.Record) is a few atomic adds on counters
// owned by the CPU it runs on: no lock, no allocation, no OpenTelemetry
// call, and no clock read, because the event carries the completion time
// its adapter read. The adapters read the clock where a call starts and
// ends: httpslo twice per request (three times for a streamed response),
// inferenceslo at start, first chunk and end, grpcslo never (grpc-go's own
// begin and end times). The bench module measures both beside the
// Prometheus client and the OpenTelemetry SDK.
//
// # Concurrency
//
// Everything is safe for concurrent use. User callbacks never run under a
// lock. No package starts a goroutine you did not start.
package errbudget
