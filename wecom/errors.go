package wecom

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/silenceper/wechat/v2/util"
)

// 企业微信错误码（文档 90313）。
const (
	codeBusy             = -1
	codeInvalidSecret    = 40001
	codeBadMsgType       = 40008
	codeInvalidCorpID    = 40013
	codeInvalidToken     = 40014
	codeInvalidAgentID   = 40056
	codeBadTemplate      = 40058
	codeTokenExpired     = 42001
	codeEmptyContent     = 44004
	codeFreqLimit        = 45009 // 也是群机器人每分钟超过 20 条
	codeConcurrencyLimit = 45033
	codeAPIForbidden     = 48002
	codeNoPrivilege      = 60011
	codeIPNotTrusted     = 60020
	codeAllInvalid       = 81013
	codeChatNotExist     = 86003
	codeChatNotByApp     = 86008
	codeChatExists       = 86215
	codeRobotRemoved     = 93000
	codeRobotNotFound    = 93004
)

// errorCode 说明一个错误码：重试能否解决、给运维看的原因。
type errorCode struct {
	permanent bool
	why       string
}

// errorCodes 是唯一的错误码表：应用消息、群聊、群机器人、素材上传共用。不在表里的错误码按暂时失败处理。
var errorCodes = map[int64]errorCode{
	codeBusy:             {false, "企业微信系统繁忙"},
	codeInvalidToken:     {false, "access_token 无效"},
	codeTokenExpired:     {false, "access_token 已过期"},
	codeFreqLimit:        {false, "接口调用超过频率限制"},
	codeConcurrencyLimit: {false, "接口并发调用超过限制"},
	codeChatNotExist:     {false, "群聊不存在"},

	codeInvalidSecret:  {true, "应用 Secret 不对，请核对 HONGQI_WECOM_SECRET"},
	codeInvalidCorpID:  {true, "企业 ID 不对，请核对 HONGQI_WECOM_CORP_ID"},
	codeInvalidAgentID: {true, "应用 AgentId 不对，请核对 HONGQI_WECOM_AGENT_ID"},
	codeEmptyContent:   {true, "消息内容为空"},
	codeAPIForbidden:   {true, "应用无权调用此接口"},
	codeNoPrivilege:    {true, "接收人不在应用的可见范围内"},
	codeIPNotTrusted:   {true, "服务器 IP 不在应用的可信 IP 列表中"},
	codeAllInvalid:     {true, "接收人全部无效（userid 不存在或不在可见范围）"},
	codeChatNotByApp:   {true, "群聊不是本应用创建的，应用只能向自己建的群发消息"},
	codeRobotRemoved:   {true, "群机器人已被移出群聊，请在群里重新添加并更新配置中的 key"},
	codeRobotNotFound:  {true, "群机器人不存在，请核对配置中的 key"},
	codeBadTemplate:    {true, "模板卡片内容不合规"},
	codeBadMsgType:     {true, "消息类型不支持"},
}

// SendError 是发送失败的原因，文字已脱敏（不含 corpsecret、access_token 和机器人 key）。
// Permanent 为真时发件箱不再重试。
type SendError struct {
	Code       int64 // 企业微信 errcode；非业务错误为 0
	HTTPStatus int   // 非 200 的 HTTP 状态；没有为 0
	Msg        string
	permanent  bool
}

// Error 返回脱敏后的错误说明。
func (e *SendError) Error() string { return e.Msg }

// Permanent 表示重试也无法解决（见 model.IsPermanent）。
func (e *SendError) Permanent() bool { return e.permanent }

// Temporary 表示稍后重试可能成功。
func (e *SendError) Temporary() bool { return !e.permanent }

// refuse 返回不再重试的错误（通知本身有问题，如没有接收人、内容为空）。
func refuse(code int64, msg string) *SendError {
	return &SendError{Code: code, Msg: msg, permanent: true}
}

var (
	reErrCode    = regexp.MustCompile(`errcode=(-?\d+)`)
	reStatusCode = regexp.MustCompile(`statusCode=(\d+)`)
	reSecrets    = regexp.MustCompile(`(?i)(corpsecret|access_token|key)=[^&\s"',)]*`)
)

// redactPairs 返回需要从错误文字中抹掉的密钥（Secret 和各机器人的 key）。
func redactPairs(cfg SenderConfig) []string {
	var out []string
	if cfg.Secret != "" {
		out = append(out, cfg.Secret, "***")
	}
	for _, k := range cfg.Robots {
		if k != "" {
			out = append(out, k, "***")
		}
	}
	return out
}

// redactText 去掉错误文字中的 corpsecret、access_token 的值和 Secret、机器人 key 本身。
func (s *Sender) redactText(t string) string {
	t = reSecrets.ReplaceAllString(t, "$1=***")
	return s.redact.Replace(t)
}

// classify 按错误码表把 SDK 返回的错误分为暂时的和永久的，并脱敏。
func (s *Sender) classify(err error) *SendError {
	text := s.redactText(err.Error())
	se := &SendError{}
	var ce *util.CommonError
	if errors.As(err, &ce) {
		se.Code = ce.ErrCode
	} else if m := reErrCode.FindStringSubmatch(text); m != nil {
		// 获取 token 失败时 SDK 只给出文字：get access_token error : errcode=40001 , ...
		se.Code, _ = strconv.ParseInt(m[1], 10, 64)
	} else if m := reStatusCode.FindStringSubmatch(text); m != nil {
		se.HTTPStatus, _ = strconv.Atoi(m[1])
	}
	switch c, known := errorCodes[se.Code]; {
	case se.Code != 0 && known && c.permanent:
		se.permanent = true
		se.Msg = fmt.Sprintf("企业微信拒绝（errcode=%d，%s），不再重试：%s", se.Code, c.why, text)
	case se.Code != 0 && known:
		se.Msg = fmt.Sprintf("企业微信暂时失败（errcode=%d，%s），稍后重试：%s", se.Code, c.why, text)
	case se.Code != 0:
		se.Msg = fmt.Sprintf("企业微信返回错误（errcode=%d），稍后重试：%s", se.Code, text)
	case se.HTTPStatus != 0:
		se.Msg = fmt.Sprintf("企业微信接口 HTTP %d，稍后重试：%s", se.HTTPStatus, text)
	default:
		se.Msg = "连接企业微信失败，稍后重试：" + text
	}
	return se
}

// tokenRejected 表示企业微信拒绝了缓存的 access_token（40014 无效、42001 过期）。
func tokenRejected(se *SendError) bool {
	return se.Code == codeInvalidToken || se.Code == codeTokenExpired
}
