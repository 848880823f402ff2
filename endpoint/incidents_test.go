package endpoint_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files")

// outage is issue 16's first scenario (fixture.Incidents) behind an
// endpoint.
func outage(t *testing.T, group string) (*budget.Tracker, http.Handler) {
	tr := fixture.Incidents(t, group, false)
	return tr, endpoint.New(tr, endpoint.WithInterval(0))
}

func TestIncidentsEndpoint(t *testing.T) {
	tr, h := outage(t, "")
	res, b := get(t, h, "GET", "/incidents")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	var list struct {
		Incidents []struct {
			ID     int64  `json:"id"`
			State  string `json:"state"`
			Events struct {
				Bad int64 `json:"bad"`
			} `json:"events"`
			Detection struct {
				Alert string `json:"alert"`
			} `json:"detection"`
			Candidates []struct {
				Description string `json:"description"`
			} `json:"candidate_triggers"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Incidents) != 1 || list.Incidents[0].ID != 1 || list.Incidents[0].State != "closed" ||
		list.Incidents[0].Events.Bad != 6000 || list.Incidents[0].Detection.Alert != "page-1h" ||
		len(list.Incidents[0].Candidates) != 1 || list.Incidents[0].Candidates[0].Description != "flag checkout-v2 on <b>" {
		t.Errorf("incidents %s", b)
	}
	if res, _ := get(t, h, "GET", "/incidents/1"); res.StatusCode != 200 {
		t.Errorf("incidents/1: %d", res.StatusCode)
	}
	for _, p := range []string{"/incidents/2", "/incidents/x", "/incidents/2.md", "/incidents/1/x"} {
		if res, _ := get(t, h, "GET", p); res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
	for _, p := range []string{"/incidents", "/incidents/1", "/incidents/1.md"} {
		if res, _ := get(t, h, "POST", p); res.StatusCode != 405 {
			t.Errorf("POST %s: %d, want 405", p, res.StatusCode)
		}
	}
	if len(tr.Incidents()) != 1 {
		t.Error("a request changed the incidents")
	}
	// Marked a false positive, it lists the correction that excludes it.
	if err := tr.MarkFalsePositive(1, "probe misconfigured"); err != nil {
		t.Fatal(err)
	}
	_, b = get(t, h, "GET", "/incidents/1")
	if !strings.Contains(string(b), `"reason": "incident 1 marked a false positive: probe misconfigured"`) {
		t.Errorf("incident 1 does not list its correction:\n%s", b)
	}
}

// The postmortem draft of the first scenario, compared with
// testdata/postmortem-outage.md (go test -run Postmortem -update rewrites
// it; read the diff before committing).
func TestPostmortemGolden(t *testing.T) {
	_, h := outage(t, "")
	res, b := get(t, h, "GET", "/incidents/1.md")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/markdown") {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	const golden = "testdata/postmortem-outage.md"
	if *updateGolden {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("draft differs from %s:\n%s", golden, b)
	}
	for _, word := range []string{"fault", "operator error", "human error", "mistake"} {
		if strings.Contains(strings.ToLower(string(b)), word) {
			t.Errorf("the draft says %q", word)
		}
	}
}

// A group value comes from outside (a route, a model name): the draft
// escapes it.
func TestPostmortemEscapes(t *testing.T) {
	_, h := outage(t, "<img src=x onerror=alert(1)>*[x](javascript:y)*")
	_, b := get(t, h, "GET", "/incidents/1.md")
	for _, bad := range []string{"<img", "[x](javascript", "*[x]"} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("draft holds %q unescaped:\n%s", bad, b)
		}
	}
}
