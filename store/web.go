package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/model"
)

var _ model.WebStore = (*DB)(nil)

// webSessionRow 是 web_sessions 表的一行：网页的一次登录。token_hash 是会话令牌的 SHA-256。
type webSessionRow struct {
	TokenHash string    `gorm:"column:token_hash;type:char(64);primaryKey"`
	UserID    string    `gorm:"column:userid;size:64;not null;index"`
	CreatedAt time.Time `gorm:"precision:6;not null"`
	ExpiresAt time.Time `gorm:"precision:6;not null;index"`
}

func (webSessionRow) TableName() string { return "web_sessions" }

// loginTokenRow 是 login_tokens 表的一行：一次性登录链接。hash 是令牌的 SHA-256。
type loginTokenRow struct {
	Hash      string     `gorm:"type:char(64);primaryKey"`
	UserID    string     `gorm:"column:userid;size:64;not null"`
	CreatedAt time.Time  `gorm:"precision:6;not null"`
	ExpiresAt time.Time  `gorm:"precision:6;not null;index"`
	UsedAt    *time.Time `gorm:"precision:6"`
}

func (loginTokenRow) TableName() string { return "login_tokens" }

// keepExpired 是过期的会话和登录令牌在库里再留多久（便于排查“链接已过期”一类的问题）才清理。
const keepExpired = 7 * 24 * time.Hour

func tokenFromRow(r loginTokenRow) model.LoginToken {
	t := model.LoginToken{Hash: r.Hash, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if r.UsedAt != nil {
		u := r.UsedAt.UTC()
		t.UsedAt = &u
	}
	return t
}

func checkHash(h string) error {
	if len(h) != 64 {
		return model.Errorf(model.EINVALID, "登录令牌格式不对。")
	}
	return nil
}

// CreateLoginToken 保存一个登录令牌，并清理过期超过一周的令牌和会话。
func (db *DB) CreateLoginToken(ctx context.Context, t model.LoginToken) error {
	if err := checkHash(t.Hash); err != nil {
		return err
	}
	if t.UserID == "" || len(t.UserID) > sizeID {
		return model.Errorf(model.EINVALID, "登录令牌缺少工号。")
	}
	now := db.now()
	row := loginTokenRow{Hash: t.Hash, UserID: t.UserID, CreatedAt: now, ExpiresAt: utc(t.ExpiresAt)}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		old := now.Add(-keepExpired)
		if err := tx.Where("expires_at < ?", old).Delete(&loginTokenRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("expires_at < ?", old).Delete(&webSessionRow{}).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	return db.fail(err, "没能生成登录链接")
}

// LoginToken 按哈希取登录令牌，不用掉它；没有返回 ENOTFOUND。
func (db *DB) LoginToken(ctx context.Context, hash string) (model.LoginToken, error) {
	var rows []loginTokenRow
	if err := db.conn(ctx).Where("hash = ?", hash).Limit(1).Find(&rows).Error; err != nil {
		return model.LoginToken{}, db.fail(err, "没能读取登录链接")
	}
	if len(rows) == 0 {
		return model.LoginToken{}, model.Errorf(model.ENOTFOUND, "这个登录链接不存在。")
	}
	return tokenFromRow(rows[0]), nil
}

// UseLoginToken 用掉一个登录令牌：一条带条件的 UPDATE（未用过、未过期），所以并发使用时只有一次成功。
func (db *DB) UseLoginToken(ctx context.Context, hash string) (model.LoginToken, error) {
	now := db.now()
	res := db.conn(ctx).Model(&loginTokenRow{}).
		Where("hash = ? AND used_at IS NULL AND expires_at > ?", hash, now).
		Update("used_at", now)
	if res.Error != nil {
		return model.LoginToken{}, db.fail(res.Error, "没能登录")
	}
	t, err := db.LoginToken(ctx, hash)
	if err != nil {
		return model.LoginToken{}, err
	}
	switch {
	case res.RowsAffected == 1:
		return t, nil
	case t.UsedAt != nil:
		return t, model.Errorf(model.ECONFLICT, "这个登录链接已经用过了。")
	}
	return t, model.Errorf(model.EINVALID, "这个登录链接已过期。")
}

// CreateSession 保存一次登录。
func (db *DB) CreateSession(ctx context.Context, s model.WebSession) error {
	if err := checkHash(s.TokenHash); err != nil {
		return err
	}
	if s.UserID == "" || len(s.UserID) > sizeID {
		return model.Errorf(model.EINVALID, "会话缺少工号。")
	}
	row := webSessionRow{TokenHash: s.TokenHash, UserID: s.UserID, CreatedAt: db.now(), ExpiresAt: utc(s.ExpiresAt)}
	return db.fail(db.conn(ctx).Create(&row).Error, "没能登录")
}

// Session 按令牌哈希取未过期的会话；没有或已过期返回 ENOTFOUND。
func (db *DB) Session(ctx context.Context, hash string) (model.WebSession, error) {
	var rows []webSessionRow
	err := db.conn(ctx).Where("token_hash = ? AND expires_at > ?", hash, db.now()).Limit(1).Find(&rows).Error
	if err != nil {
		return model.WebSession{}, db.fail(err, "没能读取登录状态")
	}
	if len(rows) == 0 {
		return model.WebSession{}, model.Errorf(model.ENOTFOUND, "登录已过期，请重新登录。")
	}
	r := rows[0]
	return model.WebSession{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

// DeleteSession 删除会话（退出登录）。
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	err := db.conn(ctx).Where("token_hash = ?", hash).Delete(&webSessionRow{}).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	return db.fail(err, "没能退出登录")
}
