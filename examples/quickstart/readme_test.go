package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestREADMEShowsThisProgram: the README's quick start is this file, whole,
// so that what a newcomer copies compiles as printed (go test compiles
// main.go with this test). Edit main.go, then paste it into README.md.
func TestREADMEShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := bytes.Cut(readme, []byte("\n## Quick start\n"))
	if !ok {
		t.Fatal(`README.md has no "## Quick start" section`)
	}
	_, block, ok := bytes.Cut(section, []byte("\n```go\n"))
	if !ok {
		t.Fatal("the quick start has no ```go block")
	}
	block, _, ok = bytes.Cut(block, []byte("\n```\n"))
	if !ok {
		t.Fatal("the quick start's ```go block does not end")
	}
	block = append(block, '\n')
	if bytes.Equal(block, src) {
		return
	}
	got, want := strings.Split(string(block), "\n"), strings.Split(string(src), "\n")
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("README.md's quick start differs from examples/quickstart/main.go at line %d of the file:\nREADME:  %q\nmain.go: %q", i+1, g, w)
		}
	}
}
