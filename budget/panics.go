package budget

import (
	"fmt"

	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/errbudget/errbudget/internal/wiring"
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

// The adapters reach what they need of a tracker through package wiring,
// not the public API.
func init() {
	wiring.RecoveredPanic = func(tr any, place string, v any) { tr.(*Tracker).recoveredPanic(place, v) }
	wiring.UserPanics = func(tr any) int64 { return tr.(*Tracker).panics.n.Load() }
	wiring.RealClock = func(tr any) bool { return !tr.(*Tracker).clockSet }
	wiring.Shared = func(tr any, newShared func() any) any {
		t := tr.(*Tracker)
		t.sharedOnce.Do(func() { t.shared = newShared() })
		return t.shared
	}
}

// recoveredPanic counts a panic recovered from the application's code on the
// recording path: an objective's Include or Classify function, or an
// adapter's (httpslo's route function and classifier, grpcslo's classifier,
// inferenceslo's error classifier). Recording never panics: the event is
// excluded (or classified without the function that panicked, as each
// adapter documents). The first panic of each place is logged at Error level
// with its value and stack, through the tracker's logger (WithLogger, else
// slog.Default); later ones are only counted, so that a function that
// panics on every request does not flood the log.
func (t *Tracker) recoveredPanic(place string, v any) {
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
		t.stateLogger().Error("errbudget: recovered a panic in application code on the recording path; later panics here are only counted",
			"where", place, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}
}
