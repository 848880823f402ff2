//go:build race

package budget

// raceBuild skips the allocation tests, whose counts the race detector's
// instrumentation changes.
const raceBuild = true
