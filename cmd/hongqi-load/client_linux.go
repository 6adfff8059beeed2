//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

func init() {
	senders["epoll"] = sendEpoll
	defaultSender = "epoll"
}

// epoll 发送方式：每个发送线程（-threads）锁在一个系统线程上，用一个 epoll 管分给它的连接。
// 套接字是非阻塞的，read、write、epoll_pwait 都用 RawSyscall 直接调用：等回复时线程
// 在 epoll_pwait 里睡，不唤醒 sysmon、不切换 goroutine，每个请求只有一次写、一次读和
// 分摊下来的一次 epoll_pwait，与 wrk 相当。epoll_pwait 最多等 pollWait，以便检查
// 截止时间、超时和重连；GC 要停下它时，抢占信号会让 epoll_pwait 以 EINTR 返回。

const pollWait = 5 // 毫秒

// epConn 是 epoll 循环里的一条连接。
type epConn struct {
	idx     int32
	fd      int // -1 表示没有连接
	req     []byte
	woff    int
	wantOut bool // 已登记 EPOLLOUT（报文没能一次写完）
	busy    bool // 有请求在等回复
	t0      time.Time
	buf     []byte
	scratch []byte
	first   bool // 下一个回复另用参照实现核对
	retry   bool // 出错后待重连并发下一个请求
}

func sendEpoll(lv *level) tally {
	loops := max(1, min(lv.o.threads, lv.conc))
	results := make([]tally, loops)
	var wg sync.WaitGroup
	for l := range loops {
		n := lv.conc / loops
		if l < lv.conc%loops {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[l] = lv.epollLoop(n)
		}()
	}
	wg.Wait()
	var all tally
	for _, r := range results {
		all.merge(r)
	}
	return all
}

// sockaddrOf 把 ip:port 换成套接字地址；只接受本机地址。
func sockaddrOf(addr string) (syscall.Sockaddr, error) {
	a, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, err
	}
	if !a.IP.IsLoopback() {
		return nil, fmt.Errorf("只能压测本机地址，而不是 %s", a.IP)
	}
	if ip4 := a.IP.To4(); ip4 != nil {
		sa := &syscall.SockaddrInet4{Port: a.Port}
		copy(sa.Addr[:], ip4)
		return sa, nil
	}
	sa := &syscall.SockaddrInet6{Port: a.Port}
	copy(sa.Addr[:], a.IP.To16())
	return sa, nil
}

func dialFD(sa syscall.Sockaddr) (int, error) {
	family := syscall.AF_INET
	if _, ok := sa.(*syscall.SockaddrInet6); ok {
		family = syscall.AF_INET6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Connect(fd, sa); err != nil { // 本机地址，阻塞连接立即有结果
		syscall.Close(fd)
		return -1, fmt.Errorf("connect: %w", err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

func rawRead(fd int, p []byte) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(r), e
}

func rawWrite(fd int, p []byte) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(r), e
}

func rawEpollWait(epfd int, events []syscall.EpollEvent, msec int) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])),
		uintptr(len(events)), uintptr(msec), 0, 0)
	return int(r), e
}

var errTimeout = errors.New("request timed out")

// epollLoop 在当前线程上用 conns 条连接发送，直到本档结束，返回结果。
func (lv *level) epollLoop(conns int) (w tally) {
	sa, err := sockaddrOf(lv.t.addr) // 每个线程一份：syscall.Connect 会写 Sockaddr 里的缓冲
	if err != nil {
		w.fail(err)
		return w
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		w.fail(err)
		return w
	}
	defer syscall.Close(epfd)
	v := lv.checker.clone()
	w.lat = make([]time.Duration, 0, lv.reqs.len()/lv.conc*conns+1)
	cs := make([]*epConn, conns)
	active := 0
	for i := range cs {
		cs[i] = &epConn{idx: int32(i), fd: -1, buf: make([]byte, 0, 16<<10), first: true}
		if lv.start(epfd, sa, cs[i], &w) {
			active++
		}
	}
	defer func() {
		for _, c := range cs {
			c.close()
		}
	}()
	events := make([]syscall.EpollEvent, conns)
	lastScan := wallNow()
	for active > 0 {
		n, errno := rawEpollWait(epfd, events, pollWait)
		if errno != 0 && errno != syscall.EINTR {
			w.fail(fmt.Errorf("epoll_pwait: %w", errno))
			return w
		}
		for _, ev := range events[:max(n, 0)] {
			c := cs[ev.Pad]
			if c.fd != int(ev.Fd) {
				continue // 这一批里已经关掉（或换了）的连接
			}
			if ev.Events&syscall.EPOLLOUT != 0 && c.woff < len(c.req) {
				lv.write(epfd, c, &w)
			}
			if ev.Events&(syscall.EPOLLIN|syscall.EPOLLERR|syscall.EPOLLHUP) != 0 && c.fd >= 0 && lv.read(c, v, &w) {
				if !lv.start(epfd, sa, c, &w) {
					active--
				}
			}
		}
		now := wallNow()
		scan := now.Sub(lastScan) > 100*time.Millisecond
		if scan {
			lastScan = now
		}
		for _, c := range cs {
			if scan && c.busy && now.Sub(c.t0) > requestTimeout {
				lv.abort(c, errTimeout, &w)
			}
			if c.retry {
				c.retry = false
				if !lv.start(epfd, sa, c, &w) {
					active--
				}
			}
		}
	}
	return w
}

func (c *epConn) close() {
	if c.fd >= 0 {
		syscall.Close(c.fd) // 关闭即从 epoll 中移除
		c.fd = -1
	}
	c.busy, c.wantOut, c.buf = false, false, c.buf[:0]
}

// abort 记一个错误，关掉连接，稍后重连。
func (lv *level) abort(c *epConn, err error, w *tally) {
	w.fail(err)
	c.close()
	c.retry = true
}

// start 取下一个请求发出；没有请求可发时关掉连接，返回假。
func (lv *level) start(epfd int, sa syscall.Sockaddr, c *epConn, w *tally) bool {
	req, ok := lv.next(wallNow())
	if !ok {
		c.close()
		return false
	}
	c.req, c.woff, c.busy = req, 0, true
	if c.fd < 0 {
		fd, err := dialFD(sa)
		if err == nil {
			ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd), Pad: c.idx}
			if err = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
				syscall.Close(fd)
			}
		}
		if err != nil {
			lv.abort(c, err, w)
			return true // 仍算活动连接，下一轮重试（中间隔着一次 epoll_pwait）
		}
		c.fd = fd
	}
	c.t0 = wallNow()
	lv.write(epfd, c, w)
	return true
}

// write 尽量写出报文剩下的部分；写不完时登记 EPOLLOUT。
func (lv *level) write(epfd int, c *epConn, w *tally) {
	for c.woff < len(c.req) {
		n, errno := rawWrite(c.fd, c.req[c.woff:])
		if errno == syscall.EAGAIN {
			break
		}
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			lv.abort(c, fmt.Errorf("write: %w", errno), w)
			return
		}
		c.woff += n
	}
	want := c.woff < len(c.req)
	if want != c.wantOut {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.fd), Pad: c.idx}
		if want {
			ev.Events |= syscall.EPOLLOUT
		}
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
			lv.abort(c, err, w)
			return
		}
		c.wantOut = want
	}
}

// read 读入可读的数据；读完一个回复时核对并记下延迟，返回真（该发下一个请求了）。
func (lv *level) read(c *epConn, v *replyChecker, w *tally) bool {
	if len(c.buf) == cap(c.buf) {
		c.buf = append(c.buf, 0)[:len(c.buf)]
	}
	n, errno := rawRead(c.fd, c.buf[len(c.buf):cap(c.buf)])
	switch {
	case errno == syscall.EAGAIN || errno == syscall.EINTR:
		return false
	case errno != 0:
		lv.abort(c, fmt.Errorf("read: %w", errno), w)
		return false
	}
	eof := n == 0
	c.buf = c.buf[:len(c.buf)+n]
	if !c.busy { // 没有请求在等：对方关闭了空闲连接，或多发了数据
		if !eof {
			lv.abort(c, errors.New("unexpected data on idle connection"), w)
			return false
		}
		c.close()
		c.retry = true
		return false
	}
	m, r, err := parseResponse(c.buf, eof, c.scratch)
	if err != nil {
		lv.abort(c, err, w)
		return false
	}
	if m == 0 {
		return false // 还没读完
	}
	now := wallNow()
	c.busy = false
	if err := v.checkReply(lv.o, r.status, r.body, c.first); err != nil {
		w.fail(err)
	} else {
		c.first = false
		w.lat = append(w.lat, now.Sub(c.t0))
	}
	c.buf = c.buf[:copy(c.buf, c.buf[m:])]
	if !r.keep || eof || c.woff < len(c.req) { // 请求还没写完就有了回复：这条连接不能再用
		c.close()
	}
	return true
}
