package httpslo_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/internal/wiring"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
)

// TestRegressionFakeClockWithMonotonicReading: a fake clock started from
// time.Now() hands out times that carry a monotonic reading; the package
// doc promises that the tracker's clock controls every duration.
func TestRegressionFakeClockWithMonotonicReading(t *testing.T) {
	p := &probe{}
	clk := budgettest.NewClock(time.Now())
	tr, err := budget.New([]sli.Objective{p.objective("probe")}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clk.Advance(2 * time.Second)
		w.Write([]byte("x"))
		w.(http.Flusher).Flush()
		clk.Advance(time.Second)
	}), tr)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	ev := p.all()
	if len(ev) != 1 {
		t.Fatalf("events %+v, want 1", ev)
	}
	if ev[0].Duration != 3*time.Second || ev[0].FirstToken != 2*time.Second {
		t.Errorf("duration %v, first byte %v; want 3s and 2s from the fake clock", ev[0].Duration, ev[0].FirstToken)
	}
}

// plainWriter is a ResponseWriter with no optional interface (an old
// logging wrapper outside the middleware, say).
type plainWriter struct {
	h    http.Header
	code int
}

func (w *plainWriter) Header() http.Header { return w.h }
func (w *plainWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return len(b), nil
}
func (w *plainWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

// TestRegressionFlushUnsupportedKeepsStatusOpen: a Flush that could not flush
// sent no header, so the status the handler writes next is the one the
// caller gets, and the one that must be counted.
func TestRegressionFlushUnsupportedKeepsStatusOpen(t *testing.T) {
	p := &probe{}
	tr, _ := newTracker(t, p.objective("probe"))
	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		w.WriteHeader(http.StatusServiceUnavailable)
	}), tr)
	pw := &plainWriter{h: http.Header{}}
	h.ServeHTTP(pw, httptest.NewRequest("GET", "/", nil))
	if pw.code != http.StatusServiceUnavailable {
		t.Fatalf("the caller got %d", pw.code)
	}
	ev := p.all()
	if len(ev) != 1 || ev[0].Outcome != sli.Bad {
		t.Errorf("events %+v; the caller got 503, want one bad event", ev)
	}
}

// A route function or classifier that panics never escapes recording: the
// request counts under the unmatched route, or as excluded, and a handler's
// own panic keeps its value.
func TestRegressionPanickingUserFunctions(t *testing.T) {
	tr, _ := newTracker(t, availability("api", sli.GroupByRoute))
	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/handler-panics" {
			panic("handler's own")
		}
		w.WriteHeader(http.StatusInternalServerError)
	}), tr,
		httpslo.WithRouteFunc(func(r *http.Request) string { panic("route func bug") }),
		httpslo.WithClassifier(func(c httpslo.Call) sli.Outcome {
			if c.Request.URL.Path == "/classifier-panics" {
				panic("classifier bug")
			}
			return httpslo.Classify(c)
		}))
	serve := func(path string) (recovered any) {
		defer func() { recovered = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		return nil
	}
	if r := serve("/plain"); r != nil {
		t.Fatalf("a panicking route func escaped: %v", r)
	}
	if r := serve("/classifier-panics"); r != nil {
		t.Fatalf("a panicking classifier escaped: %v", r)
	}
	if r := serve("/handler-panics"); r != "handler's own" {
		t.Fatalf("the handler's panic became %v", r)
	}
	if got := countsOf(t, tr, "api", httpslo.UnmatchedRoute); got != (counts{good: 0, bad: 2, excluded: 1}) {
		t.Errorf("unmatched route counted %+v, want 2 bad (the 500 and the handler's panic), 1 excluded", got)
	}
	// Counted where every recovered panic is: three route functions, one
	// classifier.
	if got := wiring.UserPanics(tr); got != 4 {
		t.Errorf("UserPanics = %d, want 4", got)
	}
}
