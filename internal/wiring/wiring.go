// Package wiring is what the adapters need of a budget.Tracker and its users
// do not; package budget sets these functions at init. tr is the
// *budget.Tracker, which this package cannot name (budget imports it).
package wiring

var (
	// RecoveredPanic counts a panic an adapter recovered from the
	// application's function at place (a constant, such as "httpslo:
	// classifier"), and logs the first of each place with its stack.
	RecoveredPanic func(tr any, place string, v any)
	// UserPanics returns how many panics tr's recording path recovered.
	UserPanics func(tr any) int64
	// RealClock reports whether tr reads time.Now, its default clock: only
	// then may a duration come from the monotonic reading of a start time
	// (a fake clock's times can carry one too).
	RealClock func(tr any) bool
	// Shared returns the value tr keeps for its readers (the endpoint and
	// the OpenTelemetry export share one status computation), made by newShared
	// on first use; tr holds it as long as tr lives.
	Shared func(tr any, newShared func() any) any
)
