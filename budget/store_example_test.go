package budget_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// A tracker with a FileStore survives a restart: Close saves, New
// restores. A service runs Run in a goroutine for the periodic snapshots:
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	tr, err := budget.New(objs, budget.WithStore(state.NewFileStore("errbudget.state"), 10*time.Second))
//	...
//	go tr.Run(ctx, 0)
//	<-ctx.Done()
//	srv.Shutdown(shutdownCtx) // the last requests are recorded
//	if err := tr.Close(); err != nil { // the final snapshot
//		log.Print(err)
//	}
func ExampleWithStore() {
	dir, err := os.MkdirTemp("", "errbudget-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "errbudget.state")

	objs := []sli.Objective{{Name: "checkout", Target: 0.999}}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The first run records 1000 calls, 2 of them failed, and stops.
	tr, err := budget.New(objs, budget.WithClock(clock), budget.WithLogger(quiet),
		budget.WithStore(state.NewFileStore(path), 10*time.Second))
	if err != nil {
		panic(err)
	}
	s, _ := tr.Series("checkout", "")
	s.RecordN(sli.Event{Time: now, Outcome: sli.Good}, 998)
	s.RecordN(sli.Event{Time: now, Outcome: sli.Bad}, 2)
	if err := tr.Close(); err != nil {
		panic(err)
	}

	// The next run starts where it stopped.
	now = now.Add(time.Minute)
	tr, err = budget.New(objs, budget.WithClock(clock), budget.WithLogger(quiet),
		budget.WithStore(state.NewFileStore(path), 10*time.Second))
	if err != nil {
		panic(err)
	}
	st := tr.Status()[0]
	fmt.Printf("good %d, bad %d, budget remaining %.0f%%\n", st.Good, st.Bad, 100*st.Remaining.Value)
	// Output: good 998, bad 2, budget remaining -100%
}

// A weekly maintenance window excludes its outages from the budget; the
// status lists its occurrences in the period and the next one.
func ExampleTracker_AddCorrection() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 3, 18, 12, 0, 0, 0, berlin) // a Wednesday
	tr, err := budget.New([]sli.Objective{{Name: "checkout", Target: 0.999, Window: sli.Rolling(14 * 24 * time.Hour)}},
		budget.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	first := time.Date(2026, 3, 1, 2, 0, 0, 0, berlin)
	err = tr.AddCorrection(budget.Correction{
		Start:      first,
		End:        first.Add(2 * time.Hour),
		Recurrence: "FREQ=WEEKLY;BYDAY=SU",
		Reason:     "database maintenance",
	})
	if err != nil {
		panic(err)
	}
	// An outage at 03:00 on Sunday the 15th: inside the window.
	s, _ := tr.Series("checkout", "")
	s.RecordN(sli.Event{Time: time.Date(2026, 3, 15, 3, 0, 0, 0, berlin), Outcome: sli.Bad}, 500)

	st := tr.Status()[0]
	fmt.Printf("bad %d, excluded %d\n", st.Bad, st.LifetimeExcluded)
	for _, c := range st.Corrections {
		fmt.Println(c.ID, c.Start.Format("Mon Jan 2 15:04 MST"), "to", c.End.Format("15:04"), c.Reason)
	}
	// Output:
	// bad 0, excluded 500
	// c1 Sun Mar 8 02:00 CET to 04:00 database maintenance
	// c1 Sun Mar 15 02:00 CET to 04:00 database maintenance
	// c1 Sun Mar 22 02:00 CET to 04:00 database maintenance
}
