package wecom

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	MaxContentBytes = model.MaxMessageBytes
)

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
	// Robots 是群机器人：名称 → webhook key。通知的 To.Robot 为该名称时发给它。
	// key 是密钥：不写日志，错误文字里也会抹掉。
	Robots map[string]string
	// AppChats 是应用群聊的建群信息：chatid → 群名、群主、成员。To.Chat 为该 chatid 的通知
	// 发送时若企业微信答“群不存在”，按这里的信息建群后重发。
	AppChats map[string]AppChat
	// Mark 非空时加在每条消息的开头（演练数据库为“【演练】”）：文本和 markdown 的内容、模板卡片的主标题、
	// 文件和图片的文件名。只在这里（发送时）加一次，别处不加。
	Mark string
	// Cards 非空时记下发送按钮卡片得到的 response_code，并用它们把卡片换成结果（CardUpdate 通知）。
	Cards model.CardCodeStore
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
	if cfg.Cards != nil && cfg.Clock == nil {
		return nil, model.Errorf(model.EINTERNAL, "wecom.NewSender 缺少时钟（卡片的 response_code 按它判断是否过期）。")
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

// templateCardRequest 是模板卡片应用消息的请求体。
type templateCardRequest struct {
	*message.SendRequestCommon
	TemplateCard templateCard `json:"template_card"`
}

// Send 把通知变成企业微信的消息送出（开启重复消息检查）：
//   - 有 File 的：上传为临时素材，再以文件或图片消息发给成员或应用群聊；发给群机器人的图片直接带在消息里；
//   - 发给群机器人（To.Robot）或应用群聊（To.Chat）的：markdown 或文本，卡片改为它的纯文本；
//   - 发给成员的：有带按钮的 Card 时发模板卡片，否则 markdown 或文本。
//
// 标题只写一次（见 textContent）。access_token 失效（40014/42001）时删除缓存的 token 并重试一次。
// 返回的错误为 *SendError；Permanent() 为真的（如 81013 接收人全部无效）不应重试。
// SDK 的调用不接受 context：ctx 只在每次调用前检查，单次调用的时长由 HTTPTimeout 限制。
func (s *Sender) Send(ctx context.Context, n model.Notice) error {
	if err := n.To.Validate(); err != nil {
		return refuse(0, model.ErrorMessage(err))
	}
	switch {
	case n.CardUpdate != nil:
		return s.updateCard(ctx, n)
	case n.File != nil:
		return s.sendMedia(ctx, n)
	case n.To.Robot != "":
		return s.sendRobot(ctx, n)
	case n.To.Chat != "":
		return s.sendAppChat(ctx, n)
	case n.Card != nil && len(n.Card.Buttons) > 0:
		return s.sendTemplateCard(ctx, n)
	}
	return s.sendApp(ctx, n)
}

// common 返回发给通知接收人的应用消息公共字段（开启重复消息检查）。
func (s *Sender) common(n model.Notice, msgType string) *message.SendRequestCommon {
	return &message.SendRequestCommon{
		ToUser:                 strings.Join(n.To.Users, "|"),
		MsgType:                msgType,
		AgentID:                s.cfg.AgentID,
		EnableDuplicateCheck:   1,
		DuplicateCheckInterval: DuplicateCheckInterval,
	}
}

// sendApp 把通知作为 markdown 或文本应用消息发给成员。
func (s *Sender) sendApp(ctx context.Context, n model.Notice) error {
	content, markdown, err := s.content(n, MaxContentBytes)
	if err != nil {
		return err
	}
	return s.call(ctx, func() error {
		var resp *message.SendResponse
		var err error
		if markdown {
			resp, err = s.msg.Send("MessageSendMarkdown", markdownRequest{SendRequestCommon: s.common(n, "markdown"), Markdown: markdownField{Content: content}})
		} else {
			resp, err = s.msg.SendText(message.SendTextRequest{SendRequestCommon: s.common(n, "text"), Text: message.TextField{Content: content}})
		}
		return s.checkSent(n, "MessageSend", resp, err)
	})
}

// sendTemplateCard 把通知的卡片作为模板卡片消息发给成员：卡片上带全部文字，不另发文字消息。
func (s *Sender) sendTemplateCard(ctx context.Context, n model.Notice) error {
	if strings.TrimSpace(n.Title) == "" && strings.TrimSpace(n.Card.Description) == "" {
		return refuse(codeBadTemplate, "模板卡片没有标题也没有说明，不再重试")
	}
	card := cardOf(n)
	card.MainTitle.Title = s.cfg.Mark + card.MainTitle.Title
	req := templateCardRequest{SendRequestCommon: s.common(n, "template_card"), TemplateCard: card}
	var code string
	err := s.call(ctx, func() error {
		resp, err := s.msg.Send("MessageSendTemplateCard", req)
		if err == nil && resp != nil {
			code = resp.ResponseCode
		}
		return s.checkSent(n, "MessageSendTemplateCard", resp, err)
	})
	if err == nil {
		s.keepCode(ctx, n, code)
	}
	return err
}

// checkSent 把应用消息接口的应答变成错误（errcode 非 0），部分接收人无效时写一条警告。
func (s *Sender) checkSent(n model.Notice, api string, resp *message.SendResponse, err error) error {
	if err == nil && resp != nil && resp.ErrCode != 0 {
		err = util.NewCommonError(api, resp.ErrCode, resp.ErrMsg)
	}
	if err == nil && resp != nil && (resp.InvalidUser != "" || resp.UnlicensedUser != "") {
		s.log.Warn("wecom notice partly undelivered", slog.String("key", n.Key),
			slog.String("invalid_user", resp.InvalidUser), slog.String("unlicensed_user", resp.UnlicensedUser))
	}
	return err
}

// content 返回 markdown 或文本消息的内容（标题一行在前，见 textContent），开头加上 Mark，超过 limit 字节截断。
func (s *Sender) content(n model.Notice, limit int) (string, bool, error) {
	content, markdown := textContent(n)
	if strings.TrimSpace(content) == "" {
		return "", false, refuse(codeEmptyContent, "通知内容为空")
	}
	content = s.cfg.Mark + content
	if len(content) > limit {
		s.log.Warn("wecom notice truncated", slog.String("key", n.Key), slog.Int("bytes", len(content)))
		content = truncateContent(content, limit, markdown)
	}
	return content, markdown, nil
}

// call 是唯一的 token 重试循环：执行一次需要 access_token 的调用；ctx 已结束时不调用；
// token 失效（40014/42001）时删除缓存的 token 重试一次。返回 *SendError。
func (s *Sender) call(ctx context.Context, api func() error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return &SendError{Msg: "发送已取消：" + err.Error()}
		}
		err := api()
		if err == nil {
			return nil
		}
		se := s.classify(err)
		if tokenRejected(se) && attempt == 0 {
			s.log.Info("wecom access token rejected, fetching a new one", slog.Int64("errcode", se.Code))
			if derr := s.cache.Delete(s.tokenKey); derr != nil {
				s.log.Warn("wecom cannot drop cached token", slog.String("err", s.redactText(derr.Error())))
			}
			continue
		}
		return se
	}
}
