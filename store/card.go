package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/hongqi-dev/hongqi/model"
)

var _ model.CardCodeStore = (*DB)(nil)

// cardCodeRow 是 card_codes 表的一行：企业微信为一张卡片（task_id）给的一个 response_code。
// used_at 只由一条带条件的 UPDATE 从空改为时刻（UseCardCode），所以一个 code 只用一次。
type cardCodeRow struct {
	Code     string     `gorm:"size:191;primaryKey"`
	TaskID   string     `gorm:"size:128;not null;index"`
	Users    string     `gorm:"type:text;not null"` // 能更新的人，用 | 分隔
	Click    bool       `gorm:"not null"`
	IssuedAt time.Time  `gorm:"precision:6;not null"`
	UsedAt   *time.Time `gorm:"precision:6"`
}

func (cardCodeRow) TableName() string { return "card_codes" }

// SaveCardCode 记下卡片的一个 response_code（IssuedAt 为零时记为现在）；已记过的 code 什么也不做。
func (db *DB) SaveCardCode(ctx context.Context, c model.CardCode) error {
	c.Code, c.TaskID = strings.TrimSpace(c.Code), strings.TrimSpace(c.TaskID)
	if c.Code == "" || c.TaskID == "" || len(c.Code) > 191 || len(c.TaskID) > 128 {
		return model.Errorf(model.EINVALID, "卡片的 response_code 或 task_id 为空或太长，没有记下。")
	}
	at := c.IssuedAt
	if at.IsZero() {
		at = db.now()
	}
	row := cardCodeRow{Code: c.Code, TaskID: c.TaskID, Users: strings.Join(c.Users, "|"), Click: c.Click, IssuedAt: utc(at)}
	err := db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	return db.fail(err, "没能记下卡片的 response_code")
}

// CardCodes 返回卡片 taskID 的全部 response_code：发送时的在前，点击的按时间从新到旧。
func (db *DB) CardCodes(ctx context.Context, taskID string) ([]model.CardCode, error) {
	var rows []cardCodeRow
	err := db.conn(ctx).Where("task_id = ?", taskID).Order("click, issued_at DESC, code").Find(&rows).Error
	if err != nil {
		return nil, db.fail(err, "没能读取卡片的 response_code")
	}
	out := make([]model.CardCode, len(rows))
	for i, r := range rows {
		c := model.CardCode{TaskID: r.TaskID, Code: r.Code, Click: r.Click, IssuedAt: r.IssuedAt.UTC()}
		if r.Users != "" {
			c.Users = strings.Split(r.Users, "|")
		}
		if r.UsedAt != nil {
			u := r.UsedAt.UTC()
			c.UsedAt = &u
		}
		out[i] = c
	}
	return out, nil
}

// UseCardCode 用掉 code：没用过、离过期还有 model.CardCodeMargin 以上时才改，并发时只有一个成功。
func (db *DB) UseCardCode(ctx context.Context, code string) (bool, error) {
	now := db.now()
	res := db.conn(ctx).Model(&cardCodeRow{}).
		Where("code = ? AND used_at IS NULL AND issued_at > ?", code, now.Add(-(model.CardCodeValid-model.CardCodeMargin))).
		Update("used_at", now)
	if res.Error != nil {
		return false, db.fail(res.Error, "没能用掉卡片的 response_code")
	}
	return res.RowsAffected == 1, nil
}

// ReleaseCardCode 把用掉的 code 放回：企业微信暂时失败、code 其实没有用上。
func (db *DB) ReleaseCardCode(ctx context.Context, code string) error {
	err := db.conn(ctx).Model(&cardCodeRow{}).Where("code = ?", code).Update("used_at", nil).Error
	return db.fail(err, "没能放回卡片的 response_code")
}
