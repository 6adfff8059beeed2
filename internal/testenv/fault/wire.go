package fault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// Action 是 Wire 的钩子对一个命令包的处置。
type Action int

const (
	// Pass 照常发出。
	Pass Action = iota
	// Cut 不发出，当场掐断这条连接（像客户端进程被 kill -9：服务器看到连接断开，回滚未提交的事务）。
	Cut
)

// Wire 是一个进程内 MySQL 客户端到服务器的“线”：经 Wire.DSN 打开的连接都由它拨号，测试能看到客户端
// 发出的每条语句（COM_QUERY 命令包），在它发出之前做点什么——暂停数据库、掐断连接——还能一下子
// 掐断全部连接并拒绝新连接（Kill），模拟一个副本被 kill -9。它只包装拨号，不解析回答。
type Wire struct {
	t    testing.TB
	name string

	mu    sync.Mutex
	hook  func(sql string) Action
	conns map[*wireConn]bool
	dead  bool
}

var wireSeq atomic.Int64

// NewWire 注册一个新的拨号网络（驱动的拨号表是全局的，每个 Wire 一个名字）。
func NewWire(t testing.TB) *Wire {
	w := &Wire{t: t, name: fmt.Sprintf("faultwire%d", wireSeq.Add(1)), conns: map[*wireConn]bool{}}
	mysql.RegisterDialContext(w.name, func(ctx context.Context, addr string) (net.Conn, error) {
		w.mu.Lock()
		dead := w.dead
		w.mu.Unlock()
		if dead {
			return nil, errors.New("fault: 这个副本已被杀掉")
		}
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		wc := &wireConn{Conn: c, w: w}
		w.mu.Lock()
		w.conns[wc] = true
		w.mu.Unlock()
		return wc, nil
	})
	return w
}

// DSN 把 mysql://…@tcp(host:port)/… 形式的 DSN 改成经这条线拨号。
func (w *Wire) DSN(dsn string) string {
	if !strings.Contains(dsn, "tcp(") {
		w.t.Fatalf("fault: Wire 需要 tcp(...) 形式的 DSN：%s", dsn)
	}
	return strings.Replace(dsn, "tcp(", w.name+"(", 1)
}

// OnQuery 设置钩子：每条语句（几条合并发出时是整段文字）发出之前调用，返回 Cut 则掐断这条连接。
// 钩子在发出语句的 goroutine 里同步运行，可以先暂停数据库再放行。nil 表示不再拦截。
func (w *Wire) OnQuery(f func(sql string) Action) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hook = f
}

// Kill 掐断经这条线的全部连接，之后的拨号都失败：一个副本被 kill -9 时数据库看到的就是这样。
func (w *Wire) Kill() {
	w.mu.Lock()
	w.dead = true
	conns := w.conns
	w.conns = map[*wireConn]bool{}
	w.mu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

type wireConn struct {
	net.Conn
	w *Wire
}

// comQuery 是 MySQL 协议里文本查询命令的编号。
const comQuery = 0x03

func (c *wireConn) Write(b []byte) (int, error) {
	// 包头 4 字节（3 字节长度、1 字节序号），之后是命令字节和语句。
	if len(b) > 5 && b[4] == comQuery {
		c.w.mu.Lock()
		hook, dead := c.w.hook, c.w.dead
		c.w.mu.Unlock()
		if dead {
			c.Conn.Close()
			return 0, net.ErrClosed
		}
		if hook != nil && hook(string(b[5:])) == Cut {
			c.Conn.Close()
			return 0, net.ErrClosed
		}
	}
	return c.Conn.Write(b)
}

func (c *wireConn) Close() error {
	c.w.mu.Lock()
	delete(c.w.conns, c)
	c.w.mu.Unlock()
	return c.Conn.Close()
}
