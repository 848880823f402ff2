package endpoint_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
)

// Issue 13, target 2: a grouped objective's groups fold into one summary,
// worst first, closed until opened, the cards inside in the same order;
// the JSON keeps every group in its own order.
func TestDashboardFoldsGroupsWorstFirst(t *testing.T) {
	tr, _ := fixture.New(t)
	srv := httptest.NewServer(endpoint.New(tr))
	defer srv.Close()
	read := func(path string) string {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	page := read("/ui")
	folds := regexp.MustCompile(`(?s)<details class="fold ([a-z]+)" id="[^"]+" data-objective="([^"]+)">\s*<summary>(.*?)</summary>(.*?)</details>`).FindAllStringSubmatch(page, -1)
	if len(folds) != 1 {
		t.Fatalf("%d folds, want 1 (chat-ttft)", len(folds))
	}
	f := folds[0]
	if f[1] != "bad" || f[2] != "chat-ttft" {
		t.Errorf("fold class %q, objective %q", f[1], f[2])
	}
	summary := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(f[3], "|")
	for _, want := range []string{"2 groups by model · 1 exhausted · 0 at risk · 1 healthy", "llama-3-70b: −71.4% · exhausted||gpt-4o: 60.0% · healthy"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary %q lacks %q", summary, want)
		}
	}
	inside := regexp.MustCompile(`<span class="group">model = ([^<]+)</span>`).FindAllStringSubmatch(f[4], -1)
	if len(inside) != 2 || inside[0][1] != "llama-3-70b" || inside[1][1] != "gpt-4o" {
		t.Errorf("cards in the fold: %q, want llama-3-70b then gpt-4o", inside)
	}
	if strings.Contains(f[0], "<details class=\"fold bad\" open") {
		t.Error("the fold is open")
	}
	// Ungrouped objectives stay out of any fold.
	if n := strings.Count(page, `<section class="card`); n != 5 {
		t.Errorf("%d cards, want 5", n)
	}
	// The JSON: every group, in the order they appeared.
	js := read("")
	if i, j := strings.Index(js, `"value":"gpt-4o"`), strings.Index(js, `"value":"llama-3-70b"`); i < 0 || j < 0 || i > j {
		t.Errorf("JSON groups out of order or missing: gpt-4o at %d, llama-3-70b at %d", i, j)
	}
}
