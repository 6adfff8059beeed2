package wecom_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 注意：SDK 的地址改写是进程级的，这些测试不能并行（不用 t.Parallel）。

func newSender(t testing.TB, srv *wecomtest.Server, secret string) (*wecom.Sender, *logBuffer) {
	t.Helper()
	log, buf := newLogger()
	s, err := wecom.NewSender(wecom.SenderConfig{Clock: model.SystemClock(nil),
		CorpID:      wecomtest.CorpID,
		AgentID:     "1000002",
		Secret:      secret,
		APIBase:     srv.URL(),
		Cache:       wecom.NewMemoryCache(model.SystemClock(nil)),
		HTTPTimeout: 5 * time.Second,
		Log:         log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, buf
}

func notice(i int) model.Notice {
	return model.Notice{
		Key:   fmt.Sprintf("entry:%d", i),
		To:    model.ToUsers("zhangsan"),
		Title: "扣款通知",
		Body:  fmt.Sprintf("您被记录 **迟到** −10 元（第 %d 号）。如有异议，请回复“申诉 %d”。", i, i),
	}
}

func TestSenderReusesOneToken(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newSender(t, srv, wecomtest.Secret)
	if s.Status() != model.NoticeSent {
		t.Errorf("Status() = %s, want %s", s.Status(), model.NoticeSent)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Send(context.Background(), notice(i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if n := srv.TokenFetches(); n != 1 {
		t.Errorf("token fetched %d times for 20 sends, want 1", n)
	}
	msgs := srv.Messages()
	if len(msgs) != 20 {
		t.Fatalf("server received %d messages, want 20", len(msgs))
	}
	for _, m := range msgs {
		if m.MsgType != "markdown" || m.ToUser != "zhangsan" || m.AgentID != "1000002" || m.Token != "tok-1" {
			t.Errorf("message %+v", m)
		}
		if m.EnableDuplicateCheck != 1 || m.DuplicateCheckInterval <= 0 || m.DuplicateCheckInterval > 4*3600 {
			t.Errorf("duplicate check = %d/%ds, want on within 4h", m.EnableDuplicateCheck, m.DuplicateCheckInterval)
		}
		if !strings.HasPrefix(m.Content, "**扣款通知**\n您被记录") {
			t.Errorf("content = %q", m.Content)
		}
	}
}

func TestSenderText(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newSender(t, srv, wecomtest.Secret)
	n := model.Notice{Key: "revoke:3", To: model.ToUsers("zhangsan", "lisi"), Plain: true, Body: "第 3 号记录已撤销。"}
	if err := s.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].MsgType != "text" || msgs[0].Content != n.Body || msgs[0].ToUser != "zhangsan|lisi" {
		t.Errorf("server received %+v", msgs)
	}
}

func TestSenderRefreshesRevokedToken(t *testing.T) {
	for _, code := range []int{40014, 42001} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			s, logs := newSender(t, srv, wecomtest.Secret)
			if err := s.Send(context.Background(), notice(1)); err != nil {
				t.Fatal(err)
			}
			if code == 40014 {
				srv.ExpireToken()
			} else {
				srv.FailNext(1, code)
			}
			if err := s.Send(context.Background(), notice(2)); err != nil {
				t.Fatalf("Send after the token was revoked: %v", err)
			}
			if n := srv.TokenFetches(); n != 2 {
				t.Errorf("token fetched %d times, want 2 (one refresh)", n)
			}
			msgs := srv.Messages()
			if len(msgs) != 2 || msgs[1].Token != "tok-2" {
				t.Errorf("second message %+v, want sent with tok-2", msgs)
			}
			if strings.Contains(logs.String(), "tok-") {
				t.Errorf("log shows a token: %s", logs)
			}
		})
	}
}

func TestSenderTokenRevokedTwiceIsTemporary(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newSender(t, srv, wecomtest.Secret)
	srv.FailNext(2, 40014)
	err := s.Send(context.Background(), notice(1))
	if err == nil || model.IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary error after one refresh", err)
	}
	if n := srv.SendCalls(); n != 2 {
		t.Errorf("send called %d times, want 2 (retry once only)", n)
	}
	if err := s.Send(context.Background(), notice(1)); err != nil {
		t.Errorf("next Send: %v", err)
	}
}

func TestSenderOutageIsTemporary(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(*wecomtest.Server)
		heal   func(*wecomtest.Server)
	}{
		{name: "errcode -1 busy", break_: func(s *wecomtest.Server) { s.FailNext(1, -1) }},
		{name: "errcode 45009 frequency", break_: func(s *wecomtest.Server) { s.FailNext(1, 45009) }},
		{name: "errcode 45033 concurrency", break_: func(s *wecomtest.Server) { s.FailNext(1, 45033) }},
		{name: "HTTP 503", break_: func(s *wecomtest.Server) { s.Outage(true) }, heal: func(s *wecomtest.Server) { s.Outage(false) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			s, _ := newSender(t, srv, wecomtest.Secret)
			if err := s.Send(context.Background(), notice(1)); err != nil {
				t.Fatal(err)
			}
			tc.break_(srv)
			err := s.Send(context.Background(), notice(2))
			if err == nil {
				t.Fatal("Send succeeded during an outage")
			}
			if model.IsPermanent(err) {
				t.Errorf("outage error is permanent: %v", err)
			}
			if strings.Contains(err.Error(), "tok-1") || strings.Contains(err.Error(), wecomtest.Secret) {
				t.Errorf("error leaks a secret: %v", err)
			}
			if tc.heal != nil {
				tc.heal(srv)
			}
			if err := s.Send(context.Background(), notice(2)); err != nil {
				t.Fatalf("Send after recovery: %v", err)
			}
			if n := len(srv.Messages()); n != 2 {
				t.Errorf("server received %d messages, want 2", n)
			}
			if n := srv.TokenFetches(); n != 1 {
				t.Errorf("token fetched %d times, want 1", n)
			}
		})
	}
}

func TestSenderOutageDuringTokenFetch(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newSender(t, srv, wecomtest.Secret)
	srv.Outage(true)
	err := s.Send(context.Background(), notice(1))
	if err == nil || model.IsPermanent(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
	// SDK 的错误里有完整 URL（含 corpsecret）：必须脱敏。
	if strings.Contains(err.Error(), wecomtest.Secret) {
		t.Errorf("error leaks corpsecret: %v", err)
	}
	if !strings.Contains(err.Error(), "corpsecret=***") || !strings.Contains(err.Error(), "503") {
		t.Errorf("error %q should keep the redacted URL and the status", err)
	}
	srv.Outage(false)
	if err := s.Send(context.Background(), notice(1)); err != nil {
		t.Fatalf("Send after recovery: %v", err)
	}
}

func TestSenderPermanentErrors(t *testing.T) {
	tests := []struct {
		name     string
		secret   string
		prepare  func(*wecomtest.Server)
		to       string
		wantCode int64
	}{
		{name: "all recipients invalid", secret: wecomtest.Secret, prepare: func(s *wecomtest.Server) { s.InvalidUsers("ghost") }, to: "ghost", wantCode: 81013},
		{name: "wrong secret", secret: "wrong-secret-value", to: "zhangsan", wantCode: 40001},
		{name: "api not allowed", secret: wecomtest.Secret, prepare: func(s *wecomtest.Server) { s.FailNext(1, 48002) }, to: "zhangsan", wantCode: 48002},
		{name: "no privilege", secret: wecomtest.Secret, prepare: func(s *wecomtest.Server) { s.FailNext(1, 60011) }, to: "zhangsan", wantCode: 60011},
		{name: "IP not trusted", secret: wecomtest.Secret, prepare: func(s *wecomtest.Server) { s.FailNext(1, 60020) }, to: "zhangsan", wantCode: 60020},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			s, _ := newSender(t, srv, tc.secret)
			if tc.prepare != nil {
				tc.prepare(srv)
			}
			n := notice(1)
			n.To = model.ToUsers(tc.to)
			err := s.Send(context.Background(), n)
			if !model.IsPermanent(err) {
				t.Fatalf("err = %v, want permanent", err)
			}
			se, ok := err.(*wecom.SendError)
			if !ok || se.Code != tc.wantCode {
				t.Errorf("err = %#v, want *SendError with code %d", err, tc.wantCode)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error leaks the secret: %v", err)
			}
			if len(srv.Messages()) != 0 {
				t.Error("server delivered a message")
			}
		})
	}
}

func TestSenderPartlyInvalidRecipients(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, logs := newSender(t, srv, wecomtest.Secret)
	srv.InvalidUsers("ghost")
	n := notice(1)
	n.To = model.ToUsers("zhangsan", "ghost")
	if err := s.Send(context.Background(), n); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !strings.Contains(logs.String(), "ghost") {
		t.Errorf("the invalid recipient is not logged: %s", logs)
	}
}

func TestSenderDuplicateCheckDropsResend(t *testing.T) {
	// 发件箱在“已送达但没收到应答”后重发同一通知：企业微信按重复检查丢弃。
	srv := wecomtest.NewServer(t)
	s, _ := newSender(t, srv, wecomtest.Secret)
	for range 2 {
		if err := s.Send(context.Background(), notice(7)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("delivered %d times, want 1", n)
	}
	if n := srv.Duplicates(); n != 1 {
		t.Errorf("duplicates dropped = %d, want 1", n)
	}
}

// TestSenderTruncatesLongContent 超过 2048 字节的通知（生产者应自己控制长度，这是最后一道保险）：
// 企业微信收到的内容不超过上限、是有效的 UTF-8、末尾说明没有显示完；多行的在换行处截断，
// 一行很长的在字符边界截断，不留半个加粗或颜色写法。
func TestSenderTruncatesLongContent(t *testing.T) {
	var lines []string
	for i := range 200 {
		lines = append(lines, fmt.Sprintf("> **第 %d 条** <font color=\"warning\">迟到 −10 元</font>", i))
	}
	cases := []struct {
		name string
		body string
		last string // 截断说明之前的最后一行应以它结尾
	}{
		{"one long line", strings.Repeat("记录", 1000), "记录"},
		{"many markdown lines", strings.Join(lines, "\n"), "</font>"},
		{"a long bold line", "**" + strings.Repeat("加粗", 1000) + "**", "加粗"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			s, _ := newSender(t, srv, wecomtest.Secret)
			n := notice(1)
			n.Body = tc.body
			if err := s.Send(context.Background(), n); err != nil {
				t.Fatal(err)
			}
			c := srv.Messages()[0].Content
			if len(c) > wecom.MaxContentBytes || len(c) < wecom.MaxContentBytes/2 || !utf8.ValidString(c) {
				t.Fatalf("content is %d bytes, valid UTF-8 %v; want about %d, valid", len(c), utf8.ValidString(c), wecom.MaxContentBytes)
			}
			head, ok := strings.CutSuffix(c, "\n……（内容太长，没有显示完）")
			if !ok || !strings.HasSuffix(head, tc.last) {
				t.Errorf("content should end with %q and the truncation note:\n…%s", tc.last, c[len(c)-200:])
			}
			if strings.Count(head, "**")%2 != 0 || strings.Count(head, "<font") != strings.Count(head, "</font>") {
				t.Errorf("a markdown construct was cut in half:\n…%s", head[len(head)-200:])
			}
		})
	}
}

func TestSenderRefusesBadNotices(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newSender(t, srv, wecomtest.Secret)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		ctx       context.Context
		n         model.Notice
		permanent bool
	}{
		{name: "no recipient", ctx: context.Background(), n: model.Notice{Body: "x"}, permanent: true},
		{name: "no content", ctx: context.Background(), n: model.Notice{To: model.ToUsers("zhangsan")}, permanent: true},
		{name: "two kinds of recipient", ctx: context.Background(), n: model.Notice{To: model.Recipient{Users: []string{"zhangsan"}, Robot: "all"}, Body: "x"}, permanent: true},
		{name: "context cancelled", ctx: cancelled, n: notice(1), permanent: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Send(tc.ctx, tc.n)
			if err == nil || model.IsPermanent(err) != tc.permanent {
				t.Errorf("err = %v, want permanent=%v", err, tc.permanent)
			}
		})
	}
	if srv.SendCalls() != 0 {
		t.Errorf("server was called %d times", srv.SendCalls())
	}
}

func TestNewSenderValidates(t *testing.T) {
	ok := wecom.SenderConfig{CorpID: "ww1", AgentID: "1000002", Secret: "s"}
	tests := []struct {
		name      string
		edit      func(*wecom.SenderConfig)
		wantNamed string
	}{
		{name: "no corp id", edit: func(c *wecom.SenderConfig) { c.CorpID = "" }, wantNamed: "HONGQI_WECOM_CORP_ID"},
		{name: "no agent id", edit: func(c *wecom.SenderConfig) { c.AgentID = " " }, wantNamed: "HONGQI_WECOM_AGENT_ID"},
		{name: "agent id not a number", edit: func(c *wecom.SenderConfig) { c.AgentID = "app" }, wantNamed: "HONGQI_WECOM_AGENT_ID"},
		{name: "no secret", edit: func(c *wecom.SenderConfig) { c.Secret = "" }, wantNamed: "HONGQI_WECOM_SECRET"},
		{name: "api base not a URL", edit: func(c *wecom.SenderConfig) { c.APIBase = "qyapi.weixin.qq.com" }, wantNamed: "HONGQI_WECOM_API_BASE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := wecom.NewSender(cfg)
			if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), tc.wantNamed) {
				t.Errorf("err = %v, want EINVALID naming %s", err, tc.wantNamed)
			}
		})
	}
}

func TestMemoryCache(t *testing.T) {
	c := wecom.NewMemoryCache(model.SystemClock(nil))
	if v := c.Get("k"); v != nil {
		t.Fatalf("Get on empty cache = %#v, want untyped nil", v)
	}
	_ = c.Set("k", "tok-1", time.Hour)
	if v, ok := c.Get("k").(string); !ok || v != "tok-1" || !c.IsExist("k") {
		t.Errorf("Get = %#v, want tok-1", c.Get("k"))
	}
	_ = c.Delete("k")
	if c.Get("k") != nil || c.IsExist("k") {
		t.Error("Delete kept the value")
	}
	_ = c.Set("short", "x", 10*time.Millisecond)
	time.Sleep(30 * time.Millisecond)
	if c.Get("short") != nil {
		t.Error("expired value still returned")
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				k := fmt.Sprint(j % 5)
				_ = c.Set(k, fmt.Sprint(i), time.Minute)
				_ = c.Get(k)
				_ = c.IsExist(k)
				if j%7 == 0 {
					_ = c.Delete(k)
				}
			}
		}()
	}
	wg.Wait()
}

func TestSenderNetworkFailureIsTemporaryAndRedacted(t *testing.T) {
	const secret = "net-secret-0123456789abcdef"
	s, err := wecom.NewSender(wecom.SenderConfig{Clock: model.SystemClock(nil),
		CorpID: wecomtest.CorpID, AgentID: "1000002", Secret: secret,
		APIBase: "http://127.0.0.1:1", // 无人监听
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), notice(1))
	if err == nil || model.IsPermanent(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error leaks corpsecret: %v", err)
	}
}
