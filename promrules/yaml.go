package promrules

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteTo writes f as a Prometheus rule file (YAML), deterministically:
// groups and rules in order, labels and annotations sorted by name,
// multi-line expressions as literal blocks, every other string
// double-quoted.
func (f *RuleFile) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	for _, h := range f.Header {
		b.WriteString("# " + h + "\n")
	}
	b.WriteString("groups:\n")
	for _, g := range f.Groups {
		b.WriteString("- name: " + str(g.Name) + "\n")
		b.WriteString("  rules:\n")
		for _, r := range g.Rules {
			if r.Alert != "" {
				b.WriteString("  - alert: " + str(r.Alert) + "\n")
			} else {
				b.WriteString("  - record: " + str(r.Record) + "\n")
			}
			b.WriteString("    expr:")
			block(&b, r.Expr, "      ")
			mapping(&b, "labels", r.Labels)
			mapping(&b, "annotations", r.Annotations)
		}
	}
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

// Bytes returns what WriteTo writes.
func (f *RuleFile) Bytes() []byte {
	var b bytes.Buffer
	f.WriteTo(&b) // a bytes.Buffer never fails
	return b.Bytes()
}

// block writes s after a key: a quoted scalar on one line, or a literal
// block (|-) indented by indent when it spans lines.
func block(b *bytes.Buffer, s, indent string) {
	lines := strings.Split(s, "\n")
	if len(lines) == 1 || strings.HasPrefix(lines[0], " ") {
		b.WriteString(" " + str(s) + "\n")
		return
	}
	b.WriteString(" |-\n")
	for _, l := range lines {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(indent + strings.TrimRight(l, " \t") + "\n")
	}
}

func mapping(b *bytes.Buffer, key string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	b.WriteString("    " + key + ":\n")
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString("      " + k + ": " + str(m[k]) + "\n")
	}
}

// str writes s as a double-quoted YAML scalar: a JSON string is one.
func str(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
