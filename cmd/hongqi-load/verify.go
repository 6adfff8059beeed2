package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 每个回复都核对：HTTP 200、非空、外层签名正确、能解密、补位和长度对、企业 ID 对、
// 内层有 Content。这里不用 encoding/xml（原来每个回复两次 xml.Unmarshal，占压测端
// 三成多 CPU），而是按固定的标签切出字段，缓冲区在每个并发里复用。
// 每条连接的第一个回复另外用 wecomtest.DecryptReply（完整的 XML 解析）核对一遍，
// 保证这里的快速核对与参照实现一致。

// replyChecker 核对被动回复；clone 出的副本各有自己的缓冲区，供一个 goroutine 使用。
type replyChecker struct {
	token, receiveID []byte
	block            cipher.Block
	iv               []byte
	sigBuf, ct       []byte
}

func newReplyChecker(o options) (*replyChecker, error) {
	key, err := base64.StdEncoding.DecodeString(o.aesKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("EncodingAESKey 应为 43 个字符的 base64")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &replyChecker{token: []byte(o.token), receiveID: []byte(o.corpID), block: block, iv: key[:16]}, nil
}

func (v *replyChecker) clone() *replyChecker {
	c := *v
	c.sigBuf, c.ct = make([]byte, 0, 1024), make([]byte, 0, 1024)
	return &c
}

var (
	tagEncrypt   = xmlTag("Encrypt")
	tagSignature = xmlTag("MsgSignature")
	tagTimeStamp = xmlTag("TimeStamp")
	tagNonce     = xmlTag("Nonce")
	tagContent   = []byte("<Content>")
)

type tag struct{ open, close []byte }

func xmlTag(name string) tag { return tag{[]byte("<" + name + ">"), []byte("</" + name + ">")} }

// field 取出 <name>…</name> 之间的文字（去掉一层 CDATA）；没有该字段时 ok 为 false。
func field(doc []byte, t tag) (val []byte, ok bool) {
	i := bytes.Index(doc, t.open)
	if i < 0 {
		return nil, false
	}
	rest := doc[i+len(t.open):]
	j := bytes.Index(rest, t.close)
	if j < 0 {
		return nil, false
	}
	val = rest[:j]
	if bytes.HasPrefix(val, []byte("<![CDATA[")) && bytes.HasSuffix(val, []byte("]]>")) {
		val = val[len("<![CDATA[") : len(val)-len("]]>")]
	}
	return val, true
}

// checkReply 核对一个回复；o.verifyReply 为假时只看状态码。reference 为真时再用参照实现核对一遍。
func (v *replyChecker) checkReply(o options, status int, body []byte, reference bool) error {
	if status != 200 {
		return fmt.Errorf("HTTP %d: %s", status, strings.TrimSpace(string(body)))
	}
	if !o.verifyReply {
		return nil
	}
	if len(body) == 0 {
		return errors.New("empty reply")
	}
	if err := v.check(body); err != nil {
		return fmt.Errorf("reply: %v", err)
	}
	if reference {
		if _, err := wecomtest.DecryptReply(o.token, o.aesKey, o.corpID, body); err != nil {
			return fmt.Errorf("reply: %v", err)
		}
	}
	return nil
}

func (v *replyChecker) check(body []byte) error {
	enc, ok1 := field(body, tagEncrypt)
	sig, ok2 := field(body, tagSignature)
	ts, ok3 := field(body, tagTimeStamp)
	nonce, ok4 := field(body, tagNonce)
	if !ok1 || !ok2 || !ok3 || !ok4 || len(enc) == 0 || len(ts) == 0 || len(nonce) == 0 {
		return errors.New("lacks Encrypt, MsgSignature, TimeStamp or Nonce")
	}
	// 签名：sha1(sort(token, timestamp, nonce, encrypt)) 的小写十六进制。
	parts := [4][]byte{v.token, ts, nonce, enc}
	for i := 1; i < len(parts); i++ {
		for j := i; j > 0 && bytes.Compare(parts[j], parts[j-1]) < 0; j-- {
			parts[j], parts[j-1] = parts[j-1], parts[j]
		}
	}
	v.sigBuf = v.sigBuf[:0]
	for _, p := range parts {
		v.sigBuf = append(v.sigBuf, p...)
	}
	sum := sha1.Sum(v.sigBuf)
	var want [40]byte
	hex.Encode(want[:], sum[:])
	if !bytes.Equal(want[:], sig) {
		return errors.New("signature mismatch")
	}
	// 解密：base64 → AES-256-CBC（IV 为密钥前 16 字节）→ PKCS#7 → 随机数 ‖ 长度 ‖ 消息 ‖ 企业 ID。
	if n := base64.StdEncoding.DecodedLen(len(enc)); cap(v.ct) < n {
		v.ct = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(v.ct[:cap(v.ct)], enc)
	if err != nil {
		return fmt.Errorf("base64: %v", err)
	}
	pt := v.ct[:n]
	if len(pt) == 0 || len(pt)%aes.BlockSize != 0 {
		return errors.New("ciphertext is not whole blocks")
	}
	cipher.NewCBCDecrypter(v.block, v.iv).CryptBlocks(pt, pt)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 || pad > len(pt) {
		return fmt.Errorf("bad padding %d", pad)
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return errors.New("bad padding bytes")
		}
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return errors.New("plaintext too short")
	}
	l := int(binary.BigEndian.Uint32(pt[16:20]))
	if l > len(pt)-20 {
		return errors.New("bad length")
	}
	msg, rid := pt[20:20+l], pt[20+l:]
	if !bytes.Equal(rid, v.receiveID) {
		return fmt.Errorf("receiveid %q, want %q", rid, v.receiveID)
	}
	if !bytes.Contains(msg, tagContent) {
		return errors.New("inner message lacks Content")
	}
	return nil
}
