package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestStoreMethodsUseTheUnitConnection 存储的方法都要经 db.conn(ctx)（或事务函数的 tx）访问数据库：
// 直接用 db.g.WithContext(ctx) 的方法在消息事务里会绕开事务——在 SQLite（只有一条连接）上自己等自己，
// 在 MySQL 上读写不在同一个事务里。只有这几处有意用连接池：建表迁移、事务之外读花名册版本、conn 和工作单元的 gorm 本身。
func TestStoreMethodsUseTheUnitConnection(t *testing.T) {
	allowed := map[string]bool{"conn": true, "gorm": true, "migrate": true, "fillJoined": true, "rosterFor": true}
	ents, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || allowed[fn.Name.Name] {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "WithContext" {
					return true
				}
				if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "g" {
					t.Errorf("%s: %s 直接用 db.g.WithContext，应改用 db.conn(ctx)", fset.Position(sel.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
}
