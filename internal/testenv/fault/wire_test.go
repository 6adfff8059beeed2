package fault

import (
	"database/sql"
	"strings"
	"sync"
	"testing"
)

func TestWire(t *testing.T) {
	m := StartMariaDB(t)
	m.CreateDB("wire")
	plain, err := sql.Open("mysql", m.DriverDSN("wire"))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Exec("CREATE TABLE t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Exec("INSERT INTO t VALUES (1, 0)"); err != nil {
		t.Fatal(err)
	}
	w := NewWire(t)
	db, err := sql.Open("mysql", w.DSN(m.DriverDSN("wire")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	var seen []string
	w.OnQuery(func(q string) Action {
		mu.Lock()
		seen = append(seen, q)
		mu.Unlock()
		if q == "COMMIT" {
			return Cut
		}
		return Pass
	})
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("UPDATE t SET v = 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("COMMIT 被掐断，应失败")
	}
	var v int
	if err := plain.QueryRow("SELECT v FROM t WHERE id = 1").Scan(&v); err != nil || v != 0 {
		t.Fatalf("掐断在 COMMIT 之前：v = %d, %v；事务应已回滚", v, err)
	}
	mu.Lock()
	if got := strings.Join(seen, ";"); !strings.HasSuffix(got, "START TRANSACTION;UPDATE t SET v = 1 WHERE id = 1;COMMIT") {
		t.Errorf("钩子看到 %q", seen)
	}
	mu.Unlock()

	w.OnQuery(nil)
	if err := db.QueryRow("SELECT 1").Scan(&v); err != nil {
		t.Fatalf("不拦截时：%v", err)
	}
	w.Kill()
	if err := db.QueryRow("SELECT 1").Scan(&v); err == nil {
		t.Fatal("Kill 之后查询应失败")
	}
}
