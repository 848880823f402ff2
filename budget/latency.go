package budget

import (
	"time"

	"github.com/errbudget/errbudget/internal/window"
)

// latencyWindow is the span the status's latency percentiles cover.
const latencyWindow = window.LatencyWindow

// Latency summarises the latency distribution of recent events.
type Latency struct {
	// Window is the span the figures cover (the last hour, to 5 minutes).
	Window time.Duration
	// Count is the number of events measured.
	Count int64
	// P50, P90 and P99 are percentiles, each the upper edge of its histogram
	// bucket (within about 6%); Max is exact. Invalid with no events.
	P50, P90, P99, Max Float
}

func latencyOf(q window.Quantiles) Latency {
	if q.Count == 0 {
		return Latency{Window: latencyWindow}
	}
	sec := func(us int64) Float { return some(float64(us) / 1e6) }
	return Latency{latencyWindow, q.Count, sec(q.P50), sec(q.P90), sec(q.P99), sec(q.Max)}
}
