package wecom

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/message"
)

// MinMediaBytes 是企业微信临时素材的最小长度（字节）；更短的文件会被拒绝。
const MinMediaBytes = 5

// mediaField 是文件和图片消息的 media_id。
type mediaField struct {
	MediaID string `json:"media_id"`
}

// mediaRequest 是文件或图片应用消息的请求体（msgtype 为 file 或 image）。
type mediaRequest struct {
	*message.SendRequestCommon
	File  *mediaField `json:"file,omitempty"`
	Image *mediaField `json:"image,omitempty"`
}

// sendMedia 把 Format 为 file 或 image 的通知发给成员：Body 的 base64 解码后以 Title 为文件名
// 上传为临时素材（/cgi-bin/media/upload），再用得到的 media_id 发文件或图片消息。
// 上传和发送各自在 token 失效时换新 token 重试一次；内容不是合法 base64、太短或接收人不是成员时不再重试。
func (s *Sender) sendMedia(ctx context.Context, n model.Notice) error {
	if strings.HasPrefix(n.ToUser, robotPrefix) || strings.HasPrefix(n.ToUser, appChatPrefix) {
		return &SendError{Msg: "文件和图片只能私信发给成员，不能发到群聊或群机器人", permanent: true}
	}
	data, err := base64.StdEncoding.DecodeString(n.Body)
	if err != nil {
		return &SendError{Msg: "文件内容不是合法的 base64，不再重试", permanent: true}
	}
	if len(data) < MinMediaBytes {
		return &SendError{Code: codeEmptyContent, Msg: "文件内容为空或太短，不再重试", permanent: true}
	}
	mediaType := n.Format // "file" 或 "image"，与企业微信的素材类型和消息类型同名
	name := strings.TrimSpace(n.Title)
	if name == "" {
		name = "文件"
		if mediaType == model.FormatImage {
			name = "图片.png"
		}
	}
	var mediaID string
	err = s.call(ctx, func() error {
		resp, err := s.wk.GetMaterial().UploadTempFileFromReader(name, mediaType, bytes.NewReader(data))
		if err != nil {
			return err
		}
		if resp.MediaID == "" {
			return util.NewCommonError("UploadTempFile", -1, "no media_id")
		}
		mediaID = resp.MediaID
		return nil
	})
	if err != nil {
		return err
	}
	req := mediaRequest{SendRequestCommon: &message.SendRequestCommon{
		ToUser:                 n.ToUser,
		MsgType:                mediaType,
		AgentID:                s.cfg.AgentID,
		EnableDuplicateCheck:   1,
		DuplicateCheckInterval: DuplicateCheckInterval,
	}}
	if mediaType == model.FormatImage {
		req.Image = &mediaField{MediaID: mediaID}
	} else {
		req.File = &mediaField{MediaID: mediaID}
	}
	return s.call(ctx, func() error {
		resp, err := s.msg.Send("MessageSendMedia", req)
		if err == nil && resp != nil && resp.ErrCode != 0 {
			err = util.NewCommonError("MessageSendMedia", resp.ErrCode, resp.ErrMsg)
		}
		return err
	})
}
