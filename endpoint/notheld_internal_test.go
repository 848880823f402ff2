package endpoint

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// A status of an instant the ring no longer holds says so per window in
// the JSON: a null burn rate and a reason under not_held (issue 10 item 4c).
func TestNotHeldWindowsInJSON(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{{Name: "api", Target: 0.99, Window: sli.Rolling(4 * time.Hour)}}, budget.WithClock(clk.Now))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 1.0 / 60}.Run(clk, s, 5*24*time.Hour)
	st := tr.StatusAt(clk.Now().Add(-77 * time.Hour))
	b, err := json.Marshal(newReport("svc", clk.Now(), st))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Objectives []struct {
			BurnRates map[string]*float64 `json:"burn_rates"`
			NotHeld   map[string]string   `json:"not_held"`
		} `json:"objectives"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	o := doc.Objectives[0]
	for _, w := range []string{"5m", "1h", "3d", "period"} {
		if o.BurnRates[w] != nil || !strings.HasPrefix(o.NotHeld[w], "not held") {
			t.Errorf("%s: burn rate %v, not_held %q", w, o.BurnRates[w], o.NotHeld[w])
		}
	}
	// At the clock's reading every window is held: no not_held at all.
	b, _ = json.Marshal(newReport("svc", clk.Now(), tr.Status()))
	if strings.Contains(string(b), "not_held") {
		t.Errorf("not_held at the clock's reading:\n%s", b)
	}
}
