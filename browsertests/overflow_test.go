package browsertests

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/sli"
)

// Overflow is never silent: a grouped objective that sent events to _OTHER
// shows a banner that a person sees, naming the objective, the events and
// the cap.
func TestOverflowBannerInBrowser(t *testing.T) {
	b := newBrowser(t)
	clk := budgettest.NewClock(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
	tr, err := budget.New([]sli.Objective{{Name: "by-route", Target: 0.99, GroupBy: "route", MaxGroups: 2}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		tr.SLO("by-route").Series(fmt.Sprintf("GET /r%d", i)).Record(sli.Event{Time: clk.Now(), Duration: time.Millisecond, Outcome: sli.Good})
	}
	srv := httptest.NewServer(endpoint.New(tr))
	defer srv.Close()
	p := open(t, b, srv.URL+"/ui", 1400, 1000)
	for _, m := range p.errors() {
		t.Errorf("console: %s", m)
	}
	var banner struct {
		Text   string
		Height float64
	}
	if err := p.eval(`(() => { const e = document.getElementById("overflow"); return e ? {Text: e.textContent, Height: e.getBoundingClientRect().height} : {}; })()`, &banner); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(banner.Text, "by-route 3 events past 2 route groups") || banner.Height < 10 {
		t.Errorf("overflow banner %q, %v px high; want it to name by-route, 3 events and the cap of 2", banner.Text, banner.Height)
	}
}
