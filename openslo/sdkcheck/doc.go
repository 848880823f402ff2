// Package sdkcheck validates what package openslo writes with the OpenSLO Go
// SDK's validator (github.com/OpenSLO/go-sdk v0.9.2). It is its own module,
// test-only, so that the SDK (pre-v1, which pulls golang.org/x/tools into a
// binary) never enters the library's go.mod.
package sdkcheck
