package endpoint_test

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/browsertest"
)

var screenshot = flag.String("screenshot", filepath.Join(os.TempDir(), "errbudget-dashboard.png"),
	"where TestDashboardInBrowser saves its screenshot (docs/dashboard.png is made with -screenshot ../docs/dashboard.png)")

// Acceptance 4: the dashboard as a browser shows it. Every objective and
// its chart render, the console stays clean, nothing is fetched from
// anywhere but the page itself, and a screenshot is saved.
func TestDashboardInBrowser(t *testing.T) {
	b := browsertest.New(t)
	tr, _ := newFixture(t)
	mux := http.NewServeMux()
	h := endpoint.New(tr, endpoint.WithTitle("checkout & chat"))
	mux.Handle("/slo", h)
	mux.Handle("/slo/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := b.Open(ctx, srv.URL+"/slo/ui", 1400, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Errors() {
		t.Errorf("console: %s", m)
	}
	for _, u := range p.Requests() {
		if u != srv.URL+"/slo/ui" {
			t.Errorf("the page requested %s", u)
		}
	}

	// Every objective, and each group of the grouped one, has a card with
	// its name, a chart of visible size and, with data, a drawn curve.
	var cards []struct {
		Name, Group, Remaining  string
		ChartWidth, ChartHeight float64
		CurvePoints             int
		Alerts                  int
	}
	err = p.Eval(ctx, `[...document.querySelectorAll("section.card")].map(c => {
		const svg = c.querySelector("svg.burndown"), r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
		const line = c.querySelector("svg.burndown polyline");
		return {
			name: c.querySelector("h2.name").firstChild.textContent,
			group: (c.querySelector(".group") || {}).textContent || "",
			remaining: c.querySelector(".value.rem").textContent,
			chartWidth: r.width, chartHeight: r.height,
			curvePoints: line ? line.points.numberOfItems : 0,
			alerts: c.querySelectorAll("table.alerts tbody tr").length,
		};
	})`, &cards)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, group, remaining string }{
		{"checkout-availability", "", "21.7%"},
		{"checkout-latency", "", "59.5%"},
		{"chat-ttft", "model = gpt-4o", "60.0%"},
		{"chat-ttft", "model = llama-3-70b", "−71.4%"},
		{"chat-quality", "", "No data"},
	}
	if len(cards) != len(want) {
		t.Fatalf("%d cards rendered, want %d: %+v", len(cards), len(want), cards)
	}
	for i, w := range want {
		c := cards[i]
		if c.Name != w.name || c.Group != w.group || c.Remaining != w.remaining {
			t.Errorf("card %d: %q %q %q, want %q %q %q", i, c.Name, c.Group, c.Remaining, w.name, w.group, w.remaining)
		}
		if c.ChartWidth < 400 || c.ChartHeight < 100 {
			t.Errorf("card %d (%s): chart %.0f×%.0f px", i, c.Name, c.ChartWidth, c.ChartHeight)
		}
		wantPoints := 121
		if w.remaining == "No data" {
			wantPoints = 0 // no data, no curve
		}
		if c.CurvePoints != wantPoints {
			t.Errorf("card %d (%s): curve of %d points, want %d", i, c.Name, c.CurvePoints, wantPoints)
		}
		if c.Alerts != 4 {
			t.Errorf("card %d (%s): %d alert rows", i, c.Name, c.Alerts)
		}
	}
	var gate string
	if err := p.Eval(ctx, `document.getElementById("gate").textContent`, &gate); err != nil || !strings.Contains(gate, "Releases frozen") {
		t.Errorf("gate chip %q, %v", gate, err)
	}

	if err := p.Screenshot(ctx, *screenshot); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(*screenshot)
	t.Logf("dashboard screenshot: %s", abs)
}
