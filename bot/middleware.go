package bot

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

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

// Dedup 让同一 Message.Key 只处理一次：Deduper.Claim 返回已见过时回复空串并跳过。
// 处理返回基础设施错误（EUNAVAILABLE、EINTERNAL）时 Release，让企业微信的重试得到处理。
// Deduper 本身出错（如 Redis 不可用）时照常处理：数据库的唯一键才是最终保证。
func Dedup(d model.Deduper, ttl time.Duration, log *slog.Logger) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(c *Context) (string, error) {
			key := c.Msg.Key
			if key == "" {
				return next(c)
			}
			first, err := d.Claim(c.Ctx, key, ttl)
			if err != nil {
				log.Warn("去重快速路径不可用，照常处理", "key", key, "err", err)
				return next(c)
			}
			if !first {
				log.Info("重复投递的消息，跳过", "key", key)
				return "", nil
			}
			reply, herr := next(c)
			if model.IsRetryable(herr) {
				if rerr := d.Release(c.Ctx, key); rerr != nil {
					log.Warn("释放去重标记失败", "key", key, "err", rerr)
				}
			}
			return reply, herr
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
