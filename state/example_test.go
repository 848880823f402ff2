package state_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// A state file is plain data once decoded: a tool can read one without a
// tracker.
func ExampleState_UnmarshalBinary() {
	b, err := os.ReadFile("testdata/state-7daad9c.bin")
	if err != nil {
		panic(err)
	}
	var st state.State
	if err := st.UnmarshalBinary(b); err != nil {
		panic(err)
	}
	fmt.Println("taken", st.Taken.Format(time.RFC3339))
	for _, o := range st.Objectives {
		for _, s := range o.Series {
			fmt.Printf("%s %q: lifetime good %d, bad %d\n", o.Name, s.Group, s.Good, s.Bad)
		}
	}
	for _, x := range st.Sections {
		fmt.Printf("section %s, %d bytes\n", x.Name, len(x.Data))
	}
	// Output:
	// taken 2026-03-02T01:44:57Z
	// api "": lifetime good 1778, bad 1722
	// lat "a": lifetime good 840, bad 1160
	// lat "b": lifetime good 840, bad 1160
	// lat "_OTHER": lifetime good 840, bad 1160
	// section changes, 93 bytes
	// section incidents, 1125 bytes
}

// A MemoryStore carries a tracker's state to the next tracker of the same
// process, through the same encoding a FileStore writes.
func ExampleMemoryStore() {
	objs := []sli.Objective{{Name: "checkout", Target: 0.999}}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	opts := []budget.Option{
		budget.WithClock(func() time.Time { return now }),
		budget.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}
	store := &state.MemoryStore{}
	tr, _ := budget.New(objs, append(opts, budget.WithStore(store, 0))...)
	s, _ := tr.Series("checkout", "")
	s.RecordN(sli.Event{Time: now, Outcome: sli.Good}, 99)
	s.RecordN(sli.Event{Time: now, Outcome: sli.Bad}, 1)
	tr.Close()

	next, _ := budget.New(objs, append(opts, budget.WithStore(store, 0))...)
	st := next.Status()[0]
	fmt.Println(st.Good, st.Bad)
	// Output: 99 1
}
