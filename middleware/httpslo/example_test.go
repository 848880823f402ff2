package httpslo_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
)

// get sends a request to a test server and discards the answer.
func get(url string) {
	resp, err := http.Get(url)
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// printStatus prints the counts of every objective and group.
func printStatus(tr *budget.Tracker) {
	for _, st := range tr.Status() {
		name := st.Objective.Name
		if st.Group != "" {
			name += " " + st.Group
		}
		fmt.Printf("%-28s good %d, bad %d, excluded %d\n", name, st.Good, st.Bad, st.LifetimeExcluded)
	}
}

// Wrap a ServeMux: every request counts toward the tracker's objectives,
// and the objective grouped by route keeps one budget per mux pattern.
func Example() {
	tr, err := budget.New([]sli.Objective{
		{Name: "api-availability", Target: 0.999},
		{Name: "api-latency", Kind: sli.Latency, Target: 0.99, Threshold: time.Second, GroupBy: sli.GroupByRoute},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "0" {
			http.Error(w, "database down", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "an item")
	})
	m, err := httpslo.New(tr)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(m.Handler(mux))
	defer srv.Close()

	for _, path := range []string{"/items/1", "/items/2", "/items/0", "/nowhere"} {
		get(srv.URL + path)
	}
	printStatus(tr)
	// Output:
	// api-availability             good 2, bad 1, excluded 1
	// api-latency GET /items/{id}  good 2, bad 0, excluded 1
	// api-latency _UNMATCHED       good 0, bad 0, excluded 1
}

// A handler that answers 200 but failed (an API that reports errors in the
// body, a GraphQL error, an empty answer) says so through the request's
// context, with a middleware created WithOutcomeContext.
func ExampleSetOutcome() {
	tr, err := budget.New([]sli.Objective{{Name: "search", Target: 0.99}})
	if err != nil {
		panic(err)
	}
	m, err := httpslo.New(tr, httpslo.WithOutcomeContext())
	if err != nil {
		panic(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		results, err := search(r.Context(), r.URL.Query().Get("q"))
		if err != nil {
			httpslo.SetOutcome(r.Context(), sli.Bad)
			fmt.Fprintf(w, `{"results": [], "error": %q}`, err)
			return
		}
		fmt.Fprintf(w, `{"results": %q}`, results)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	get(srv.URL + "/?q=gophers")
	get(srv.URL + "/?q=") // 200, with an error in the body
	printStatus(tr)
	// Output:
	// search                       good 1, bad 1, excluded 0
}

func search(_ context.Context, q string) ([]string, error) {
	if q == "" {
		return nil, fmt.Errorf("empty query")
	}
	return []string{q + ".go"}, nil
}

// A router other than ServeMux (chi, gorilla/mux) keeps the route it matched
// in the request's context; WithRouteFunc reads it after the handler
// returned. The tiny router below works as chi does: it puts an empty route
// context in the request, runs its middleware (added with Use), and fills
// the route in when it dispatches.
func ExampleWithRouteFunc() {
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999, GroupBy: sli.GroupByRoute}})
	if err != nil {
		panic(err)
	}
	m, err := httpslo.New(tr, httpslo.WithRouteFunc(routePattern))
	if err != nil {
		panic(err)
	}
	r := &router{}
	r.Use(m.Handler)
	r.Handle("/users/:id", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r.Handle("/users/:id/orders", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	srv := httptest.NewServer(r)
	defer srv.Close()

	for _, path := range []string{"/users/1", "/users/2", "/users/2/orders", "/admin"} {
		get(srv.URL + path)
	}
	printStatus(tr)
	// Output:
	// api /users/:id               good 2, bad 0, excluded 0
	// api /users/:id/orders        good 0, bad 1, excluded 0
	// api _UNMATCHED               good 0, bad 0, excluded 1
}

// router is a minimal router in chi's style: patterns whose ":name"
// segments match any segment, middleware that runs before routing, and the
// matched pattern kept in a route context that middleware can read.
type router struct {
	middleware []func(http.Handler) http.Handler
	patterns   []string
	handlers   []http.Handler
}

type routeContext struct{ pattern string }

type routeContextKey struct{}

// routePattern returns the pattern the router matched, "" when none did.
func routePattern(r *http.Request) string {
	if rc, ok := r.Context().Value(routeContextKey{}).(*routeContext); ok {
		return rc.pattern
	}
	return ""
}

func (rt *router) Use(mw func(http.Handler) http.Handler) { rt.middleware = append(rt.middleware, mw) }

func (rt *router) Handle(pattern string, h http.Handler) {
	rt.patterns = append(rt.patterns, pattern)
	rt.handlers = append(rt.handlers, h)
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := &routeContext{}
	r = r.WithContext(context.WithValue(r.Context(), routeContextKey{}, rc))
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i, p := range rt.patterns {
			if matches(p, r.URL.Path) {
				rc.pattern = p
				rt.handlers[i].ServeHTTP(w, r)
				return
			}
		}
		http.NotFound(w, r)
	})
	for i := len(rt.middleware) - 1; i >= 0; i-- {
		h = rt.middleware[i](h)
	}
	h.ServeHTTP(w, r)
}

func matches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if ps[i] != xs[i] && !strings.HasPrefix(ps[i], ":") {
			return false
		}
	}
	return true
}
