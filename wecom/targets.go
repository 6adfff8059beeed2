package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/appchat"
	"github.com/silenceper/wechat/v2/work/message"
)

// 通知 ToUser 的前缀：应用群聊和群机器人。
const (
	appChatPrefix = "appchat:"
	robotPrefix   = "robot:"
	// MaxRobotBytes 是群机器人 markdown 内容的上限（字节）。
	MaxRobotBytes = 4096
)

// 群聊和机器人相关的错误码。
const (
	codeChatNotExist  = 86003
	codeChatNotByApp  = 86008
	codeRobotRemoved  = 93000
	codeRobotFreqLim  = 45009
	codeBadTemplate   = 40058
	codeBadMsgType    = 40008
	codeChatExists    = 86215
	codeRobotNotFound = 93004
)

func init() {
	permanentCodes[codeChatNotByApp] = "群聊不是本应用创建的，应用只能向自己建的群发消息"
	permanentCodes[codeRobotRemoved] = "群机器人已被移出群聊，请在群里重新添加并更新配置中的 key"
	permanentCodes[codeRobotNotFound] = "群机器人不存在，请核对配置中的 key"
	permanentCodes[codeBadTemplate] = "模板卡片内容不合规"
	permanentCodes[codeBadMsgType] = "消息类型不支持"
}

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

// call 执行一次需要 access_token 的调用：ctx 已结束时不调用；token 失效（40014/42001）时
// 删除缓存的 token 重试一次。返回 *SendError。
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

// templateCardRequest 是模板卡片应用消息的请求体；卡片内容是通知正文的 JSON，原样放进 template_card。
type templateCardRequest struct {
	*message.SendRequestCommon
	TemplateCard json.RawMessage `json:"template_card"`
}

// sendTemplateCard 把 Format 为 template_card 的通知作为模板卡片消息发给成员。
func (s *Sender) sendTemplateCard(ctx context.Context, n model.Notice) error {
	if !json.Valid([]byte(n.Body)) {
		return &SendError{Code: codeBadTemplate, Msg: "模板卡片内容不是合法的 JSON，不再重试", permanent: true}
	}
	req := templateCardRequest{
		SendRequestCommon: &message.SendRequestCommon{
			ToUser:                 n.ToUser,
			MsgType:                "template_card",
			AgentID:                s.cfg.AgentID,
			EnableDuplicateCheck:   1,
			DuplicateCheckInterval: DuplicateCheckInterval,
		},
		TemplateCard: json.RawMessage(n.Body),
	}
	return s.call(ctx, func() error {
		resp, err := s.msg.Send("MessageSendTemplateCard", req)
		if err == nil && resp != nil && resp.ErrCode != 0 {
			err = util.NewCommonError("MessageSendTemplateCard", resp.ErrCode, resp.ErrMsg)
		}
		return err
	})
}

// content 返回 markdown 或文本消息的内容：Title 非空时作为第一行，超过 limit 字节截断。
func (s *Sender) content(n model.Notice, limit int) (string, bool, error) {
	markdown := n.Format == model.FormatMarkdown
	content := n.Body
	if n.Title != "" {
		if markdown {
			content = "**" + n.Title + "**\n" + content
		} else {
			content = n.Title + "\n" + content
		}
	}
	if strings.TrimSpace(content) == "" {
		return "", false, &SendError{Code: codeEmptyContent, Msg: "通知内容为空", permanent: true}
	}
	if len(content) > limit {
		s.log.Warn("wecom notice truncated", slog.String("key", n.Key), slog.Int("bytes", len(content)))
		content = truncateBytes(content, limit)
	}
	return content, markdown, nil
}

// appChatMarkdown 是应用群聊 markdown 消息的请求体。
type appChatMarkdown struct {
	*appchat.SendRequestCommon
	Markdown markdownField `json:"markdown"`
}

// sendAppChat 把通知发到应用群聊 "appchat:<chatid>"（markdown 或文本）。企业微信答“群不存在”（86003）时，
// 按 SenderConfig.AppChats 中的信息建群后重发一次；没有建群信息时不再重试。
func (s *Sender) sendAppChat(ctx context.Context, n model.Notice) error {
	chatID := strings.TrimPrefix(n.ToUser, appChatPrefix)
	if chatID == "" {
		return &SendError{Msg: "通知的群聊 chatid 为空", permanent: true}
	}
	content, markdown, err := s.content(n, MaxContentBytes)
	if err != nil {
		return err
	}
	chat := s.wk.GetAppChat()
	send := func() error {
		common := &appchat.SendRequestCommon{ChatID: chatID}
		var err error
		if markdown {
			common.MsgType = "markdown"
			_, err = chat.Send("AppChatSendMarkdown", appChatMarkdown{SendRequestCommon: common, Markdown: markdownField{Content: content}})
		} else {
			_, err = chat.SendText(appchat.SendTextRequest{SendRequestCommon: common, Text: appchat.TextField{Content: content}})
		}
		return err
	}
	err = s.call(ctx, send)
	se, ok := err.(*SendError)
	if !ok || se.Code != codeChatNotExist {
		return err
	}
	info, known := s.cfg.AppChats[chatID]
	if !known || info.Owner == "" || len(info.Members) < 2 {
		return &SendError{Code: codeChatNotExist, permanent: true,
			Msg: fmt.Sprintf("群聊 %s 不存在，配置里也没有建群所需的群主和至少两名成员（flags.announce 的 owner、members），不再重试", chatID)}
	}
	if err := s.call(ctx, func() error { return s.createChat(chatID, info) }); err != nil {
		return err
	}
	s.log.Info("wecom app chat created", slog.String("chatid", chatID), slog.Int("members", len(info.Members)))
	return s.call(ctx, send)
}

// createChat 调用 /cgi-bin/appchat/create 建群（SDK 没有这个接口；用 SDK 的 HTTP 客户端和缓存的 access_token）。
// 群已存在（86215）视为成功。
func (s *Sender) createChat(chatID string, info AppChat) error {
	tok, err := s.wk.GetContext().GetAccessToken()
	if err != nil {
		return err
	}
	members := append([]string(nil), info.Members...)
	if !containsString(members, info.Owner) {
		members = append(members, info.Owner)
	}
	body, err := json.Marshal(map[string]any{"name": info.Name, "owner": info.Owner, "userlist": members, "chatid": chatID})
	if err != nil {
		return err
	}
	resp, err := util.HTTPPost(DefaultAPIBase+"/cgi-bin/appchat/create?access_token="+tok, string(body))
	if err != nil {
		return err
	}
	var out struct {
		util.CommonError
		ChatID string `json:"chatid"`
	}
	err = util.DecodeWithError(resp, &out, "AppChatCreate")
	if ce, ok := err.(*util.CommonError); ok && ce.ErrCode == codeChatExists {
		return nil
	}
	return err
}

func containsString(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

// robotMessage 是群机器人 webhook 的请求体。
type robotMessage struct {
	MsgType  string         `json:"msgtype"`
	Markdown *markdownField `json:"markdown,omitempty"`
	Text     *markdownField `json:"text,omitempty"`
}

// sendRobot 把通知通过群机器人 "robot:<名称>" 发到群里（markdown 或文本）。webhook key 来自 SenderConfig.Robots。
// 93000（机器人已被移出群）等不再重试；45009（超过每分钟 20 条）稍后重试。
func (s *Sender) sendRobot(ctx context.Context, n model.Notice) error {
	name := strings.TrimPrefix(n.ToUser, robotPrefix)
	key := s.cfg.Robots[name]
	if key == "" {
		return &SendError{Msg: fmt.Sprintf("没有配置名为“%s”的群机器人（flags.announce 中 kind: robot 的 name 和 key），不再重试", name), permanent: true}
	}
	content, markdown, err := s.content(n, MaxRobotBytes)
	if err != nil {
		return err
	}
	msg := robotMessage{MsgType: "text", Text: &markdownField{Content: content}}
	if markdown {
		msg = robotMessage{MsgType: "markdown", Markdown: &markdownField{Content: content}}
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Msg: "发送已取消：" + err.Error()}
	}
	info, err := s.wk.GetRobot().RobotBroadcast(key, msg)
	if err == nil && info.ErrCode != 0 {
		// SDK 在 errcode 非 0 时不返回错误，要自己检查。
		err = util.NewCommonError("RobotBroadcast", info.ErrCode, info.ErrMsg)
	}
	if err != nil {
		return s.classify(err)
	}
	return nil
}
