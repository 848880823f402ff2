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
// one SLO (its budgetingMethod, one timeWindow: rolling "30d" or a
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
// threshold, minScore, includeFailures, advisory, groupBy, maxGroups,
// emptySlices, and objective: the original name) and in each rule's annotations under
// AnnotationPrefix: the short window, the low-traffic guard
// (min-long-events, min-short-events) and, for a threshold derived from a
// budget fraction, the fraction and the period the written threshold is
// for (budget-consumed, threshold-period). Thresholds are written for the
// objectives' common rolling period (30 days when they differ or one is a
// calendar month); the tracker scales them to each objective's period.
//
// # Time slices
//
// An objective's Budgeting is the SLO's budgetingMethod (sli.Occurrences,
// sli.Timeslices, sli.RatioTimeslices as Occurrences, Timeslices,
// RatioTimeslices); its SliceWidth is the objective's timeSliceWindow,
// written "1m" or "5m" (a zero width as "1m", read back as time.Minute);
// its SliceTarget is the objective's timeSliceTarget, written for
// Timeslices only; its EmptySlices, which OpenSLO does not define, is
// emptySlices (good, bad or skipped) in the total source's spec, written
// for both time-slice methods:
//
//	budgetingMethod: Timeslices
//	objectives:
//	  - target: 0.999
//	    timeSliceTarget: 0.95
//	    timeSliceWindow: 1m
//
// Reading takes timeSliceWindow as a duration ("1m", "5m") or, as OpenSLO
// allows, a bare number of minutes (1, 5), and refuses, naming the field:
// another width (errbudget's slices divide its 15-minute buckets), a
// rolling window that is not a whole number of slices, timeSliceTarget
// outside (0, 1] or missing under Timeslices, timeSliceTarget under
// RatioTimeslices (a slice counts by its ratio there), either field or
// emptySlices under Occurrences. A thresholdMetric under Timeslices reads
// as for occurrences: op lte and value are the latency threshold, and a
// slice is good when at least timeSliceTarget of its events are within
// it, that is when its p(timeSliceTarget) is at most value.
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
// raw ratios, time-slice fields errbudget cannot keep (see "Time slices"),
// composites, more than one time window, objective or condition,
// alertWhenNoData: true, alertWhenResolved or alertWhenBreaching false,
// alertAfter other than 0m, a description over 1050 bytes, a blank service
// or rule name, YAML merge keys (aliases are followed), unknown fields.
// Editing the file changes what the tracker does, a rule's threshold
// included (it becomes a fixed burn rate).
//
// All functions are safe for concurrent use.
package openslo
