package browsertests

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
)

var slicesShot = flag.String("slices-screenshot", filepath.Join(os.TempDir(), "errbudget-slices.png"),
	"where TestTimeSliceDashboardInBrowser saves its screenshot at 1400 px, the 400 px one beside it with -narrow")

// Issue 17 item 3: a time-slice objective's card, as a browser shows it on
// a desktop and on a phone, says its budget in time ("12 of 43.2 bad
// minutes used"), its slice width and what makes a slice good, beside an
// occurrence objective over the same traffic that still counts events.
func TestTimeSliceDashboardInBrowser(t *testing.T) {
	b := newBrowser(t)
	tr, _ := fixture.Slices(t)
	mux := http.NewServeMux()
	h := endpoint.New(tr, endpoint.WithTitle("time slices"))
	mux.Handle("/slo", h)
	mux.Handle("/slo/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, width := range []int{1400, 400} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			p := open(t, b, srv.URL+"/slo/ui", int64(width), 1000)
			for _, m := range p.errors() {
				t.Errorf("console: %s", m)
			}
			for _, u := range p.requests() {
				if u != srv.URL+"/slo/ui" {
					t.Errorf("the page requested %s", u)
				}
			}
			var cards []struct {
				Name, Group, Meta, Rule, Used, Third, PolNote string
				Visible                                       bool
				ScrollW, ClientW                              float64
			}
			// Open every fold first: a grouped objective's cards are inside one.
			err := p.eval(`(() => {
				document.querySelectorAll("details.fold").forEach(d => d.open = true);
				const txt = e => e ? e.innerText.replace(/\s+/g, " ").trim() : "";
				return [...document.querySelectorAll("section.card")].map(c => {
					const figs = c.querySelectorAll(".figures .fig");
					return {name: c.dataset.objective, group: txt(c.querySelector(".group")), meta: txt(c.querySelector(".meta")),
						rule: txt(c.querySelector(".slicerule")), polNote: txt(c.querySelector(".polnote")), used: txt(figs[0].querySelector(".note")), third: txt(figs[2]),
						visible: c.checkVisibility() && c.getBoundingClientRect().height > 0,
						scrollW: c.querySelector(".figures").scrollWidth, clientW: c.querySelector(".figures").clientWidth};
				});
			})()`, &cards)
			if err != nil {
				t.Fatal(err)
			}
			type want struct{ meta, rule, used, third string }
			wants := map[string]want{
				"checkout": {"availability · target 99.9% · 30d rolling", "", "of the budget spent", "EVENTS IN PERIOD 108,000 7,368 bad · 0 excluded"},
				"checkout-minutes": {"availability · target 99.9% · 30d rolling · 1-minute slices",
					"A minute is good when at least 95% of its events are; one without events counts as good. 108,000 events in the period, 7,368 bad.",
					"12 of 43.2 bad minutes used", "SLICES IN PERIOD 180 of 43,200 · 12 bad · 0 empty"},
				"checkout-ratio": {"availability · target 99.9% · 30d rolling · 1-minute slices",
					"A minute counts by its share of good events; one without events is left out. 108,000 events in the period, 7,368 bad.",
					"12.3 of 43.2 bad minutes used", "SLICES IN PERIOD 180 of 43,200 · 180 with bad events · 0 empty"},
				"search-p95": {"latency ≤ 300 ms · target 99% · 7d rolling · 5-minute slices",
					"A 5-minute slice is good when its p95 is at most 300 ms; one without events counts as good. 21,600 events in the period, 360 bad.",
					"30 of 100.8 bad minutes used", "SLICES IN PERIOD 36 of 2,016 · 6 bad · 0 empty"},
				"heartbeat": {"availability · target 99% · 1d rolling · 1-minute slices",
					"A minute is good when all its events are; one without events counts as bad. 175 events in the period, 0 bad.",
					"5 of 14.4 bad minutes used", "SLICES IN PERIOD 180 of 1,440 · 5 bad · 5 empty"},
			}
			seen := map[string]bool{}
			for _, c := range cards {
				if !c.Visible {
					t.Errorf("card %s %s not shown", c.Name, c.Group)
				}
				if c.ScrollW > c.ClientW+0.5 {
					t.Errorf("card %s %s: figures %.0f px wide in %.0f px", c.Name, c.Group, c.ScrollW, c.ClientW)
				}
				w, ok := wants[c.Name]
				if !ok {
					continue
				}
				seen[c.Name] = true
				if c.Name == "search-p95" && c.PolNote != "36 of 100 slices closed: too few to judge" {
					t.Errorf("search-p95's policy note %q", c.PolNote)
				}
				if c.Meta != w.meta || c.Rule != w.rule || !strings.Contains(c.Used, w.used) || c.Third != w.third {
					t.Errorf("card %s:\n meta %q\n rule %q\n used %q\n third %q\nwant\n meta %q\n rule %q\n used %q\n third %q",
						c.Name, c.Meta, c.Rule, c.Used, c.Third, w.meta, w.rule, w.used, w.third)
				}
			}
			if len(seen) != len(wants) {
				t.Errorf("cards seen %v, want %d: %+v", seen, len(wants), cards)
			}
			// The grouped objective's fold: its overall entry (a minute bad
			// when either route's is) first, in the summary and among the cards.
			var fold struct {
				Summary string
				Cards   []string
			}
			if err := p.eval(`(() => {
				const d = document.querySelector("details.fold[data-objective='api-by-route']");
				return d ? {summary: d.querySelector("summary").innerText.replace(/\s+/g, " ").trim(),
					cards: [...d.querySelectorAll("section.card")].map(c => (c.querySelector(".group") || {}).textContent + " | " +
						c.querySelector(".slicerule").innerText.split(".")[0] + " | " + c.querySelector(".figures .fig .note").innerText)} : {};
			})()`, &fold); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"api-by-route", "all routes: 65.3% · 15 of 43.2 bad minutes used · healthy", "2 groups by route"} {
				if !strings.Contains(fold.Summary, want) {
					t.Errorf("fold summary %q lacks %q", fold.Summary, want)
				}
			}
			wantCards := []string{
				"all routes | A minute is bad here when any route's minute is | 15 of 43.2 bad minutes used",
				"route = GET /a | A minute is good when at least 90% of its events are; one without events counts as good | 10 of 43.2 bad minutes used",
				"route = GET /b | A minute is good when at least 90% of its events are; one without events counts as good | 10 of 43.2 bad minutes used",
			}
			if strings.Join(fold.Cards, "\n") != strings.Join(wantCards, "\n") {
				t.Errorf("fold cards:\n%s\nwant\n%s", strings.Join(fold.Cards, "\n"), strings.Join(wantCards, "\n"))
			}
			var banner string
			if err := p.eval(`document.getElementById("unjudged").textContent`, &banner); err != nil || !strings.Contains(banner, "search-p95 36 of 100 slices.") {
				t.Errorf("unjudged banner %q, %v", banner, err)
			}
			checkLayout(t, p, width)

			path := *slicesShot
			if width < 1000 {
				path = narrowPath(path)
			}
			if err := p.screenshot(path); err != nil {
				t.Fatal(err)
			}
			abs, _ := filepath.Abs(path)
			t.Logf("time-slice dashboard screenshot at %d px: %s", width, abs)
		})
	}
}
