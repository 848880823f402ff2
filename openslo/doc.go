// Package openslo writes errbudget's declarations as OpenSLO v1 and reads
// back the subset errbudget can run, so that one file drives the process,
// the fleet's Prometheus rules (package promrules) and any tool that reads
// OpenSLO.
//
//	d, err := openslo.Load("slo.yaml")
//	if err != nil {
//		log.Fatal(err) // every problem, one per line, each with its line
//	}
//	// Go functions never travel: attach them here (see "What does not travel").
//	tr, err := budget.New(d.Objectives, append(d.Options(), budget.WithLogger(logger))...)
//
// Load, Decode and Unmarshal return [Declarations]: the service, the
// objectives in the file's order, and the alert rules (nil when the file
// declares none: the tracker's defaults apply); Options turns them into
// budget.WithService and budget.WithAlertRules. A file with any problem
// decodes to nothing, and its *Error lists every problem with its line,
// field path and message: a field errbudget cannot run is never ignored.
//
// # Writing
//
// Marshal writes Declarations (FromTracker takes them from a running
// tracker) as YAML documents or a JSON array: one Service; per objective
// one SLO (budgetingMethod Occurrences, one timeWindow: rolling "30d" or a
// calendar month "1M" in its IANA zone starting at CalendarStart, one
// objective, an inline ratioMetric whose good and total sources have type
// SourceType); per alert rule one AlertPolicy and one AlertCondition
// (burnrate, op gt, lookbackWindow the long window), referenced by every
// SLO. Each source's spec.query is PromQL over the exported counter, for
// other tools (grouped objectives sum by (slo_group)):
//
//	sum(slo_events_total{slo_name="checkout",slo_outcome="good"})
//	sum(slo_events_total{slo_name="checkout",slo_outcome=~"good|bad"})
//
// What OpenSLO has no field for travels in the total source's spec (kind,
// threshold, minScore, includeFailures, advisory, groupBy, maxGroups, and
// objective: the original name) and in each rule's annotations under
// AnnotationPrefix: the short window, the low-traffic guard
// (min-long-events, min-short-events) and, for a threshold derived from a
// budget fraction, the fraction and the period the written threshold is
// for (budget-consumed, threshold-period). Thresholds are written for the
// objectives' common rolling period (30 days when they differ or one is a
// calendar month); the tracker scales them to each objective's period.
//
// # Names
//
// OpenSLO names are RFC 1123 labels. Any other name is written as Name maps
// it ("Checkout_API" as "checkout-api") and listed in the Report; the
// original travels too (the objective field, or the errbudget.dev/name
// annotation), so reading gives it back. Two names that map to one label
// fail.
//
// # What does not travel
//
// Go functions: an objective's Include and a custom objective's Classify.
// Marshal lists them in the Report as not portable (the YAML carries the
// report as comments). Unmarshal rejects a custom objective unless
// AcceptCustom is given; set its Classify before budget.New. Corrections
// and the policy are not OpenSLO v1 declarations and are not written.
//
// # What reading accepts
//
// Kinds SLO, AlertPolicy, AlertCondition and Service, in YAML documents
// (each an object or a list) or JSON. Descriptive fields are accepted and
// dropped: displayName, labels, other annotations, indicator descriptions,
// notification targets. Beyond what Marshal writes: targetPercent, an
// inline condition in an AlertPolicy, a bad metric instead of good, and a
// thresholdMetric for the latency kinds (op lte, seconds) and quality (op
// gte, the minimum score). Everything else is a problem: another
// apiVersion or kind, indicatorRef, metricSourceRef, another source type,
// raw ratios, Timeslices and RatioTimeslices (not supported yet),
// composites, more than one time window, objective or condition,
// alertWhenNoData: true, alertWhenResolved or alertWhenBreaching false,
// alertAfter other than 0m, a description over 1050 bytes, a blank service
// or rule name, YAML merge keys (aliases are followed), unknown fields.
// Editing the file changes what the tracker does, a rule's threshold
// included (it becomes a fixed burn rate).
//
// All functions are safe for concurrent use.
package openslo
