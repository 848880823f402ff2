//go:build !race

package inferenceslo_test

const raceEnabled = false
