package wecom

import (
	"bytes"
	"context"
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

// MaxRobotImageBytes 是群机器人图片的上限（企业微信：图片在 base64 编码前不超过 2 MB）。
const MaxRobotImageBytes = 2 << 20

// sendMedia 把带 File 的通知发出去：
//   - 发给成员、应用群聊的：以文件名上传为临时素材（/cgi-bin/media/upload），再用得到的 media_id 发文件或图片消息
//     （应用消息 /message/send 或群聊 /appchat/send）；
//   - 发给群机器人的（只能是图片）：图片的 base64 和 MD5 直接放在 webhook 消息里（不超过 2 MB）。
//
// 上传和发送各自在 token 失效时换新 token 重试一次；内容太短、种类不对、太大时不再重试。
func (s *Sender) sendMedia(ctx context.Context, n model.Notice) error {
	f := n.File
	mediaType := string(f.Kind) // "file" 或 "image"，与企业微信的素材类型和消息类型同名
	if f.Kind != model.FileDocument && f.Kind != model.FileImage {
		return refuse(codeBadMsgType, "文件种类“"+mediaType+"”不对，应为 file 或 image，不再重试")
	}
	if len(f.Data) < MinMediaBytes {
		return refuse(codeEmptyContent, "文件内容为空或太短，不再重试")
	}
	if n.To.Robot != "" {
		return s.sendRobotImage(ctx, n)
	}
	name := strings.TrimSpace(f.Name)
	if name == "" {
		name = "文件"
		if f.Kind == model.FileImage {
			name = "图片.png"
		}
	}
	name = s.cfg.Mark + name
	mediaID, err := s.upload(ctx, name, mediaType, f.Data)
	if err != nil {
		return err
	}
	if n.To.Chat != "" {
		return s.sendChatMedia(ctx, n, mediaType, mediaID)
	}
	req := mediaRequest{SendRequestCommon: s.common(n, mediaType)}
	if f.Kind == model.FileImage {
		req.Image = &mediaField{MediaID: mediaID}
	} else {
		req.File = &mediaField{MediaID: mediaID}
	}
	return s.call(ctx, func() error {
		resp, err := s.msg.Send("MessageSendMedia", req)
		return s.checkSent(n, "MessageSendMedia", resp, err)
	})
}

// upload 把数据上传为临时素材，返回 media_id。
func (s *Sender) upload(ctx context.Context, name, mediaType string, data []byte) (string, error) {
	var mediaID string
	err := s.call(ctx, func() error {
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
	return mediaID, err
}
