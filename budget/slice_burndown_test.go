package budget_test

import (
	"math"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/internal/fixture"
)

// A time-slice objective's burn-down spends its fixed budget slice by
// slice and ends where its status does: checkout-minutes' 12 bad minutes
// (10:00–10:12) of 43.2 take it from 1 to 0.7222 over those minutes and
// nowhere else; the grouped objective's overall entry, drawn from its own
// verdicts, ends at 1 − 15/43.2. (It was the events' burn-down before,
// ending at −67.2 while the card said 72.2% left.)
func TestSliceBurnDown(t *testing.T) {
	tr, _ := fixture.Slices(t)
	sts := tr.Status(budget.WithBurnDown(180)) // one point a minute from 09:00
	var checked int
	for _, st := range sts {
		if st.Slices == nil {
			continue
		}
		bd := st.BurnDown
		if len(bd.Points) != 181 {
			t.Fatalf("%s %q: %d points", st.Objective.Name, st.Group, len(bd.Points))
		}
		last := bd.Points[180]
		if !last.Remaining.Valid || last.Remaining.Value != st.Remaining.Value || !bd.Start.Equal(fixture.SliceStart) || !bd.End.Equal(fixture.SliceNow) {
			t.Errorf("%s %q: ends at %v (status %v), spans %v–%v", st.Objective.Name, st.Group, last.Remaining, st.Remaining, bd.Start, bd.End)
		}
		checked++
		switch {
		case st.Objective.Name == "checkout-minutes":
			for k, p := range bd.Points {
				bad := int64(min(max(k-60, 0), 12))
				want := 1 - float64(bad)/43.2
				if p.Bad != bad || math.Abs(p.Remaining.Value-want) > 1e-12 || !p.Time.Equal(fixture.SliceStart.Add(time.Duration(k)*time.Minute)) {
					t.Errorf("point %d: %v bad %d remaining %v, want %d, %v", k, p.Time, p.Bad, p.Remaining, bad, want)
				}
			}
		case st.Overall:
			if math.Abs(last.Remaining.Value-(1-15/43.2)) > 1e-12 || last.Bad != 15 || bd.Points[10].Bad != 0 || bd.Points[25].Bad != 15 {
				t.Errorf("overall: %v bad %d; at 09:10 %d, at 09:25 %d", last.Remaining, last.Bad, bd.Points[10].Bad, bd.Points[25].Bad)
			}
		}
	}
	if checked != 7 { // checkout-minutes, checkout-ratio, search-p95, heartbeat, the overall entry and two routes
		t.Errorf("%d time-slice statuses", checked)
	}
}
