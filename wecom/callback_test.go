package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
)

// recorder 是记录收到的消息、按设定回复的 Processor。
type recorder struct {
	mu    sync.Mutex
	got   []model.Message
	reply string
	err   error
	fn    func(ctx context.Context, m model.Message) (string, error)
}

func (p *recorder) Process(ctx context.Context, m model.Message) (string, error) {
	p.mu.Lock()
	p.got = append(p.got, m)
	fn := p.fn
	p.mu.Unlock()
	if fn != nil {
		return fn(ctx, m)
	}
	return p.reply, p.err
}

func (p *recorder) calls() []model.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]model.Message(nil), p.got...)
}

// fixedNow 是测试用的“现在”。
var fixedNow = time.Date(2026, 11, 3, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

func newCallback(t testing.TB, p wecom.Processor) (*wecom.Callback, *logBuffer) {
	t.Helper()
	log, buf := newLogger()
	return &wecom.Callback{
		Crypto:    newCrypto(t),
		Processor: p,
		Clock:     model.PinClock(fixedNow, nil),
		Log:       log,
	}, buf
}

func post(h http.Handler, q url.Values, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/wecom/callback?"+q.Encode(), bytes.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestCallbackURLVerificationOfficialVector(t *testing.T) {
	v := loadVectors(t).URLCheck[0]
	c, err := wecom.NewCrypto(v.Token, v.AESKey, v.ReceiveID)
	if err != nil {
		t.Fatal(err)
	}
	sec, _ := strconv.ParseInt(v.Timestamp, 10, 64)
	p := &recorder{}
	h := &wecom.Callback{Crypto: c, Processor: p, Clock: model.PinClock(time.Unix(sec+30, 0), nil)}
	q := url.Values{"msg_signature": {v.MsgSignature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce}, "echostr": {v.Echostr}}
	// q.Encode() 把 + / = 写成 %2B %2F %3D，正如企业微信发来的那样。
	if enc := q.Encode(); !strings.Contains(enc, "%2B") || !strings.Contains(enc, "%2F") {
		t.Fatalf("test query not URL-encoded: %s", enc)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/wecom/callback?"+q.Encode(), nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %q", w.Code, w.Body)
	}
	if got := w.Body.String(); got != v.Want {
		t.Errorf("body = %q, want exactly %q", got, v.Want)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if len(p.calls()) != 0 {
		t.Error("URL verification reached the Processor")
	}

	// 同一请求在真实时钟下已过期，必须拒绝：重放窗口只能靠注入时钟绕过。
	h.Clock = model.SystemClock(nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/wecom/callback?"+q.Encode(), nil))
	if w.Code != http.StatusForbidden {
		t.Errorf("stale URL verification: status = %d, want 403", w.Code)
	}
}

func TestCallbackOfficialMessageVectors(t *testing.T) {
	for _, v := range loadVectors(t).Messages {
		t.Run(v.Name, func(t *testing.T) {
			c, err := wecom.NewCrypto(v.Token, v.AESKey, v.ReceiveID)
			if err != nil {
				t.Fatal(err)
			}
			sec, _ := strconv.ParseInt(v.Timestamp, 10, 64)
			p := &recorder{}
			h := &wecom.Callback{Crypto: c, Processor: p, Clock: model.PinClock(time.Unix(sec-60, 0), nil)}
			q := url.Values{"msg_signature": {v.MsgSignature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce}}
			w := post(h, q, []byte(v.Body))
			if w.Code != http.StatusOK || w.Body.Len() != 0 {
				t.Fatalf("status %d body %q, want 200 and empty body", w.Code, w.Body)
			}
			got := p.calls()
			if len(got) != 1 || got[0].Key != v.WantKey || got[0].From != v.WantFrom || got[0].Text != v.WantText {
				t.Errorf("Processor got %+v, want one message %s from %s %q", got, v.WantKey, v.WantFrom, v.WantText)
			}
		})
	}
}

func TestCallbackRoundTrip(t *testing.T) {
	created := fixedNow.Add(-2 * time.Second)
	tests := []struct {
		name      string
		content   string
		reply     string
		wantReply string // 空表示应答空体
	}{
		{name: "reply", content: "扣 张三 迟到", reply: "已记录：张三 迟到 −10 元。", wantReply: "已记录：张三 迟到 −10 元。"},
		{name: "no reply", content: "查", reply: ""},
		{name: "multi-byte and markup", content: "奖　李四　信息采纳 <b>&", reply: "已奖励 ]]> 李四", wantReply: "已奖励 ]]> 李四"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &recorder{reply: tc.reply}
			h, _ := newCallback(t, p)
			req := tSigned(t, tCorpID, tInnerText("zhangsan", tc.content, int64(9000+i), created), fixedNow, "778899")
			w := post(h, req.query, req.body)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %q", w.Code, w.Body)
			}
			got := p.calls()
			if len(got) != 1 {
				t.Fatalf("Processor called %d times, want 1", len(got))
			}
			m := got[0]
			if m.Key != fmt.Sprintf("msg:%d", 9000+i) || m.From != "zhangsan" || m.Text != tc.content || !m.CreateTime.Equal(created) {
				t.Errorf("Processor got %+v", m)
			}
			if tc.wantReply == "" {
				if w.Body.Len() != 0 {
					t.Errorf("body = %q, want empty", w.Body)
				}
				return
			}
			r := tOpenReply(t, w.Body.Bytes())
			if r.Content != tc.wantReply || r.ToUserName != "zhangsan" || r.FromUserName != tCorpID {
				t.Errorf("reply = %+v, want %q to zhangsan", r, tc.wantReply)
			}
		})
	}
}

func TestCallbackRejections(t *testing.T) {
	created := fixedNow
	good := func() tRequest {
		return tSigned(t, tCorpID, tInnerText("zhangsan", "扣 张三 迟到", 1, created), fixedNow, "11")
	}
	tests := []struct {
		name       string
		method     string
		build      func() (url.Values, []byte)
		maxBody    int64
		chunked    bool
		wantStatus int
	}{
		{name: "body over default limit", build: func() (url.Values, []byte) {
			r := good()
			return r.query, append(r.body, bytes.Repeat([]byte(" "), 64<<10)...)
		}, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "body over limit without content length", chunked: true, maxBody: 100, build: func() (url.Values, []byte) {
			r := good()
			return r.query, r.body
		}, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "bad XML", build: func() (url.Values, []byte) {
			r := good()
			return r.query, []byte("<xml><Encrypt>abc")
		}, wantStatus: http.StatusBadRequest},
		{name: "not XML at all", build: func() (url.Values, []byte) {
			r := good()
			return r.query, []byte(`{"Encrypt":"x"}`)
		}, wantStatus: http.StatusBadRequest},
		{name: "empty Encrypt", build: func() (url.Values, []byte) {
			r := good()
			return r.query, []byte("<xml><Encrypt></Encrypt></xml>")
		}, wantStatus: http.StatusBadRequest},
		{name: "Encrypt not base64 but signed", build: func() (url.Values, []byte) {
			ts := strconv.FormatInt(fixedNow.Unix(), 10)
			q := url.Values{"msg_signature": {tSign(tToken, ts, "1", "%%%")}, "timestamp": {ts}, "nonce": {"1"}}
			return q, []byte("<xml><Encrypt>%%%</Encrypt></xml>")
		}, wantStatus: http.StatusBadRequest},
		{name: "bad signature", build: func() (url.Values, []byte) {
			r := good()
			r.query.Set("msg_signature", strings.Repeat("0", 40))
			return r.query, r.body
		}, wantStatus: http.StatusUnauthorized},
		{name: "signature from another token", build: func() (url.Values, []byte) {
			r := good()
			q := r.query
			enc := between(string(r.body), "<Encrypt><![CDATA[", "]]>")
			q.Set("msg_signature", tSign("otherToken", q.Get("timestamp"), q.Get("nonce"), enc))
			return q, r.body
		}, wantStatus: http.StatusUnauthorized},
		{name: "tampered nonce", build: func() (url.Values, []byte) {
			r := good()
			r.query.Set("nonce", "12")
			return r.query, r.body
		}, wantStatus: http.StatusUnauthorized},
		{name: "wrong corp id", build: func() (url.Values, []byte) {
			r := tSigned(t, "wwsomeoneelse0001", tInnerText("zhangsan", "扣 张三 迟到", 1, created), fixedNow, "11")
			return r.query, r.body
		}, wantStatus: http.StatusForbidden},
		{name: "stale timestamp", build: func() (url.Values, []byte) {
			r := tSigned(t, tCorpID, tInnerText("zhangsan", "扣 张三 迟到", 1, created), fixedNow.Add(-6*time.Minute), "11")
			return r.query, r.body
		}, wantStatus: http.StatusForbidden},
		{name: "future timestamp", build: func() (url.Values, []byte) {
			r := tSigned(t, tCorpID, tInnerText("zhangsan", "扣 张三 迟到", 1, created), fixedNow.Add(6*time.Minute), "11")
			return r.query, r.body
		}, wantStatus: http.StatusForbidden},
		{name: "timestamp not a number", build: func() (url.Values, []byte) {
			r := good()
			r.query.Set("timestamp", "yesterday")
			return r.query, r.body
		}, wantStatus: http.StatusBadRequest},
		{name: "missing msg_signature", build: func() (url.Values, []byte) {
			r := good()
			r.query.Del("msg_signature")
			return r.query, r.body
		}, wantStatus: http.StatusBadRequest},
		{name: "missing nonce", build: func() (url.Values, []byte) {
			r := good()
			r.query.Del("nonce")
			return r.query, r.body
		}, wantStatus: http.StatusBadRequest},
		{name: "no parameters", build: func() (url.Values, []byte) {
			return url.Values{}, good().body
		}, wantStatus: http.StatusBadRequest},
		{name: "decrypted inner not XML", build: func() (url.Values, []byte) {
			r := tSigned(t, tCorpID, "not xml", fixedNow, "11")
			return r.query, r.body
		}, wantStatus: http.StatusBadRequest},
		{name: "GET missing echostr", method: http.MethodGet, build: func() (url.Values, []byte) {
			return good().query, nil
		}, wantStatus: http.StatusBadRequest},
		{name: "GET bad signature", method: http.MethodGet, build: func() (url.Values, []byte) {
			q := good().query
			enc, _ := tEncrypt(t, tAESKey, tCorpID, []byte("123"))
			q.Set("echostr", enc)
			return q, nil
		}, wantStatus: http.StatusUnauthorized},
		{name: "GET wrong corp id", method: http.MethodGet, build: func() (url.Values, []byte) {
			enc, _ := tEncrypt(t, tAESKey, "wwsomeoneelse0001", []byte("123"))
			ts := strconv.FormatInt(fixedNow.Unix(), 10)
			return url.Values{"msg_signature": {tSign(tToken, ts, "9", enc)}, "timestamp": {ts}, "nonce": {"9"}, "echostr": {enc}}, nil
		}, wantStatus: http.StatusForbidden},
		{name: "PUT", method: http.MethodPut, build: func() (url.Values, []byte) {
			r := good()
			return r.query, r.body
		}, wantStatus: http.StatusMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &recorder{reply: "不该出现"}
			h, logs := newCallback(t, p)
			h.MaxBody = tc.maxBody
			q, body := tc.build()
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			var rd io.Reader = bytes.NewReader(body)
			if tc.chunked {
				rd = io.MultiReader(rd) // 隐藏长度，ContentLength 为 -1
			}
			r := httptest.NewRequest(method, "/wecom/callback?"+q.Encode(), rd)
			if tc.chunked {
				r.ContentLength = -1
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %q)", w.Code, tc.wantStatus, w.Body)
			}
			if n := len(p.calls()); n != 0 {
				t.Errorf("Processor called %d times, want 0", n)
			}
			if lines := logs.Lines(); len(lines) != 1 {
				t.Errorf("logged %d lines, want 1:\n%s", len(lines), logs)
			}
			if strings.Contains(logs.String(), tAESKey) || strings.Contains(logs.String(), tToken) {
				t.Errorf("log line leaks the token or AES key: %s", logs)
			}
		})
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}

func TestCallbackProcessorOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		fn         func(ctx context.Context, m model.Message) (string, error)
		timeout    time.Duration
		wantStatus int
		wantReply  string // 非空时要求回复解开后等于它
		wantLog    string // 非空时要求日志含它
	}{
		{name: "database unavailable", fn: func(context.Context, model.Message) (string, error) {
			return "", model.Wrap(model.EUNAVAILABLE, errors.New("dial tcp: connection refused"), "数据库暂时不可用，请稍后再试。")
		}, wantStatus: http.StatusServiceUnavailable},
		{name: "internal error", fn: func(context.Context, model.Message) (string, error) {
			return "", model.Errorf(model.EINTERNAL, "内部错误")
		}, wantStatus: http.StatusServiceUnavailable},
		{name: "plain error counts as internal", fn: func(context.Context, model.Message) (string, error) {
			return "", errors.New("boom")
		}, wantStatus: http.StatusServiceUnavailable},
		{name: "processor runs past its deadline", timeout: 20 * time.Millisecond, fn: func(ctx context.Context, m model.Message) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}, wantStatus: http.StatusServiceUnavailable},
		{name: "user error becomes the reply", fn: func(context.Context, model.Message) (string, error) {
			return "", model.Errorf(model.EFORBIDDEN, "您不是主管，不能扣款。")
		}, wantStatus: http.StatusOK, wantReply: "您不是主管，不能扣款。"},
		{name: "user error with its own reply", fn: func(context.Context, model.Message) (string, error) {
			return "没有找到“张三丰”。您是不是要找：张三？", model.Errorf(model.ENOTFOUND, "没有找到")
		}, wantStatus: http.StatusOK, wantReply: "没有找到“张三丰”。您是不是要找：张三？"},
		{name: "duplicate delivery is acknowledged", fn: func(context.Context, model.Message) (string, error) {
			return "", model.Errorf(model.EDUPLICATE, "重复消息")
		}, wantStatus: http.StatusOK},
		{name: "panic", fn: func(context.Context, model.Message) (string, error) {
			panic("nil map")
		}, wantStatus: http.StatusInternalServerError, wantLog: "nil map"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &recorder{fn: tc.fn}
			h, logs := newCallback(t, p)
			h.ProcessTimeout = tc.timeout
			req := tSigned(t, tCorpID, tInnerText("zhangsan", "扣 张三 迟到", int64(100+i), fixedNow), fixedNow, "1")
			w := post(h, req.query, req.body)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tc.wantStatus)
			}
			if tc.wantReply != "" {
				if r := tOpenReply(t, w.Body.Bytes()); r.Content != tc.wantReply {
					t.Errorf("reply = %q, want %q", r.Content, tc.wantReply)
				}
			} else if w.Code == http.StatusOK && w.Body.Len() != 0 {
				t.Errorf("body = %q, want empty", w.Body)
			}
			if tc.wantLog != "" && !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log lacks %q:\n%s", tc.wantLog, logs)
			}
		})
	}
}

func TestCallbackProcessTimeoutDefault(t *testing.T) {
	var deadline time.Duration
	p := &recorder{fn: func(ctx context.Context, m model.Message) (string, error) {
		d, ok := ctx.Deadline()
		if !ok {
			return "", errors.New("no deadline")
		}
		deadline = time.Until(d)
		return "", nil
	}}
	h, _ := newCallback(t, p)
	req := tSigned(t, tCorpID, tInnerText("zhangsan", "查", 5, fixedNow), fixedNow, "1")
	if w := post(h, req.query, req.body); w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	// 企业微信 5 秒后断开：Processor 必须在此之前被叫停。
	if deadline <= 3*time.Second || deadline > 5*time.Second {
		t.Errorf("Processor deadline %v away, want between 3s and 5s", deadline)
	}
}

// TestCallbackAnswersAtTheDeadline Processor 不理会 ctx（如库在 COMMIT 时卡住，驱动的调用不带期限）时，
// 回调仍在期限后答 503，不等它：企业微信 5 秒后就会断开并重试。Processor 之后若提交了，
// 重试会拿到存下的回复。
func TestCallbackAnswersAtTheDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	p := &recorder{fn: func(ctx context.Context, m model.Message) (string, error) {
		<-release // 不看 ctx
		return "已记录 #1", nil
	}}
	h, _ := newCallback(t, p)
	h.ProcessTimeout = 50 * time.Millisecond
	req := tSigned(t, tCorpID, tInnerText("zhangsan", "扣 张三 迟到", 77, fixedNow), fixedNow, "1")
	done := make(chan int, 1)
	go func() { done <- post(h, req.query, req.body).Code }()
	select {
	case code := <-done:
		if code != http.StatusServiceUnavailable {
			t.Fatalf("status = %d, want 503", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("回调一直等着不理会期限的 Processor，没有在期限后答 503")
	}
}
