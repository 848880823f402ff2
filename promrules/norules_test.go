package promrules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/promrules"
	"github.com/errbudget/errbudget/sli"
)

// A tracker without alert rules (an empty, non-nil list) gets no alerts,
// and the file it gets still loads.
func TestGenerateWithoutAlertRules(t *testing.T) {
	f, err := promrules.Generate([]sli.Objective{{Name: "a", Target: 0.99}}, promrules.Config{Service: "s", AlertRules: []budget.AlertRule{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Groups) != 2 || strings.Contains(string(f.Bytes()), "alert:") {
		t.Errorf("alerts without alert rules:\n%s", f.Bytes())
	}
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, "check", "rules", path)
}
