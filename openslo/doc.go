// Package openslo writes errbudget's declarations as OpenSLO v1
// (apiVersion openslo/v1) and reads back the subset errbudget can run, so
// that one file drives the process (budget.New), the fleet's Prometheus
// rules and any tool that reads OpenSLO.
//
// # Decoding a file
//
// Unmarshal, Decode and Load return Declarations: the service name, the
// objectives as []sli.Objective and the tracker's alert rules as
// []budget.AlertRule. Start a tracker from them:
//
//	d, err := openslo.Load("slo.yaml")
//	if err != nil {
//		log.Fatal(err) // every problem, one per line, each with its line
//	}
//	// Go functions never travel: attach them here (see "What does not travel").
//	tr, err := budget.New(d.Objectives, append(d.Options(), budget.WithLogger(logger))...)
//
// d.Service is the service name, d.Objectives the objectives in the
// file's order, d.AlertRules the rules every objective alerts with (nil when
// the file declares none: the tracker's defaults apply). d.Options() turns
// them into budget.WithService and budget.WithAlertRules.
//
// Every problem comes back at once in an *Error, whose Problems each carry
// a line, the field's path and a message. A file that has any problem
// decodes to nothing: a field errbudget cannot run is never ignored.
//
// # Writing
//
// Marshal writes Declarations (FromTracker takes them from a running
// tracker) as YAML documents or a JSON array:
//
//   - one Service, named after the service;
//   - one SLO per objective, with budgetingMethod Occurrences, one
//     timeWindow (rolling "30d", or a calendar month "1M" with its IANA
//     time zone; calendar.startTime is CalendarStart), one objective with
//     its target, and an inline ratioMetric indicator (counter: true) whose
//     good and total metric sources have type "errbudget" (SourceType);
//   - per alert rule, one AlertPolicy and one AlertCondition (kind
//     burnrate, op gt, the threshold, lookbackWindow = the long window),
//     named after the rule and referenced by every SLO.
//
// Each metric source's spec.query is PromQL over the counter errbudget
// exports, for other tools:
//
//	sum(slo_events_total{slo_name="checkout",slo_outcome="good"})
//	sum(slo_events_total{slo_name="checkout",slo_outcome=~"good|bad"})
//
// (grouped objectives sum by (slo_group)); excluded events are never in
// the total. The fields OpenSLO has no home for live in the total's
// metric source spec: kind (availability, latency, ttft, tpot, quality,
// custom), threshold (a Go duration, latency kinds), minScore (quality),
// includeFailures, advisory, groupBy, maxGroups, and objective (the
// original name, when it is not an RFC 1123 label).
//
// What an alert rule has beyond a condition lives in annotations under
// AnnotationPrefix ("errbudget.dev/"; OpenSLO reserves "openslo.com/"): the
// short window, the low-traffic guard (min-long-events, min-short-events),
// and for a rule whose threshold derives from a budget fraction, the
// fraction and the period its written threshold is for (budget-consumed,
// threshold-period). The threshold is written for the objectives' common
// rolling period (30 days when they differ or one is a calendar month);
// the tracker scales it to each objective's period.
//
// # Names
//
// OpenSLO names are RFC 1123 labels. A name that is not one is written
// mapped by Name ("Checkout_API" as "checkout-api") and listed in the
// Report; the original travels too (the objective field, or the
// errbudget.dev/name annotation of a Service or AlertPolicy), so reading
// gives the original back. Two names that map to the same label fail.
//
// # What does not travel
//
// Go functions: an objective's Include, and the Classify of a custom
// objective. Marshal lists them in the Report as not portable and writes
// nothing of them (the YAML carries the report as comments). A custom
// objective is a problem for Unmarshal unless AcceptCustom is given; its
// Classify must then be set before budget.New. Corrections and the policy
// are not declarations OpenSLO v1 has, and are not written.
//
// # What reading accepts
//
// Objects of kinds SLO, AlertPolicy, AlertCondition and Service, in
// YAML documents (each an object or a list) or JSON. Descriptive fields
// are accepted and not kept: displayName, labels, annotations outside
// errbudget's prefix, descriptions of indicators, notification targets
// (errbudget delivers transitions to OnTransition functions and its log).
// Beyond what Marshal writes, it accepts targetPercent, an inline
// condition in an AlertPolicy, a bad metric instead of good, and a
// thresholdMetric for the latency kinds (op lte, value in seconds) and
// quality (op gte, value the minimum score). Everything else is a problem:
// another apiVersion or kind, indicatorRef, metricSourceRef, a metric source
// of another type, raw ratios, Timeslices and RatioTimeslices (not
// supported yet), composites, more than one time window, objective or
// condition, alertWhenNoData: true, alertWhenResolved or alertWhenBreaching
// false, alertAfter other than 0m, a description over 1050 bytes (the
// writer would cut it), a blank service or rule name, YAML merge keys (<<;
// aliases are followed), unknown fields.
// Editing the file changes what the tracker does: a target, a window, a
// threshold, a rule's threshold (which then becomes a fixed burn rate).
//
// All functions are safe for concurrent use.
package openslo
