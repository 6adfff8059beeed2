package wecomtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// 这里的加解密只用标准库按企业微信协议写成，与 wecom 包和 SDK 无关，
// 用来从“企业微信一侧”驱动 /wecom/callback。

// Sign 计算 sha1(sort(token, timestamp, nonce, encrypt)) 的小写十六进制。
func Sign(token, ts, nonce, encrypt string) string {
	parts := []string{token, ts, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// aesKeyOf 把 43 个字符的 EncodingAESKey 解码成 32 字节密钥。
func aesKeyOf(encodingAESKey string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("wecomtest: bad EncodingAESKey")
	}
	return key, nil
}

// Encrypt 按协议加密：AES-256-CBC（IV 为密钥前 16 字节）加密
// 16 字节随机数 ‖ 4 字节大端长度 ‖ msg ‖ receiveID，PKCS#7 补位到 32 字节的倍数，再 base64。
func Encrypt(encodingAESKey, receiveID string, msg []byte) (string, error) {
	key, err := aesKeyOf(encodingAESKey)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return "", err
	}
	buf.Write(random)
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(receiveID)
	pad := 32 - buf.Len()%32
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := buf.Bytes()
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), nil
}

// Decrypt 是 Encrypt 的逆运算，返回消息并核对 receiveID。
func Decrypt(encodingAESKey, receiveID, b64 string) ([]byte, error) {
	key, err := aesKeyOf(encodingAESKey)
	if err != nil {
		return nil, err
	}
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("wecomtest: base64: %w", err)
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errors.New("wecomtest: ciphertext is not whole blocks")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 || pad > len(pt) {
		return nil, fmt.Errorf("wecomtest: bad padding %d", pad)
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return nil, errors.New("wecomtest: bad padding bytes")
		}
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, errors.New("wecomtest: plaintext too short")
	}
	n := int(binary.BigEndian.Uint32(pt[16:20]))
	if n > len(pt)-20 {
		return nil, errors.New("wecomtest: bad length")
	}
	msg, rid := pt[20:20+n], pt[20+n:]
	if string(rid) != receiveID {
		return nil, fmt.Errorf("wecomtest: receiveid %q, want %q", rid, receiveID)
	}
	return msg, nil
}

// cdata 把 s 写成 CDATA 段（"]]>" 被拆开）。
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// TextMessage 生成企业微信回调的内层文本消息 XML。
func TextMessage(corpID, from, content string, msgID int64, agentID string, created time.Time) string {
	return "<xml><ToUserName>" + cdata(corpID) + "</ToUserName><FromUserName>" + cdata(from) +
		"</FromUserName><CreateTime>" + strconv.FormatInt(created.Unix(), 10) +
		"</CreateTime><MsgType>" + cdata("text") + "</MsgType><Content>" + cdata(content) +
		"</Content><MsgId>" + strconv.FormatInt(msgID, 10) + "</MsgId><AgentID>" + agentID + "</AgentID></xml>"
}

// EventMessage 生成企业微信回调的内层事件 XML（如 enter_agent）。
func EventMessage(corpID, from, event, eventKey string, agentID string, created time.Time) string {
	return "<xml><ToUserName>" + cdata(corpID) + "</ToUserName><FromUserName>" + cdata(from) +
		"</FromUserName><CreateTime>" + strconv.FormatInt(created.Unix(), 10) +
		"</CreateTime><MsgType>" + cdata("event") + "</MsgType><Event>" + cdata(event) +
		"</Event><EventKey>" + cdata(eventKey) + "</EventKey><AgentID>" + agentID + "</AgentID></xml>"
}

// TemplateCardEvent 生成模板卡片按钮被点击时的回调内层 XML（template_card_event，带 EventKey、TaskId 和
// ResponseCode "resp-<task_id>-<点击人>"：假服务器不认这个 code；要可用的 code 用 Server.ClickCode 和
// TemplateCardEventCode）。
func TemplateCardEvent(corpID, from, eventKey, taskID, agentID string, created time.Time) string {
	return TemplateCardEventCode(corpID, from, eventKey, taskID, agentID, "resp-"+taskID+"-"+from, created)
}

// TemplateCardEventCode 同 TemplateCardEvent，ResponseCode 为 code。
func TemplateCardEventCode(corpID, from, eventKey, taskID, agentID, code string, created time.Time) string {
	return "<xml><ToUserName>" + cdata(corpID) + "</ToUserName><FromUserName>" + cdata(from) +
		"</FromUserName><CreateTime>" + strconv.FormatInt(created.Unix(), 10) +
		"</CreateTime><MsgType>" + cdata("event") + "</MsgType><Event>" + cdata("template_card_event") +
		"</Event><EventKey>" + cdata(eventKey) + "</EventKey><TaskId>" + cdata(taskID) +
		"</TaskId><CardType>" + cdata("button_interaction") + "</CardType><ResponseCode>" + cdata(code) +
		"</ResponseCode><AgentID>" + agentID + "</AgentID></xml>"
}

// SignedRequest 以企业微信的身份加密并签名一条回调消息：返回 POST 的查询参数
// （msg_signature、timestamp、nonce）和请求体 <xml><ToUserName/><AgentID/><Encrypt/></xml>。
// inner 是内层 XML（见 TextMessage、EventMessage）。
func SignedRequest(token, aesKey, corpID string, inner string, ts time.Time, nonce string) (query url.Values, body []byte) {
	enc, err := Encrypt(aesKey, corpID, []byte(inner))
	if err != nil {
		panic(err) // 测试配置错误（EncodingAESKey 不对）
	}
	tss := strconv.FormatInt(ts.Unix(), 10)
	query = url.Values{}
	query.Set("msg_signature", Sign(token, tss, nonce, enc))
	query.Set("timestamp", tss)
	query.Set("nonce", nonce)
	body = []byte("<xml><ToUserName>" + cdata(corpID) + "</ToUserName><AgentID>" + cdata("") +
		"</AgentID><Encrypt>" + cdata(enc) + "</Encrypt></xml>")
	return query, body
}

// SignedURLVerification 以企业微信的身份生成回调地址验证（GET）的查询参数：echo 加密后作为 echostr。
func SignedURLVerification(token, aesKey, corpID, echo string, ts time.Time, nonce string) url.Values {
	enc, err := Encrypt(aesKey, corpID, []byte(echo))
	if err != nil {
		panic(err)
	}
	tss := strconv.FormatInt(ts.Unix(), 10)
	q := url.Values{}
	q.Set("msg_signature", Sign(token, tss, nonce, enc))
	q.Set("timestamp", tss)
	q.Set("nonce", nonce)
	q.Set("echostr", enc)
	return q
}

// Reply 是解密后的被动回复。
type Reply struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
}

// DecryptReplyMessage 校验被动回复的签名、解密并核对企业 ID，返回内层消息。
// body 为空（不回复）时返回零值 Reply 和 nil。
func DecryptReplyMessage(token, aesKey, corpID string, body []byte) (Reply, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Reply{}, nil
	}
	var env struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return Reply{}, fmt.Errorf("wecomtest: reply xml: %w", err)
	}
	if env.Encrypt == "" || env.TimeStamp == "" || env.Nonce == "" {
		return Reply{}, errors.New("wecomtest: reply lacks Encrypt, TimeStamp or Nonce")
	}
	want := Sign(token, env.TimeStamp, env.Nonce, env.Encrypt)
	if subtle.ConstantTimeCompare([]byte(want), []byte(env.MsgSignature)) != 1 {
		return Reply{}, errors.New("wecomtest: reply signature mismatch")
	}
	inner, err := Decrypt(aesKey, corpID, env.Encrypt)
	if err != nil {
		return Reply{}, err
	}
	var r Reply
	if err := xml.Unmarshal(inner, &r); err != nil {
		return Reply{}, fmt.Errorf("wecomtest: reply inner xml: %w", err)
	}
	return r, nil
}

// DecryptReply 校验并解密被动回复，返回回复的文字；body 为空时返回空串。
func DecryptReply(token, aesKey, corpID string, body []byte) (string, error) {
	r, err := DecryptReplyMessage(token, aesKey, corpID, body)
	return r.Content, err
}
