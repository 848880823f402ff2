//go:build !race

package budgettest_test

const raceEnabled = false
