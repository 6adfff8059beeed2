package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync/atomic"
	"time"
)

// 计时阶段只做三件事：写出预先拼好的报文、读回复、核对回复。每个并发一条长连接，
// 回复按 Content-Length（或 chunked）切出，缓冲区复用。原来用的 net/http 客户端每个
// 请求要经过读写两个 goroutine、分配 Request 和 Header，在两核机器上与被测服务抢 CPU，
// 压测工具自己就成了瓶颈。
//
// 发送有两种实现（-sender）：
//   - epoll（Linux 上的默认）：像 wrk 那样，每个发送线程一个 epoll 循环管若干连接，
//     读写都是非阻塞的原始系统调用，不经过 Go 的网络轮询和 goroutine 切换；
//   - goroutine：每个并发一个 goroutine、一条 net.Conn，可移植，开销大一些。

// requestTimeout 是单个请求的期限。
const requestTimeout = 10 * time.Second

// maxHeader 是回复头的上限，超过视为格式错误。
const maxHeader = 64 << 10

// level 是正在跑的一档：各发送线程从这里取下一个请求。
type level struct {
	ctx      context.Context
	o        options
	t        target
	conc     int
	reqs     *requestSet
	issued   atomic.Int64
	deadline time.Time
	checker  *replyChecker
}

// next 取下一个要发的请求；到了截止时间、被中断或请求用完时 ok 为假。
func (lv *level) next(now time.Time) (req []byte, ok bool) {
	if lv.ctx.Err() != nil || !now.Before(lv.deadline) {
		return nil, false
	}
	i := int(lv.issued.Add(1)) - 1
	if i >= lv.reqs.len() {
		return nil, false
	}
	return lv.reqs.at(i), true
}

// tally 是一个发送线程的结果。
type tally struct {
	lat      []time.Duration
	errs     int
	firstErr string
}

func (w *tally) fail(err error) {
	w.errs++
	if w.firstErr == "" {
		w.firstErr = err.Error()
	}
}

func (w *tally) merge(x tally) {
	w.lat = append(w.lat, x.lat...)
	w.errs += x.errs
	if w.firstErr == "" {
		w.firstErr = x.firstErr
	}
}

// senders 是可用的发送实现；Linux 上另有 epoll。
var senders = map[string]func(lv *level) tally{"goroutine": sendGoroutines}

func senderNames() []string {
	var names []string
	for n := range senders {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// defaultSender 是 -sender 的默认值。
var defaultSender = "goroutine"

// runLevel 以 conc 个并发跑一档，发送预先生成好的 reqs，每个只发一次。
func runLevel(ctx context.Context, o options, t target, conc int, reqs *requestSet) result {
	send, ok := senders[o.sender]
	if !ok {
		return result{errors: 1, firstErr: fmt.Sprintf("没有发送方式 %q", o.sender)}
	}
	checker, err := newReplyChecker(o)
	if err != nil {
		return result{errors: 1, firstErr: err.Error()}
	}
	start := wallNow()
	lv := &level{ctx: ctx, o: o, t: t, conc: conc, reqs: reqs, deadline: start.Add(o.duration), checker: checker}
	w := send(lv)
	elapsed := wallNow().Sub(start)
	lat := w.lat
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := result{n: len(lat) + w.errs, errors: w.errs, firstErr: w.firstErr}
	r.rps = float64(len(lat)) / elapsed.Seconds()
	r.p50, r.p99 = pct(lat, 0.50), pct(lat, 0.99)
	if r.n >= reqs.len() && reqs.len() < o.maxRequests {
		r.note = fmt.Sprintf("预先生成的 %d 个请求已用完，本档提前结束", reqs.len())
	}
	return r
}

// response 是解析出的一个回复；body 指向读缓冲（或 chunked 时的解码缓冲），下次读之前有效。
type response struct {
	status int
	body   []byte
	keep   bool // 连接能否复用
}

var (
	errMalformed = errors.New("malformed HTTP response")
	crlf         = []byte("\r\n")
)

// parseResponse 从 buf 开头解析一个完整的 HTTP/1.x 回复（跳过 1xx）。回复还不完整时 n 为 0。
// eof 表示对方已关闭连接（没有长度的回复以此结束）。chunked 的回复体解到 scratch 里。
func parseResponse(buf []byte, eof bool, scratch []byte) (n int, r response, err error) {
	off := 0
	for {
		rest := buf[off:]
		he := bytes.Index(rest, []byte("\r\n\r\n"))
		if he < 0 {
			switch {
			case len(rest) > maxHeader:
				return 0, r, errMalformed
			case eof && len(buf) == 0:
				return 0, r, io.EOF
			case eof:
				return 0, r, io.ErrUnexpectedEOF
			}
			return 0, r, nil
		}
		head, bodyAt := rest[:he+2], off+he+4
		line, head, _ := bytes.Cut(head, crlf)
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return 0, r, errMalformed
		}
		st, ok := atoi(line[9:12])
		if !ok {
			return 0, r, errMalformed
		}
		r = response{status: st, keep: line[7] == '1'}
		length, chunked := -1, false
		for len(head) > 0 {
			var h []byte
			h, head, _ = bytes.Cut(head, crlf)
			name, val, ok := bytes.Cut(h, []byte(":"))
			if !ok {
				return 0, r, errMalformed
			}
			val = bytes.TrimSpace(val)
			switch {
			case bytes.EqualFold(name, []byte("Content-Length")):
				if length, ok = atoi(val); !ok {
					return 0, r, errMalformed
				}
			case bytes.EqualFold(name, []byte("Transfer-Encoding")):
				chunked = bytes.Contains(bytes.ToLower(val), []byte("chunked"))
			case bytes.EqualFold(name, []byte("Connection")):
				if bytes.EqualFold(val, []byte("close")) {
					r.keep = false
				} else if bytes.EqualFold(val, []byte("keep-alive")) {
					r.keep = true
				}
			}
		}
		if st >= 100 && st < 200 && st != 101 {
			off = bodyAt // 100 Continue 之类，真正的回复在后面
			continue
		}
		switch {
		case st == 204 || st == 304:
			return bodyAt, r, nil
		case chunked:
			m, body, err := dechunk(buf[bodyAt:], scratch[:0])
			if err != nil {
				return 0, r, err
			}
			if m == 0 {
				if eof {
					return 0, r, io.ErrUnexpectedEOF
				}
				return 0, r, nil
			}
			r.body = body
			return bodyAt + m, r, nil
		case length >= 0:
			if len(buf)-bodyAt < length {
				if eof {
					return 0, r, io.ErrUnexpectedEOF
				}
				return 0, r, nil
			}
			r.body = buf[bodyAt : bodyAt+length]
			return bodyAt + length, r, nil
		default: // 没有长度：读到对方关闭
			if !eof {
				return 0, r, nil
			}
			r.body, r.keep = buf[bodyAt:], false
			return len(buf), r, nil
		}
	}
}

// dechunk 解码 chunked 的回复体（连同尾部字段），追加到 dst；还不完整时 n 为 0。
func dechunk(b, dst []byte) (n int, body []byte, err error) {
	i := 0
	for {
		j := bytes.Index(b[i:], crlf)
		if j < 0 {
			return 0, dst, nil
		}
		line := b[i : i+j]
		if k := bytes.IndexByte(line, ';'); k >= 0 {
			line = line[:k]
		}
		size, ok := hexAtoi(bytes.TrimSpace(line))
		if !ok {
			return 0, dst, errMalformed
		}
		i += j + 2
		if size == 0 {
			for { // 尾部字段，到空行为止
				j := bytes.Index(b[i:], crlf)
				if j < 0 {
					return 0, dst, nil
				}
				i += j + 2
				if j == 0 {
					return i, dst, nil
				}
			}
		}
		if len(b)-i < size+2 {
			return 0, dst, nil
		}
		if b[i+size] != '\r' || b[i+size+1] != '\n' {
			return 0, dst, errMalformed
		}
		dst = append(dst, b[i:i+size]...)
		i += size + 2
	}
}

// atoi 解析不太长的十进制非负整数。
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 12 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// hexAtoi 解析 chunked 的块长（十六进制）。
func hexAtoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 7 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		n = n*16 + int(c)
	}
	return n, true
}

// rawConn 是 goroutine 发送方式的一条长连接；断开（出错或对方要求关闭）后下一个请求重新拨号。
type rawConn struct {
	addr     string
	deadline time.Time
	c        net.Conn
	buf      []byte
	used     int // buf 开头已解析掉的字节，下次读之前挪走
	scratch  []byte
}

func newRawConn(addr string, deadline time.Time) *rawConn {
	return &rawConn{addr: addr, deadline: deadline, buf: make([]byte, 0, 16<<10)}
}

func (rc *rawConn) close() {
	if rc.c != nil {
		_ = rc.c.Close()
		rc.c = nil
	}
	rc.buf, rc.used = rc.buf[:0], 0
}

// roundTrip 发出一个报文并读完回复。
func (rc *rawConn) roundTrip(req []byte) (response, error) {
	rc.buf = rc.buf[:copy(rc.buf, rc.buf[rc.used:])]
	rc.used = 0
	if rc.c == nil {
		c, err := net.DialTimeout("tcp", rc.addr, requestTimeout)
		if err != nil {
			return response{}, err
		}
		_ = c.SetDeadline(rc.deadline)
		rc.c = c
	}
	if _, err := rc.c.Write(req); err != nil {
		rc.close()
		return response{}, err
	}
	eof := false
	for {
		n, r, err := parseResponse(rc.buf, eof, rc.scratch)
		if err != nil {
			rc.close()
			return response{}, err
		}
		if n > 0 {
			rc.used = n
			if !r.keep {
				_ = rc.c.Close()
				rc.c = nil
			}
			return r, nil
		}
		if len(rc.buf) == cap(rc.buf) {
			rc.buf = append(rc.buf, 0)[:len(rc.buf)]
		}
		m, err := rc.c.Read(rc.buf[len(rc.buf):cap(rc.buf)])
		rc.buf = rc.buf[:len(rc.buf)+m]
		if err == io.EOF {
			eof = true
		} else if err != nil {
			rc.close()
			return response{}, err
		}
	}
}

// sendGoroutines 每个并发一个 goroutine、一条连接。
func sendGoroutines(lv *level) tally {
	results := make([]tally, lv.conc)
	done := make(chan struct{})
	for w := range results {
		go func() {
			defer func() { done <- struct{}{} }()
			rc := newRawConn(lv.t.addr, lv.deadline.Add(requestTimeout))
			defer rc.close()
			v := lv.checker.clone()
			res := &results[w]
			res.lat = make([]time.Duration, 0, lv.reqs.len()/lv.conc+1)
			first := true
			for now := wallNow(); ; {
				req, ok := lv.next(now)
				if !ok {
					break
				}
				t0 := wallNow()
				r, err := rc.roundTrip(req)
				now = wallNow()
				if err == nil {
					err = v.checkReply(lv.o, r.status, r.body, first)
				}
				if err != nil {
					res.fail(err)
					continue
				}
				first = false
				res.lat = append(res.lat, now.Sub(t0))
			}
		}()
	}
	var all tally
	for range results {
		<-done
	}
	for _, r := range results {
		all.merge(r)
	}
	return all
}
