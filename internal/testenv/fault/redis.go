package fault

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const redisServerPath = "/usr/bin/redis-server"

// Redis 是测试独占的一个 redis-server 进程，监听 127.0.0.1 上的随机端口，不落盘
// （--save "" --appendonly no），所以 Restart 之后是空的。测试结束时进程被杀掉、文件被删除。
type Redis struct {
	t    testing.TB
	port int
	p    *proc
}

// StartRedis 在空闲端口上启动 redis-server，等到它回答 PING 再返回。启动不了时测试失败并打出日志。
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	needBinary(t, redisServerPath)
	dir := t.TempDir()
	r := &Redis{t: t, port: FreePort(t)}
	args := []string{
		"--port", strconv.Itoa(r.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--daemonize", "no",
		"--logfile", "", // 日志写标准输出，即下面的日志文件
		"--maxmemory", "64mb",
	}
	r.p = newProc(t, "redis-server", redisServerPath, filepath.Join(dir, "redis-server.log"), args)
	r.start()
	return r
}

func (r *Redis) start() {
	r.t.Helper()
	if err := r.p.start(); err != nil {
		r.t.Fatalf("fault: 启动 redis-server 失败: %v", err)
	}
	c := redis.NewClient(&redis.Options{
		Addr:        r.Addr(),
		DialTimeout: time.Second,
		ReadTimeout: time.Second,
		MaxRetries:  -1,
		PoolSize:    1,
	})
	defer c.Close()
	r.p.waitReady(30*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	})
}

// Addr 返回 127.0.0.1:端口。
func (r *Redis) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// Port 返回监听端口。
func (r *Redis) Port() int { return r.port }

// URL 返回 redis://127.0.0.1:端口/0。
func (r *Redis) URL() string { return "redis://" + r.Addr() + "/0" }

// PID 返回 redis-server 的进程号；进程不在时返回 0。
func (r *Redis) PID() int { return r.p.pid() }

// Stop 用 SIGSTOP 暂停 redis-server，等到它真的停下再返回，模拟卡死：连接照样建立，命令得不到回答。进程不在时测试失败。
func (r *Redis) Stop() {
	r.t.Helper()
	r.p.stop()
}

// Cont 用 SIGCONT 让暂停的 redis-server 继续；进程已不在时什么也不做（可以放心地延时调用）。
func (r *Redis) Cont() { r.p.cont() }

// Kill 用 SIGKILL 杀掉 redis-server 并等它退出；进程不在时什么也不做。
func (r *Redis) Kill() { r.p.kill() }

// Restart 在原端口上重新启动 redis-server（数据不保留），等到它回答 PING 再返回。
// 进程还活着时先 SIGKILL 它。
func (r *Redis) Restart() {
	r.t.Helper()
	r.p.kill()
	r.start()
}
