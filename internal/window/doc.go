// Package window is the counting engine behind package budget: striped
// counters that recording adds to without a lock (Stripes), three tiers of
// buckets holding a series' exact counts (Ring), and the recent latency
// distribution (LatencyRing). A series records into its Stripes, which move
// on to each new 10-second bucket without a lock, and, under its own mutex,
// folds them into its rings at a read or at each new 5-minute slot; every
// read goes to the rings under that mutex, so they need no atomics.
//
// Each tier is a ring of fixed-width buckets indexed by bucket number (Unix
// time / width), aligned to the Unix epoch:
//
//	tier    width   slots            span      serves windows
//	fine    10 s    2304             6.4 h     5m 30m 1h 2h 6h
//	medium  5 min   912              76 h      1d 3d
//	coarse  15 min  horizon/15m + 3  horizon   the SLO period
//
// A window of length W ending at now sums the buckets of the finest tier
// spanning it that intersect [now − W, now], the current partial bucket
// included: its start edge reaches back less than one bucket width too far.
// Fifteen minutes divides every UTC offset in use (+05:45 and +10:30
// included), so calendar months split exactly at coarse bucket edges.
//
// A status reads the same windows again and again as the clock moves on: a
// tier keeps a running sum per window (Tier.SumKept, Ring.SpanKept), which
// every count added and every slot cleared as the ring moves on updates, so
// that reading a window costs the buckets it moved by since the last read,
// not its length (a 92-day period is 8,800 coarse buckets). A step back of
// the clock or a removal drops the sums; the next read walks the buckets.
package window
