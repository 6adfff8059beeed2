package fault

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// queryOne 在 timeout 内执行 SELECT v FROM t WHERE id = 1。
func queryOne(db *sql.DB, timeout time.Duration) (string, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	var v string
	err := db.QueryRowContext(ctx, "SELECT v FROM t WHERE id = 1").Scan(&v)
	return v, time.Since(start), err
}

func TestMariaDB(t *testing.T) {
	start := time.Now()
	m := StartMariaDB(t)
	t.Logf("StartMariaDB（初始化 + 启动）用时 %v，pid %d，地址 %s", time.Since(start), m.PID(), m.Addr())
	if m.PID() <= 0 {
		t.Fatalf("PID() = %d", m.PID())
	}
	if m.Addr() == "127.0.0.1:3306" {
		t.Fatalf("不应占用共享的 3306")
	}

	dsn := m.CreateDB("fault_test")
	want := "mysql://root@tcp(" + m.Addr() + ")/fault_test?parseTime=true&loc=UTC&charset=utf8mb4"
	if dsn != want || m.DSN("fault_test") != want {
		t.Fatalf("CreateDB/DSN = %q，应为 %q", dsn, want)
	}
	db, err := sql.Open("mysql", strings.TrimPrefix(dsn, "mysql://")+"&timeout=1s")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(32)) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES (1, '红旗')"); err != nil {
		t.Fatal(err)
	}
	var engine string
	if err := db.QueryRow("SELECT engine FROM information_schema.tables WHERE table_schema = 'fault_test' AND table_name = 't'").Scan(&engine); err != nil || engine != "InnoDB" {
		t.Fatalf("表引擎 = %q, %v；应为 InnoDB", engine, err)
	}

	t.Run("StopCont", func(t *testing.T) {
		m.Stop()
		stopped := time.Now()
		_, took, err := queryOne(db, 300*time.Millisecond)
		if !errors.Is(err, context.DeadlineExceeded) {
			m.Cont()
			t.Fatalf("暂停期间查询应超时，得到 %v", err)
		}
		if took > time.Second {
			t.Errorf("超时花了 %v，应约 300ms", took)
		}
		t.Logf("暂停期间查询 %v 后失败: %v", took, err)
		// 暂停期间新建连接：握手由内核完成，但服务器的问候包出不来，所以也是超时而不是拒绝。
		c, err := net.DialTimeout("tcp", m.Addr(), 300*time.Millisecond)
		if err != nil {
			t.Errorf("暂停期间 TCP 连接应能建立（内核代为握手），得到 %v", err)
		} else {
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			n, err := c.Read(make([]byte, 1))
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("暂停期间不应收到问候包，得到 %d 字节, %v", n, err)
			}
			c.Close()
		}
		if wait := time.Second - time.Since(stopped); wait > 0 {
			time.Sleep(wait)
		}
		m.Cont()
		v, took, err := queryOne(db, 5*time.Second)
		if err != nil || v != "红旗" {
			t.Fatalf("继续后查询 = %q, %v", v, err)
		}
		t.Logf("继续后查询用时 %v", took)
	})

	t.Run("StopFor", func(t *testing.T) {
		StopFor(m, time.Second)
		v, took, err := queryOne(db, 5*time.Second)
		if err != nil || v != "红旗" {
			t.Fatalf("StopFor 期间排队的查询 = %q, %v", v, err)
		}
		if took < 800*time.Millisecond {
			t.Errorf("查询 %v 就返回了，应等到约 1s 后进程继续", took)
		}
		t.Logf("StopFor(1s) 期间的查询 %v 后成功", took)
	})

	t.Run("KillRestart", func(t *testing.T) {
		oldPID, addr := m.PID(), m.Addr()
		if _, err := db.Exec("INSERT INTO t VALUES (2, 'committed')"); err != nil {
			t.Fatal(err)
		}
		m.Stop() // 暂停中的进程也能杀掉
		m.Kill()
		if m.PID() != 0 {
			t.Fatalf("Kill 后 PID() = %d，应为 0", m.PID())
		}
		if err := syscall.Kill(oldPID, 0); !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("Kill 后进程 %d 应已不在: %v", oldPID, err)
		}
		if _, _, err := queryOne(db, time.Second); err == nil {
			t.Fatalf("Kill 后查询应失败")
		} else {
			t.Logf("Kill 后查询: %v", err)
		}
		m.Cont() // 进程不在时 Cont 什么也不做
		m.Kill() // 再杀一次也什么也不做

		start := time.Now()
		m.Restart()
		t.Logf("Restart（崩溃恢复）用时 %v，新 pid %d", time.Since(start), m.PID())
		if m.PID() == 0 || m.PID() == oldPID || m.Addr() != addr {
			t.Fatalf("Restart 后 pid %d（原 %d），地址 %s（原 %s）", m.PID(), oldPID, m.Addr(), addr)
		}
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM t WHERE v IN ('红旗', 'committed')").Scan(&n); err != nil || n != 2 {
			t.Fatalf("重启后已提交的行 = %d, %v；应为 2", n, err)
		}
		// Restart 也能直接用在活着的进程上（先 SIGKILL）。
		m.Restart()
		v, _, err := queryOne(db, 5*time.Second)
		if err != nil || v != "红旗" {
			t.Fatalf("第二次 Restart 后查询 = %q, %v", v, err)
		}
	})
}
