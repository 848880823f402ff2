// Package endpoint serves the live error budget from inside the
// application: the state as JSON, an HTML dashboard and a release gate, all
// read from a budget.Tracker.
//
// # Routes
//
// Relative to where the handler is mounted (/slo in the examples):
//
//	GET /slo        application/json: every objective (and group) with its SLI,
//	                error budget, burn rates, alerts, policy, exhaustion ETA,
//	                latency percentiles and corrections
//	GET /slo/ui     the dashboard: one self-contained HTML page
//	GET /slo/gate   the release gate: 200 {"release_allowed": true, "reasons": []},
//	                or 423 Locked with the objectives whose budget is exhausted;
//	                either way "unjudged" lists the objectives with too few
//	                events for the policy to judge
//	GET /slo/openslo  application/yaml: the tracker's declarations as OpenSLO v1,
//	                as package openslo writes them (its report as comments), so
//	                that tools take them from the running process
//	GET /slo/incidents  the incidents (budget.Tracker.Incidents), newest first;
//	                incidents/{id} one of them, incidents/{id}.md its postmortem
//	                draft in the SRE book's layout (text/markdown)
//
// The JSON's top level carries service (budget.WithService), generated_at,
// release_allowed, unjudged and objectives.
//
// The contract, docs/contract.md in the repository, lists every field of
// both documents with its type and meaning. Among them: each objective
// carries events.excluded (over the series' lifetime, not the period:
// excluded events are not kept per bucket), advisory, period {start, end}
// (the instants its figures cover, for either window type), long_burn_rate
// and short_burn_rate on each alert, count in latency_seconds, and
// policy.reason (why the state holds: insufficient_events,
// budget_exhausted, budget_low, page_alert or budget_available) with
// policy.min_events (the events the policy needs in the period before it
// judges); the gate carries generated_at. In the gate's reasons, group is
// "" for an ungrouped objective.
//
// A budget the policy cannot judge yet does not hold releases back, and the
// gate says so: unjudged (in the gate, and at the top level of GET /slo)
// lists each non-advisory objective (and group) whose period holds fewer
// events than the policy's minimum, as {"objective", "group", "events",
// "events_needed"}. Five failures in six calls answer 200 with "reasons": []
// and "unjudged": [{"objective": "checkout", "group": "", "events": 6,
// "events_needed": 100}]. The dashboard's banner says the same.
//
// HEAD is answered like GET without the body; every other method gets 405
// with "Allow: GET, HEAD". Ratios that do not exist yet (no traffic) are
// JSON null, never NaN.
//
// A deploy pipeline asks the gate before it ships:
//
//	curl -fsS https://admin.internal:9090/slo/gate || exit 1   # 423 fails the job
//
// # Mounting
//
// Register the handler for both the path and its subtree; it finds its own
// routes from the request's ServeMux pattern:
//
//	h := endpoint.New(tracker)
//	mux.Handle("/slo", h)
//	mux.Handle("/slo/", h)
//
// http.StripPrefix works as well (mux.Handle("/slo/",
// http.StripPrefix("/slo", h))), as does serving h as the whole handler of
// its own listener.
//
// The endpoint only reads, but it tells anyone who can reach it how the
// service is doing. Mount it on an admin listener that is not exposed to the
// internet:
//
//	admin := http.NewServeMux()
//	admin.Handle("/slo", h)
//	admin.Handle("/slo/", h)
//	go http.ListenAndServe("127.0.0.1:9090", admin)
//
// or behind the application's own authentication:
//
//	mux.Handle("/slo/", requireOperator(http.StripPrefix("/slo", h)))
//
// # The dashboard
//
// One page per tracker, server-rendered with html/template: every name and
// description is escaped. It loads nothing from anywhere (inline CSS, inline
// SVG, no scripts, no fonts), is served with a Content-Security-Policy that
// forbids everything else, works offline, and reloads itself (WithRefresh).
// Per objective it shows the budget remaining (red once spent), the SLI
// against the target, the events of the period, when the budget runs out at
// the current burn, a burn-down chart of the period beside the line of even
// spending, the burn rate over every window, the multi-window alerts and
// their state, the policy state and, for latency kinds, the percentiles of
// the last hour. The header says whether releases are allowed and how many
// objectives are healthy, at risk and exhausted; a banner names what froze
// releases and what was not judged yet. The page reads on a 400 px phone as
// on a desktop: the chart's labels are HTML around the SVG, so they keep
// their size when the chart shrinks, and the alert table keeps its
// severity column.
//
// Incidents (budget.Tracker.Incidents) are shaded spans on the charts of
// the objectives and groups they affected, from each one's onset to the
// resolution (to now while open), and changes (budget.Tracker.Changes:
// build versions' first starts, MarkChange) are dashed markers; a list
// below the cards gives each incident's figures, its candidate triggers
// and links to its postmortem draft (incidents/{id}.md) and JSON, relative
// to the page, and a second list the changes. Their texts are escaped like
// every other.
//
// # Cost
//
// Nothing here runs per request of the application. A request to the
// endpoint reads the status computed within the last second (WithInterval)
// on the tracker's clock, or computes it; requests that arrive while it is
// being computed wait for that computation and share it. A flood of
// requests therefore costs one status computation per interval. Computing
// the status also delivers the tracker's transitions (budget.OnTransition).
//
// The handler is safe for concurrent use.
package endpoint
