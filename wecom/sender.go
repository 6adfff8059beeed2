package wecom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work"
	"github.com/silenceper/wechat/v2/work/config"
	"github.com/silenceper/wechat/v2/work/message"
)

// Sender 的默认参数。
const (
	DefaultAPIBase     = "https://qyapi.weixin.qq.com"
	DefaultHTTPTimeout = 10 * time.Second
	// DuplicateCheckInterval 是企业微信重复消息检查的时间窗口（秒）：同一内容在窗口内重发会被丢弃，
	// 作为发件箱“只送一次”之外的第二道保险。
	DuplicateCheckInterval = 1800
	// MaxContentBytes 是文本和 markdown 消息内容的上限（字节），超出部分截断。
	MaxContentBytes = 2048
)

// 企业微信错误码（文档 90313）。
const (
	codeBusy             = -1
	codeInvalidSecret    = 40001
	codeInvalidCorpID    = 40013
	codeInvalidToken     = 40014
	codeInvalidAgentID   = 40056
	codeTokenExpired     = 42001
	codeEmptyContent     = 44004
	codeFreqLimit        = 45009
	codeConcurrencyLimit = 45033
	codeAPIForbidden     = 48002
	codeNoPrivilege      = 60011
	codeIPNotTrusted     = 60020
	codeAllInvalid       = 81013
)

// permanentCodes 是重试也无法解决的错误码及给运维看的说明。
var permanentCodes = map[int64]string{
	codeInvalidSecret:  "应用 Secret 不对，请核对 HONGQI_WECOM_SECRET",
	codeInvalidCorpID:  "企业 ID 不对，请核对 HONGQI_WECOM_CORP_ID",
	codeInvalidAgentID: "应用 AgentId 不对，请核对 HONGQI_WECOM_AGENT_ID",
	codeEmptyContent:   "消息内容为空",
	codeAPIForbidden:   "应用无权调用此接口",
	codeNoPrivilege:    "接收人不在应用的可见范围内",
	codeIPNotTrusted:   "服务器 IP 不在应用的可信 IP 列表中",
	codeAllInvalid:     "接收人全部无效（userid 不存在或不在可见范围）",
}

// tempCodes 是稍后重试可望成功的错误码的说明。
var tempCodes = map[int64]string{
	codeBusy:             "企业微信系统繁忙",
	codeInvalidToken:     "access_token 无效",
	codeTokenExpired:     "access_token 已过期",
	codeFreqLimit:        "接口调用超过频率限制",
	codeConcurrencyLimit: "接口并发调用超过限制",
}

// SendError 是发送失败的原因，文字已脱敏（不含 corpsecret 和 access_token）。
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

// SenderConfig 是 Sender 的配置。
type SenderConfig struct {
	CorpID  string
	AgentID string
	Secret  string
	// APIBase 是企业微信 API 的地址，默认 https://qyapi.weixin.qq.com；可指向私有网关或测试服务器。
	// 注意：SDK 的地址改写是进程级的，一个进程内只应使用一个 APIBase，后创建的 Sender 生效。
	APIBase string
	// Cache 保存 access_token；为空时用按 Clock 过期的进程内缓存。多副本时请传入 Redis 实现。
	Cache TokenCache
	// Clock 是全系统唯一的时钟（进程内 token 缓存的过期）。
	Clock *model.Clock
	// HTTPTimeout 是每次 HTTP 调用的超时，默认 10 秒；进程级，以第一个 Sender 的设置为准。
	HTTPTimeout time.Duration
	Log         *slog.Logger
	// Robots 是群机器人：名称 → webhook key。通知的 ToUser 为 "robot:<名称>" 时发给它。
	// key 是密钥：不写日志，错误文字里也会抹掉。
	Robots map[string]string
	// AppChats 是应用群聊的建群信息：chatid → 群名、群主、成员。ToUser 为 "appchat:<chatid>" 的通知
	// 发送时若企业微信答“群不存在”，按这里的信息建群后重发。
	AppChats map[string]AppChat
}

// AppChat 是建一个应用群聊所需的信息。
type AppChat struct {
	Name    string
	Owner   string
	Members []string
}

// Sender 通过企业微信应用消息推送通知，实现 model.Notifier。可并发使用。
type Sender struct {
	cfg      SenderConfig
	wk       *work.Work
	msg      *message.Client
	cache    TokenCache
	tokenKey string
	log      *slog.Logger
	redact   *strings.Replacer
}

var _ model.Notifier = (*Sender)(nil)

var (
	sdkOnce    sync.Once
	sdkAPIBase atomic.Value // string
)

// setupSDK 设置 SDK 的进程级 HTTP 客户端（带超时）和地址改写，只做一次。
func setupSDK(timeout time.Duration) {
	sdkOnce.Do(func() {
		util.DefaultHTTPClient = &http.Client{Timeout: timeout}
		util.SetURIModifier(func(uri string) string {
			base, _ := sdkAPIBase.Load().(string)
			if base == "" || base == DefaultAPIBase || !strings.HasPrefix(uri, DefaultAPIBase+"/") {
				return uri
			}
			return base + uri[len(DefaultAPIBase):]
		})
	})
}

// NewSender 校验配置并创建 Sender。缺少企业 ID、AgentId 或 Secret 时返回 EINVALID 错误，指明对应的环境变量。
func NewSender(cfg SenderConfig) (*Sender, error) {
	cfg.CorpID = strings.TrimSpace(cfg.CorpID)
	cfg.AgentID = strings.TrimSpace(cfg.AgentID)
	switch {
	case cfg.CorpID == "":
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_CORP_ID 未设置：请填写企业微信“我的企业”页面上的企业 ID")
	case cfg.AgentID == "":
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_AGENT_ID 未设置：请填写应用详情页上的 AgentId")
	case !isDigits(cfg.AgentID):
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_AGENT_ID 应为数字，现在是“%s”", cfg.AgentID)
	case cfg.Secret == "":
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_SECRET 未设置：请填写应用详情页上的 Secret")
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.APIBase), "/")
	if base == "" {
		base = DefaultAPIBase
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, model.Errorf(model.EINVALID, "HONGQI_WECOM_API_BASE 应为 http(s):// 开头的地址，现在是“%s”", cfg.APIBase)
	}
	cfg.APIBase = base
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = DefaultHTTPTimeout
	}
	if cfg.Cache == nil {
		if cfg.Clock == nil {
			return nil, model.Errorf(model.EINTERNAL, "wecom.NewSender 缺少时钟。")
		}
		cfg.Cache = NewMemoryCache(cfg.Clock)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	setupSDK(cfg.HTTPTimeout)
	if old, _ := sdkAPIBase.Swap(base).(string); old != "" && old != base {
		cfg.Log.Warn("wecom api base changed for the whole process", slog.String("from", old), slog.String("to", base))
	}
	wk := work.NewWork(&config.Config{
		CorpID:     cfg.CorpID,
		CorpSecret: cfg.Secret,
		AgentID:    cfg.AgentID,
		Cache:      cfg.Cache,
	})
	return &Sender{
		cfg:   cfg,
		wk:    wk,
		msg:   wk.GetMessage(),
		cache: cfg.Cache,
		// 与 credential.WorkAccessToken 的缓存键一致，用于 40014/42001 时删除。
		tokenKey: fmt.Sprintf("%s_access_token_%s_%s", credential.CacheKeyWorkPrefix, cfg.CorpID, cfg.AgentID),
		log:      cfg.Log,
		redact:   strings.NewReplacer(redactPairs(cfg)...),
	}, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Status 返回 model.NoticeSent：Send 成功即已送达企业微信。
func (s *Sender) Status() model.NoticeStatus { return model.NoticeSent }

// markdownRequest 是 markdown 应用消息的请求体（SDK 没有现成类型）。
type markdownRequest struct {
	*message.SendRequestCommon
	Markdown markdownField `json:"markdown"`
}

type markdownField struct {
	Content string `json:"content"`
}

// Send 把通知作为应用消息发给 n.ToUser（多人用 | 分隔）：Format 为 "markdown" 时发 markdown，
// 否则发文本；Title 非空时作为第一行。开启企业微信重复消息检查。
// access_token 失效（40014/42001）时删除缓存的 token 并重试一次。
// 返回的错误为 *SendError；Permanent() 为真的（如 81013 接收人全部无效）不应重试。
// SDK 的调用不接受 context：ctx 只在每次调用前检查，单次调用的时长由 HTTPTimeout 限制。
func (s *Sender) Send(ctx context.Context, n model.Notice) error {
	if strings.TrimSpace(n.ToUser) == "" {
		return &SendError{Msg: "通知没有接收人", permanent: true}
	}
	switch {
	case n.Format == model.FormatFile || n.Format == model.FormatImage:
		return s.sendMedia(ctx, n)
	case strings.HasPrefix(n.ToUser, robotPrefix):
		return s.sendRobot(ctx, n)
	case strings.HasPrefix(n.ToUser, appChatPrefix):
		return s.sendAppChat(ctx, n)
	case n.Format == model.FormatTemplateCard:
		return s.sendTemplateCard(ctx, n)
	}
	content := n.Body
	markdown := n.Format == model.FormatMarkdown
	if n.Title != "" {
		if markdown {
			content = "**" + n.Title + "**\n" + content
		} else {
			content = n.Title + "\n" + content
		}
	}
	if strings.TrimSpace(content) == "" {
		return &SendError{Code: codeEmptyContent, Msg: "通知内容为空", permanent: true}
	}
	if len(content) > MaxContentBytes {
		s.log.Warn("wecom notice truncated", slog.String("key", n.Key), slog.Int("bytes", len(content)))
		content = truncateBytes(content, MaxContentBytes)
	}
	common := func() *message.SendRequestCommon {
		return &message.SendRequestCommon{
			ToUser:                 n.ToUser,
			AgentID:                s.cfg.AgentID,
			EnableDuplicateCheck:   1,
			DuplicateCheckInterval: DuplicateCheckInterval,
		}
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return &SendError{Msg: "发送已取消：" + err.Error()}
		}
		var resp *message.SendResponse
		var err error
		if markdown {
			c := common()
			c.MsgType = "markdown"
			resp, err = s.msg.Send("MessageSendMarkdown", markdownRequest{SendRequestCommon: c, Markdown: markdownField{Content: content}})
		} else {
			resp, err = s.msg.SendText(message.SendTextRequest{SendRequestCommon: common(), Text: message.TextField{Content: content}})
		}
		if err == nil && resp != nil && resp.ErrCode != 0 {
			err = util.NewCommonError("MessageSend", resp.ErrCode, resp.ErrMsg)
		}
		if err == nil {
			if resp != nil && (resp.InvalidUser != "" || resp.UnlicensedUser != "") {
				s.log.Warn("wecom notice partly undelivered", slog.String("key", n.Key),
					slog.String("invalid_user", resp.InvalidUser), slog.String("unlicensed_user", resp.UnlicensedUser))
			}
			return nil
		}
		se := s.classify(err)
		if (se.Code == codeInvalidToken || se.Code == codeTokenExpired) && attempt == 0 {
			s.log.Info("wecom access token rejected, fetching a new one", slog.Int64("errcode", se.Code))
			if derr := s.cache.Delete(s.tokenKey); derr != nil {
				s.log.Warn("wecom cannot drop cached token", slog.String("err", s.redactText(derr.Error())))
			}
			continue
		}
		return se
	}
}

var (
	reErrCode    = regexp.MustCompile(`errcode=(-?\d+)`)
	reStatusCode = regexp.MustCompile(`statusCode=(\d+)`)
	reSecrets    = regexp.MustCompile(`(?i)(corpsecret|access_token|key)=[^&\s"',)]*`)
)

// redactText 去掉错误文字中的 corpsecret、access_token 的值和 Secret 本身。
func (s *Sender) redactText(t string) string {
	t = reSecrets.ReplaceAllString(t, "$1=***")
	return s.redact.Replace(t)
}

// classify 把 SDK 返回的错误分为暂时的和永久的，并脱敏。
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
	switch {
	case se.Code != 0:
		if why, ok := permanentCodes[se.Code]; ok {
			se.permanent = true
			se.Msg = fmt.Sprintf("企业微信拒绝（errcode=%d，%s），不再重试：%s", se.Code, why, text)
		} else if why, ok := tempCodes[se.Code]; ok {
			se.Msg = fmt.Sprintf("企业微信暂时失败（errcode=%d，%s），稍后重试：%s", se.Code, why, text)
		} else {
			se.Msg = fmt.Sprintf("企业微信返回错误（errcode=%d），稍后重试：%s", se.Code, text)
		}
	case se.HTTPStatus != 0:
		se.Msg = fmt.Sprintf("企业微信接口 HTTP %d，稍后重试：%s", se.HTTPStatus, text)
	default:
		se.Msg = "连接企业微信失败，稍后重试：" + text
	}
	return se
}

// truncateBytes 把 s 截到不超过 n 字节，不切断 UTF-8 字符。
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
