package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
)

func testOptions() options {
	return options{token: defToken, aesKey: defAESKey, corpID: defCorpID, from: "cg_sup",
		text: "扣 b{n} 迟到 压测", spread: 3, verifyReply: true, duration: time.Second, maxRequests: 50}
}

// echoHandler 是与 -echo-server 相同的回调，另外记下收到的每条消息。
func echoHandler(t *testing.T, got *[]model.Message, mu *sync.Mutex) http.Handler {
	t.Helper()
	c, err := wecom.NewCrypto(defToken, defAESKey, defCorpID)
	if err != nil {
		t.Fatal(err)
	}
	return &wecom.Callback{
		Crypto: c,
		Processor: wecom.ProcessorFunc(func(ctx context.Context, m model.Message) (string, error) {
			mu.Lock()
			*got = append(*got, m)
			mu.Unlock()
			return "已记录", nil
		}),
		Clock: wall,
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// 预先生成的请求能被真正的 wecom.Callback 验签、解密，MsgId 各不相同，回复都通过核对；
// 两种发送方式都一样，服务端每次都要求关闭连接时也一样。
func TestRunLevelAgainstCallback(t *testing.T) {
	for _, sender := range senderNames() {
		for _, closeEach := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/close=%v", sender, closeEach), func(t *testing.T) { testRunLevel(t, sender, closeEach) })
		}
	}
}

func testRunLevel(t *testing.T, sender string, closeEach bool) {
	var mu sync.Mutex
	var got []model.Message
	h := echoHandler(t, &got, &mu)
	if closeEach {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			next.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	o := testOptions()
	o.sender, o.threads = sender, 2
	o.url = srv.URL + "/wecom/callback"
	tgt, err := parseTarget(o.url)
	if err != nil {
		t.Fatal(err)
	}
	reqs := prepareRequests(o, tgt, 50)
	if reqs.len() != 50 {
		t.Fatalf("prepared %d, want 50", reqs.len())
	}
	r := runLevel(context.Background(), o, tgt, 5, reqs)
	if r.errors != 0 || r.n != 50 {
		t.Fatalf("n=%d errors=%d first=%q", r.n, r.errors, r.firstErr)
	}
	keys := map[string]bool{}
	texts := map[string]bool{}
	mu.Lock() // 原始系统调用之间的先后，竞态检测器看不见
	defer mu.Unlock()
	for _, m := range got {
		keys[m.Key] = true
		texts[m.Text] = true
		if m.From != "cg_sup" {
			t.Fatalf("from %q", m.From)
		}
	}
	if len(got) != 50 || len(keys) != 50 {
		t.Fatalf("server saw %d messages with %d distinct keys, want 50 and 50", len(got), len(keys))
	}
	if len(texts) != 3 {
		t.Fatalf("texts %v, want 3 spread values", texts)
	}
}

// 快速核对与参照实现一致：真回复通过，改动签名、密文或企业 ID 的都不通过。
func TestReplyChecker(t *testing.T) {
	c, err := wecom.NewCrypto(defToken, defAESKey, defCorpID)
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions()
	base, err := newReplyChecker(o)
	if err != nil {
		t.Fatal(err)
	}
	v := base.clone()
	good, err := c.EncryptReply("cg_sup", defCorpID, "已记录 #1：张三 −10 元", time.Unix(1796161884, 0), "1234567890")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.checkReply(o, 200, good, true); err != nil {
		t.Fatalf("good reply: %v", err)
	}
	other, _ := wecom.NewCrypto(defToken, defAESKey, "wwsomeoneelse00001")
	wrongCorp, _ := other.EncryptReply("cg_sup", "wwsomeoneelse00001", "x", time.Unix(1796161884, 0), "1234567890")
	sigAt := bytes.Index(good, []byte("<MsgSignature><![CDATA[")) + len("<MsgSignature><![CDATA[")
	badSig := bytes.Clone(good)
	badSig[sigAt] ^= 1
	encAt := bytes.Index(good, []byte("<Encrypt><![CDATA[")) + len("<Encrypt><![CDATA[")
	badEnc := bytes.Clone(good)
	badEnc[encAt+5] = 'A' + (badEnc[encAt+5]-'A'+1)%26
	for name, body := range map[string][]byte{
		"signature": badSig, "ciphertext": badEnc, "corp id": wrongCorp,
		"empty": nil, "not xml": []byte("OK"),
	} {
		if err := v.checkReply(o, 200, body, false); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := v.checkReply(o, 503, []byte("Service Unavailable"), false); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("503: %v", err)
	}
	o.verifyReply = false
	if err := v.checkReply(o, 200, nil, false); err != nil {
		t.Errorf("-verify=false, empty 200: %v", err)
	}
}

// 极简客户端读得懂 Content-Length、chunked、Connection: close 和没有长度的回复，并按需重连。
func TestRawConnFraming(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	replies := []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfoo\r\n4\r\nbar!\r\n0\r\n\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy",
		// 上一个要求关闭，下面的在新连接上
		"HTTP/1.1 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	}
	closeAfter := map[int]bool{3: true, 4: true}
	var conns atomic.Int32
	go func() {
		i := 0
		for i < len(replies) {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			br := bufio.NewReader(c)
			for i < len(replies) {
				req, err := http.ReadRequest(br)
				if err != nil {
					break
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(c, replies[i])
				i++
				if closeAfter[i-1] {
					break
				}
			}
			c.Close()
		}
	}()
	rc := newRawConn(ln.Addr().String(), time.Now().Add(5*time.Second))
	defer rc.close()
	req := []byte("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
	want := []struct {
		status int
		body   string
	}{{200, "hello"}, {200, "abc"}, {200, "foobar!"}, {503, "busy"}, {200, "until close"}, {200, "ok"}}
	for i, w := range want {
		r, err := rc.roundTrip(req)
		if err != nil || r.status != w.status || string(r.body) != w.body {
			t.Fatalf("reply %d: %d %q %v, want %d %q", i, r.status, r.body, err, w.status, w.body)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

// 回复一个字节一个字节地到达：不完整时不报完成，完整时切得正好。
func TestParseResponseIncremental(t *testing.T) {
	cases := []struct {
		raw, body string
		status    int
		keep      bool
		needEOF   bool
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello", 200, true, false},
		{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", 200, true, false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nfoo\r\na\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n", "foo0123456789", 200, true, false},
		{"HTTP/1.1 204 No Content\r\n\r\n", "", 204, true, false},
		{"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", "x", 200, false, false},
		{"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 9\r\n\r\nForbidden", "Forbidden", 403, false, false},
		{"HTTP/1.1 200 OK\r\n\r\nto the end", "to the end", 200, false, true},
	}
	for _, c := range cases {
		extra := "HTTP/1.1 200 OK\r\n" // 下一个回复的开头不能被吃掉
		if c.needEOF {
			extra = ""
		}
		full := []byte(c.raw + extra)
		for i := 0; i < len(c.raw); i++ {
			n, _, err := parseResponse(full[:i], false, nil)
			if n != 0 || err != nil {
				t.Fatalf("%q: prefix %d: n=%d err=%v", c.raw, i, n, err)
			}
		}
		n, r, err := parseResponse(full, c.needEOF, nil)
		if err != nil || n != len(c.raw) || r.status != c.status || string(r.body) != c.body || r.keep != c.keep {
			t.Errorf("%q: n=%d %+v %v", c.raw, n, r, err)
		}
	}
	for _, bad := range []string{"HTTP/1.1 2x0 OK\r\n\r\n", "SMTP ready\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"} {
		if _, _, err := parseResponse([]byte(bad), false, nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, _, err := parseResponse([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"), true, nil); err == nil {
		t.Error("truncated body at EOF accepted")
	}
}

func TestDumpRequestLua(t *testing.T) {
	o := testOptions()
	tgt, _ := parseTarget("http://127.0.0.1:8081/wecom/callback")
	path := t.TempDir() + "/req.lua"
	if err := dumpRequest(path, o, tgt); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b := string(raw)
	for _, s := range []string{`wrk.method = "POST"`, `wrk.path = "/wecom/callback?msg_signature=`, `wrk.body = [=[<xml>`, "]=]\n"} {
		if !strings.Contains(b, s) {
			t.Errorf("script lacks %q:\n%s", s, b)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for raw, want := range map[string]target{
		"http://127.0.0.1:8080/wecom/callback":    {"127.0.0.1:8080", "127.0.0.1:8080", "/wecom/callback", "?"},
		"http://localhost/wecom/callback?debug=1": {"localhost:80", "localhost", "/wecom/callback?debug=1", "&"},
		"http://[::1]:9000/cb":                    {"[::1]:9000", "[::1]:9000", "/cb", "?"},
	} {
		got, err := parseTarget(raw)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", raw, got, err, want)
		}
	}
	if _, err := parseTarget("https://127.0.0.1/cb"); err == nil {
		t.Error("https accepted")
	}
	if err := checkLoopback("http://10.0.0.1:8080/wecom/callback"); err == nil {
		t.Error("non-loopback accepted")
	}
}
