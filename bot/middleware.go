package bot

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/hongqi-dev/hongqi/model"
)

// PanicReply 是处理中发生 panic 时给用户的回复。
const PanicReply = "系统出了点问题，本次操作可能没有生效，请稍后发“查”核对。"

// NotInRosterReply 是发送者不在花名册时的回复。
const NotInRosterReply = "您还不在花名册中，请联系管理员导入花名册。"

// Recover 接住处理中的 panic：写日志（带堆栈），回复 PanicReply，不让进程退出。
func Recover(log *slog.Logger) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(c *Context) (reply string, err error) {
			defer func() {
				if p := recover(); p != nil {
					log.Error("处理消息时 panic", "key", c.Msg.Key, "from", c.Msg.From, "command", c.Command,
						"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					reply, err = PanicReply, nil
				}
			}()
			return next(c)
		}
	}
}

// Auth 在花名册中查找发送者并填写 c.Actor。不在花名册或已停用的人得到说明，不往下处理。
func Auth(staff model.StaffStore) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(c *Context) (string, error) {
			s, err := staff.Staff(c.Ctx, c.Msg.From)
			switch model.ErrorCode(err) {
			case "":
			case model.ENOTFOUND:
				return NotInRosterReply, nil
			case model.EUNAVAILABLE:
				return "", err
			default:
				return "", model.Wrap(model.EUNAVAILABLE, err, "花名册暂时读不到，请稍后再试。")
			}
			if !s.Active {
				return "您已不在花名册中（已停用），如有疑问请联系管理员。", nil
			}
			c.Actor = s
			return next(c)
		}
	}
}

// Require 只允许 allow 为真的人使用（在 Auth 之后生效）；别人得到“只有<who>可以使用“<命令>”。”。
// 谁能用的谓词写在 model.Staff 上（如 Staff.CanRecord、Staff.IsLeadership），who 是这些人的称呼。
func Require(allow func(model.Staff) bool, who string) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(c *Context) (string, error) {
			if allow(c.Actor) {
				return next(c)
			}
			return "", model.Errorf(model.EFORBIDDEN, "只有%s可以使用“%s”。", who, c.Command)
		}
	}
}
