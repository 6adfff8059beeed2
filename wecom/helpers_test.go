package wecom_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// 这里是测试自带的、独立于 wecom 包和 SDK 的企业微信回调加解密实现（只用标准库），
// 用来从“企业微信一侧”构造请求、解开回复。

// 测试用的回调配置。
const (
	tToken  = "hongqiTestToken"
	tAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	tCorpID = "wwhongqi000000001"
)

// tSign 计算 sha1(sort(parts...)) 的小写十六进制。
func tSign(parts ...string) string {
	p := append([]string(nil), parts...)
	sort.Strings(p)
	sum := sha1.Sum([]byte(strings.Join(p, "")))
	return hex.EncodeToString(sum[:])
}

func tKey(t testing.TB, encodingAESKey string) []byte {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		t.Fatalf("bad test AES key %q", encodingAESKey)
	}
	return key
}

// tEncrypt 按协议加密 msg，返回 base64 密文和使用的 PKCS#7 补位值。
func tEncrypt(t testing.TB, encodingAESKey, receiveID string, msg []byte) (string, int) {
	t.Helper()
	key := tKey(t, encodingAESKey)
	var buf bytes.Buffer
	buf.WriteString("0123456789abcdef") // 16 字节“随机数”，测试中固定
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(receiveID)
	pad := 32 - buf.Len()%32
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), pad
}

// tDecrypt 解开密文并返回消息和其中的 receiveid。
func tDecrypt(t testing.TB, encodingAESKey, b64 string) (msg []byte, receiveID string) {
	t.Helper()
	key := tKey(t, encodingAESKey)
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("reply Encrypt is not base64: %v", err)
	}
	if len(ct) == 0 || len(ct)%32 != 0 {
		t.Fatalf("reply ciphertext is %d bytes, want a multiple of 32", len(ct))
	}
	block, _ := aes.NewCipher(key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 {
		t.Fatalf("reply padding %d, want 1..32", pad)
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			t.Fatalf("reply padding bytes are not all %d", pad)
		}
	}
	pt = pt[:len(pt)-pad]
	n := int(binary.BigEndian.Uint32(pt[16:20]))
	return pt[20 : 20+n], string(pt[20+n:])
}

// tInnerText 生成内层文本消息 XML。
func tInnerText(from, content string, msgID int64, created time.Time) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>"+
		"<MsgId>%d</MsgId><AgentID>1000002</AgentID></xml>", tCorpID, from, created.Unix(), content, msgID)
}

// tRequest 是一个已签名的回调 POST。
type tRequest struct {
	query url.Values
	body  []byte
}

// tSigned 以企业微信的身份加密并签名 inner。
func tSigned(t testing.TB, receiveID, inner string, ts time.Time, nonce string) tRequest {
	t.Helper()
	enc, _ := tEncrypt(t, tAESKey, receiveID, []byte(inner))
	tss := strconv.FormatInt(ts.Unix(), 10)
	q := url.Values{}
	q.Set("msg_signature", tSign(tToken, tss, nonce, enc))
	q.Set("timestamp", tss)
	q.Set("nonce", nonce)
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[%s]]></Encrypt></xml>", receiveID, enc)
	return tRequest{query: q, body: []byte(body)}
}

// tReply 是解开的被动回复。
type tReply struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
}

// tOpenReply 校验被动回复外层的签名并解密内层。
func tOpenReply(t testing.TB, body []byte) tReply {
	t.Helper()
	var env struct {
		XMLName      xml.Name `xml:"xml"`
		Encrypt      string   `xml:"Encrypt"`
		MsgSignature string   `xml:"MsgSignature"`
		TimeStamp    string   `xml:"TimeStamp"`
		Nonce        string   `xml:"Nonce"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		t.Fatalf("reply is not XML: %v\n%s", err, body)
	}
	if env.Encrypt == "" || env.MsgSignature == "" || env.TimeStamp == "" || env.Nonce == "" {
		t.Fatalf("reply lacks a field: %s", body)
	}
	if got, want := env.MsgSignature, tSign(tToken, env.TimeStamp, env.Nonce, env.Encrypt); got != want {
		t.Fatalf("reply MsgSignature = %s, want %s", got, want)
	}
	inner, rid := tDecrypt(t, tAESKey, env.Encrypt)
	if rid != tCorpID {
		t.Fatalf("reply receiveid = %q, want %q", rid, tCorpID)
	}
	var r tReply
	if err := xml.Unmarshal(inner, &r); err != nil {
		t.Fatalf("reply inner XML: %v\n%s", err, inner)
	}
	return r
}

// vector 是 testdata/vectors.json 中的一组官方示例向量。
type vector struct {
	Name         string `json:"name"`
	Token        string `json:"token"`
	AESKey       string `json:"aes_key"`
	ReceiveID    string `json:"receive_id"`
	MsgSignature string `json:"msg_signature"`
	Timestamp    string `json:"timestamp"`
	Nonce        string `json:"nonce"`
	Echostr      string `json:"echostr"`
	Want         string `json:"want"`
	Body         string `json:"body"`
	WantKey      string `json:"want_key"`
	WantFrom     string `json:"want_from"`
	WantText     string `json:"want_text"`
	WantAgent    string `json:"want_agent"`
}

type vectors struct {
	URLCheck []vector `json:"url_check"`
	Messages []vector `json:"messages"`
}

func loadVectors(t testing.TB) vectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.URLCheck) == 0 || len(v.Messages) < 2 {
		t.Fatal("testdata/vectors.json lost its vectors")
	}
	return v
}

// logBuffer 收集日志行，可并发写。
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) Lines() []string {
	s := strings.TrimSpace(b.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}
