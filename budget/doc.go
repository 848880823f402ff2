// Package budget keeps the live error budget of a set of service level
// objectives: exact windowed counts, the SLI, the budget consumed and
// remaining, burn rates, multi-window multi-burn-rate alerts, the
// error-budget policy and a release gate.
//
// Declare the objectives (package sli) and create a [Tracker] when the
// application starts:
//
//	tr, err := budget.New([]sli.Objective{
//		{Name: "checkout", Target: 0.999}, // availability, 30 rolling days
//	}, budget.WithLogger(slog.Default()))
//
// Record every completed call into its objective's [Series], looked up once
// when wiring (the middleware packages do both for HTTP, gRPC and inference
// calls):
//
//	checkout, _ := tr.Series("checkout", "")
//	checkout.Record(sli.Event{Time: end, Duration: end.Sub(start), Outcome: sli.Good})
//
// Read the [Status] of each objective (and group) when someone asks;
// [Tracker.StatusAt] is the twin for a given instant, and [WithBurnDown]
// adds the burn-down curve:
//
//	for _, st := range tr.Status() {
//		fmt.Println(st.Objective.Name, st.SLI, st.Remaining, st.PolicyState)
//	}
//
// Gate releases on the error-budget policy ([Tracker.GateAt] for an
// instant, [GateOf] for statuses already read):
//
//	if g := tr.Gate(); !g.Allowed {
//		fmt.Println("releases frozen by", g.Reasons)
//	}
//
// The tracker starts no goroutine. [Tracker.Run] evaluates the status
// periodically, so that alerts and policy changes reach [OnTransition] and
// the logger when nobody asks. Package endpoint serves the status as JSON,
// a dashboard and the gate; package budgetotel exports it as OpenTelemetry
// metrics.
//
// # Windows
//
// Counts are kept in three tiers of buckets: 10 seconds for the last 6.4
// hours, 5 minutes for the last 76 hours, 15 minutes for the whole period.
// A window sums the finest tier that holds it, so its start edge is off by
// less than one bucket of that tier (10 s for 5m–6h, 5 minutes for 1d and
// 3d, 15 minutes for the period); every UTC offset in use is a multiple of
// 15 minutes, so calendar months split exactly at local midnight. An event
// lands in the bucket of its completion time, at most one 10-second bucket
// late when it races a flush, and is never lost. A series of a 30-day
// window takes about 33 KiB under steady traffic, a latency series, with
// its latency rings and stripes, about 56 KiB (bench: BenchmarkSeriesMemory).
//
// # Burn rates, budget and alerts
//
// A window's burn rate is its error ratio bad / (good + bad) over
// 1 − target; the budget consumed is the period's burn rate (occurrences,
// as Sloth and Datadog count it) and remaining is 1 − consumed, negative
// when overspent. Targets become integer parts per billion, so float noise
// never flips a comparison, and no events means no data (an invalid
// [Float], null in JSON), never NaN. [DefaultAlertRules] are the SRE
// Workbook's multi-window rules (page at 14.4 over 1h and 5m, 6 over 6h and
// 30m; ticket at 3 over 1d and 2h, 1 over 3d and 6h), scaled to the
// period's length and never below 1; an alert needs 100 events in its long
// window and 10 in its short one.
//
// # Policy and gate
//
// The [Policy] puts each objective in a [PolicyState]: healthy; at_risk
// while at most 25% of the budget remains or a page alert fires; exhausted
// when nothing remains. The gate freezes releases while a non-advisory
// objective is exhausted. Until the period holds 100 events the policy
// stays healthy and the gate lists the objective as unjudged.
//
// # Time slices
//
// An objective whose Budgeting is sli.Timeslices or sli.RatioTimeslices
// counts slices of time (1 or 5 minutes) instead of events, and its
// [Status.Slices] is its [SliceBudget]. A slice is decided once it has
// ended (at a read, or when its 10-second buckets are about to leave the
// fine tier: never per event), from its exact counts: with events, a
// Timeslices slice is good when good/total ≥ SliceTarget (compared in
// integers; for a latency kind that is exactly "the slice's SliceTarget
// nearest-rank percentile is at most Threshold"); a RatioTimeslices slice
// spends bad/total of a slice (in millionths, rounded). A slice without
// events is empty and counts as EmptySlices says (good, bad or not at all);
// a slice any instant of which a correction covers is good. A late event or
// a correction declared afterwards decides a slice again while it is within
// the last 6.4 hours; older verdicts stay. Slices before the tracker was
// made (a group's: before its first event) are not counted.
//
// The budget is fixed in time: Allowed = (1 − Target) × all the period's
// slices (43,200 for 30 days of 1-minute slices; a calendar month's exact
// count, DST included), Spent the bad slices (for ratio slices the sum of
// their shares), Remaining = 1 − Spent/Allowed, and SLI the good share of
// the counted slices. Burn rates are bad slices ÷ counted slices of the
// window ÷ (1 − Target), counted to the slice for windows up to 6.4 hours
// and by 15-minute bucket beyond (from the first bucket that starts in the
// window); the same alert rules apply. Their low-traffic guards count
// slices: a window needs as many counted slices as the rule's minimum
// events, or half of the slices it spans when that is fewer, so a service
// with one call a minute pages on its bad minutes (a total outage within
// the short window plus one slice). The policy's minimum counts slices too.
// Verdicts cost a byte per 15-minute bucket of the horizon and one per
// recent slice (3.3 KiB for a 30-day objective of 1-minute slices), ratio
// slices four bytes more for each (16.1 KiB).
//
// # Transitions and incidents
//
// Transitions (alerts firing and resolving, policy changes) are detected
// when the status at the clock's reading is computed, and delivered outside
// every lock, in order, to [OnTransition] and the [WithLogger] logger. A
// status of another instant describes it and changes nothing. The same
// evaluations keep incidents ([Tracker.Incidents], [WithIncidents]): onset,
// detection, peak burn, the budget spent and the changes marked before it
// ([Tracker.MarkChange]).
//
// # Persistence
//
// A 30-day budget must survive restarts. [WithStore] gives the tracker a
// state.Store (package state: a file, or memory); New restores the saved
// state, [Tracker.Run] snapshots every interval, and [Tracker.Close] once
// more after the server has stopped:
//
//	tr, err := budget.New(objectives, budget.WithStore(state.NewFileStore("errbudget.state"), 10*time.Second))
//	go tr.Run(ctx, 0)
//	…
//	srv.Shutdown(shutdownCtx)
//	tr.Close()
//
// A clean shutdown loses nothing, a crash at most one interval; an
// unreadable file is set aside and the tracker starts fresh.
//
// # Corrections
//
// [Tracker.AddCorrection] takes a period (once, or recurring by an RFC 5545
// rule such as FREQ=WEEKLY;BYDAY=SU;BYHOUR=2) out of one objective's budget
// or all: its events count as excluded, exactly for a correction declared
// before them, to a bucket of the finest tier still holding them for one
// declared afterwards.
//
// # Time
//
// Every read has an …At twin that takes the instant; the plain form reads
// the tracker's clock ([WithClock], time.Now by default; tests use
// budgettest.Clock). Recording never reads the clock: the event carries its
// completion time. Events more than a minute ahead of the clock, or older
// than every window of their objective, are dropped and counted
// ([Tracker.Dropped]). When the clock steps back, the counts recorded after
// its new reading move into the bucket holding it: nothing is discarded,
// and the windows follow the clock from the first event or status after the
// step.
//
// # Performance and concurrency
//
// Tracker, SLO and Series are safe for concurrent use. Record classifies
// the event and adds to a striped counter (and, for latency kinds, a
// histogram bucket): atomic adds, no lock, no allocation, no map lookup; the
// first event of each 10-second bucket takes the series' mutex briefly to
// flush. A status at the clock's reading reads a running sum kept for each
// of its windows, so that its cost grows with neither the traffic nor the
// period's length (a 92-day objective costs what a 1-day one does); a
// status of an earlier instant walks each window's buckets. It takes one
// series' mutex at a time, and never runs on the recording path.
package budget
