package wecom_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
)

func newCrypto(t testing.TB) *wecom.Crypto {
	t.Helper()
	c, err := wecom.NewCrypto(tToken, tAESKey, tCorpID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewCrypto(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		key       string
		receiver  string
		wantNamed string // 错误中必须点名的配置项；空表示应成功
	}{
		{name: "valid", token: tToken, key: tAESKey, receiver: tCorpID},
		{name: "official sample A", token: "QDG6eK", key: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", receiver: "wx5823bf96d3bd56c7"},
		{name: "empty token", token: "", key: tAESKey, receiver: tCorpID, wantNamed: "HONGQI_WECOM_TOKEN"},
		{name: "key too short", token: tToken, key: tAESKey[:42], receiver: tCorpID, wantNamed: "HONGQI_WECOM_AES_KEY"},
		{name: "key too long", token: tToken, key: tAESKey + "=", receiver: tCorpID, wantNamed: "HONGQI_WECOM_AES_KEY"},
		{name: "key not base64", token: tToken, key: "!" + tAESKey[1:], receiver: tCorpID, wantNamed: "HONGQI_WECOM_AES_KEY"},
		{name: "empty corp id", token: tToken, key: tAESKey, receiver: "", wantNamed: "HONGQI_WECOM_CORP_ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := wecom.NewCrypto(tc.token, tc.key, tc.receiver)
			if tc.wantNamed == "" {
				if err != nil || c == nil {
					t.Fatalf("NewCrypto() = %v, %v; want a Crypto", c, err)
				}
				return
			}
			if err == nil {
				t.Fatal("NewCrypto() accepted a bad setting")
			}
			if model.ErrorCode(err) != model.EINVALID {
				t.Errorf("code = %s, want %s", model.ErrorCode(err), model.EINVALID)
			}
			if msg := model.ErrorMessage(err); !strings.Contains(msg, tc.wantNamed) {
				t.Errorf("message %q does not name %s", msg, tc.wantNamed)
			}
		})
	}
}

func TestVerifyURLOfficialVector(t *testing.T) {
	for _, v := range loadVectors(t).URLCheck {
		t.Run(v.Name, func(t *testing.T) {
			c, err := wecom.NewCrypto(v.Token, v.AESKey, v.ReceiveID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.VerifyURL(v.MsgSignature, v.Timestamp, v.Nonce, v.Echostr)
			if err != nil {
				t.Fatalf("VerifyURL: %v", err)
			}
			if got != v.Want {
				t.Errorf("VerifyURL = %q, want %q", got, v.Want)
			}
			_, err = c.VerifyURL(v.MsgSignature, v.Timestamp, v.Nonce+"1", v.Echostr)
			if !errors.Is(err, wecom.ErrBadSignature) {
				t.Errorf("VerifyURL with another nonce: err = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestDecryptOfficialVectors(t *testing.T) {
	for _, v := range loadVectors(t).Messages {
		t.Run(v.Name, func(t *testing.T) {
			c, err := wecom.NewCrypto(v.Token, v.AESKey, v.ReceiveID)
			if err != nil {
				t.Fatal(err)
			}
			m, err := c.Decrypt(v.MsgSignature, v.Timestamp, v.Nonce, []byte(v.Body))
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if m.Key != v.WantKey || m.From != v.WantFrom || m.Text != v.WantText || m.AgentID != v.WantAgent {
				t.Errorf("Decrypt = %+v, want key %s from %s text %q agent %s", m, v.WantKey, v.WantFrom, v.WantText, v.WantAgent)
			}
			if m.Event != "" || m.CreateTime.IsZero() {
				t.Errorf("Decrypt = %+v: want no event and a create time", m)
			}
			// 同一密文换一个 receiveid：解得开，但必须拒绝。
			other, _ := wecom.NewCrypto(v.Token, v.AESKey, v.ReceiveID+"x")
			if _, err := other.Decrypt(v.MsgSignature, v.Timestamp, v.Nonce, []byte(v.Body)); !errors.Is(err, wecom.ErrWrongReceiver) {
				t.Errorf("Decrypt with another corp id: err = %v, want ErrWrongReceiver", err)
			}
		})
	}
}

// TestDecryptEveryPadding 让明文长度走遍 32 个余数，补位值 1..32（含整块补位 32）都要能解开。
func TestDecryptEveryPadding(t *testing.T) {
	c := newCrypto(t)
	created := time.Unix(1767225600, 0)
	seen := map[int]bool{}
	for n := 0; n < 64; n++ {
		content := "扣" + strings.Repeat("a", n)
		inner := tInnerText("zhangsan", content, 7000000000000000000+int64(n), created)
		enc, pad := tEncrypt(t, tAESKey, tCorpID, []byte(inner))
		seen[pad] = true
		ts := "1767225600"
		body := []byte("<xml><ToUserName><![CDATA[" + tCorpID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		m, err := c.Decrypt(tSign(tToken, ts, "42", enc), ts, "42", body)
		if err != nil {
			t.Fatalf("content of %d bytes (pad %d): %v", len(content), pad, err)
		}
		if m.Text != content || m.From != "zhangsan" || !m.CreateTime.Equal(created) {
			t.Fatalf("pad %d: got %+v, want text %q", pad, m, content)
		}
	}
	for p := 1; p <= 32; p++ {
		if !seen[p] {
			t.Errorf("padding value %d never exercised", p)
		}
	}
}

func TestDecryptMessageKinds(t *testing.T) {
	c := newCrypto(t)
	created := time.Unix(1767225600, 0)
	tests := []struct {
		name      string
		inner     string
		wantKey   string
		wantText  string
		wantEvent string
		wantEvKey string
		wantTask  string
	}{
		{
			name:     "text",
			inner:    tInnerText("lisi", "扣 张三 迟到", 4561255354251345929, created),
			wantKey:  "msg:4561255354251345929",
			wantText: "扣 张三 迟到",
		},
		{
			name: "enter_agent event",
			inner: "<xml><ToUserName><![CDATA[" + tCorpID + "]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName>" +
				"<CreateTime>1767225600</CreateTime><MsgType><![CDATA[event]]></MsgType><AgentID>1000002</AgentID>" +
				"<Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey></xml>",
			wantKey:   "evt:lisi:1767225600",
			wantEvent: "enter_agent",
		},
		{
			name: "template card event",
			inner: "<xml><ToUserName><![CDATA[" + tCorpID + "]]></ToUserName><FromUserName><![CDATA[wangwu]]></FromUserName>" +
				"<CreateTime>1767225601</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>" +
				"<EventKey><![CDATA[approve]]></EventKey><TaskId><![CDATA[task-9]]></TaskId><AgentID>1000002</AgentID></xml>",
			wantKey:   "card:task-9:approve:wangwu",
			wantEvent: "template_card_event",
			wantEvKey: "approve",
			wantTask:  "task-9",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tSigned(t, tCorpID, tc.inner, created, "5")
			q := req.query
			m, err := c.Decrypt(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), req.body)
			if err != nil {
				t.Fatal(err)
			}
			if m.Key != tc.wantKey || m.Text != tc.wantText || m.Event != tc.wantEvent || m.EventKey != tc.wantEvKey || m.TaskID != tc.wantTask {
				t.Errorf("got %+v", m)
			}
			if m.AgentID != "1000002" {
				t.Errorf("AgentID = %q", m.AgentID)
			}
		})
	}
}

func TestEncryptReplyOpensWithIndependentDecoder(t *testing.T) {
	c := newCrypto(t)
	now := time.Unix(1767225600, 0)
	for _, text := range []string{
		"已记录：张三 迟到 −10 元（第 12 号）。本月合计 −10 元。",
		"含 ]]> 和 <xml> & 特殊字符",
		strings.Repeat("长", 700),
	} {
		out, err := c.EncryptReply("zhangsan", tCorpID, text, now, "1234567890")
		if err != nil {
			t.Fatal(err)
		}
		r := tOpenReply(t, out)
		if r.Content != text || r.ToUserName != "zhangsan" || r.FromUserName != tCorpID || r.MsgType != "text" || r.CreateTime != now.Unix() {
			t.Errorf("reply = %+v, want text %q to zhangsan", r, text)
		}
		if !strings.Contains(string(out), "<TimeStamp>1767225600</TimeStamp>") || !strings.Contains(string(out), "1234567890") {
			t.Errorf("reply envelope lacks timestamp or nonce: %s", out)
		}
	}
}
