//go:build !race

package budget

// raceBuild is false: see stripe_race.go.
const raceBuild = false
