package httpslo_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
)

// discard is a ResponseWriter that keeps nothing, so that a test of a
// million requests measures the middleware, not a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Flush()                      {}

// paths returns n distinct paths that look random: a counter through a
// bijection of uint64, so they never repeat.
func paths(seed uint64) func() string {
	i := seed
	return func() string {
		i++
		return "/" + strconv.FormatUint(i*0x9E3779B97F4A7C15, 36)
	}
}

func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestHostileRoutes is acceptance test 2: a million requests with distinct
// random paths, through a route function that returns the raw path. The
// groups stay at their cap, and the heap grows by less than 1 MiB beyond the
// memory of those groups.
func TestHostileRoutes(t *testing.T) {
	const maxGroups = 20
	n := 1_000_000
	if raceEnabled || testing.Short() {
		n = 20_000
	}
	byRoute := availability("per-route", sli.GroupByRoute)
	byRoute.MaxGroups = maxGroups
	tr, _ := newTracker(t, availability("api", ""), byRoute)

	// The memory of the groups at the cap, measured on a twin tracker.
	twin, _ := newTracker(t, availability("api", ""), byRoute)
	before := heapInUse()
	for i := range maxGroups + 1 {
		twin.SLO("per-route").Series("g" + strconv.Itoa(i))
	}
	twin.SLO("api").Series("")
	groupsMem := heapInUse() - before
	runtime.KeepAlive(twin)

	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), tr,
		httpslo.WithRouteFunc(func(r *http.Request) string { return r.URL.Path }))
	w := &discard{h: http.Header{}}
	r := httptest.NewRequest("GET", "/", nil)
	next := paths(1)
	start := heapInUse()
	for range n {
		r.URL.Path = next()
		h.ServeHTTP(w, r)
	}
	grown := int64(heapInUse()) - int64(start)

	groups := groupsOf(tr, "per-route")
	if len(groups) != maxGroups+1 || groups[maxGroups] != sli.OverflowGroup {
		t.Errorf("%d groups (last %q), want %d and the overflow group", len(groups), groups[len(groups)-1], maxGroups+1)
	}
	if got := countsOf(t, tr, "api", ""); got.good != int64(n) {
		t.Errorf("api counts %+v, want %d good", got, n)
	}
	var sum int64
	for _, g := range groups {
		sum += countsOf(t, tr, "per-route", g).good
	}
	if sum != int64(n) {
		t.Errorf("the groups count %d requests, want %d", sum, n)
	}
	t.Logf("%d requests: heap grew %d KiB; the groups at the cap take %d KiB", n, grown/1024, groupsMem/1024)
	if raceEnabled {
		return // the race detector's shadow memory makes the heap figure meaningless
	}
	if limit := int64(groupsMem) + 1<<20; grown >= limit {
		t.Errorf("heap grew %d KiB, want < %d KiB (groups %d KiB + 1 MiB)", grown/1024, limit/1024, groupsMem/1024)
	}
}

// TestUnmatchedRoutes is the ServeMux half of acceptance test 2: the same
// paths through a ServeMux all land in the one unmatched group.
func TestUnmatchedRoutes(t *testing.T) {
	n := 1_000_000
	if raceEnabled || testing.Short() {
		n = 20_000
	}
	tr, _ := newTracker(t, availability("per-route", sli.GroupByRoute))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /known", func(w http.ResponseWriter, r *http.Request) {})
	h := wrap(t, mux, tr)
	w := &discard{h: http.Header{}}
	r := httptest.NewRequest("GET", "/", nil)
	next := paths(2)
	for range n {
		r.URL.Path = next()
		h.ServeHTTP(w, r)
	}
	if groups := groupsOf(tr, "per-route"); !slices.Equal(groups, []string{httpslo.UnmatchedRoute}) {
		t.Errorf("groups %q, want only %q", groups, httpslo.UnmatchedRoute)
	}
	if got := countsOf(t, tr, "per-route", httpslo.UnmatchedRoute); got != (counts{excluded: int64(n)}) {
		t.Errorf("counts %+v, want %d excluded (404)", got, n)
	}
}

// TestRoutesShareTheOneCap checks the route table's bounds: the rule every
// adapter shares (budget.Resolver). Routes past the objective's MaxGroups,
// overlong routes, and the unmatched route once the groups are full count in
// _OTHER; a route listed in WithRouteObjectives counts toward the cap as
// any other.
func TestRoutesShareTheOneCap(t *testing.T) {
	perRoute := availability("per-route", sli.GroupByRoute)
	perRoute.MaxGroups = 4
	tr, _ := newTracker(t, perRoute, availability("checkout", sli.GroupByRoute))
	m, err := httpslo.New(tr,
		httpslo.WithRouteFunc(func(r *http.Request) string { return r.URL.Path }),
		httpslo.WithObjectives("per-route"),
		httpslo.WithRouteObjectives(map[string][]string{"/pay": {"checkout", "per-route"}}))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	long := "/" + strings.Repeat("x", sli.MaxGroupLen)
	for _, p := range []string{long, "/a", "/b", "/c", "/pay", "/a", "/d", "/pay", ""} {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path = p
		h.ServeHTTP(&discard{h: http.Header{}}, r)
	}
	want := map[string]int64{"/a": 2, "/b": 1, "/c": 1, sli.OverflowGroup: 3, "/pay": 2}
	groups := groupsOf(tr, "per-route")
	if len(groups) != len(want) {
		t.Errorf("groups %q, want %d", groups, len(want))
	}
	for g, n := range want {
		if got := countsOf(t, tr, "per-route", g); got.good != n {
			t.Errorf("group %q: %d good, want %d", g, got.good, n)
		}
	}
	if groups := groupsOf(tr, "checkout"); !slices.Equal(groups, []string{"/pay"}) {
		t.Errorf("checkout groups %q, want only /pay", groups)
	}
}

// TestRouteOverflowIsNotSilent is the case: a grouped objective
// seeing 200 routes at the default cap of 50 counts 150 requests in _OTHER,
// logs once which objective overflowed at what cap, and its status says so.
func TestRouteOverflowIsNotSilent(t *testing.T) {
	var logs bytes.Buffer
	tr, err := budget.New([]sli.Objective{availability("per-route", sli.GroupByRoute)},
		budget.WithClock(budgettest.NewClock(t0).Now), budget.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	m, err := httpslo.New(tr, httpslo.WithRouteFunc(func(r *http.Request) string { return r.URL.Path }))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for i := range 200 {
		h.ServeHTTP(&discard{h: http.Header{}}, httptest.NewRequest("GET", "/r"+strconv.Itoa(i), nil))
	}
	sts := tr.Status()
	if len(sts) != sli.DefaultMaxGroups+1 {
		t.Errorf("%d groups, want %d and _OTHER", len(sts), sli.DefaultMaxGroups)
	}
	for _, st := range sts {
		if st.Overflow != 150 {
			t.Errorf("group %q: overflow %d, want 150", st.Group, st.Overflow)
		}
	}
	if got := countsOf(t, tr, "per-route", sli.OverflowGroup); got.good != 150 {
		t.Errorf("_OTHER: %+v, want 150 good", got)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "slo=per-route label=route max_groups=50 value=/r50") {
		t.Errorf("%d warnings, want one naming the objective, its cap and /r50:\n%s", n, logs.String())
	}
}

// TestNewErrors checks that every configuration problem comes back at once.
func TestNewErrors(t *testing.T) {
	grouped := sli.Objective{Name: "chat", Target: 0.99, GroupBy: "model"}
	tr, _ := newTracker(t, availability("api", ""), grouped)
	_, err := httpslo.New(tr,
		httpslo.WithObjectives("api", "nope"),
		httpslo.WithRouteObjectives(map[string][]string{"GET /x": {"chat"}}),
		httpslo.WithClassifier(nil),
		httpslo.WithRouteFunc(nil),
		httpslo.WithFilter(nil),
		httpslo.WithUnmatchedRoute(""))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`no objective named "nope"`, `route "GET /x": objective "chat" groups by "model"`,
		"WithClassifier(nil)", "WithRouteFunc(nil)", "WithFilter(nil)", "WithUnmatchedRoute",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// By default every objective counts, so a tracker with an objective
	// grouped by another label needs WithObjectives.
	if _, err := httpslo.New(tr); err == nil || !strings.Contains(err.Error(), `"chat" groups by "model"`) {
		t.Errorf("New with the default objectives: error %v", err)
	}
}
