package window

// AddRun places the counts of fine buckets run (ascending bucket numbers,
// as Stripes.Fold returns them) in every tier that still holds them: each
// in its fine bucket, and the sum of those sharing a 5-minute bucket in the
// medium and coarse tiers at once (15 minutes is a multiple of 5), which a
// fold of a whole slot's buckets makes three times cheaper than one Add per
// bucket. It returns the counts some tier took, and those none did.
func (r *Ring) AddRun(run []Bucket) (took, lost Counts) {
	const per = MediumWidth / FineWidth
	for len(run) > 0 {
		mb := FloorDiv(run[0].N, per)
		k, end := 1, (mb+1)*per
		for k < len(run) && run[k].N < end {
			k++
		}
		var sum, fine Counts
		for _, x := range run[:k] {
			c := Counts{x.Good, x.Bad}
			sum = sum.Plus(c)
			if r.tiers[0].add(x.N, x.Good, x.Bad) {
				fine = fine.Plus(c)
			}
		}
		m := r.tiers[1].add(mb, sum.Good, sum.Bad)
		if r.tiers[2].add(FloorDiv(mb*MediumWidth, CoarseWidth), sum.Good, sum.Bad) || m {
			took = took.Plus(sum)
		} else {
			took = took.Plus(fine)
			lost = lost.Plus(Counts{sum.Good - fine.Good, sum.Bad - fine.Bad})
		}
		run = run[k:]
	}
	return took, lost
}
