package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// 压测端用一个极简的 HTTP/1.1 客户端：每个并发一条长连接，写出预先拼好的报文，
// 按 Content-Length（或 chunked）读回复，缓冲区复用。net/http 的客户端每个请求要
// 经过读写两个 goroutine、分配 Header 和 Request，在两核机器上与被测服务抢 CPU，
// 压测工具自己就成了瓶颈。

// requestTimeout 是单个请求的期限：连接的读写期限设在本档结束后这么久。
const requestTimeout = 10 * time.Second

// rawConn 是一条到被测服务的长连接；断开（出错或对方要求关闭）后下一个请求重新拨号。
type rawConn struct {
	addr     string
	deadline time.Time
	c        net.Conn
	br       *bufio.Reader
	body     []byte
}

func newRawConn(addr string, deadline time.Time) *rawConn {
	return &rawConn{addr: addr, deadline: deadline, br: bufio.NewReaderSize(nil, 16<<10), body: make([]byte, 0, 4096)}
}

func (rc *rawConn) close() {
	if rc.c != nil {
		_ = rc.c.Close()
		rc.c = nil
	}
}

// roundTrip 发出一个报文并读完回复；返回的 body 在下一次调用前有效。
func (rc *rawConn) roundTrip(req []byte) (status int, body []byte, err error) {
	if rc.c == nil {
		c, err := net.DialTimeout("tcp", rc.addr, requestTimeout)
		if err != nil {
			return 0, nil, err
		}
		_ = c.SetDeadline(rc.deadline)
		rc.c = c
		rc.br.Reset(c)
	}
	if _, err := rc.c.Write(req); err != nil {
		rc.close()
		return 0, nil, err
	}
	status, body, keep, err := rc.readResponse()
	if err != nil || !keep {
		rc.close()
	}
	return status, body, err
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse 读一个 HTTP/1.x 回复（跳过 1xx），返回状态码、回复体和连接能否复用。
func (rc *rawConn) readResponse() (status int, body []byte, keep bool, err error) {
	for {
		line, err := rc.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, err
		}
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return 0, nil, false, errMalformed
		}
		status, err = strconv.Atoi(string(line[9:12]))
		if err != nil {
			return 0, nil, false, errMalformed
		}
		keep = line[7] == '1'
		length, chunked := -1, false
		for {
			h, err := rc.br.ReadSlice('\n')
			if err != nil {
				return 0, nil, false, err
			}
			h = bytes.TrimRight(h, "\r\n")
			if len(h) == 0 {
				break
			}
			i := bytes.IndexByte(h, ':')
			if i < 0 {
				return 0, nil, false, errMalformed
			}
			name, val := h[:i], bytes.TrimSpace(h[i+1:])
			switch {
			case bytes.EqualFold(name, []byte("Content-Length")):
				length, err = strconv.Atoi(string(val))
				if err != nil || length < 0 {
					return 0, nil, false, errMalformed
				}
			case bytes.EqualFold(name, []byte("Transfer-Encoding")):
				chunked = bytes.Contains(bytes.ToLower(val), []byte("chunked"))
			case bytes.EqualFold(name, []byte("Connection")):
				if bytes.EqualFold(val, []byte("close")) {
					keep = false
				} else if bytes.EqualFold(val, []byte("keep-alive")) {
					keep = true
				}
			}
		}
		if status >= 100 && status < 200 && status != 101 {
			continue // 100 Continue 之类，真正的回复在后面
		}
		rc.body = rc.body[:0]
		switch {
		case status == 204 || status == 304:
		case chunked:
			if rc.body, err = readAllInto(rc.body, httputil.NewChunkedReader(rc.br)); err != nil {
				return 0, nil, false, err
			}
			for { // 尾部字段，到空行为止
				t, err := rc.br.ReadSlice('\n')
				if err != nil {
					return 0, nil, false, err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					break
				}
			}
		case length >= 0:
			if cap(rc.body) < length {
				rc.body = make([]byte, 0, length)
			}
			rc.body = rc.body[:length]
			if _, err := io.ReadFull(rc.br, rc.body); err != nil {
				return 0, nil, false, err
			}
		default: // 没有长度：读到对方关闭
			if rc.body, err = readAllInto(rc.body, rc.br); err != nil {
				return 0, nil, false, err
			}
			keep = false
		}
		return status, rc.body, keep, nil
	}
}

// readAllInto 把 r 读到 EOF，追加到 buf。
func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// runLevel 以 conc 个并发跑一档，发送预先生成好的 reqs，每个只发一次。
func runLevel(ctx context.Context, o options, t target, conc int, reqs *requestSet) result {
	checker, err := newReplyChecker(o)
	if err != nil {
		return result{errors: 1, firstErr: err.Error()}
	}
	var issued atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var firstErr string
	var wg sync.WaitGroup
	start := wallNow()
	deadline := start.Add(o.duration)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc := newRawConn(t.addr, deadline.Add(requestTimeout))
			defer rc.close()
			v := checker.clone()
			local := make([]time.Duration, 0, reqs.len()/conc+1)
			localErr := 0
			var le string
			first := true
			for now := start; ctx.Err() == nil && now.Before(deadline); {
				i := int(issued.Add(1)) - 1
				if i >= reqs.len() {
					break
				}
				t0 := wallNow()
				status, body, err := rc.roundTrip(reqs.at(i))
				now = wallNow()
				if err == nil {
					err = v.checkReply(o, status, body, first)
				}
				if err != nil {
					localErr++
					if le == "" {
						le = err.Error()
					}
					continue
				}
				first = false
				local = append(local, now.Sub(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += localErr
			if firstErr == "" {
				firstErr = le
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := wallNow().Sub(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := result{n: len(lat) + errs, errors: errs, firstErr: firstErr}
	r.rps = float64(len(lat)) / elapsed.Seconds()
	r.p50, r.p99 = pct(lat, 0.50), pct(lat, 0.99)
	if r.n >= reqs.len() && reqs.len() < o.maxRequests {
		r.note = fmt.Sprintf("预先生成的 %d 个请求已用完，本档提前结束", reqs.len())
	}
	return r
}
