package wecom

import (
	"context"
	"log/slog"

	"github.com/hongqi-dev/hongqi/model"
)

// LogNotifier 把通知写进日志而不发出，用于未配置企业微信时试用；实现 model.Notifier。
// 写的是通知的纯文本（见 PlainText）：标题一次、正文或卡片上的文字；文件只写文件名和大小。
type LogNotifier struct{ Log *slog.Logger }

var _ model.Notifier = LogNotifier{}

// Send 把通知（Key、接收人、纯文本）写成一行日志。
func (l LogNotifier) Send(ctx context.Context, n model.Notice) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "通知（未配置企业微信，只写日志）", "key", n.Key, "to", n.To.String(), "text", PlainText(n))
	return nil
}

// Status 返回 model.NoticeLogged。
func (LogNotifier) Status() model.NoticeStatus { return model.NoticeLogged }
