package main

import (
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 每档的请求在计时开始前全部生成好：签名、AES 加密、拼成完整的 HTTP/1.1 报文，
// 计时阶段只剩写出报文、读回复。每个请求的 MsgId 都不同（完整路径按 MsgId 去重），
// 每个只发一次。

// maxPrepRate 是估算每档最多需要多少请求时假定的速率上限（请求/秒）：
// 每档生成 min(-n, 时长 × maxPrepRate) 个，两核的本机远到不了这个速率。
const maxPrepRate = 100_000

// target 是压测地址拆出的几部分。
type target struct {
	addr string // host:port，用于拨号
	host string // Host 头
	path string // 路径（含原有查询串）
	sep  string // 在 path 后接签名参数用的 "?" 或 "&"
}

func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("地址 %q 有误: %v", raw, err)
	}
	if u.Scheme != "http" {
		return target{}, fmt.Errorf("只支持 http 地址，而不是 %q", u.Scheme)
	}
	t := target{host: u.Host, path: u.RequestURI(), sep: "?"}
	if strings.Contains(t.path, "?") {
		t.sep = "&"
	}
	t.addr = u.Host
	if u.Port() == "" {
		t.addr = u.Host + ":80"
	}
	return t, nil
}

// requestSet 是一档预先生成的请求：分成若干块，每块的报文首尾相接放在一个大缓冲里，
// 避免几十万个小对象给 GC 添负担。
type requestSet struct {
	perChunk int
	chunks   []reqChunk
	n        int
}

type reqChunk struct {
	buf  []byte
	ends []int // 第 i 个报文是 buf[ends[i-1]:ends[i]]
}

func (s *requestSet) len() int { return s.n }

// at 返回第 i 个报文（0 ≤ i < len）。
func (s *requestSet) at(i int) []byte {
	c := &s.chunks[i/s.perChunk]
	j := i % s.perChunk
	start := 0
	if j > 0 {
		start = c.ends[j-1]
	}
	return c.buf[start:c.ends[j]]
}

// signedBody 按企业微信的方式生成一条新消息（新的 MsgId）的查询串和加密请求体。
func signedBody(o options, now time.Time) (query string, body []byte) {
	id := msgSeq.Add(1)
	inner := wecomtest.TextMessage(o.corpID, o.from, textFor(o, id), int64(id), "1000002", now)
	q, body := wecomtest.SignedRequest(o.token, o.aesKey, o.corpID, inner, now, strconv.FormatUint(id%1e9, 10))
	return q.Encode(), body
}

// appendRequest 把一条完整的 POST 报文追加到 buf。
func appendRequest(buf []byte, t target, query string, body []byte) []byte {
	buf = append(buf, "POST "...)
	buf = append(buf, t.path...)
	buf = append(buf, t.sep...)
	buf = append(buf, query...)
	buf = append(buf, " HTTP/1.1\r\nHost: "...)
	buf = append(buf, t.host...)
	buf = append(buf, "\r\nUser-Agent: hongqi-load\r\nContent-Type: application/xml\r\nContent-Length: "...)
	buf = strconv.AppendInt(buf, int64(len(body)), 10)
	buf = append(buf, "\r\n\r\n"...)
	return append(buf, body...)
}

// prepareRequests 用所有核并行生成 n 个请求（此时还没开始计时）。
func prepareRequests(o options, t target, n int) *requestSet {
	now := wallNow()
	workers := runtime.GOMAXPROCS(0)
	per := (n + workers - 1) / workers
	if per < 1 {
		per = 1
	}
	q, b := signedBody(o, now)
	size := len(appendRequest(nil, t, q, b)) + 64 // 各请求长度只差几个字节
	s := &requestSet{perChunk: per, n: n}
	s.chunks = make([]reqChunk, (n+per-1)/per)
	var wg sync.WaitGroup
	for ci := range s.chunks {
		cnt := min(per, n-ci*per)
		wg.Add(1)
		go func(c *reqChunk, cnt int) {
			defer wg.Done()
			c.buf = make([]byte, 0, cnt*size)
			c.ends = make([]int, 0, cnt)
			for range cnt {
				q, b := signedBody(o, now)
				c.buf = appendRequest(c.buf, t, q, b)
				c.ends = append(c.ends, len(c.buf))
			}
		}(&s.chunks[ci], cnt)
	}
	wg.Wait()
	return s
}

// levelRequests 是一档最多要发的请求数：-n 与时长 × maxPrepRate 中较小的一个。
func levelRequests(o options) int {
	n := o.maxRequests
	if byRate := int(o.duration.Seconds()*maxPrepRate) + 1; byRate < n {
		n = byRate
	}
	return max(n, 1)
}

// dumpRequest 把一个签名加密好的请求写成 wrk 的 Lua 脚本，用来拿独立的压测工具对照：
//
//	wrk -t1 -c32 -d10s -s req.lua http://127.0.0.1:8081
//
// 脚本里的时间戳是生成时刻，过了服务端的重放窗口（默认 5 分钟）就会被拒。
// 同一个请求反复发，只适合不去重的对照服务（-echo-server）。
func dumpRequest(path string, o options, t target) error {
	now := wallNow()
	q, body := signedBody(o, now)
	lvl := strings.Repeat("=", 1)
	for strings.Contains(string(body), "]"+lvl+"]") {
		lvl += "="
	}
	script := fmt.Sprintf("-- hongqi-load -dump-request 生成于 %s：一个签名加密好的回调请求，%s 后超出 5 分钟重放窗口\n"+
		"wrk.method = \"POST\"\n"+
		"wrk.path = %q\n"+
		"wrk.headers[\"Content-Type\"] = \"application/xml\"\n"+
		"wrk.body = [%s[%s]%s]\n",
		now.UTC().Format(time.RFC3339), now.Add(5*time.Minute).UTC().Format(time.RFC3339),
		t.path+t.sep+q, lvl, body, lvl)
	return os.WriteFile(path, []byte(script), 0o644)
}
