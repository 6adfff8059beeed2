package wecom_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
)

// FuzzDecrypt 向回调解码器喂任意的参数和请求体：不得 panic；成功解出的消息必须有 Key 和发送者。
// 每个输入走三条路：原样交给 Decrypt 和 HTTP 处理器；按体中的 Encrypt 补上正确签名再解（深入到解密）；
// 把体当作内层明文、用测试自带的实现加密后再解（深入到内层 XML 解析）。
func FuzzDecrypt(f *testing.F) {
	for _, v := range loadVectors(f).Messages {
		f.Add(v.MsgSignature, v.Timestamp, v.Nonce, []byte(v.Body))
	}
	ts := strconv.FormatInt(fixedNow.Unix(), 10)
	f.Add("", ts, "1", []byte(tInnerText("zhangsan", "扣 张三 迟到", 1, fixedNow)))
	f.Add("x", ts, "1", []byte("<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>"))
	f.Add("x", "-1", "", []byte("<xml><MsgType>event</MsgType><FromUserName>a</FromUserName><CreateTime>1</CreateTime></xml>"))
	f.Add("", "", "", []byte{})

	c := newCrypto(f)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := &wecom.Callback{
		Crypto: c,
		Processor: wecom.ProcessorFunc(func(_ context.Context, m model.Message) (string, error) {
			return "好 " + m.Text, nil
		}),
		Clock: model.PinClock(fixedNow, nil),
		Log:   discard,
	}
	check := func(t *testing.T, m model.Message, err error) {
		t.Helper()
		if err == nil && (m.Key == "" || m.From == "") {
			t.Fatalf("decoded a message without Key or From: %+v", m)
		}
	}
	f.Fuzz(func(t *testing.T, sig, ts, nonce string, body []byte) {
		m, err := c.Decrypt(sig, ts, nonce, body)
		check(t, m, err)

		q := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/wecom/callback?"+q.Encode(), bytes.NewReader(body)))
		if w.Code == http.StatusInternalServerError {
			t.Fatalf("handler answered 500")
		}
		w = httptest.NewRecorder()
		q.Set("echostr", string(body))
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/wecom/callback?"+q.Encode(), nil))

		if nonce == "" {
			nonce = "n"
		}
		if ts == "" {
			ts = "1"
		}
		var env struct {
			Encrypt string `xml:"Encrypt"`
		}
		if xml.Unmarshal(body, &env) == nil && env.Encrypt != "" {
			m, err := c.Decrypt(tSign(tToken, ts, nonce, env.Encrypt), ts, nonce, body)
			check(t, m, err)
		}

		enc, _ := tEncrypt(t, tAESKey, tCorpID, body)
		outer := []byte("<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		m, err = c.Decrypt(tSign(tToken, ts, nonce, enc), ts, nonce, outer)
		check(t, m, err)
		if err == nil && m.Text != "" && m.Key[:4] != "msg:" {
			t.Fatalf("event key %q carries text %q", m.Key, m.Text)
		}
	})
}

// BenchmarkCallbackCryptoOnly 测量处理器只做验签、解密、加密回复的开销（Processor 直接返回固定文字）。
func BenchmarkCallbackCryptoOnly(b *testing.B) {
	h := &wecom.Callback{
		Crypto: newCrypto(b),
		Processor: wecom.ProcessorFunc(func(context.Context, model.Message) (string, error) {
			return "已记录：张三 迟到 −10 元（第 12 号）。本月合计 −10 元。", nil
		}),
		Clock: model.PinClock(fixedNow, nil),
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	req := tSigned(b, tCorpID, tInnerText("lisi", "扣 张三 迟到", 1, fixedNow), fixedNow, "42")
	target := "/wecom/callback?" + req.query.Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, target, bytes.NewReader(req.body)))
		if w.Code != http.StatusOK || w.Body.Len() == 0 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
