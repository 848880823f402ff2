package httpslo_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
)

// TestAllocs is acceptance test 5: recording allocates nothing, and a whole
// request costs one allocation more than the bare handler (the call that
// carries the request's context; see the package documentation).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	lat := sli.Objective{Name: "fast", Kind: sli.Latency, Target: 0.99, Threshold: time.Second, GroupBy: sli.GroupByRoute}
	// The real clock: a fake one would take its mutex, not allocate, but
	// production reads time.Now.
	tr, err := budget.New([]sli.Objective{availability("api", ""), lat})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		httpslo.SetOutcome(r.Context(), sli.Good)
		io.WriteString(w, "hello")
	})
	w := &discard{h: http.Header{}}
	r := httptest.NewRequest("GET", "/hello/gopher", nil)
	bare := testing.AllocsPerRun(1000, func() { mux.ServeHTTP(w, r) })
	var m *httpslo.Middleware
	for _, mode := range modes {
		var err error
		m, err = httpslo.New(tr, mode.opts...)
		if err != nil {
			t.Fatal(err)
		}
		h := m.Handler(mux)
		wrapped := testing.AllocsPerRun(1000, func() { h.ServeHTTP(w, r) })
		t.Logf("%s: allocations per request: %v bare, %v through the middleware", mode.name, bare, wrapped)
		if wrapped > bare+1 {
			t.Errorf("%s: a request costs %v allocations through the middleware, %v bare: want at most one more", mode.name, wrapped, bare)
		}
	}
	record := m.RecordingPath(w, r)
	if n := testing.AllocsPerRun(1000, record); n != 0 {
		t.Errorf("recording allocates %v times per request, want 0", n)
	}
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		http.NewResponseController(w).Flush()
	})
	streaming := m.Handler(stream)
	bare = testing.AllocsPerRun(1000, func() { stream.ServeHTTP(w, r) })
	if n := testing.AllocsPerRun(1000, func() { streaming.ServeHTTP(w, r) }); n > bare+1 {
		t.Errorf("a streamed request costs %v allocations through the middleware, %v bare: want at most one more", n, bare)
	}
	if got := countsOf(t, tr, "fast", "GET /hello/{name}"); got.good < 2000 {
		t.Errorf("latency counts %+v: the requests were not recorded", got)
	}
}
