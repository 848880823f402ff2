package errbudget_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestNoLinkname: no file of any module in the repository reaches into the
// runtime through go:linkname. Such a link binds the library to one Go
// release's internals, and budget/stripe.go's procPin link came with a
// recording path that the race detector never saw (issue 10, item 7).
func TestNoLinkname(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || filepath.Ext(path) != ".go" || path == "linkname_test.go" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range bytes.Split(src, []byte("\n")) {
			if bytes.HasPrefix(bytes.TrimSpace(line), []byte("//go:linkname")) {
				t.Errorf("%s:%d: %s", path, i+1, bytes.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
