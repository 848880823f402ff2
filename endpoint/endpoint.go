package endpoint

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/internal/sharedstatus"
	"github.com/errbudget/errbudget/internal/statuscache"
	"github.com/errbudget/errbudget/openslo"
)

// Option configures the handler New returns.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	interval time.Duration
	refresh  time.Duration
	title    string
	points   int
}

// WithInterval sets how long one status computation serves every request
// (default 1 s, on the tracker's clock). A longer interval bounds the cost
// of a flood of requests further; the figures are then up to that old.
func WithInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.interval = d })
}

// WithRefresh sets how often the dashboard reloads itself (default 10 s;
// a negative value turns reloading off).
func WithRefresh(d time.Duration) Option {
	return optionFunc(func(c *config) { c.refresh = d })
}

// WithTitle sets the dashboard's title, such as the service's name
// (default "Service level objectives").
func WithTitle(title string) Option {
	return optionFunc(func(c *config) { c.title = title })
}

// snapshot is one status computation with what the pages derive from it.
// The dashboard draws the burn-downs of the cards it shows on its first
// render (budget.Tracker.BurnDownOf), each ending at exactly its status's
// figure even when events arrive between the computation and that render:
// the JSON, the gate and the OpenTelemetry export do not pay for them.
type snapshot struct {
	src      *sharedstatus.Snapshot
	export   *sharedstatus.ExportReport // the open OpenTelemetry export's, if any
	now      time.Time
	statuses []budget.Status
	// The incidents (newest first) and changes (oldest first) the
	// dashboard draws, read on its first render (dashboard_incidents.go):
	// the JSON and the gate do not pay for them.
	extras    sync.Once
	incidents []budget.Incident
	changes   []budget.Change

	// Each page is rendered once per snapshot, on its first request: a
	// flood of requests costs a copy of the bytes each.
	jsonOut, jsonPretty, gateOut rendered
	pagesMu                      sync.Mutex
	pages                        map[pageKey]*rendered // the dashboard's views (dashboard.go)
}

// pageKey is one rendering of a dashboard view: slash when asked as ui/,
// whose links go one level up.
type pageKey struct {
	v     view
	slash bool
}

// page returns the rendering of the dashboard's view v. The views are
// bounded by the tracker's objectives and their pages.
func (s *snapshot) page(v view, slash bool) *rendered {
	s.pagesMu.Lock()
	defer s.pagesMu.Unlock()
	k := pageKey{v, slash}
	r := s.pages[k]
	if r == nil {
		if s.pages == nil {
			s.pages = map[pageKey]*rendered{}
		}
		r = &rendered{}
		s.pages[k] = r
	}
	return r
}

// rendered is one response body, made once.
type rendered struct {
	once sync.Once
	code int
	body []byte
	err  error
}

func (r *rendered) get(render func() (int, []byte, error)) (int, []byte, error) {
	r.once.Do(func() { r.code, r.body, r.err = render() })
	return r.code, r.body, r.err
}

// handler serves the endpoint. It holds no state besides the cache.
type handler struct {
	cfg config
	tr  *budget.Tracker
	// The status is the tracker's shared computation
	// (internal/sharedstatus): the OpenTelemetry export and every handler
	// of the tracker compute it once per interval between them. last is
	// this handler's view of the latest one, with its rendered pages.
	shared *sharedstatus.Shared
	mu     sync.Mutex
	last   *snapshot
	// The declarations never change: written once, on the first request.
	oslo rendered
}

// New returns the handler serving tr's state: JSON at the root of where it
// is mounted, the dashboard at ui, the release gate at gate. See the package
// documentation for how to mount it.
//
// The handler only reads; nothing a request says can change the tracker.
// Computing the status also delivers the tracker's transitions (its
// OnTransition functions run in the request's goroutine, unless an earlier
// transition is still on its way from another). New panics when tr
// is nil, as http.Handle does with a nil handler.
func New(tr *budget.Tracker, opts ...Option) http.Handler {
	if tr == nil {
		panic("endpoint: New with a nil tracker")
	}
	cfg := config{interval: statuscache.DefaultInterval, refresh: 10 * time.Second, title: "Service level objectives", points: 120}
	for _, o := range opts {
		o.apply(&cfg)
	}
	h := &handler{cfg: cfg, tr: tr}
	h.shared = sharedstatus.For(tr)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var serve func(http.ResponseWriter, *http.Request, *snapshot)
	needsStatus := true
	rel := relPath(r)
	if rel != "" && rel[0] != '/' {
		rel = "/" + rel // behind http.StripPrefix("/slo/")
	}
	if rest, ok := strings.CutPrefix(rel, "/incidents"); ok && (rest == "" || rest[0] == '/') {
		rel = "/incidents" // incidents.go
		serve = func(w http.ResponseWriter, r *http.Request, s *snapshot) { h.serveIncidents(w, r, s, rest) }
	}
	switch strings.TrimSuffix(rel, "/") {
	case "/incidents":
	case "":
		serve = h.serveJSON
	case "/ui":
		serve = h.serveDashboard
	case "/gate":
		serve = h.serveGate
	case "/changes":
		serve = h.serveChanges // incidents.go
	case "/openslo":
		serve, needsStatus = h.serveOpenSLO, false
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if needsStatus {
		serve(w, r, h.snapshot())
		return
	}
	serve(w, r, nil)
}

// snapshot returns this handler's view of the shared computation within
// the handler's interval, made once per computation.
func (h *handler) snapshot() *snapshot {
	src := h.shared.Get(h.cfg.interval)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last != nil && h.last.src == src {
		return h.last
	}
	s := &snapshot{src: src, now: src.Now, statuses: src.Statuses}
	s.export = h.shared.Export()
	h.last = s
	return s
}

// serveJSON writes the report without indentation (it is a megabyte at
// 400 series, a quarter of it spaces); ?pretty indents it by two spaces
// for a reader at a terminal.
func (h *handler) serveJSON(w http.ResponseWriter, r *http.Request, s *snapshot) {
	compact := func() (int, []byte, error) {
		rep := newReport(h.tr.Service(), s.now, s.statuses)
		rep.OTelOverflow = newOTelOverflow(s.export)
		b, err := json.Marshal(rep)
		return http.StatusOK, append(b, '\n'), err
	}
	if !r.URL.Query().Has("pretty") {
		writeRendered(w, r, "application/json", &s.jsonOut, compact)
		return
	}
	writeRendered(w, r, "application/json", &s.jsonPretty, func() (int, []byte, error) {
		code, b, err := s.jsonOut.get(compact)
		if err != nil {
			return 0, nil, err
		}
		var buf bytes.Buffer
		buf.Grow(len(b) * 3 / 2)
		if err := json.Indent(&buf, b, "", "  "); err != nil {
			return 0, nil, err
		}
		return code, buf.Bytes(), nil
	})
}

func (h *handler) serveGate(w http.ResponseWriter, r *http.Request, s *snapshot) {
	writeRendered(w, r, "application/json", &s.gateOut, func() (int, []byte, error) {
		g := newGateReport(s.now, s.statuses)
		code := http.StatusOK
		if !g.ReleaseAllowed {
			code = http.StatusLocked
		}
		return encodeJSON(code, g)
	})
}

// serveOpenSLO writes the tracker's declarations as OpenSLO v1 YAML, with
// the writer's report (renamed names, Go functions left out) as comments.
func (h *handler) serveOpenSLO(w http.ResponseWriter, r *http.Request, _ *snapshot) {
	writeRendered(w, r, "application/yaml", &h.oslo, func() (int, []byte, error) {
		b, _, err := openslo.Marshal(openslo.FromTracker(h.tr), openslo.YAML)
		return http.StatusOK, b, err
	})
}

// encodeJSON writes v indented: the gate's and the incidents' answers are
// small and read in a deploy job's log.
func encodeJSON(code int, v any) (int, []byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 0, nil, err
	}
	return code, buf.Bytes(), nil
}

func writeRendered(w http.ResponseWriter, r *http.Request, contentType string, out *rendered, render func() (int, []byte, error)) {
	code, body, err := out.get(render)
	if err != nil {
		http.Error(w, "errbudget: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeBody(w, r, code, contentType, body)
}

func writeBody(w http.ResponseWriter, r *http.Request, code int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// relPath returns the request's path relative to where the handler is
// mounted: "" or "/" for the root, "/ui", "/gate", "/openslo".
//
// Behind http.StripPrefix the path is relative already. Mounted on a
// ServeMux pattern ("/slo" and "/slo/"), the pattern's path is taken off;
// a pattern with wildcards ("/t/{tenant}/slo/") takes off as many segments.
// Served as a listener's whole handler, the path is used as is.
func relPath(r *http.Request) string {
	p := r.URL.Path
	pp := patternPath(r.Pattern)
	if pp == "" {
		return p
	}
	if !strings.Contains(pp, "{") {
		if p == pp || strings.HasPrefix(p, pp+"/") {
			return p[len(pp):]
		}
		return p // stripped already
	}
	n := strings.Count(pp, "/")
	rest := p
	for range n {
		i := strings.IndexByte(rest[1:], '/')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
	}
	return rest
}

// patternPath returns the path of a ServeMux pattern ("GET host/slo/{$}"),
// without the trailing slash or a final "{$}" or "{name...}".
func patternPath(pat string) string {
	if i := strings.IndexAny(pat, " \t"); i >= 0 {
		pat = strings.TrimLeft(pat[i:], " \t")
	}
	if i := strings.IndexByte(pat, '/'); i >= 0 {
		pat = pat[i:]
	} else {
		return ""
	}
	if i := strings.LastIndexByte(pat, '/'); i >= 0 && strings.HasPrefix(pat[i:], "/{") && (pat[i:] == "/{$}" || strings.HasSuffix(pat, "...}")) {
		pat = pat[:i]
	}
	return strings.TrimSuffix(pat, "/")
}
