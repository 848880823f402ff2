//go:build !race

package httpslo_test

const raceEnabled = false
