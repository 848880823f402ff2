// Command inference is errbudget's demo: an OpenAI-style completions API
// backed by a simulated model, instrumented with httpslo and inferenceslo,
// that keeps four objectives live and serves them at /slo (JSON), /slo/ui
// (the dashboard), /slo/gate (the release gate) and /metrics (Prometheus).
//
//	cd examples && go run ./inference
//
// Rehearse an incident with curl:
//
//	curl -X POST localhost:8080/v1/completions -H 'X-Simulate-Status: 500' \
//	  -d '{"model":"demo","prompt":"hello","max_tokens":8}'
//	curl -X POST localhost:8080/v1/completions -H 'X-Simulate-Latency: 2.5s' \
//	  -d '{"model":"demo","prompt":"hello","max_tokens":8,"stream":true}'
//
// Rehearse a postmortem: mark a change (POST /demo/changes, the demo's
// stand-in for Tracker.MarkChange in a service's code), fail enough calls
// to page, and read the draft, whose trigger section names the change:
//
//	curl -X POST localhost:8080/demo/changes -d 'model v2 behind the same binary'
//	for i in $(seq 200); do curl -s -o /dev/null -X POST localhost:8080/v1/completions \
//	  -H 'X-Simulate-Status: 500' -d '{"model":"demo","prompt":"hello","max_tokens":8}'; done
//	curl localhost:8080/slo/incidents
//	curl localhost:8080/slo/incidents/1.md
//
// X-Simulate-Linger: 50ms makes a streamed answer's handler linger after
// "data: [DONE]" (post-processing, as usage accounting or a log write
// does) until the client hangs up or 50 ms pass: the moment when a client
// that closes at "[DONE]", as the OpenAI SDKs do, leaves a handler that has
// not yet returned.
//
// Flags:
//
//	-addr               listen address (default 127.0.0.1:8080)
//	-load               requests per second of the built-in load generator (default 5); 0 turns it off
//	-duration           run that long, print the budget table and exit; 0 runs until interrupted
//	-state              file the budget state is kept in across restarts (default errbudget.state);
//	                    "" keeps no state
//	-fresh              discard the state file and start with an empty budget
//	-snapshot-interval  how often the state is saved (default 10s, at least 1s)
//	-state-lock-wait    how long to wait for another process to release the state file
//	                    before exiting with an error (default 10s)
//	-objectives         OpenSLO file the objectives are read from (default: the
//	                    built-in inference/slo.yaml)
//	-fail-rate          probability that an unscripted call fails (default 0.0002)
//	-low-quality-rate   probability that an unscripted answer is judged poor (default 0.01)
//
// On start the demo prints what it restored from the state file (the events
// of each objective's period and how old the snapshot is) and what the
// release gate answers and why: allowed, frozen by which objective, or
// allowed without a verdict while an objective has fewer events than the
// policy's minimum. On exit it prints what it saved. The state outlives a
// run on purpose (a spent budget stays spent across a restart); -fresh
// starts over.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/errbudget/errbudget/state"
)

type config struct {
	addr             string
	load             float64
	duration         time.Duration
	state            string
	fresh            bool
	snapshotInterval time.Duration
	objectives       string
	stateLockWait    time.Duration
	failRate         float64
	lowQualityRate   float64
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	flag.Float64Var(&c.load, "load", 5, "requests per second of the built-in load generator (0 turns it off)")
	flag.DurationVar(&c.duration, "duration", 0, "run this long, print the budget table and exit (0 runs until interrupted)")
	flag.StringVar(&c.state, "state", "errbudget.state", `file the budget state is kept in across restarts ("" disables persistence)`)
	flag.BoolVar(&c.fresh, "fresh", false, "discard the state file and start with an empty budget")
	flag.DurationVar(&c.snapshotInterval, "snapshot-interval", 10*time.Second, "how often the budget state is saved (at least 1s)")
	flag.DurationVar(&c.stateLockWait, "state-lock-wait", state.DefaultLockWait, "how long to wait for another process to release the state file before exiting with an error")
	flag.StringVar(&c.objectives, "objectives", "", "OpenSLO file the objectives, service name and alert rules are read from (default: the built-in inference/slo.yaml)")
	flag.Float64Var(&c.failRate, "fail-rate", 0.0002, "probability that an unscripted call fails")
	flag.Float64Var(&c.lowQualityRate, "low-quality-rate", 0.01, "probability that an unscripted answer is judged poor")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, logger, os.Stdout); err != nil {
		logger.Error("demo: " + err.Error())
		os.Exit(1)
	}
}

// run serves until ctx is done or c.duration has passed, then saves the
// state and, with a duration, prints the budget table to out. It says on
// out what it restored and what the gate answers at start, and what it
// saved at the end.
func run(ctx context.Context, c config, logger *slog.Logger, out io.Writer) error {
	sf, err := prepareState(c)
	if err != nil {
		return err
	}
	app, err := newApp(c, logger)
	if err != nil {
		return err
	}
	defer app.close()

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: app.handler, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "errbudget demo listening on %s\n  dashboard: %s/slo/ui\n  status:    %s/slo\n  gate:      %s/slo/gate\n  metrics:   %s/metrics\n",
		base, base, base, base, base)
	printStart(out, sf, time.Now(), app.tracker.Status())

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if c.duration > 0 {
		var stopTimer context.CancelFunc
		runCtx, stopTimer = context.WithTimeout(runCtx, c.duration)
		defer stopTimer()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	bg := app.start(runCtx, base)

	select {
	case err := <-serveErr:
		cancel()
		bg.Wait()
		return err
	case <-runCtx.Done():
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	bg.Wait()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		logger.Warn("demo: shutdown: " + err.Error())
	}
	saveErr := app.save()
	if saveErr != nil {
		logger.Error("demo: saving state: " + saveErr.Error())
	}
	statuses := app.tracker.Status()
	printStop(out, sf, saveErr, statuses)
	if c.duration > 0 {
		printTable(out, statuses)
	}
	return nil
}
