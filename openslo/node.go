package openslo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a file: where, which field, what.
type Problem struct {
	// Line is the 1-based line of the field (of the object when the field
	// is missing); 0 when unknown.
	Line int
	// Field is the field's path, led by the object it belongs to:
	// `SLO "checkout": spec.timeWindow[0].duration`.
	Field string
	// Message says what is wrong.
	Message string
}

// String returns "line N: field: message".
func (p Problem) String() string {
	s := ""
	if p.Line > 0 {
		s = "line " + strconv.Itoa(p.Line) + ": "
	}
	if p.Field != "" {
		s += p.Field + ": "
	}
	return s + p.Message
}

// Error lists every problem found in a file, in the order of the file.
type Error struct {
	// File is the file's name when it was loaded from one (Load).
	File     string
	Problems []Problem
}

// Error returns one line per problem, each led by "file:line:" (or
// "line N:" without a file name).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("openslo: ")
	if len(e.Problems) > 1 {
		b.WriteString(strconv.Itoa(len(e.Problems)) + " problems:")
	}
	for i, p := range e.Problems {
		if len(e.Problems) > 1 || i > 0 {
			b.WriteString("\n\t")
		}
		if e.File != "" {
			b.WriteString(e.File + ":")
			if p.Line > 0 {
				b.WriteString(strconv.Itoa(p.Line) + ": ")
				p.Line = 0
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// decoder collects problems while walking the YAML nodes.
type decoder struct {
	probs []Problem
}

func (d *decoder) problem(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.probs = append(d.probs, Problem{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// fields is one mapping being read: each key read is marked, and finish
// reports the keys nobody read.
type fields struct {
	d     *decoder
	path  string // "SLO \"x\": spec"
	node  *yaml.Node
	keys  []*yaml.Node
	vals  map[string]*yaml.Node
	knode map[string]*yaml.Node
	used  map[string]bool
	ok    bool
}

// join appends a field name to a path.
func join(path, key string) string {
	switch {
	case path == "":
		return key
	case strings.HasSuffix(path, ": "):
		return path + key
	}
	return path + "." + key
}

// mapping reads n as a mapping. When n is not one it reports that and
// returns fields that hold nothing (ok false). A field that is absent (n
// nil) is the caller's to report: mapping returns empty fields then.
func (d *decoder) mapping(n *yaml.Node, path, what string) *fields {
	f := &fields{d: d, path: path, node: n, vals: map[string]*yaml.Node{}, knode: map[string]*yaml.Node{}, used: map[string]bool{}}
	if n == nil {
		return f
	}
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.problem(n, strings.TrimSuffix(path, ": "), "want %s (a mapping), got %s", what, describe(n))
		return f
	}
	f.node, f.ok = n, true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.problem(n.Content[i], strings.TrimSuffix(path, ": "), "a key must be a plain name")
			continue
		}
		if k.Tag == "!!merge" {
			d.problem(k, join(path, k.Value), "YAML merge keys (<<) are not supported: write the fields out (an alias, *name, can stand for a whole value)")
			continue
		}
		if _, dup := f.vals[k.Value]; dup {
			d.problem(k, join(path, k.Value), "given more than once")
			continue
		}
		f.keys = append(f.keys, k)
		f.vals[k.Value] = v
		f.knode[k.Value] = k
	}
	return f
}

// sub reads key as a mapping; a required key that is absent is reported
// missing, and the fields returned are then not ok.
func (f *fields) sub(key, what string, required bool) *fields {
	if required && !f.has(key) {
		f.d.problem(f.line(), f.field(key), "missing")
	}
	return f.d.mapping(f.get(key), f.field(key), what)
}

// one reads key, a required list that must hold exactly one item (one
// names it and says why), as that item's mapping; it returns the item too.
func (f *fields) one(key, one, what string) (*fields, *yaml.Node) {
	items, kn, ok := f.list(key, true)
	if !ok || len(items) != 1 {
		if ok {
			f.d.problem(kn, f.field(key), "want exactly one %s, got %d", one, len(items))
		}
		return &fields{d: f.d}, nil
	}
	return f.d.mapping(items[0], f.field(key+"[0]"), what), items[0]
}

// line is the line of the mapping (for a missing field).
func (f *fields) line() *yaml.Node { return f.node }

func (f *fields) field(key string) string { return join(f.path, key) }

// get returns the value of key (nil when absent) and marks it read.
func (f *fields) get(key string) *yaml.Node {
	f.used[key] = true
	v := f.vals[key]
	if v == nil {
		return nil
	}
	return v
}

// has reports whether key is present, without reading it.
func (f *fields) has(key string) bool { return f.vals[key] != nil }

// keyNode returns the node of the key itself, for its line.
func (f *fields) keyNode(key string) *yaml.Node { return f.knode[key] }

// reject reads key and reports it as unsupported when present.
func (f *fields) reject(key, format string, args ...any) {
	if v := f.get(key); v != nil {
		f.d.problem(f.keyNode(key), f.field(key), format, args...)
	}
}

// finish reports every key that was not read.
func (f *fields) finish(known string) {
	for _, k := range f.keys {
		if !f.used[k.Value] {
			f.d.problem(k, f.field(k.Value), "unknown field (errbudget reads %s)", known)
		}
	}
}

func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return strconv.Quote(n.Value)
	}
	return "an alias"
}

// scalar returns a present, non-null scalar, reporting anything else.
func (f *fields) scalar(key string, required bool) *yaml.Node {
	raw := f.get(key)
	v := resolve(raw)
	if raw == nil {
		if required {
			f.d.problem(f.line(), f.field(key), "missing")
		}
		return nil
	}
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		f.d.problem(f.keyNode(key), f.field(key), "want a value, got %s", describe(v))
		return nil
	}
	return v
}

// str reads a string field.
func (f *fields) str(key string, required bool) (string, *yaml.Node, bool) {
	v := f.scalar(key, required)
	if v == nil {
		return "", nil, false
	}
	if required && v.Value == "" {
		f.d.problem(v, f.field(key), "empty")
		return "", v, false
	}
	return v.Value, v, true
}

// number reads a finite number.
func (f *fields) number(key string, required bool) (float64, *yaml.Node, bool) {
	v := f.scalar(key, required)
	if v == nil {
		return 0, nil, false
	}
	if v.Tag != "!!int" && v.Tag != "!!float" {
		f.d.problem(v, f.field(key), "want a number, got %s", describe(v))
		return 0, v, false
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(v.Value, "_", ""), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.d.problem(v, f.field(key), "want a finite number, got %s", describe(v))
		return 0, v, false
	}
	return x, v, true
}

// integer reads a whole number.
func (f *fields) integer(key string) (int64, *yaml.Node, bool) {
	v := f.scalar(key, false)
	if v == nil {
		return 0, nil, false
	}
	x, err := strconv.ParseInt(v.Value, 10, 64)
	if v.Tag != "!!int" || err != nil {
		f.d.problem(v, f.field(key), "want a whole number, got %s", describe(v))
		return 0, v, false
	}
	return x, v, true
}

// boolean reads true or false.
func (f *fields) boolean(key string) (value, present bool) {
	v := f.scalar(key, false)
	if v == nil {
		return false, false
	}
	b, err := strconv.ParseBool(strings.ToLower(v.Value))
	if v.Tag != "!!bool" || err != nil {
		f.d.problem(v, f.field(key), "want true or false, got %s", describe(v))
		return false, false
	}
	return b, true
}

// list reads a sequence field.
func (f *fields) list(key string, required bool) ([]*yaml.Node, *yaml.Node, bool) {
	raw := f.get(key)
	if raw == nil {
		if required {
			f.d.problem(f.line(), f.field(key), "missing")
		}
		return nil, nil, false
	}
	v := resolve(raw)
	if v == nil || v.Kind != yaml.SequenceNode {
		f.d.problem(f.keyNode(key), f.field(key), "want a list, got %s", describe(v))
		return nil, raw, false
	}
	return v.Content, f.keyNode(key), true
}
