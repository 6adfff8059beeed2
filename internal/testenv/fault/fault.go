// Package fault 为故障注入测试启动测试自己独占的 MariaDB 与 Redis 进程：数据目录、端口、
// 套接字、日志都在 t.TempDir() 里，测试结束时杀掉进程、删掉文件。它从不连接、也从不发信号给
// 其他测试共用的 127.0.0.1:3306 与 127.0.0.1:6379。
//
// 进程可以被暂停（SIGSTOP，模拟卡死）、继续（SIGCONT）、杀掉（SIGKILL）并在原数据目录与
// 原端口上重启。缺少 /usr/sbin/mariadbd、/usr/bin/mariadb-install-db 或 /usr/bin/redis-server
// 时测试失败（不跳过）。进程的标准输出与标准错误写进临时目录里的日志文件，测试失败时用 t.Log 打出。
package fault

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/hongqi-dev/hongqi/model"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// wall 是等待和日志所用的时钟（真实时间；这些进程的启停与被测程序的时钟无关）。
var wall = model.SystemClock(nil)

// FreePort 返回 127.0.0.1 上一个当前空闲的 TCP 端口。优先从系统临时端口范围之外随机挑，
// 免得 Restart 之前被别的出站连接占去；挑不到再让内核分配。
func FreePort(t testing.TB) int {
	t.Helper()
	lo, hi := 20000, 32000
	if elo, ehi, ok := ephemeralRange(); ok && elo <= hi && ehi >= lo {
		// 系统临时端口范围与默认区间重叠时退回内核分配。
		lo, hi = 0, 0
	}
	for i := 0; hi > lo && i < 50; i++ {
		p := lo + rand.IntN(hi-lo)
		if portFree(p) {
			return p
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fault: 找不到空闲端口: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// ephemeralRange 读取 Linux 的临时端口范围。
func ephemeralRange() (lo, hi int, ok bool) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0, false
	}
	var a, z int
	if _, err := fmt.Sscan(string(b), &a, &z); err != nil {
		return 0, 0, false
	}
	return a, z, true
}

// StopFor 立刻暂停 p，d 之后在另一个 goroutine 里让它继续。用于模拟一段时间的卡死。
func StopFor(p interface {
	Stop()
	Cont()
}, d time.Duration) {
	p.Stop()
	time.AfterFunc(d, p.Cont)
}

// needBinary 检查可执行文件存在，否则让测试失败。
func needBinary(t testing.TB, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		t.Fatalf("fault: 找不到可执行文件 %s（%v）；故障注入测试需要本机安装 MariaDB 10.11 与 Redis 7（Debian 包 mariadb-server、redis-server）", path, err)
	}
}

// proc 是一个受测试管理的子进程：启动、发信号、杀掉、重启。
type proc struct {
	t    testing.TB
	name string // 日志里用的名字，如 mariadbd
	path string
	args []string
	log  string // 标准输出与标准错误追加写入的文件

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // Wait 返回后关闭
}

func newProc(t testing.TB, name, path, log string, args []string) *proc {
	p := &proc{t: t, name: name, path: path, args: args, log: log}
	// 先登记打印日志，再登记杀进程：Cleanup 倒序执行，于是先杀进程、再打日志、最后删临时目录。
	t.Cleanup(func() {
		if t.Failed() {
			p.dumpLog()
		}
	})
	t.Cleanup(p.kill)
	return p
}

// start 启动进程（不等它就绪）。
func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isDone(p.done) {
		return fmt.Errorf("%s 还在运行（pid %d）", p.name, p.cmd.Process.Pid)
	}
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "==== fault: %s 启动 %s ====\n", wall.Now().Format(time.RFC3339Nano), p.name)
	cmd := exec.Command(p.path, p.args...)
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // 不接收终端发给测试进程组的信号
		Pdeathsig: syscall.SIGKILL, // 测试进程意外死掉时子进程跟着死，不留孤儿
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// running 报告进程是否还活着（暂停中也算活着）。
func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !isDone(p.done)
}

// exited 返回当前进程结束时关闭的通道；从未启动时返回已关闭的通道。
func (p *proc) exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return p.done
}

func (p *proc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || isDone(p.done) {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *proc) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || isDone(p.done) {
		return os.ErrProcessDone
	}
	return p.cmd.Process.Signal(sig)
}

// stop 发 SIGSTOP 并等到进程的所有线程都真的停下。信号是异步送达的：kill(2) 返回时
// 线程可能还在跑，机器忙时足够把刚收到的请求处理完，所以必须等。
func (p *proc) stop() {
	p.t.Helper()
	pid := p.pid()
	if err := p.signal(syscall.SIGSTOP); err != nil {
		p.t.Fatalf("fault: 暂停 %s 失败: %v", p.name, err)
	}
	deadline := wall.Now().Add(5 * time.Second)
	for !allStopped(pid) {
		if !p.running() {
			p.t.Fatalf("fault: %s 在暂停时退出了", p.name)
		}
		if wall.Now().After(deadline) {
			p.t.Fatalf("fault: %s（pid %d）收到 SIGSTOP 5 秒后仍有线程在运行", p.name, pid)
		}
		time.Sleep(time.Millisecond)
	}
}

// allStopped 报告 pid 的每个线程在 /proc 里的状态是否都是 T（stopped）。
func allStopped(pid int) bool {
	task := fmt.Sprintf("/proc/%d/task", pid)
	ents, err := os.ReadDir(task)
	if err != nil || len(ents) == 0 {
		return false
	}
	for _, e := range ents {
		b, err := os.ReadFile(task + "/" + e.Name() + "/stat")
		if err != nil {
			continue // 线程刚退出
		}
		// 格式：tid (comm) state ...；comm 里可能有括号，取最后一个 ')'。
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+2 >= len(b) || (b[i+2] != 'T' && b[i+2] != 't') {
			return false
		}
	}
	return true
}

// cont 可能在 StopFor 的定时器里、甚至测试结束后调用：进程已经不在时什么也不做；
// 其他错误只有在测试还没结束时才报告。
func (p *proc) cont() {
	err := p.signal(syscall.SIGCONT)
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Errorf("fault: 让 %s 继续失败: %v", p.name, err)
	}
}

// kill 发 SIGKILL 并等进程退出；进程不在时什么也不做。暂停中的进程也能直接杀掉。
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isDone(done) {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.t.Errorf("fault: %s（pid %d）收到 SIGKILL 10 秒后仍未退出", p.name, cmd.Process.Pid)
	}
}

// dumpLog 把日志文件的末尾打到测试输出里。
func (p *proc) dumpLog() {
	b, err := os.ReadFile(p.log)
	if err != nil {
		p.t.Logf("fault: 读不到 %s 的日志 %s: %v", p.name, p.log, err)
		return
	}
	const max = 16 << 10
	if len(b) > max {
		b = append([]byte("…（前略）\n"), b[len(b)-max:]...)
	}
	p.t.Logf("fault: %s 的日志 %s:\n%s", p.name, p.log, b)
}

// waitReady 反复调用 probe 直到成功；进程中途退出或超时则让测试失败（日志由 newProc 登记的 Cleanup 打出）。
func (p *proc) waitReady(timeout time.Duration, probe func() error) {
	p.t.Helper()
	deadline := wall.Now().Add(timeout)
	exited := p.exited()
	var last error
	for {
		if last = probe(); last == nil {
			return
		}
		if isDone(exited) {
			p.t.Fatalf("fault: %s 启动后退出了（最后一次探测: %v）", p.name, last)
		}
		if wall.Now().After(deadline) {
			p.t.Fatalf("fault: %s %v 内没有就绪: %v", p.name, timeout, last)
		}
		select {
		case <-exited:
		case <-time.After(20 * time.Millisecond):
		}
	}
}
