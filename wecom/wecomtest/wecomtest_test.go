package wecomtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

const (
	token  = "wecomtestToken"
	aesKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
	corpID = "wwwecomtest000001"
)

func TestDecryptOfficialSampleVectorA(t *testing.T) {
	// 官方示例 A 的回调地址验证：独立实现也要解出同一个答案。
	const (
		key  = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
		echo = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	)
	if got := wecomtest.Sign("QDG6eK", "1409659589", "263014780", echo); got != "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3" {
		t.Errorf("Sign = %s", got)
	}
	msg, err := wecomtest.Decrypt(key, "wx5823bf96d3bd56c7", echo)
	if err != nil || string(msg) != "1616140317555161061" {
		t.Errorf("Decrypt = %q, %v", msg, err)
	}
	if _, err := wecomtest.Decrypt(key, "wwother", echo); err == nil {
		t.Error("Decrypt accepted another receiveid")
	}
}

// memProcessor 记住消息，回复固定文字。
type memProcessor struct {
	mu  sync.Mutex
	got []model.Message
}

func (p *memProcessor) Process(_ context.Context, m model.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, m)
	if m.Event == "enter_agent" {
		return "", nil
	}
	return "收到：" + m.Text, nil
}

func TestDrivesCallbackEndToEnd(t *testing.T) {
	c, err := wecom.NewCrypto(token, aesKey, corpID)
	if err != nil {
		t.Fatal(err)
	}
	p := &memProcessor{}
	srv := httptest.NewServer(&wecom.Callback{Crypto: c, Processor: p, Clock: model.SystemClock(nil)})
	defer srv.Close()
	now := time.Now()

	// GET 回调地址验证。
	q := wecomtest.SignedURLVerification(token, aesKey, corpID, "echo-42", now, "1001")
	resp, err := http.Get(srv.URL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || buf.String() != "echo-42" {
		t.Fatalf("URL verification: %d %q", resp.StatusCode, buf.String())
	}

	tests := []struct {
		name      string
		inner     string
		wantKey   string
		wantReply string
	}{
		{name: "text", inner: wecomtest.TextMessage(corpID, "zhangsan", "扣 李四 迟到", 123456789012345678, "1000002", now),
			wantKey: "msg:123456789012345678", wantReply: "收到：扣 李四 迟到"},
		{name: "enter_agent", inner: wecomtest.EventMessage(corpID, "zhangsan", "enter_agent", "", "1000002", now),
			wantKey: "evt:zhangsan:" + itoa(now.Unix())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, body := wecomtest.SignedRequest(token, aesKey, corpID, tc.inner, now, "2002")
			resp, err := http.Post(srv.URL+"?"+q.Encode(), "text/xml", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			_, _ = out.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			reply, err := wecomtest.DecryptReply(token, aesKey, corpID, out.Bytes())
			if err != nil || reply != tc.wantReply {
				t.Errorf("reply = %q, %v; want %q", reply, err, tc.wantReply)
			}
			p.mu.Lock()
			last := p.got[len(p.got)-1]
			p.mu.Unlock()
			if last.Key != tc.wantKey {
				t.Errorf("Key = %q, want %q", last.Key, tc.wantKey)
			}
		})
	}

	// 签名用错了 token：被拒绝。
	q, body := wecomtest.SignedRequest("otherToken", aesKey, corpID, tests[0].inner, now, "3003")
	resp, err = http.Post(srv.URL+"?"+q.Encode(), "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("foreign signature: status %d, want 401", resp.StatusCode)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestDecryptReplyRejectsTampering(t *testing.T) {
	c, err := wecom.NewCrypto(token, aesKey, corpID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.EncryptReply("zhangsan", corpID, "好", time.Now(), "77")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := wecomtest.DecryptReply(token, aesKey, corpID, out); err != nil || got != "好" {
		t.Fatalf("DecryptReply = %q, %v", got, err)
	}
	tampered := bytes.Replace(out, []byte("<Nonce><![CDATA[77]]>"), []byte("<Nonce><![CDATA[78]]>"), 1)
	if _, err := wecomtest.DecryptReply(token, aesKey, corpID, tampered); err == nil {
		t.Error("DecryptReply accepted a tampered nonce")
	}
	if _, err := wecomtest.DecryptReply(token, aesKey, "wwother", out); err == nil {
		t.Error("DecryptReply accepted another corp id")
	}
	if got, err := wecomtest.DecryptReply(token, aesKey, corpID, nil); err != nil || got != "" {
		t.Errorf("empty body: %q, %v", got, err)
	}
}

// send 直接调用假服务器的发送接口（不经 SDK），检查它像企业微信一样应答。
func send(t *testing.T, s *wecomtest.Server, tok string, body any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(s.URL()+"/cgi-bin/message/send?access_token="+tok, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func getToken(t *testing.T, s *wecomtest.Server, secret string) map[string]any {
	t.Helper()
	resp, err := http.Get(s.URL() + "/cgi-bin/gettoken?corpid=" + wecomtest.CorpID + "&corpsecret=" + secret)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func TestServerProtocol(t *testing.T) {
	s := wecomtest.NewServer(t)
	now := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })

	if out := getToken(t, s, "nope"); out["errcode"] != float64(40001) {
		t.Errorf("wrong secret: %v", out)
	}
	out := getToken(t, s, wecomtest.Secret)
	if out["access_token"] != "tok-1" || s.TokenFetches() != 1 {
		t.Fatalf("gettoken: %v, fetches %d", out, s.TokenFetches())
	}
	msg := map[string]any{"touser": "zhangsan", "msgtype": "text", "agentid": "1000002",
		"text": map[string]string{"content": "hi"}, "enable_duplicate_check": 1, "duplicate_check_interval": 600}

	if out := send(t, s, "tok-9", msg); out["errcode"] != float64(40014) {
		t.Errorf("unknown token: %v", out)
	}
	if out := send(t, s, "tok-1", msg); out["errcode"] != float64(0) {
		t.Errorf("send: %v", out)
	}
	if out := send(t, s, "tok-1", msg); out["errcode"] != float64(0) || s.Duplicates() != 1 || len(s.Messages()) != 1 {
		t.Errorf("resend within interval: %v, duplicates %d, messages %d", out, s.Duplicates(), len(s.Messages()))
	}
	now = now.Add(11 * time.Minute)
	if send(t, s, "tok-1", msg); len(s.Messages()) != 2 {
		t.Errorf("resend after the interval was dropped")
	}
	s.ExpireToken()
	if out := send(t, s, "tok-1", msg); out["errcode"] != float64(40014) {
		t.Errorf("expired token: %v", out)
	}
	s.FailNext(1, -1)
	tok := getToken(t, s, wecomtest.Secret)["access_token"].(string)
	if out := send(t, s, tok, msg); out["errcode"] != float64(-1) {
		t.Errorf("FailNext: %v", out)
	}
	s.InvalidUsers("ghost")
	msg["touser"] = "ghost"
	if out := send(t, s, tok, msg); out["errcode"] != float64(81013) {
		t.Errorf("all invalid: %v", out)
	}
	msg["touser"] = "ghost|zhangsan"
	msg["text"] = map[string]string{"content": "partly"}
	if out := send(t, s, tok, msg); out["errcode"] != float64(0) || !strings.Contains(out["invaliduser"].(string), "ghost") {
		t.Errorf("partly invalid: %v", out)
	}
	s.Outage(true)
	resp, err := http.Post(s.URL()+"/cgi-bin/message/send?access_token="+tok, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("outage: status %d", resp.StatusCode)
	}
}

// TestLoginCodes：网页授权的 code 在新旧两个接口上都能换身份（字段名按企业微信各自的写法），只能用一次。
func TestLoginCodes(t *testing.T) {
	s := wecomtest.NewServer(t)
	get := func(path string) map[string]any {
		t.Helper()
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	tok := get("/cgi-bin/gettoken?corpid=" + wecomtest.CorpID + "&corpsecret=" + wecomtest.Secret)["access_token"].(string)
	s.LoginCode("new", "zhangsan")
	s.LoginCode("old", "lisi")
	s.ExternalLoginCode("ext", "o-1")
	tests := []struct {
		name, path, field, want string
		errcode                 float64
	}{
		{"auth/getuserinfo answers userid", "/cgi-bin/auth/getuserinfo?access_token=" + tok + "&code=new", "userid", "zhangsan", 0},
		{"user/getuserinfo answers UserId", "/cgi-bin/user/getuserinfo?access_token=" + tok + "&code=old", "UserId", "lisi", 0},
		{"a code is single use", "/cgi-bin/auth/getuserinfo?access_token=" + tok + "&code=new", "", "", 40029},
		{"an outsider gets only an openid", "/cgi-bin/auth/getuserinfo?access_token=" + tok + "&code=ext", "openid", "o-1", 0},
		{"a bad token", "/cgi-bin/auth/getuserinfo?access_token=bad&code=x", "", "", 40014},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := get(tt.path)
			if out["errcode"].(float64) != tt.errcode || (tt.field != "" && out[tt.field] != tt.want) {
				t.Errorf("%s → %v", tt.path, out)
			}
		})
	}
	if n := len(s.LoginCalls()); n != len(tests) {
		t.Errorf("%d login calls recorded, want %d", n, len(tests))
	}
}

// TestServerDelaySends 推迟答复时消息照样送达：调用方在答复前超时断开，消息也已记下，OnSend 已被调用。
func TestServerDelaySends(t *testing.T) {
	s := wecomtest.NewServer(t)
	tok := getToken(t, s, wecomtest.Secret)["access_token"].(string)
	seen := make(chan string, 1)
	s.OnSend(func(m wecomtest.SentMessage) { seen <- m.Content })
	s.DelaySends(2 * time.Second)
	raw, _ := json.Marshal(map[string]any{"touser": "zhangsan", "msgtype": "text", "agentid": "1000002", "text": map[string]string{"content": "慢"}})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	if resp, err := client.Post(s.URL()+"/cgi-bin/message/send?access_token="+tok, "application/json", bytes.NewReader(raw)); err == nil {
		resp.Body.Close()
		t.Fatal("答复推迟 2 秒，100 毫秒超时的调用应失败")
	}
	if ms := s.Messages(); len(ms) != 1 || ms[0].Content != "慢" {
		t.Fatalf("调用方超时了，消息仍应已送达：Messages = %+v", ms)
	}
	if c := <-seen; c != "慢" {
		t.Fatalf("OnSend 见到 %q", c)
	}
	s.DelaySends(0)
	s.OnSend(nil)
	if out := send(t, s, tok, map[string]any{"touser": "lisi", "msgtype": "text", "agentid": "1000002", "text": map[string]string{"content": "快"}}); out["errcode"] != float64(0) {
		t.Fatalf("不推迟时：%v", out)
	}
}
