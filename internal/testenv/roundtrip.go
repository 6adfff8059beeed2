package testenv

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// roundTripNets 给每个计数的 DSN 一个独立的网络名（驱动的拨号函数表是全局的）。
var roundTripNets atomic.Int64

// countingConn 数客户端写出的次数：驱动每发一个命令包（一条或几条合并的语句、COMMIT……）写一次，
// 然后等服务器回答，所以写的次数就是往返次数。
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(b)
}

// CountRoundTrips 返回与 dsn（mysql://…@tcp(host:port)/db?…）指向同一个库、但经计数拨号的 DSN，
// 以及计数器：经这个 DSN 打开的连接每向服务器发一个命令包加一。建连时的握手也计在内，
// 所以要在连接已经建好之后取差值。
func CountRoundTrips(t testing.TB, dsn string) (string, *atomic.Int64) {
	t.Helper()
	if !strings.Contains(dsn, "tcp(") {
		t.Fatalf("testenv: CountRoundTrips 需要 tcp(...) 形式的 MySQL DSN：%s", dsn)
	}
	name := fmt.Sprintf("hqcount%d", roundTripNets.Add(1))
	var n atomic.Int64
	mysql.RegisterDialContext(name, func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, n: &n}, nil
	})
	return strings.Replace(dsn, "tcp(", name+"(", 1), &n
}
