package model

import (
	"context"
	"time"
	"unicode/utf8"
)

// 按钮卡片发出去以后，企业微信给两种 response_code：发送卡片时的答复里一个（可更新这张卡片的全部接收人），
// 每次有人点按钮时回调里一个。一个 code 只能用一次，72 小时内有效。做了决定（点按钮、聊天命令、网页）之后，
// 业务包入队一条 CardUpdate 通知，发送时用一个还能用的 code 把每个接收人的卡片换成结果（如“已批准（张主任）”），
// 别人的卡片上就不再有能点的按钮。

// CardUpdate 是一条“把卡片换成结果”的通知内容：卡片的 task_id 和按钮换成的文字。
// 通知的 To 是收到这张卡片的人（发送卡片时记下的接收人优先）。
type CardUpdate struct {
	TaskID      string `json:"task_id"`
	ReplaceName string `json:"replace_name"`
}

// CardCodeValid 是 response_code 的有效期（企业微信：72 小时）。
const CardCodeValid = 72 * time.Hour

// CardCodeMargin 是离过期还剩这么久就不再用（免得送到企业微信时刚好过期）。
const CardCodeMargin = 5 * time.Minute

// MaxReplaceRunes 是按钮换成的文字最多的字数（企业微信按钮文字建议不超过 10 个字）。
const MaxReplaceRunes = 10

// CardCode 是企业微信为一张卡片给的一个 response_code。
type CardCode struct {
	TaskID string
	Code   string
	// Users 是这个 code 能更新的人：发送时的 code 是卡片的全部接收人，点击时的 code 是点的人。
	Users    []string
	Click    bool // 来自按钮回调（否则来自发送卡片的答复）
	IssuedAt time.Time
	UsedAt   *time.Time
}

// Usable 表示 now 时这个 code 还能用：没用过，离 72 小时的期限还有 CardCodeMargin 以上。
func (c CardCode) Usable(now time.Time) bool {
	return c.UsedAt == nil && now.Before(c.IssuedAt.Add(CardCodeValid-CardCodeMargin))
}

// CardCodeStore 保存卡片的 response_code（由存储实现）。
type CardCodeStore interface {
	// SaveCardCode 记下一个 code（IssuedAt 为零时记为现在）；同一个 code 已记过时什么也不做。
	SaveCardCode(ctx context.Context, c CardCode) error
	// CardCodes 返回卡片 taskID 的全部 code：发送时的在前，点击的按时间从新到旧。
	CardCodes(ctx context.Context, taskID string) ([]CardCode, error)
	// UseCardCode 用掉 code：一条带条件的 UPDATE（没用过、没过期），并发时只有一个成功；返回是否用到了。
	UseCardCode(ctx context.Context, code string) (bool, error)
	// ReleaseCardCode 把用掉的 code 放回（企业微信暂时失败、code 其实没用上时）。
	ReleaseCardCode(ctx context.Context, code string) error
}

// CardOutcome 返回按钮换成的结果文字：“已批准（张主任）”；加上名字超过 MaxReplaceRunes 个字时只写“已批准”。
func CardOutcome(done, who string) string {
	who = PlainText(who)
	if who == "" {
		return done
	}
	s := done + "（" + who + "）"
	if utf8.RuneCountInString(s) > MaxReplaceRunes {
		return done
	}
	return s
}

// CardUpdateNotice 返回把卡片 taskID 换成 outcome 的通知：Key 是 "card:<taskID>"（每张卡片只换一次），
// to 是收到卡片的人。
func CardUpdateNotice(taskID, outcome string, to Recipient) Notice {
	return Notice{Key: "card:" + taskID, To: to, CardUpdate: &CardUpdate{TaskID: taskID, ReplaceName: outcome}}
}
