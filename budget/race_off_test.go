//go:build !race

package budget

// raceBuild is false: see race_on_test.go.
const raceBuild = false
