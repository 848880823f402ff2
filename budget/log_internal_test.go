package budget

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// TestLogLoadsWhatWasSaved: after every snapshot, what the store loads
// (its base and the log of changes appended since) is the state the
// tracker captured, byte for byte once encoded, through traffic that
// changes old buckets as well as new ones: late events, new groups, a
// clock that jumps ahead and steps back, corrections added and removed,
// alerts and policy that change with the status.
func TestLogLoadsWhatWasSaved(t *testing.T) {
	for _, name := range []string{"memory", "file"} {
		t.Run(name, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 13))
			var store state.ChangeSaver = &state.MemoryStore{}
			path := filepath.Join(t.TempDir(), "errbudget.state")
			steps := 400
			if name == "file" {
				store, steps = state.NewFileStore(path), 150
			}
			now := snapT0.Add(30 * 24 * time.Hour)
			tr, err := New([]sli.Objective{
				{Name: "api", Target: 0.999},
				{Name: "lat", Kind: sli.Latency, Threshold: 100 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 6},
			}, WithClock(func() time.Time { return now }), WithStore(store, time.Minute), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			if err != nil {
				t.Fatal(err)
			}
			api, _ := tr.Series("api", "")
			logs, deltas := 0, 0
			for i := range steps {
				switch r := rng.IntN(100); {
				case r < 3:
					now = now.Add(-time.Duration(rng.IntN(600)) * time.Second) // the clock steps back
				case r < 6:
					now = now.Add(time.Duration(rng.IntN(7200)) * time.Second)
				default:
					now = now.Add(10 * time.Second)
				}
				for range rng.IntN(4) {
					at := now.Add(-time.Duration(rng.IntN(10)) * time.Second)
					if rng.IntN(10) == 0 {
						at = now.Add(-time.Duration(rng.Int64N(int64(8 * time.Hour)))) // late
					}
					api.RecordN(sli.Event{Time: at, Outcome: sli.Outcome(1 + rng.IntN(2))}, 1+rng.Int64N(50))
					s, _ := tr.Series("lat", fmt.Sprint("m", rng.IntN(min(2+i/40, 8))))
					s.RecordN(sli.Event{Time: at, Outcome: sli.Good, Duration: time.Duration(rng.IntN(300)) * time.Millisecond}, 1+rng.Int64N(20))
				}
				switch rng.IntN(60) {
				case 0:
					tr.AddCorrection(Correction{Objective: "api", Start: now.Add(-time.Duration(1+rng.IntN(300)) * time.Minute), End: now.Add(-time.Minute), Reason: "test"})
				case 1:
					if cs := tr.Corrections(); len(cs) > 0 {
						tr.RemoveCorrection(cs[0].ID)
					}
				}
				if rng.IntN(3) == 0 {
					tr.StatusAt(now)
				}
				if err := tr.Snapshot(); err != nil {
					t.Fatal(err)
				}
				if fi, err := os.Stat(path + ".log"); err == nil && fi.Size() > 0 {
					logs++
				}
				want, err := tr.persist.st.AppendBinary(nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := store.Load()
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				b, err := got.AppendBinary(nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, want) {
					t.Fatalf("step %d: loaded %d bytes that differ from the %d saved (seed %d)", i, len(b), len(want), seed)
				}
				if tr.persist.saved {
					deltas++
				}
			}
			if name == "file" && logs < steps/2 {
				t.Errorf("a log existed after %d of %d snapshots: the changes were not appended", logs, steps)
			}
		})
	}
}
