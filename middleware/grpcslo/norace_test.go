//go:build !race

package grpcslo_test

const raceEnabled = false
