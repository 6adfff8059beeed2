package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/appchat"
)

// MaxRobotBytes 是群机器人 markdown 内容的上限（字节）。
const MaxRobotBytes = 4096

// appChatMarkdown 是应用群聊 markdown 消息的请求体。
type appChatMarkdown struct {
	*appchat.SendRequestCommon
	Markdown markdownField `json:"markdown"`
}

// sendAppChat 把通知发到应用群聊 To.Chat（markdown 或文本；卡片改为纯文本）。企业微信答“群不存在”（86003）时，
// 按 SenderConfig.AppChats 中的信息建群后重发一次；没有建群信息时不再重试。
func (s *Sender) sendAppChat(ctx context.Context, n model.Notice) error {
	chatID := n.To.Chat
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

// sendRobot 把通知通过名为 To.Robot 的群机器人发到群里（markdown 或文本；卡片改为纯文本：
// 群里点按钮的事件到不了应用）。webhook key 来自 SenderConfig.Robots。
// 93000（机器人已被移出群）等不再重试；45009（超过每分钟 20 条）稍后重试。
func (s *Sender) sendRobot(ctx context.Context, n model.Notice) error {
	name := n.To.Robot
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
