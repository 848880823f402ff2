package window

import "testing"

// Item 2: a step back folds every latency recorded ahead of the clock into
// the slot of the clock's reading, including what that slot itself held
// for a later bucket (a step back of more than the ring's 65 minutes
// always finds one there): nothing is lost.
func TestLatencyRewindKeepsTheClockSlotsOwnLaterBucket(t *testing.T) {
	for _, back := range []int64{1, 5, 13, 14, 20, 13 * 24 * 40} {
		r := NewLatencyRing()
		const b0 = 1_000_000
		for k := int64(0); k < latencySlots; k++ {
			r.Add((b0+k)*LatencySlotWidth, 100+k, 1)
		}
		tb := b0 + latencySlots - 1 - back
		r.Rewind(tb*LatencySlotWidth + 7)
		var n, tbMax int64
		r.each(func(b, mx int64, counts *[HistLen]int64) {
			if b > tb {
				t.Errorf("back %d: the ring still holds bucket %d, ahead of the clock's %d", back, b, tb)
			}
			for _, c := range counts {
				n += c
			}
			if b == tb {
				tbMax = mx
			}
		})
		if n != latencySlots {
			t.Errorf("back %d buckets: %d latencies after the rewind, want %d", back, n, latencySlots)
		}
		if tbMax != 100+latencySlots-1 {
			t.Errorf("back %d: max %d at the clock's slot, want %d", back, tbMax, 100+latencySlots-1)
		}
	}
}
