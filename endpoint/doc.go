// Package endpoint serves a budget.Tracker's live error budget from inside
// the application: JSON, an HTML dashboard, a release gate, the
// declarations as OpenSLO and the incidents.
//
//	h := endpoint.New(tracker)
//	mux.Handle("/slo", h)  // the handler finds its routes from the ServeMux
//	mux.Handle("/slo/", h) // pattern; http.StripPrefix("/slo", h) works too
//
// # Routes
//
// Relative to where the handler is mounted:
//
//	GET /slo            JSON: every objective (and group) with its SLI, budget, burn
//	                    rates, alerts, policy, exhaustion ETA, latency percentiles;
//	                    on one line, indented with ?pretty
//	GET /slo/ui         the dashboard, one self-contained HTML page
//	GET /slo/ui?objective=NAME&page=N
//	                    one objective's page: every group, worst first, 50
//	                    to a page (page from 1)
//	GET /slo/gate       200 when releases are allowed; 423 Locked with the
//	                    objectives whose budget is exhausted as reasons
//	GET /slo/openslo    the declarations as OpenSLO v1 YAML (package openslo)
//	GET /slo/incidents  the incidents, newest first; incidents/{id} one,
//	                    incidents/{id}.md its postmortem draft (text/markdown)
//	GET /slo/changes    the changes (build versions' first starts, MarkChange),
//	                    newest first, each with the budget spent while the latest
//
// docs/contract.md in the repository lists every field and its meaning.
// A figure that does not exist yet (no traffic) is JSON null, never NaN.
// An objective whose period holds fewer events than the policy needs does
// not hold releases back: the gate and GET /slo list it as unjudged, the
// dashboard's banner names it. HEAD is answered like GET without the body;
// other methods get 405 with "Allow: GET, HEAD".
//
// A deploy pipeline asks the gate before it ships:
//
//	curl -fsS https://admin.internal:9090/slo/gate || exit 1   # 423 fails the job
//
// The endpoint only reads, but it tells whoever reaches it how the service
// is doing: mount it on an admin listener, or behind the application's
// authentication (mux.Handle("/slo/", requireOperator(h))).
//
// # The dashboard
//
// Rendered by html/template (every text escaped), it loads nothing from
// elsewhere (inline CSS and SVG, no script, no font; its
// Content-Security-Policy forbids the rest) and reloads itself
// (WithRefresh). Per objective: the budget remaining, the SLI, the period's
// events, when the budget runs out at the current burn, a burn-down chart
// beside the line of even spending, burn rates, alerts, the policy state
// and, for latency kinds, the last hour's percentiles. Incidents are shaded
// spans on the charts they affected and changes dashed markers; the lists
// below link to each incident's draft. A grouped objective's groups fold
// into one summary, worst first, that opens (a details element, no
// script) to the worst three groups' cards and a link to the objective's
// page, which draws every group, worst first, 50 to a page: the dashboard
// of a service with hundreds of routes costs about what one of a few
// objectives does, and only the charts drawn are computed
// (budget.Tracker.BurnDownOf). It reads on a 400 px phone as on a
// desktop.
//
// # Cost
//
// Nothing runs per request of the application. A request to the endpoint
// reads the status computed within the last interval (WithInterval, 1 s on
// the tracker's clock), and concurrent requests share one computation, so a
// flood costs one status per interval. The OpenTelemetry export of the
// same tracker (package budgetotel) shares it too. Computing the status delivers the
// tracker's transitions (budget.OnTransition).
//
// The handler is safe for concurrent use.
package endpoint
