package wecom

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
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
	return s.toChat(ctx, chatID, send)
}

// appChatMedia 是应用群聊文件、图片消息的请求体。
type appChatMedia struct {
	*appchat.SendRequestCommon
	File  *mediaField `json:"file,omitempty"`
	Image *mediaField `json:"image,omitempty"`
}

// sendChatMedia 把已上传的素材 mediaID（file 或 image）发到应用群聊 To.Chat（群不存在时建群后重发，同 sendAppChat）。
func (s *Sender) sendChatMedia(ctx context.Context, n model.Notice, mediaType, mediaID string) error {
	chatID := n.To.Chat
	chat := s.wk.GetAppChat()
	req := appChatMedia{SendRequestCommon: &appchat.SendRequestCommon{ChatID: chatID, MsgType: mediaType}}
	if mediaType == string(model.FileImage) {
		req.Image = &mediaField{MediaID: mediaID}
	} else {
		req.File = &mediaField{MediaID: mediaID}
	}
	return s.toChat(ctx, chatID, func() error {
		_, err := chat.Send("AppChatSendMedia", req)
		return err
	})
}

// toChat 调用 send 发到应用群聊 chatID；企业微信答“群不存在”（86003）时按 SenderConfig.AppChats 建群后重发一次。
func (s *Sender) toChat(ctx context.Context, chatID string, send func() error) error {
	err := s.call(ctx, send)
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
	Image    *robotImage    `json:"image,omitempty"`
}

// robotImage 是群机器人的图片：base64 编码的内容和原始内容的 MD5（十六进制）。
type robotImage struct {
	Base64 string `json:"base64"`
	MD5    string `json:"md5"`
}

// sendRobotImage 把通知的图片经名为 To.Robot 的群机器人发到群里（图片不超过 2 MB；普通文件群机器人不发）。
func (s *Sender) sendRobotImage(ctx context.Context, n model.Notice) error {
	f := n.File
	if f.Kind != model.FileImage {
		return refuse(codeBadMsgType, "群机器人只发图片，文件“"+f.Name+"”没有发送，不再重试")
	}
	if len(f.Data) > MaxRobotImageBytes {
		return refuse(codeBadMsgType, fmt.Sprintf("图片有 %d KB，群机器人的图片不能超过 2 MB，不再重试", len(f.Data)/1024))
	}
	sum := md5.Sum(f.Data)
	return s.robot(ctx, n.To.Robot, robotMessage{MsgType: "image", Image: &robotImage{
		Base64: base64.StdEncoding.EncodeToString(f.Data), MD5: hex.EncodeToString(sum[:])}})
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
	return s.robot(ctx, name, msg)
}

// robot 把 msg 经名为 name 的群机器人发出（key 来自 SenderConfig.Robots）。
func (s *Sender) robot(ctx context.Context, name string, msg robotMessage) error {
	key := s.cfg.Robots[name]
	if key == "" {
		return &SendError{Msg: fmt.Sprintf("没有配置名为“%s”的群机器人（flags.announce 中 kind: robot 的 name 和 key），不再重试", name), permanent: true}
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
