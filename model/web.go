package model

import (
	"context"
	"time"
)

// WebSession 是网页（应用主页）的一次登录。会话令牌本身只在浏览器的 Cookie 里，
// 数据库只存它的 SHA-256，所以库里的数据不能拿来冒充任何人。
type WebSession struct {
	TokenHash string // 会话令牌的 SHA-256（十六进制）
	UserID    string
	CreatedAt time.Time // 由存储按时钟填写
	ExpiresAt time.Time
}

// LoginToken 是“网页”命令给出的一次性登录链接里的令牌：只能用一次，过期作废。
// 数据库只存令牌的 SHA-256。
type LoginToken struct {
	Hash      string // 令牌的 SHA-256（十六进制）
	UserID    string
	CreatedAt time.Time // 由存储按时钟填写
	ExpiresAt time.Time
	UsedAt    *time.Time // 非空表示已用过
}

// WebStore 保存网页的会话和一次性登录令牌。过期按存储的时钟判断，所以各副本对“过期”的看法一致，
// 退出登录（删除会话）对所有副本同时生效。
type WebStore interface {
	// CreateLoginToken 保存一个登录令牌（CreatedAt 由存储填写），顺带清理早已过期的令牌和会话。
	CreateLoginToken(ctx context.Context, t LoginToken) error
	// LoginToken 按哈希取登录令牌（不用掉它）；没有返回 ENOTFOUND。
	LoginToken(ctx context.Context, hash string) (LoginToken, error)
	// UseLoginToken 用掉登录令牌并返回它：同时用两次只有一次成功。没有这个令牌返回 ENOTFOUND，
	// 已用过返回 ECONFLICT，已过期返回 EINVALID；后两种也返回令牌本身。
	UseLoginToken(ctx context.Context, hash string) (LoginToken, error)
	// CreateSession 保存一次登录（CreatedAt 由存储填写）。
	CreateSession(ctx context.Context, s WebSession) error
	// Session 按令牌哈希取未过期的会话；没有或已过期返回 ENOTFOUND。
	Session(ctx context.Context, hash string) (WebSession, error)
	// DeleteSession 删除会话（退出登录）；没有时也返回 nil。
	DeleteSession(ctx context.Context, hash string) error
}
