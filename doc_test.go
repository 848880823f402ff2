package errbudget_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every exported name of every package in this module has a doc comment,
// and every package has a package comment.
func TestEveryExportedNameIsDocumented(t *testing.T) {
	dirs := map[string][]string{} // directory → its non-test Go files
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." {
			// Other modules (their own go.mod) and data are not ours here.
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dirs[filepath.Dir(path)] = append(dirs[filepath.Dir(path)], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, paths := range dirs {
		fset := token.NewFileSet()
		pkgs := map[string][]*ast.File{} // package name → files
		for _, path := range paths {
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			pkgs[f.Name.Name] = append(pkgs[f.Name.Name], f)
		}
		for name, files := range pkgs {
			if name == "main" {
				continue
			}
			d, err := doc.NewFromFiles(fset, files, "example.com/"+dir)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(d.Doc) == "" {
				t.Errorf("%s: package %s has no package comment", dir, name)
			}
			check := func(kind, name, text string) {
				if ast.IsExported(name) && strings.TrimSpace(text) == "" {
					t.Errorf("%s: %s %s has no doc comment", dir, kind, name)
				}
			}
			values := func(vs []*doc.Value) {
				for _, v := range vs {
					for _, spec := range v.Decl.Specs {
						vs := spec.(*ast.ValueSpec)
						for _, n := range vs.Names {
							if v.Doc == "" && vs.Doc == nil && vs.Comment == nil {
								check("value", n.Name, "")
							}
						}
					}
				}
			}
			values(d.Consts)
			values(d.Vars)
			for _, f := range d.Funcs {
				check("func", f.Name, f.Doc)
			}
			for _, ty := range d.Types {
				check("type", ty.Name, ty.Doc)
				values(ty.Consts)
				values(ty.Vars)
				for _, f := range ty.Funcs {
					check("func", f.Name, f.Doc)
				}
				for _, m := range ty.Methods {
					check("method", ty.Name+"."+m.Name, m.Doc)
				}
			}
		}
	}
}
