// Command funclen lists the functions of the Go files it is given that are
// longer than 100 lines, from their func keyword to their closing brace:
// "file:line: name is N lines". scripts/check-layout.sh runs it.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
)

// maxLines is the longest a function may be.
const maxLines = 100

func main() {
	fset := token.NewFileSet()
	for _, path := range os.Args[1:] {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
			if n := end.Line - start.Line + 1; n > maxLines {
				fmt.Printf("%s:%d: %s is %d lines\n", path, start.Line, fn.Name.Name, n)
			}
		}
	}
}
