// Package budget keeps the live error budget of a set of objectives: exact
// windowed counts, the SLI, the budget consumed and remaining, burn rates,
// multi-window multi-burn-rate alerts and the error-budget policy.
//
// # Use
//
// Create a [Tracker] from declarations (package sli) when the application
// starts; resolve each middleware's [Series] (or a [Set] of them) once, when
// wiring; record every completed call with Record; ask for the [Status]
// when someone needs it. The endpoint, the OpenTelemetry view and the
// release gate all read Status.
//
//	tr, err := budget.New(objectives, budget.WithLogger(slog.Default()))
//	api, _ := tr.Series("api-availability", "")
//	api.Record(sli.Event{Time: end, Duration: end.Sub(start), Outcome: sli.Good})
//	for _, st := range tr.Status() { … }
//
// # Windows
//
// Counts are kept in three tiers of buckets aligned to the Unix epoch:
// 10-second buckets for the last 6.4 hours (the 5m, 30m, 1h, 2h and 6h
// windows), 5-minute buckets for the last 76 hours (1d and 3d) and 15-minute
// buckets for the whole SLO period. A window of length W ending at now sums
// the buckets of the finest tier that intersect [now−W, now], so its start
// edge reaches back by less than one bucket width too far: 10 s for the short
// windows, 5 minutes for a day, 15 minutes for the period. Every UTC offset
// in use is a multiple of 15 minutes, so calendar months split exactly at
// local midnight. Events land in the bucket of their completion time (an
// event that races the flush closing its bucket is counted, and lands in
// the next one: up to 10 s late, never lost). A series of a 30-day window
// takes about 33 KiB under steady traffic, a latency series about 56 KiB
// (bench: BenchmarkSeriesMemory).
//
// # Burn rates and budget
//
// The error ratio of a window is bad / (good + bad) over the events that
// completed in it; the burn rate is that ratio divided by 1 − target. The
// budget consumed over the period is the period's burn rate (so 1 means the
// whole budget is spent, as Sloth and Datadog count it); remaining is
// 1 − consumed and goes negative when overspent. Targets are converted to
// integer parts per billion, so float noise (1 − 0.999 is not 0.001 in
// float64) never flips a comparison. Without events a figure is "no data":
// an invalid [Float], null in JSON, never NaN.
//
// # Burn-rate alerts
//
// [DefaultAlertRules] are the SRE Workbook's: page when the 1h and 5m burn
// rates both exceed 14.4 or the 6h and 30m both exceed 6; ticket at 3 over 1d
// and 2h and at 1 over 3d and 6h. Thresholds are fractions of the period's
// budget (2%, 5%, 10%, 10%) and scale with its length (for a 28-day window,
// 13.44 rather than 14.4), never below 1. An alert needs 100 events in its
// long window and 10 in its short one, so a single failure at 3 a.m. pages
// nobody.
//
// # Policy
//
// The error-budget [Policy] puts each objective in one of three states:
// healthy; at_risk while at most 25% of the budget remains or a page alert
// fires; exhausted when nothing remains. Releases are allowed unless a
// non-advisory objective is exhausted ([GateOf]). The policy stays healthy
// until the period holds 100 events; until then the gate lets releases
// through unjudged and says so ([Gate].Unjudged).
//
// # Transitions
//
// Alerts firing and resolving and policy changes are detected when the
// status at the clock's reading is computed ([Tracker.Status], Run, the
// endpoint, the OpenTelemetry view), and delivered to [OnTransition]
// handlers and to the [WithLogger] logger, outside every lock, in the order
// they were detected, whichever goroutine computed them. A status asked for
// another instant ([Tracker.StatusAt] in the past) describes it and delivers
// nothing. The tracker starts no goroutine: run [Tracker.Run] in one of yours
// to have transitions noticed when nobody asks for the status.
//
// # Incidents
//
// The same evaluations keep a record of incidents ([Tracker.Incidents]): one
// opens when a page or ticket alert fires ([WithIncidents] says which),
// alerts of other objectives join it while it is open, and it closes when
// every alert has resolved and a quiet period has passed. Each holds its
// onset (found in the buckets when the alert fires), detection by metric
// and clock time, exact bad and total events, the budget it consumed, the
// policy's transitions, restarts, and the changes of the hour before it
// ([Tracker.MarkChange], each build version's first start) as candidate
// triggers. [OnIncident] handlers are delivered like transitions;
// [Tracker.MarkFalsePositive] takes an incident out of the budget through a
// correction. The endpoint serves them, with a postmortem draft.
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
// [Tracker.AddCorrection] excludes a period from one objective's budget or
// from all: planned maintenance, an upstream outage the team does not answer
// for, past, current or future, with a reason, once or recurring (an RFC
// 5545 RRULE subset, such as FREQ=WEEKLY;BYDAY=SU;BYHOUR=2). Events that
// complete during a correction declared before them are excluded exactly;
// for a correction declared afterwards their counts are removed from the
// buckets, exact to the width of the finest tier that still holds the
// period (10 s for the last 6 hours, then 5 minutes, then 15). Corrections
// are kept with the state and listed in the status (a recurring one as its
// last three occurrences and its next); a one-off correction whose end has
// left every window is dropped. Recording checks an event against them in
// constant time however many are declared (an atomic load and two
// comparisons for an event at the current time).
//
// # Time
//
// Every computation takes the instant it describes (StatusAt); the plain
// forms read the tracker's clock ([WithClock], time.Now by default).
// Recording never reads the clock on the fast path: the event carries its
// completion time. An event completing more than a minute after the clock,
// or before every window and alert rule of its objective (its period, the
// standard windows up to 3d, the rules' windows) is dropped and counted
// ([Tracker.Dropped]), the mark of a wall-clock jump. Counts saturate at
// [MaxCount]; none ever wraps around to a negative number.
//
// The clock may step back (an NTP correction, a virtual machine resumed, a
// state file written by a process whose clock ran ahead). The first event
// or status after it that finds the clock more than one 10-second bucket
// behind the events already recorded moves every count recorded after the
// clock's reading into the bucket holding that reading, in each tier as far
// as the tier held them (the 10-second tier the last 6.4 hours of them, and
// so on), and in the latency distribution; the restore does the same with a
// saved state's buckets ahead of the clock. Those events happened before the
// step back, and that bucket is the latest instant that is certainly not
// after them. So the clock is never behind the windows for longer than that
// first event or status: from then on the current bucket, every window, the
// percentiles and the lock-free recording path follow the clock. Nothing
// recorded is discarded: the lifetime totals and the period keep every event,
// and each window counts the events moved for as long as it reaches the
// bucket they moved to (the 5m window for five minutes, the 1h window for an
// hour), with the error ratio they had. A bucket whose slot those events had
// taken over may have lost its counts: until the slot is written again, a
// window that reaches it is read from the next coarser tier that holds it.
// Alerts are evaluated at the clock's reading after a step back too: one that
// was firing keeps firing while the windows at the clock say so (its Since
// moved back to the clock's reading if it was later), and resolves, with a
// transition at the clock's time, when they no longer do.
//
// # Performance
//
// Record classifies the event and adds to one of several striped counters
// (chosen by the goroutine's stack, so that goroutines running at once
// rarely share a written cache line), and for latency
// kinds to a histogram bucket: atomic adds, no lock, no allocation, no map
// lookup. The first event of each 10-second bucket takes a short mutex to
// flush the stripes into the ring. Status reads a fixed number of buckets,
// so its cost does not grow with traffic.
//
// # Concurrency
//
// Tracker, SLO and Series are safe for concurrent use. Record never blocks
// on a reader for longer than a flush; readers take one series' mutex at a
// time.
package budget
