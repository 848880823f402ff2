// Package sli declares what errbudget measures: objectives (SLOs) and the
// events they classify.
//
// An [Objective] is a plain struct: a name, a [Kind] (availability, latency
// under a threshold, time to first token, time per output token, a quality
// score, or a custom verdict), a Target ratio such as 0.999, a [Window] (30
// days rolling by default, or a calendar month in an IANA time zone) and,
// to keep a budget per route or model, GroupBy (GroupByRoute, GroupByModel,
// …). Validate reports every problem of a declaration at once.
//
// An [Event] is one completed call as a middleware saw it: its completion
// time, duration, the call's own [Outcome], and for streaming and inference
// calls the time to the first token, token counts and a quality score. An
// objective's Verdict classifies it as Good, Bad or Excluded. Events pass
// by value, so recording never allocates.
//
// The default verdicts, per kind:
//
//	kind          good when                                  excluded when
//	availability  Outcome is Good                            Outcome is Excluded
//	latency       Duration ≤ Threshold                       the call failed (unless IncludeFailures)
//	ttft          FirstToken ≤ Threshold                     the call failed, or no token arrived
//	tpot          (Duration−FirstToken)/(tokens−1) ≤ Thr.    the call failed, or fewer than 2 tokens
//	quality       Score ≥ MinScore                           the call failed, or carries no score
//	custom        Classify says Good                         Classify says Excluded
//
// Any objective may also narrow the events it applies to with Include.
//
// The package has no state and no dependencies; package
// github.com/errbudget/errbudget/budget counts the verdicts.
package sli
