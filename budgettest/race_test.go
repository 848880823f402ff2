//go:build race

package budgettest_test

// raceEnabled is true under the race detector, which makes the detection
// table's days of scripted traffic take minutes.
const raceEnabled = true
