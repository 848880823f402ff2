package httpslo_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// modes are the two ways the middleware hands the request on: as it came,
// or as a copy whose context carries the call (WithOutcomeContext).
var modes = []struct {
	name string
	opts []httpslo.Option
}{
	{"plain", nil},
	{"outcome-context", []httpslo.Option{httpslo.WithOutcomeContext()}},
}

// probe is a Custom objective that keeps every event it classifies, so that
// a test can see exactly what the middleware recorded.
type probe struct {
	mu     sync.Mutex
	events []sli.Event
}

func (p *probe) objective(name string) sli.Objective {
	return sli.Objective{Name: name, Kind: sli.Custom, Target: 0.99, Classify: func(e sli.Event) sli.Outcome {
		p.mu.Lock()
		p.events = append(p.events, e)
		p.mu.Unlock()
		return e.Outcome
	}}
}

func (p *probe) all() []sli.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]sli.Event(nil), p.events...)
}

func availability(name, groupBy string) sli.Objective {
	return sli.Objective{Name: name, Target: 0.999, GroupBy: groupBy}
}

func newTracker(t testing.TB, objs ...sli.Objective) (*budget.Tracker, *budgettest.Clock) {
	t.Helper()
	clk := budgettest.NewClock(t0)
	tr, err := budget.New(objs, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	return tr, clk
}

type counts struct{ good, bad, excluded int64 }

// countsOf returns the counts of one objective's group at the clock's time.
func countsOf(t testing.TB, tr *budget.Tracker, objective, group string) counts {
	t.Helper()
	for _, st := range tr.Status() {
		if st.Objective.Name == objective && st.Group == group {
			return counts{st.Good, st.Bad, st.LifetimeExcluded}
		}
	}
	return counts{}
}

// groupsOf returns the groups an objective has, in creation order.
func groupsOf(tr *budget.Tracker, objective string) []string {
	var out []string
	for _, s := range tr.SLO(objective).AllSeries() {
		out = append(out, s.Group())
	}
	return out
}

// waited wraps h so that a test can wait until every request it sent has
// been served to the end, recording included: wg.Add before sending.
func waited(wg *sync.WaitGroup, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer wg.Done()
		h.ServeHTTP(w, r)
	})
}

// wrap returns h wrapped by a middleware over tr; the configuration must be
// valid.
func wrap(t testing.TB, h http.Handler, tr *budget.Tracker, opts ...httpslo.Option) http.Handler {
	t.Helper()
	m, err := httpslo.New(tr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m.Handler(h)
}
