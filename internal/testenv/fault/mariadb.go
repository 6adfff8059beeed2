package fault

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // 探测就绪、建库
)

const (
	mariadbdPath  = "/usr/sbin/mariadbd"
	installDBPath = "/usr/bin/mariadb-install-db"
)

// mariadbSmall 是初始化与运行都用的参数：进程尽量小（机器只有两个核，还有别的活在跑）。
var mariadbSmall = []string{
	"--skip-name-resolve",
	"--innodb-buffer-pool-size=16M",
	"--innodb-log-file-size=4M",
	"--innodb-log-buffer-size=2M",
	"--innodb-use-native-aio=0", // 多个实例并行时不去抢 aio-max-nr
	"--key-buffer-size=1M",
	"--aria-pagecache-buffer-size=8M",
	"--max-connections=64",
	// 系统表空间与临时表空间从 12M 缩到 1M 起步：这两个文件启动时要整块写出来。
	"--innodb-data-file-path=ibdata1:1M:autoextend",
	"--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
}

// MariaDB 是测试独占的一个 mariadbd 进程，监听 127.0.0.1 上的随机端口，root 无密码。
// 数据目录在 t.TempDir() 里，测试结束时进程被杀掉、文件被删除。
type MariaDB struct {
	t       testing.TB
	port    int
	datadir string
	p       *proc
}

// StartMariaDB 新建数据目录（mariadb-install-db），在空闲端口上启动 mariadbd，等到它能接受
// 连接再返回。启动不了时测试失败并打出 mariadbd 的日志。
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	needBinary(t, mariadbdPath)
	needBinary(t, installDBPath)
	dir := t.TempDir()
	m := &MariaDB{t: t, port: FreePort(t), datadir: filepath.Join(dir, "data")}
	// 临时表放在自己的目录里：与别的实例共用 /tmp 时，mariadb-install-db 偶尔删不掉自己的临时表而失败。
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatalf("fault: 建临时目录失败: %v", err)
	}

	var asRoot []string
	if os.Geteuid() == 0 {
		asRoot = []string{"--user=root"} // mariadbd 拒绝以 root 运行，除非明说
	}

	// --no-defaults 必须是第一个参数。
	install := append([]string{"--no-defaults", "--datadir=" + m.datadir,
		"--auth-root-authentication-method=normal", "--skip-test-db", "--tmpdir=" + tmp}, asRoot...)
	install = append(install, mariadbSmall...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	began := wall.Now()
	if out, err := exec.CommandContext(ctx, installDBPath, install...).CombinedOutput(); err != nil {
		t.Fatalf("fault: mariadb-install-db 初始化 %s 失败: %v\n%s", m.datadir, err, out)
	}
	installed := wall.Now()

	args := append([]string{"--no-defaults"}, asRoot...)
	args = append(args,
		"--datadir="+m.datadir,
		"--tmpdir="+tmp,
		"--bind-address=127.0.0.1",
		"--port="+strconv.Itoa(m.port),
		"--socket="+socketPath(t, dir, "mariadbd.sock"),
		"--pid-file="+filepath.Join(dir, "mariadbd.pid"),
		"--skip-log-bin",
		// 提交时写进操作系统缓存、每秒 fsync 一次：进程被 SIGKILL 不丢已提交的数据，
		// 只有整机断电才会丢最后一秒；在慢盘上省掉每次提交的 fsync。
		"--innodb-flush-log-at-trx-commit=2",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
	)
	args = append(args, mariadbSmall...)
	m.p = newProc(t, "mariadbd", mariadbdPath, filepath.Join(dir, "mariadbd.log"), args)
	m.start()
	t.Logf("fault: mariadbd 在 %s 就绪（pid %d）：初始化 %v，启动 %v", m.Addr(), m.PID(),
		installed.Sub(began).Round(time.Millisecond), wall.Since(installed).Round(time.Millisecond))
	return m
}

// socketPath 返回 dir 下的套接字路径；路径超过 Unix 套接字的长度上限时改用一个短的临时目录。
func socketPath(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if len(p) < 100 {
		return p
	}
	short, err := os.MkdirTemp("", "hqfault")
	if err != nil {
		t.Fatalf("fault: 建临时目录失败: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(short) })
	return filepath.Join(short, name)
}

func (m *MariaDB) start() {
	m.t.Helper()
	if err := m.p.start(); err != nil {
		m.t.Fatalf("fault: 启动 mariadbd 失败: %v", err)
	}
	db, err := sql.Open("mysql", m.DriverDSN("")+"&timeout=1s&readTimeout=2s")
	if err != nil {
		m.t.Fatalf("fault: %v", err)
	}
	defer db.Close()
	m.p.waitReady(60*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return db.PingContext(ctx)
	})
}

// Addr 返回 127.0.0.1:端口。
func (m *MariaDB) Addr() string { return "127.0.0.1:" + strconv.Itoa(m.port) }

// Port 返回监听端口。
func (m *MariaDB) Port() int { return m.port }

// PID 返回 mariadbd 的进程号；进程不在时返回 0。
func (m *MariaDB) PID() int { return m.p.pid() }

// DSN 返回 hongqi 用的 DSN，如 mysql://root@tcp(127.0.0.1:PORT)/db?parseTime=true&loc=UTC&charset=utf8mb4。
// 不建库，见 CreateDB。
func (m *MariaDB) DSN(db string) string { return "mysql://" + m.DriverDSN(db) }

// DriverDSN 返回 go-sql-driver/mysql 直接能用的 DSN（DSN 去掉 mysql:// 前缀）。
// 需要别的参数时在后面追加 &name=value。
func (m *MariaDB) DriverDSN(db string) string {
	return fmt.Sprintf("root@tcp(%s)/%s?parseTime=true&loc=UTC&charset=utf8mb4", m.Addr(), db)
}

// CreateDB 建库（已存在则不动，utf8mb4），返回它的 DSN（同 DSN）。失败时测试失败。
func (m *MariaDB) CreateDB(name string) string {
	m.t.Helper()
	if name == "" || strings.ContainsAny(name, "`/\\.") {
		m.t.Fatalf("fault: 库名 %q 不合法", name)
	}
	db, err := sql.Open("mysql", m.DriverDSN("")+"&timeout=5s")
	if err != nil {
		m.t.Fatalf("fault: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		m.t.Fatalf("fault: 在 %s 上建库 %s 失败: %v", m.Addr(), name, err)
	}
	return m.DSN(name)
}

// Stop 用 SIGSTOP 暂停 mariadbd，等到它的所有线程都停下再返回，模拟卡死：端口仍在监听，内核照样完成 TCP 握手，
// 但任何请求都得不到回答。进程不在时测试失败。
func (m *MariaDB) Stop() {
	m.t.Helper()
	m.p.stop()
}

// Cont 用 SIGCONT 让暂停的 mariadbd 继续；进程已不在时什么也不做（可以放心地延时调用）。
func (m *MariaDB) Cont() { m.p.cont() }

// Kill 用 SIGKILL 杀掉 mariadbd 并等它退出，模拟崩溃；暂停中的进程也能杀。进程不在时什么也不做。
func (m *MariaDB) Kill() { m.p.kill() }

// Restart 在原数据目录、原端口上重新启动 mariadbd（InnoDB 做崩溃恢复），等到能接受连接再返回。
// 进程还活着时先 SIGKILL 它。
func (m *MariaDB) Restart() {
	m.t.Helper()
	m.p.kill()
	m.start()
}
