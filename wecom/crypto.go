// Package wecom 对接企业微信：回调消息的验签、解密与被动回复加密（Crypto、Callback），
// 以及经应用消息接口推送通知（Sender）。它是唯一引入 github.com/silenceper/wechat/v2 的包。
package wecom

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/silenceper/wechat/v2/util"
)

// 回调解码失败的类别，可用 errors.Is 判断（Decrypt、VerifyURL 返回的 *model.Error 包着它们）。
var (
	// ErrBadRequest 表示请求格式不对：XML 解析失败、缺少参数、密文无法解开。
	ErrBadRequest = errors.New("wecom: malformed callback request")
	// ErrBadSignature 表示签名不符。
	ErrBadSignature = errors.New("wecom: bad signature")
	// ErrWrongReceiver 表示密文中的 receiveid（企业 ID）与配置不符。
	ErrWrongReceiver = errors.New("wecom: receiveid mismatch")
)

// Crypto 按企业微信回调协议验签、解密消息并加密被动回复。创建后只读，可并发使用。
type Crypto struct {
	token     string
	aesKey    string // EncodingAESKey（43 个字符），交给 SDK 使用
	receiveID string
}

// NewCrypto 校验回调配置并创建 Crypto。encodingAESKey 必须是 43 个字符、可解码为 32 字节；
// receiveID 对自建应用是企业 ID（corp id）。
func NewCrypto(token, encodingAESKey, receiveID string) (*Crypto, error) {
	if strings.TrimSpace(token) == "" {
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_TOKEN 未设置：请填写企业微信应用“接收消息”页面上的 Token")
	}
	if len(encodingAESKey) != 43 {
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_AES_KEY 应为 43 个字符，现在是 %d 个：请从企业微信应用“接收消息”页面复制 EncodingAESKey", len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_AES_KEY 不是有效的 EncodingAESKey（应可按 base64 解码为 32 字节）：请重新复制")
	}
	if strings.TrimSpace(receiveID) == "" {
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_CORP_ID 未设置：回调解密需要企业 ID")
	}
	return &Crypto{token: token, aesKey: encodingAESKey, receiveID: receiveID}, nil
}

// ReceiveID 返回校验用的 receiveid（企业 ID）。
func (c *Crypto) ReceiveID() string { return c.receiveID }

// signature 计算 sha1(sort(token, timestamp, nonce, encrypt)) 的小写十六进制。
func (c *Crypto) signature(ts, nonce, encrypt string) string {
	return util.Signature(c.token, ts, nonce, encrypt)
}

// checkSignature 以常数时间比较签名。
func (c *Crypto) checkSignature(sig, ts, nonce, encrypt string) error {
	want := c.signature(ts, nonce, encrypt)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(want)) != 1 {
		return model.Wrap(model.EFORBIDDEN, ErrBadSignature, "签名校验失败")
	}
	return nil
}

// decrypt 用 SDK 的 AES-CBC 解密（PKCS#7 按 32 字节块，补位值 1..32），再核对 receiveid。
// 未直接用 util.DecryptMsg：它对 receiveid 不符只给出与其他失败无法区分的错误，
// 而这里要把“企业 ID 不符”单独报告（403）；两者解密用的是同一个 util.AESDecryptMsg。
func (c *Crypto) decrypt(b64 string) (msg []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			msg, err = nil, model.Wrap(model.EINVALID, fmt.Errorf("%w: panic in decrypt: %v", ErrBadRequest, p), "消息无法解密")
		}
	}()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, model.Wrap(model.EINVALID, fmt.Errorf("%w: base64: %v", ErrBadRequest, err), "消息无法解密")
	}
	key, _ := base64.StdEncoding.DecodeString(c.aesKey + "=") // NewCrypto 已校验
	_, plain, rid, err := util.AESDecryptMsg(raw, key)
	if err != nil {
		return nil, model.Wrap(model.EINVALID, fmt.Errorf("%w: %v", ErrBadRequest, err), "消息无法解密")
	}
	if subtle.ConstantTimeCompare(rid, []byte(c.receiveID)) != 1 {
		return nil, model.Wrap(model.EFORBIDDEN, ErrWrongReceiver, "消息不是发给本企业的")
	}
	return plain, nil
}

// VerifyURL 处理回调地址验证：校验 echostr 的签名，解密并返回明文（原样作为响应体）。
func (c *Crypto) VerifyURL(sig, ts, nonce, echostr string) (string, error) {
	if sig == "" || ts == "" || nonce == "" || echostr == "" {
		return "", model.Wrap(model.EINVALID, ErrBadRequest, "缺少 msg_signature、timestamp、nonce 或 echostr")
	}
	if err := c.checkSignature(sig, ts, nonce, echostr); err != nil {
		return "", err
	}
	plain, err := c.decrypt(echostr)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// envelope 是回调 POST 的外层 XML。
type envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	AgentID    string   `xml:"AgentID"`
	Encrypt    string   `xml:"Encrypt"`
}

// inbound 是解密后的消息或事件。
type inbound struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   string   `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	MsgID        string   `xml:"MsgId"`
	AgentID      string   `xml:"AgentID"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	TaskID       string   `xml:"TaskId"`
	ResponseCode string   `xml:"ResponseCode"`
}

// Decrypt 解析回调 POST 的外层 XML，校验 Encrypt 的签名，解密并核对企业 ID，
// 再把内层 XML 转成 model.Message。文本等消息的 Key 为 "msg:<MsgId>"，模板卡片按钮事件为
// model.CardEventKey（卡片 task_id、按钮 key、点击人），其他事件为 "evt:<FromUserName>:<CreateTime>"。
func (c *Crypto) Decrypt(sig, ts, nonce string, body []byte) (model.Message, error) {
	if sig == "" || ts == "" || nonce == "" {
		return model.Message{}, model.Wrap(model.EINVALID, ErrBadRequest, "缺少 msg_signature、timestamp 或 nonce")
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return model.Message{}, model.Wrap(model.EINVALID, fmt.Errorf("%w: outer xml: %v", ErrBadRequest, err), "消息格式不对")
	}
	env.Encrypt = strings.TrimSpace(env.Encrypt)
	if env.Encrypt == "" {
		return model.Message{}, model.Wrap(model.EINVALID, fmt.Errorf("%w: empty Encrypt", ErrBadRequest), "消息格式不对")
	}
	if err := c.checkSignature(sig, ts, nonce, env.Encrypt); err != nil {
		return model.Message{}, err
	}
	plain, err := c.decrypt(env.Encrypt)
	if err != nil {
		return model.Message{}, err
	}
	return parseInbound(plain)
}

// parseInbound 把解密后的内层 XML 转成 model.Message。
func parseInbound(plain []byte) (model.Message, error) {
	var in inbound
	if err := xml.Unmarshal(plain, &in); err != nil {
		return model.Message{}, model.Wrap(model.EINVALID, fmt.Errorf("%w: inner xml: %v", ErrBadRequest, err), "消息格式不对")
	}
	if in.FromUserName == "" {
		return model.Message{}, model.Wrap(model.EINVALID, fmt.Errorf("%w: inner xml without FromUserName", ErrBadRequest), "消息格式不对")
	}
	ct := strings.TrimSpace(in.CreateTime)
	sec, err := strconv.ParseInt(ct, 10, 64)
	if err != nil {
		return model.Message{}, model.Wrap(model.EINVALID, fmt.Errorf("%w: CreateTime %q", ErrBadRequest, ct), "消息格式不对")
	}
	m := model.Message{
		From:         in.FromUserName,
		Event:        strings.TrimSpace(in.Event),
		EventKey:     in.EventKey,
		TaskID:       in.TaskID,
		AgentID:      strings.TrimSpace(in.AgentID),
		ResponseCode: strings.TrimSpace(in.ResponseCode),
		CreateTime:   time.Unix(sec, 0),
	}
	id := strings.TrimSpace(in.MsgID)
	switch {
	case m.Event == "template_card_event":
		m.Key = model.CardEventKey(in.FromUserName, in.TaskID, in.EventKey)
	case strings.TrimSpace(in.MsgType) == "event" || id == "":
		m.Key = "evt:" + in.FromUserName + ":" + ct
	default:
		m.Key = "msg:" + id
		m.Text = in.Content
	}
	return m, nil
}

// cdata 让 encoding/xml 以 CDATA 输出字段（含 "]]>" 时自动拆分）。
type cdata struct {
	Text string `xml:",cdata"`
}

// replyText 是被动回复的文本消息（加密前）。
type replyText struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata    `xml:"ToUserName"`
	FromUserName cdata    `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      cdata    `xml:"MsgType"`
	Content      cdata    `xml:"Content"`
}

// replyEnvelope 是被动回复的外层 XML。
type replyEnvelope struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      cdata    `xml:"Encrypt"`
	MsgSignature cdata    `xml:"MsgSignature"`
	TimeStamp    int64    `xml:"TimeStamp"`
	Nonce        cdata    `xml:"Nonce"`
}

// EncryptReply 生成加密的被动回复：内层是发给 toUser 的文本消息，外层为
// <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>。
func (c *Crypto) EncryptReply(toUser, fromCorp, text string, now time.Time, nonce string) ([]byte, error) {
	inner, err := xml.Marshal(replyText{
		ToUserName:   cdata{toUser},
		FromUserName: cdata{fromCorp},
		CreateTime:   now.Unix(),
		MsgType:      cdata{"text"},
		Content:      cdata{text},
	})
	if err != nil {
		return nil, fmt.Errorf("wecom: marshal reply: %w", err)
	}
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return nil, fmt.Errorf("wecom: random: %w", err)
	}
	enc, err := util.EncryptMsg(random, inner, c.receiveID, c.aesKey)
	if err != nil {
		return nil, fmt.Errorf("wecom: encrypt reply: %w", err)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	out, err := xml.Marshal(replyEnvelope{
		Encrypt:      cdata{string(enc)},
		MsgSignature: cdata{c.signature(ts, nonce, string(enc))},
		TimeStamp:    now.Unix(),
		Nonce:        cdata{nonce},
	})
	if err != nil {
		return nil, fmt.Errorf("wecom: marshal reply envelope: %w", err)
	}
	return out, nil
}
