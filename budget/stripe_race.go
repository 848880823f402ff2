//go:build race

package budget

// raceBuild makes every stripe add atomic under the race detector, which
// cannot see that a pinned P owns its stripe (stripe.go).
const raceBuild = true
