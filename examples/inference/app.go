package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// sloFile is the demo's declarations as OpenSLO v1: its service name, its
// four objectives and the alert rules. The same file drives the process
// (here) and the fleet's rules and checks (errbudget's tools read it, or
// take it from GET /slo/openslo). -objectives names another file.
//
//go:embed slo.yaml
var sloFile []byte

// declarations reads the demo's promises from its OpenSLO file (path, or
// the built-in slo.yaml when empty). Each call counts once toward each
// objective it belongs to: httpslo records availability (every call) and
// latency (non-streaming calls); inferenceslo records time to first token
// (streaming calls) and quality (every answer a judge scored).
func declarations(path string) (openslo.Declarations, error) {
	var d openslo.Declarations
	var err error
	if path == "" {
		d, err = openslo.Unmarshal(sloFile)
	} else {
		d, err = openslo.Load(path)
	}
	if err != nil {
		return d, err
	}
	// Go functions never travel in a file: the program attaches them.
	for i := range d.Objectives {
		if d.Objectives[i].Name == "completions-latency" {
			// A stream's duration is its whole answer, not its latency:
			// time to first token answers for streams.
			d.Objectives[i].Include = func(e sli.Event) bool { return !e.Streaming }
		}
	}
	return d, nil
}

// app is the demo service: the tracker, its instrumentation and handlers.
type app struct {
	cfg     config
	logger  *slog.Logger
	tracker *budget.Tracker
	model   *model
	inst    *inferenceslo.Instrument
	handler http.Handler
	closers []func() error
}

func newApp(c config, logger *slog.Logger) (*app, error) {
	a := &app{cfg: c, logger: logger, model: &model{failRate: c.failRate, lowQualityRate: c.lowQualityRate}}
	d, err := declarations(c.objectives)
	if err != nil {
		return nil, err
	}
	opts := append(d.Options(), budget.WithLogger(logger))
	if c.state != "" {
		// Restored here; saved every interval by Run and once more by Close.
		// One process at a time: a second one on the same file waits
		// c.stateLockWait for it, then exits with an error naming the holder.
		var store state.Store = state.NewFileStore(c.state, state.WithLockWait(c.stateLockWait))
		if c.fresh {
			store = freshStore{store.(*state.FileStore)}
		}
		opts = append(opts, budget.WithStore(store, c.snapshotInterval))
	}
	tr, err := budget.New(d.Objectives, opts...)
	if err != nil {
		return nil, err
	}
	a.tracker = tr

	// Metrics: an OpenTelemetry SDK with the Prometheus exporter on its own
	// registry, served at /metrics. The SLO state is read at each scrape;
	// the GenAI metrics are recorded once per call.
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	a.closers = append(a.closers, func() error { return mp.Shutdown(context.Background()) })
	otelReg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, otelReg.Close)

	a.inst, err = inferenceslo.New(tr,
		inferenceslo.WithObjectives("completions-ttft", "completions-quality"),
		inferenceslo.WithProvider("errbudget-demo"),
		inferenceslo.WithOperation("text_completion"),
		inferenceslo.WithMeterProvider(mp))
	if err != nil {
		return nil, err
	}

	api := http.NewServeMux()
	api.HandleFunc("POST /v1/completions", a.completions)
	// WithOutcomeContext lets the inference call's End say, through the
	// request's context, that the response is complete: a client that hangs
	// up as soon as it has read "[DONE]" (the OpenAI SDKs do) was served.
	mw, err := httpslo.New(tr, httpslo.WithObjectives("completions-availability", "completions-latency"),
		httpslo.WithOutcomeContext())
	if err != nil {
		return nil, err
	}
	instrumented := mw.Handler(api)

	slo := endpoint.New(tr, endpoint.WithTitle("errbudget demo — inference API"))
	mux := http.NewServeMux()
	mux.Handle("/slo", slo)
	mux.Handle("/slo/", slo)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /demo/changes", a.markChange) // rehearsal.go
	mux.Handle("/", instrumented)
	a.handler = mux
	return a, nil
}

// start runs the load generator and the tracker's loop (transitions,
// snapshots) until ctx is done.
func (a *app) start(ctx context.Context, base string) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.tracker.Run(ctx, 5*time.Second)
	}()
	if a.cfg.load > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			generateLoad(ctx, base, a.cfg.load)
		}()
	}
	return &wg
}

// save writes the final snapshot, once the server has stopped recording.
func (a *app) save() error { return a.tracker.Close() }

func (a *app) close() {
	for _, c := range a.closers {
		if err := c(); err != nil {
			a.logger.Warn("demo: close: " + err.Error())
		}
	}
}

// completions serves POST /v1/completions: a JSON answer, or server-sent
// events when the request asks to stream.
func (a *app) completions(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	if req.Model == "" {
		writeError(w, http.StatusBadRequest, "model is required")
		return
	}
	sc, err := parseScript(r.Header)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	p := a.model.plan(req.Prompt, req.MaxTokens, sc)
	ctx := r.Context()
	call := a.inst.StartRequest(ctx, inferenceslo.Request{Model: req.Model, Stream: req.Stream})
	if p.err != nil {
		call.End(inferenceslo.NewError(inferenceslo.ClassifyStatus(p.err.status), p.err))
		writeError(w, p.err.status, p.err.Error())
		return
	}
	id := fmt.Sprintf("cmpl-%016x", rand.Uint64())
	created := time.Now().Unix()
	if !req.Stream {
		if err := sleep(ctx, p.duration()); err != nil {
			call.End(err)
			return
		}
		call.SetUsage(int64(promptTokens(req.Prompt)), int64(len(p.tokens)))
		call.Score(p.score) // the judge's verdict on the answer
		call.End(nil)
		stop := "length"
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(completion{
			ID: id, Object: "text_completion", Created: created, Model: req.Model,
			Choices: []choice{{Text: strings.Join(p.tokens, " "), FinishReason: &stop}},
			Usage:   &usage{PromptTokens: promptTokens(req.Prompt), CompletionTokens: len(p.tokens), TotalTokens: promptTokens(req.Prompt) + len(p.tokens)},
		})
		return
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	if err := sleep(ctx, p.ttft); err != nil {
		call.End(err)
		return
	}
	for i, tok := range p.tokens {
		if i > 0 {
			if err := sleep(ctx, p.perToken); err != nil {
				call.End(err)
				return
			}
		}
		text := tok
		if i > 0 {
			text = " " + tok
		}
		chunk, _ := json.Marshal(completion{ID: id, Object: "text_completion", Created: created, Model: req.Model,
			Choices: []choice{{Text: text}}})
		if _, err := fmt.Fprintf(w, "data: %s\n\n", chunk); err != nil {
			call.End(err)
			return
		}
		if err := rc.Flush(); err != nil {
			call.End(err)
			return
		}
		call.Token()
	}
	stop := "length"
	chunk, _ := json.Marshal(completion{ID: id, Object: "text_completion", Created: created, Model: req.Model,
		Choices: []choice{{FinishReason: &stop}}})
	fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", chunk)
	rc.Flush()
	call.Score(p.score) // the judge's verdict on the answer
	// The answer is complete: End says so to httpslo too (WithOutcomeContext),
	// so a client that hangs up now was served, not gone.
	call.End(nil)
	if sc.linger > 0 {
		// Post-processing after the stream (X-Simulate-Linger), cut short
		// when the client hangs up.
		sleep(ctx, sc.linger)
	}
}

// printTable writes the budget of every objective as a table.
func printTable(out io.Writer, statuses []budget.Status) {
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "OBJECTIVE\tKIND\tTARGET\tGOOD\tBAD\tSLI\tBUDGET LEFT\tBURN 1h\tPOLICY\tFIRING")
	for _, st := range statuses {
		name := st.Objective.Name
		if st.Group != "" {
			name += "[" + st.Group + "]"
		}
		var firing []string
		for _, al := range st.Firing() {
			firing = append(firing, al.Rule.Name)
		}
		if len(firing) == 0 {
			firing = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4g%%\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", name, st.Objective.Kind, st.Objective.Target*100,
			st.Good, st.Bad, pct(st.SLI, 3), pct(st.Remaining, 1), num(st.BurnRateOf("1h")), st.PolicyState, strings.Join(firing, ","))
	}
	tw.Flush()
}

func pct(f budget.Float, digits int) string {
	if !f.Valid {
		return "no data"
	}
	return fmt.Sprintf("%.*f%%", digits, f.Value*100)
}

func num(f budget.Float) string {
	if !f.Valid {
		return "no data"
	}
	return fmt.Sprintf("%.2f", f.Value)
}

// freshStore is the demo's state file under -fresh: New locks it as usual
// (the lock comes with the embedded FileStore), but finds nothing to
// restore, and the first snapshot replaces what was there.
type freshStore struct{ *state.FileStore }

// Load reports no saved state, whatever the file holds.
func (freshStore) Load() (*state.State, error) { return nil, state.ErrNotFound }
