package window

// RestoreTier adds tier i's saved buckets, ascending (a state.Series'
// tier), as Restore does one at a time, and returns the events of those it
// left out (ending at or before the instant lo). On a tier that holds
// nothing yet, the ring of a tracker New is restoring, buckets that fit its
// reach and the clock (hi) are written straight into their slots: the same
// tier Restore builds, without clearing, for each bucket, the slots it
// passes (restoring 1,000 full series made a restore cost twice a save).
func (r *Ring) RestoreTier(i int, bs []Bucket, lo, hi int64) (outside int64) {
	t := &r.tiers[i]
	for len(bs) > 0 && bs[0].N*t.width+t.width <= lo {
		outside += bs[0].Good + bs[0].Bad
		bs = bs[1:]
	}
	if len(bs) == 0 {
		return outside
	}
	last := bs[len(bs)-1].N
	fast := t.newest == none && len(t.kept) == 0 && t.stale == nil && t.ndamaged == 0 &&
		last <= FloorDiv(hi, t.width) && bs[0].N > last-int64(t.n)
	for k := 1; fast && k < len(bs); k++ {
		fast = bs[k].N > bs[k-1].N
	}
	if !fast {
		for _, x := range bs {
			if !r.Restore(i, x, lo, hi) {
				outside += x.Good + x.Bad
			}
		}
		return outside
	}
	for _, x := range bs {
		j := t.slot(x.N)
		t.good.set(j, x.Good)
		t.bad.set(j, x.Bad)
	}
	t.newest = last
	return outside
}
