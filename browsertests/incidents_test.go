package browsertests

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
)

// incidentsTracker is issue 16's first scenario followed by a second
// outage that is still going on (fixture.Incidents).
func incidentsTracker(t *testing.T) *budget.Tracker { return fixture.Incidents(t, "", true) }

// Issue 16: the dashboard shows incidents as shaded spans on the burn-down
// chart and changes as markers, and lists the incidents with links to their
// postmortem drafts, as a browser draws them at 1400 and 400 px: the spans
// visible where the incidents were, the links leading to the drafts, the
// texts from outside shown as text, the layout holding, a screenshot saved.
func TestDashboardIncidentsInBrowser(t *testing.T) {
	b := newBrowser(t)
	tr := incidentsTracker(t)
	mux := http.NewServeMux()
	h := endpoint.New(tr, endpoint.WithTitle("shop"), endpoint.WithRefresh(-1))
	mux.Handle("/slo", h)
	mux.Handle("/slo/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	now := tr.Now()
	chartSpan := now.Sub(fixture.IncidentsStart) // the chart runs from the first events to now

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
			var v struct {
				PlotLeft, PlotWidth, PlotTop, PlotHeight float64
				Spans                                    []struct {
					Label, Title             string
					Left, Width, Top, Height float64
					Background               string
				}
				Marks []struct {
					Left, Height float64
					Title        string
				}
				Rows []struct {
					ID, Text, Draft string
				}
				Bold int
			}
			err := p.eval(`(() => {
				const plot = document.querySelector("#slo-0 .plot").getBoundingClientRect();
				return {
					plotLeft: plot.left, plotWidth: plot.width, plotTop: plot.top, plotHeight: plot.height,
					spans: [...document.querySelectorAll("#slo-0 .incspan")].map(s => {
						const r = s.getBoundingClientRect();
						return {label: s.textContent, title: s.title, left: r.left, width: r.width, top: r.top, height: r.height,
							background: getComputedStyle(s).backgroundColor};
					}),
					marks: [...document.querySelectorAll("#slo-0 .chgmark")].map(m => {
						const r = m.getBoundingClientRect();
						return {left: r.left, height: r.height, title: m.title};
					}),
					rows: [...document.querySelectorAll("table.incidents tbody tr")].map(r => ({
						id: r.id, text: r.textContent, draft: r.querySelector("a.draft").href})),
					bold: document.querySelectorAll(".lists b, .plot b").length,
				};
			})()`, &v)
			if err != nil {
				t.Fatal(err)
			}
			x := func(at time.Time) float64 {
				return v.PlotLeft + float64(at.Sub(fixture.IncidentsStart))/float64(chartSpan)*v.PlotWidth
			}
			ins := tr.Incidents()
			if len(v.Spans) != 2 || len(ins) != 2 {
				t.Fatalf("%d spans on the chart for %d incidents, want 2", len(v.Spans), len(ins))
			}
			// Oldest first; each where its incident was, from its onset to
			// its resolution (to now while open), the plot's full height,
			// and shaded.
			for i, s := range v.Spans {
				in := ins[len(ins)-1-i]
				end := in.Resolved
				if end.IsZero() {
					end = now
				}
				wantL, wantW := x(in.Onset), max(4, x(end)-x(in.Onset))
				if s.Label != fmt.Sprintf("#%d", in.ID) || abs(s.Left-wantL) > 1 || abs(s.Width-wantW) > 1.5 ||
					abs(s.Top-v.PlotTop) > 0.5 || abs(s.Height-v.PlotHeight) > 0.5 {
					t.Errorf("span %d (%s): %.1f px wide at %.1f, %.1f px high; want %.1f at %.1f, %.1f high",
						i, s.Label, s.Width, s.Left, s.Height, wantW, wantL, v.PlotHeight)
				}
				if s.Width < 4 || s.Background == "" || s.Background == "rgba(0, 0, 0, 0)" {
					t.Errorf("span %d not visible: %.1f px wide, background %q", i, s.Width, s.Background)
				}
				if !strings.HasPrefix(s.Title, fmt.Sprintf("Incident %d (%s)", in.ID, in.State)) {
					t.Errorf("span %d titled %q", i, s.Title)
				}
			}
			// The first start of v1.4.2 (at the chart's start) and the two
			// marked changes, at their instants, the plot's full height.
			chs := tr.Changes()
			if len(v.Marks) != len(chs) || len(chs) != 3 {
				t.Fatalf("%d change markers for %d changes, want 3", len(v.Marks), len(chs))
			}
			for i, m := range v.Marks {
				if abs(m.Left-x(chs[i].Time)) > 1 || abs(m.Height-v.PlotHeight) > 0.5 {
					t.Errorf("marker %d (%s) at %.1f, %.1f px high; want %.1f", i, chs[i].Description, m.Left, m.Height, x(chs[i].Time))
				}
			}
			if !strings.Contains(v.Marks[2].Title, "flag checkout-v2 on <b>") || v.Bold != 0 {
				t.Errorf("a change's markup is not text: marker %q, %d <b> elements", v.Marks[2].Title, v.Bold)
			}
			// The list: newest first, each row linking to its draft.
			if len(v.Rows) != 2 || v.Rows[0].ID != "incident-2" || v.Rows[1].ID != "incident-1" ||
				!strings.Contains(v.Rows[1].Text, "marked: flag checkout-v2 on <b>, 10m before the onset") {
				t.Fatalf("incident rows %+v", v.Rows)
			}
			for i, r := range v.Rows {
				id := ins[i].ID
				if r.Draft != fmt.Sprintf("%s/slo/incidents/%d.md", srv.URL, id) {
					t.Errorf("row %s links to %s", r.ID, r.Draft)
					continue
				}
				res, err := http.Get(r.Draft)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !strings.HasPrefix(string(body), fmt.Sprintf("# Incident %d: api, shop", id)) {
					t.Errorf("%s: %d\n%.200s", r.Draft, res.StatusCode, body)
				}
			}
			checkLayout(t, p, width)

			ext := filepath.Ext(*screenshot)
			path := strings.TrimSuffix(*screenshot, ext) + "-incidents" + ext
			if width < 1000 {
				path = narrowPath(path)
			}
			if err := p.screenshot(path); err != nil {
				t.Fatal(err)
			}
			full, _ := filepath.Abs(path)
			t.Logf("dashboard with incidents at %d px: %s", width, full)
		})
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
