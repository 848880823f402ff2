package budget

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// panicLog is where the panics recovered from the application's code on the
// recording path are counted, and remembered so that each place is logged
// once.
type panicLog struct {
	n      atomic.Int64
	mu     sync.Mutex
	logged map[string]bool // places already logged
}

// maxPanicPlaces bounds the places logged: an adapter passes a fixed place,
// but a caller that built one per event must not grow memory.
const maxPanicPlaces = 64

// UserPanics returns how many panics were recovered from the application's
// code on the recording path: an objective's Include or Classify function,
// and what adapters report with RecoveredPanic (httpslo's route function and
// classifier, grpcslo's classifier, inferenceslo's error classifier).
// Recording never panics: the event is excluded (or classified without the
// function that panicked, as each adapter documents), and counted here.
func (t *Tracker) UserPanics() int64 { return t.panics.n.Load() }

// RecoveredPanic is for adapters (middleware) that call the application's
// functions on the recording path and recover their panics, as recording
// never panics: call it with the recovered value, from the deferred
// function that recovered it, and the panic is counted in UserPanics. The
// first panic of each place is logged at Error level with its value and
// stack, through the tracker's logger (WithLogger, else slog.Default); later
// ones are only counted, so that a function that panics on every request
// does not flood the log. place names the function, as the application
// knows it ("httpslo: classifier"); keep it constant.
func (t *Tracker) RecoveredPanic(place string, v any) {
	t.panics.n.Add(1)
	p := &t.panics
	p.mu.Lock()
	first := !p.logged[place] && len(p.logged) < maxPanicPlaces
	if first {
		if p.logged == nil {
			p.logged = map[string]bool{}
		}
		p.logged[place] = true
	}
	p.mu.Unlock()
	if first {
		t.stateLogger().Error("errbudget: recovered a panic in application code on the recording path; later panics here are only counted (Tracker.UserPanics)",
			"where", place, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}
}
